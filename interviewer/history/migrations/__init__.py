"""Alembic migrations of the session database, run by `history.db.migrate` when a store opens."""
