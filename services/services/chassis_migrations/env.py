from services.migrations import run_chassis_env

run_chassis_env()
