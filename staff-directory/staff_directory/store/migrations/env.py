from services.migrations import run_env
from staff_directory.store.tables import Table

run_env(Table.metadata)
