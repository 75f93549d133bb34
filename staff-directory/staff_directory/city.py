"""A city directory holds no staff: people and their roles come from the identity
provider's claims and from administrators, through the API."""

from pathlib import Path

from services.db import Database
from services.kafka import TopicAdmin
from staff_directory.settings import DirectorySettings


async def load_city(
    settings: DirectorySettings, db: Database, directory: Path, topics: TopicAdmin
) -> str:
    return "nothing (staff are granted roles through the API)"
