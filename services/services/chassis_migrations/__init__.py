"""The chassis's own tables (outbox, inbox), migrated once in every service's database."""
