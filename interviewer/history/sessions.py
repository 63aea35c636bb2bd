"""Interview sessions: one row per turn, written when the turn happens.

The transcript is the single record of an interview. The agent rebuilds its state from it, so a
session survives a crash or a restart with every completed turn, any app process can serve any
session's next turn, and the report, the progress view and the evals all read the same rows.
The rows live in a SQLite file by default or a server database (history/db.py); the busy lease
that keeps two requests from answering one session at once lives there too, so it holds across
processes.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from ..config import Settings, get_settings
from ..errors import SessionBusy, SessionNotFound, StoreUnavailable
from ..models import Grade, SessionInfo, Turn, TurnMeta
from . import db
from .db import leases, sessions, turns

APPEND_TRIES = 5  # a turn number taken by another process is retried with the next one
BUSY_FOR_S = 300.0  # a lease not released (a dropped request, a killed process) is free again after this


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:6]}"


class SessionStore:
    """Sessions and turns in one database (a SQLite file or a URL). Safe to share between threads and processes."""

    def __init__(self, target: Path | str):
        self.url = db.url_for(target)
        self.path = None if "://" in str(target) else Path(target)
        self.engine = db.make_engine(self.url)

    @contextmanager
    def transaction(self) -> Iterator:
        """One transaction; a database that does not answer becomes StoreUnavailable (nothing of it was saved)."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except (OperationalError, InterfaceError) as error:  # the connection, not the SQL: a bug still raises as is
            raise StoreUnavailable(f"The session database is not answering ({type(error.orig).__name__}); "
                                   "nothing of this request was saved. Try again in a moment.") from error

    def close(self) -> None:
        self.engine.dispose()

    # --- sessions ---------------------------------------------------------------------------

    def create(self, mode: str, title: str, plan: dict, scenario: str | None = None, owner: str | None = None) -> SessionInfo:
        now = time.time()
        info = SessionInfo(id=uuid.uuid4().hex[:12], mode=mode, scenario=scenario, title=title, plan=plan,
                           created=now, updated=now, owner=owner)
        with self.transaction() as conn:
            conn.execute(insert(sessions).values(id=info.id, mode=mode, scenario=scenario, title=title,
                                                 plan=json.dumps(plan), status="active", created=now, updated=now,
                                                 owner=owner))
        return info

    def _select(self):
        count = select(func.count()).where(turns.c.session_id == sessions.c.id).scalar_subquery()
        return select(sessions, count.label("turns"))

    def get(self, session_id: str) -> SessionInfo:
        with self.transaction() as conn:
            row = conn.execute(self._select().where(sessions.c.id == session_id)).mappings().first()
        if row is None:
            raise SessionNotFound(f"No session '{session_id}'. See `interviewer sessions list`.")
        return _info(row)

    def list(self, status: str | None = None, owners: Collection[str | None] | None = None) -> list[SessionInfo]:
        """Sessions newest first; only those of `owners` when given (None in it: sessions with no owner)."""
        query = self._select()
        if status:
            query = query.where(sessions.c.status == status)
        if owners is not None:
            named = sessions.c.owner.in_([o for o in owners if o is not None])
            query = query.where(or_(named, sessions.c.owner.is_(None)) if None in owners else named)
        with self.transaction() as conn:
            rows = conn.execute(query.order_by(sessions.c.created.desc())).mappings().all()
        return [_info(r) for r in rows]

    def set_status(self, session_id: str, status: str) -> None:
        with self.transaction() as conn:
            conn.execute(update(sessions).where(sessions.c.id == session_id).values(status=status, updated=time.time()))

    def delete(self, session_id: str) -> None:
        """Remove a session and its transcript for good (raises SessionNotFound if there is none)."""
        self.get(session_id)
        with self.transaction() as conn:
            conn.execute(delete(turns).where(turns.c.session_id == session_id))
            conn.execute(delete(leases).where(leases.c.key == session_id))
            conn.execute(delete(sessions).where(sessions.c.id == session_id))

    # --- turns ------------------------------------------------------------------------------

    def append(self, session_id: str, turn: Turn) -> Turn:
        """Write one turn now (its own transaction) and return it with its sequence number.

        Writers of one session queue on its row; should two still pick the same number (the primary key
        on (session_id, seq) refuses the second row), the turn is written again with the next."""
        for attempt in range(APPEND_TRIES):
            try:
                with self.transaction() as conn:
                    # the session row first: its row lock queues the other writers of this session (Postgres)
                    conn.execute(update(sessions).where(sessions.c.id == session_id).values(updated=turn.at))
                    seq = conn.execute(select(func.coalesce(func.max(turns.c.seq), 0) + 1)
                                       .where(turns.c.session_id == session_id)).scalar_one()
                    numbered = turn.model_copy(update={"seq": seq})
                    conn.execute(insert(turns).values(_turn_row(session_id, numbered)))
                return numbered
            except IntegrityError:
                if attempt == APPEND_TRIES - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    def turns(self, session_id: str) -> list[Turn]:
        with self.transaction() as conn:
            rows = conn.execute(select(turns).where(turns.c.session_id == session_id).order_by(turns.c.seq)).mappings().all()
        return [Turn(seq=r["seq"], role=r["role"], stage=r["stage"], kind=r["kind"], text=r["text"], item_id=r["item_id"],
                     grade=Grade.model_validate_json(r["grade"]) if r["grade"] else None,
                     meta=TurnMeta.model_validate_json(r["meta"]), at=r["at"]) for r in rows]

    # --- backups ----------------------------------------------------------------------------

    def dump(self, session_id: str) -> dict:
        """One session and its turns as plain JSON data (`interviewer sessions export --all`)."""
        return {"session": self.get(session_id).model_dump(mode="json"),
                "turns": [t.model_dump(mode="json") for t in self.turns(session_id)]}

    def load(self, data: dict) -> bool:
        """Write a dumped session back with its id and turn numbers; False (and nothing written) if it is there."""
        info = SessionInfo.model_validate(data["session"])
        rows = [_turn_row(info.id, Turn.model_validate(t)) for t in data["turns"]]
        try:
            with self.transaction() as conn:
                conn.execute(insert(sessions).values(id=info.id, mode=info.mode, scenario=info.scenario, title=info.title,
                                                     plan=json.dumps(info.plan), status=info.status, created=info.created,
                                                     updated=info.updated, owner=info.owner))
                if rows:
                    conn.execute(insert(turns), rows)
        except IntegrityError:
            return False
        return True

    # --- who is answering -------------------------------------------------------------------

    def claim(self, key: str, holder: str, ttl_s: float = BUSY_FOR_S) -> bool:
        """Take the lease on `key` for `holder` unless someone else holds an unexpired one (atomic, across processes)."""
        for _ in range(2):
            now = time.time()
            try:
                with self.transaction() as conn:
                    conn.execute(delete(leases).where(leases.c.key == key, leases.c.expires < now))
                    conn.execute(insert(leases).values(key=key, holder=holder, expires=now + ttl_s))
                return True
            except IntegrityError:
                if not self._drop_if_dead(key):
                    return False
        return False

    def _drop_if_dead(self, key: str) -> bool:
        """Free a lease whose holder was a process on this machine that no longer runs (killed mid-answer)."""
        with self.transaction() as conn:
            holder = conn.execute(select(leases.c.holder).where(leases.c.key == key)).scalar_one_or_none()
            if holder is None:
                return True
            host, _, rest = holder.partition(":")
            pid = rest.split(":", 1)[0]
            if host != socket.gethostname() or not pid.isdigit() or _alive(int(pid)):
                return False
            conn.execute(delete(leases).where(leases.c.key == key, leases.c.holder == holder))
        return True

    def release(self, key: str, holder: str) -> None:
        with self.transaction() as conn:
            conn.execute(delete(leases).where(leases.c.key == key, leases.c.holder == holder))

    @contextmanager
    def answering(self, session_id: str, ttl_s: float = BUSY_FOR_S) -> Iterator[str]:
        """Hold the session's busy lease while a turn is answered; SessionBusy if another request holds it."""
        holder = _holder()
        if not self.claim(f"answer:{session_id}", holder, ttl_s):
            raise SessionBusy("The interviewer is still answering your last message.")
        try:
            yield holder
        finally:
            self._release_soon(f"answer:{session_id}", holder)

    def _release_soon(self, key: str, holder: str, tries: int = 6) -> None:
        """Release, waiting out a database restart for a few seconds; past that the lease expires on its own."""
        for attempt in range(tries):
            try:
                self.release(key, holder)
                return
            except StoreUnavailable:
                time.sleep(0.25 * 2 ** attempt if attempt < tries - 1 else 0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _turn_row(session_id: str, turn: Turn) -> dict:
    return {"session_id": session_id, "seq": turn.seq, "role": turn.role, "stage": turn.stage, "kind": turn.kind,
            "text": turn.text, "item_id": turn.item_id, "grade": turn.grade.model_dump_json() if turn.grade else None,
            "meta": turn.meta.model_dump_json(exclude_none=True), "at": turn.at}


def _info(row) -> SessionInfo:
    return SessionInfo(id=row["id"], mode=row["mode"], scenario=row["scenario"], title=row["title"],
                       plan=json.loads(row["plan"]), status=row["status"], created=row["created"],
                       updated=row["updated"], turns=row["turns"], owner=row["owner"])


_stores: dict[str, SessionStore] = {}
_stores_lock = threading.Lock()


def database_target(settings: Settings) -> str | Path:
    """INTERVIEWER_DATABASE_URL when set, else the SQLite file under INTERVIEWER_HOME."""
    return settings.database_url or settings.sessions_db


def open_sessions(settings: Settings | None = None) -> SessionStore:
    """The configured session store (one engine per database per process)."""
    settings = settings or get_settings()
    target = database_target(settings)
    with _stores_lock:
        key = str(target)
        if key not in _stores:
            _stores[key] = SessionStore(target)
        return _stores[key]


def forget_sessions() -> None:
    with _stores_lock:
        for store in _stores.values():
            store.close()
        _stores.clear()
