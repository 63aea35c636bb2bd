"""The session database: its tables (SQLAlchemy Core), the engine for a URL, and migrations on open.

One code path for both backends: a SQLite file under INTERVIEWER_HOME by default, or the server
database named by INTERVIEWER_DATABASE_URL (`postgresql+psycopg://user@host:port/db`). Opening a
database brings its schema to the newest Alembic revision (interviewer/history/migrations): a fresh
database gets every table at once and is stamped, a file made by the old hand-written schema is
stamped at the baseline and upgraded, so old files keep working.
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (Column, Engine, Float, ForeignKey, Index, Integer, MetaData, PrimaryKeyConstraint, Table, Text,
                        create_engine, event, inspect, text)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the revision that matches the schema written before Alembic (sessions and turns)
_MIGRATION_LOCK = 7_416_001  # a Postgres advisory lock key: one process migrates at a time

metadata = MetaData()

sessions = Table(
    "sessions", metadata,
    Column("id", Text, primary_key=True),
    Column("mode", Text, nullable=False),
    Column("scenario", Text),
    Column("title", Text, nullable=False),
    Column("plan", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="active"),
    Column("created", Float, nullable=False),
    Column("updated", Float, nullable=False),
    Column("owner", Text),
    Index("ix_sessions_owner", "owner"),
)

turns = Table(
    "turns", metadata,
    Column("session_id", Text, ForeignKey("sessions.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("role", Text, nullable=False),
    Column("stage", Text),
    Column("kind", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("item_id", Text),
    Column("grade", Text),
    Column("meta", Text, nullable=False, server_default="{}"),
    Column("at", Float, nullable=False),
    PrimaryKeyConstraint("session_id", "seq"),  # two processes can never both write turn N of a session
)

users = Table(
    "users", metadata,
    Column("name", Text, primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("created", Float, nullable=False),
)

coaching = Table(
    "coaching", metadata,
    Column("coach", Text, ForeignKey("users.name", ondelete="CASCADE"), nullable=False),
    Column("candidate", Text, ForeignKey("users.name", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("coach", "candidate"),
)

# Who is answering a session right now: one row per session, held until released or expired.
leases = Table(
    "leases", metadata,
    Column("key", Text, primary_key=True),
    Column("holder", Text, nullable=False),
    Column("expires", Float, nullable=False),
)


def url_for(target: str | Path) -> str:
    """A database URL: `target` as is when it is one, else a SQLite file at that path."""
    target = str(target)
    if "://" in target:
        return target
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{target}"


def make_engine(url: str) -> Engine:
    """An engine for `url`, migrated to the newest schema."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    else:
        # pre_ping: a connection that died with a server restart is replaced instead of failing a turn
        engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, pool_recycle=1800)
    migrate(engine)
    return engine


def _sqlite_connect(dbapi_connection, _record) -> None:
    # SQLAlchemy's documented recipe for real SQLite transactions: the driver leaves BEGIN to us.
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@functools.cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def migrate(engine: Engine) -> None:
    """Bring the database to the newest revision, in one transaction (one process at a time)."""
    script = _script()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        context = MigrationContext.configure(conn)
        current = set(context.get_current_heads())
        if current == set(script.get_heads()):
            return
        if not current:
            if not inspect(conn).has_table("sessions"):  # a new database: every table now, stamped as the newest
                metadata.create_all(conn)
                context.stamp(script, "heads")
                return
            context.stamp(script, BASELINE)  # a file from before Alembic
        config = _config()
        config.attributes["connection"] = conn
        command.upgrade(config, "heads")
