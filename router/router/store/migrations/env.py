from sqlmodel import SQLModel

import router.store.tables  # noqa: F401  (registers the tables)
from services.migrations import run_env

run_env(SQLModel.metadata)
