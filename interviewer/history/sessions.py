"""Interview sessions in SQLite: one row per turn, written when the turn happens.

The transcript is the single record of an interview. The agent rebuilds its state from it, so a
session survives a crash or a restart with every completed turn, and the report, the progress view
and the evals all read the same rows.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator

from ..config import Settings, get_settings
from ..errors import SessionNotFound
from ..models import Grade, SessionInfo, Turn, TurnMeta

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    mode TEXT NOT NULL,
    scenario TEXT,
    title TEXT NOT NULL,
    plan TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    seq INTEGER NOT NULL,
    role TEXT NOT NULL,
    stage TEXT,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    item_id TEXT,
    grade TEXT,
    meta TEXT NOT NULL DEFAULT '{}',
    at REAL NOT NULL,
    PRIMARY KEY (session_id, seq)
);
"""

class SessionStore:
    """A SQLite file of sessions and turns. Safe to share between threads of one process."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- sessions ---------------------------------------------------------------------------

    def create(self, mode: str, title: str, plan: dict, scenario: str | None = None) -> SessionInfo:
        now = time.time()
        info = SessionInfo(id=uuid.uuid4().hex[:12], mode=mode, scenario=scenario, title=title, plan=plan,
                           created=now, updated=now)
        with self._tx() as db:
            db.execute("INSERT INTO sessions (id, mode, scenario, title, plan, status, created, updated) "
                       "VALUES (?, ?, ?, ?, ?, 'active', ?, ?)",
                       (info.id, mode, scenario, title, json.dumps(plan), now, now))
        return info

    def get(self, session_id: str) -> SessionInfo:
        with self._lock:
            row = self._db.execute(
                "SELECT id, mode, scenario, title, plan, status, created, updated, "
                "(SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id) FROM sessions s WHERE id = ?",
                (session_id,)).fetchone()
        if row is None:
            raise SessionNotFound(f"No session '{session_id}'. See `interviewer sessions list`.")
        return _info(row)

    def list(self, status: str | None = None) -> list[SessionInfo]:
        query = ("SELECT id, mode, scenario, title, plan, status, created, updated, "
                 "(SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id) FROM sessions s")
        args: tuple = ()
        if status:
            query += " WHERE status = ?"
            args = (status,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY created DESC", args).fetchall()
        return [_info(r) for r in rows]

    def set_status(self, session_id: str, status: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE sessions SET status = ?, updated = ? WHERE id = ?", (status, time.time(), session_id))

    def delete(self, session_id: str) -> None:
        """Remove a session and its transcript for good (raises SessionNotFound if there is none)."""
        self.get(session_id)
        with self._tx() as db:
            db.execute("DELETE FROM turns WHERE session_id = ?", (session_id,))
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    # --- turns ------------------------------------------------------------------------------

    def append(self, session_id: str, turn: Turn) -> Turn:
        """Write one turn now (its own transaction) and return it with its sequence number."""
        with self._tx() as db:
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE session_id = ?",
                             (session_id,)).fetchone()[0]
            turn = turn.model_copy(update={"seq": seq})
            db.execute(
                "INSERT INTO turns (session_id, seq, role, stage, kind, text, item_id, grade, meta, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, seq, turn.role, turn.stage, turn.kind, turn.text, turn.item_id,
                 turn.grade.model_dump_json() if turn.grade else None, turn.meta.model_dump_json(exclude_none=True), turn.at))
            db.execute("UPDATE sessions SET updated = ? WHERE id = ?", (turn.at, session_id))
        return turn

    def turns(self, session_id: str) -> list[Turn]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, role, stage, kind, text, item_id, grade, meta, at FROM turns "
                "WHERE session_id = ? ORDER BY seq", (session_id,)).fetchall()
        return [Turn(seq=r[0], role=r[1], stage=r[2], kind=r[3], text=r[4], item_id=r[5],
                     grade=Grade.model_validate_json(r[6]) if r[6] else None, meta=TurnMeta.model_validate_json(r[7]), at=r[8])
                for r in rows]


def _info(row) -> SessionInfo:
    return SessionInfo(id=row[0], mode=row[1], scenario=row[2], title=row[3], plan=json.loads(row[4]),
                       status=row[5], created=row[6], updated=row[7], turns=row[8])


_stores: dict[Path, SessionStore] = {}
_stores_lock = threading.Lock()


def open_sessions(settings: Settings | None = None) -> SessionStore:
    """The session store under INTERVIEWER_HOME (one connection per file per process)."""
    settings = settings or get_settings()
    path = settings.sessions_db
    with _stores_lock:
        if path not in _stores:
            _stores[path] = SessionStore(path)
        return _stores[path]


def forget_sessions() -> None:
    with _stores_lock:
        for store in _stores.values():
            store.close()
        _stores.clear()
