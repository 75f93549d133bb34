from services.migrations import run_env
from sla_tracker.store.tables import Table

run_env(Table.metadata)
