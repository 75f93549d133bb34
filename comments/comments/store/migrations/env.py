from comments.store.tables import Table
from services.migrations import run_env

run_env(Table.metadata)
