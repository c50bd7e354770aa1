"""The app database (DATABASE_URL, or SQLite in POLICYBOT_HOME): readers' feedback, the
question log and the operators' annotations, with the Alembic migrations that make it."""
