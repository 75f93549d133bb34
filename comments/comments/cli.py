"""`python -m comments serve | migrate | load-city DIR | openapi`."""

from comments.city import load_city
from comments.settings import CommentsSettings
from services.cli import service_cli

cli = service_cli(
    settings=CommentsSettings,
    app_factory="comments.app:create_app",
    migrations="comments:store/migrations",
    load_city=load_city,
    help="Comments: public and internal comments, with photos, on appeals.",
)
