"""Alembic's entry point: runs the migrations on the connection Database.migrate opened, in
its transaction (which holds the migration lock)."""

from alembic import context

context.configure(connection=context.config.attributes["connection"])
with context.begin_transaction():
    context.run_migrations()
