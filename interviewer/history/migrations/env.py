"""Alembic's environment: migrations run on the connection `history.db.migrate` hands over, never from a URL
in a file. By hand: `python -c "from interviewer.history.sessions import open_sessions; open_sessions()"`."""

from alembic import context

from interviewer.history.db import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
