"""A city's comments service starts empty: who may speak on each appeal comes from
`appeal.submitted` and `appeal.events`, comments from people."""

from pathlib import Path

from comments.settings import CommentsSettings
from services.db import Database
from services.kafka import TopicAdmin


async def load_city(
    settings: CommentsSettings, db: Database, directory: Path, topics: TopicAdmin
) -> str:
    return "nothing (appeals and comments arrive as people write them)"
