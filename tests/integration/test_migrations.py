"""Each service's migrations, and the chassis's in the same database, build exactly the
schema their tables describe."""

import os
import subprocess
import sys

import pytest

from contracts.declarations import declared_services
from tests.integration.platform import Platform, ServiceProcess

CHECK = """
import sys
from alembic import command
from services.migrations import alembic_config
from services.schema import CHASSIS_MIGRATIONS
command.check(alembic_config(CHASSIS_MIGRATIONS, sys.argv[2]))
command.check(alembic_config(sys.argv[1] + ":store/migrations", sys.argv[2]))
"""


@pytest.mark.parametrize("name", [d.name for d in declared_services()])
def test_migrations_match_the_tables(platform: Platform, name: str) -> None:
    service: ServiceProcess = platform[name]
    done = subprocess.run(
        [sys.executable, "-c", CHECK, service.module, service.database_url],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=120,
    )
    assert done.returncode == 0, (
        f"{service.module}: tables and migrations differ:\n{done.stderr[-2000:]}"
    )
