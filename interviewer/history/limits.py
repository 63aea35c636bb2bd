"""Limits for a shared server, checked before an answer is taken: its size, the sender's answers per
minute, and how long the session has been idle. Counted from the transcript rows in the session
database, so they hold across every app process; each refusal says what was hit and what to do."""

from __future__ import annotations

import time

from sqlalchemy import func, select, update

from ..config import Settings, get_settings
from ..errors import LimitExceeded
from ..models import SessionInfo
from .db import sessions, turns
from .sessions import SessionStore, open_sessions

WINDOW_S = 60.0


def answers_in_window(store: SessionStore, info: SessionInfo, now: float | None = None) -> int:
    """Candidate turns in the last minute: across all of the owner's sessions, or this session's when it has none."""
    since = (now or time.time()) - WINDOW_S
    query = select(func.count()).select_from(turns).where(turns.c.role == "candidate", turns.c.at > since)
    if info.owner is None:
        query = query.where(turns.c.session_id == info.id)
    else:
        query = query.join(sessions, sessions.c.id == turns.c.session_id).where(sessions.c.owner == info.owner)
    with store.transaction() as conn:
        return conn.execute(query).scalar_one()


def check_answer(info: SessionInfo, text: str, settings: Settings | None = None, store: SessionStore | None = None) -> None:
    """Raise LimitExceeded when `text` may not be sent to session `info` now (each limit at 0 is off)."""
    settings = settings or get_settings()
    store = store or open_sessions(settings)
    if settings.max_request_chars and len(text or "") > settings.max_request_chars:
        raise LimitExceeded(f"That message is {len(text):,} characters; this server takes at most "
                            f"{settings.max_request_chars:,} in one answer. Send the key points, or split it in two.")
    idle_s = time.time() - info.updated
    if settings.idle_timeout_min and idle_s > settings.idle_timeout_min * 60:
        if info.status == "active":  # closed, and left as idle as it was: it stays refused
            with store.transaction() as conn:
                conn.execute(update(sessions).where(sessions.c.id == info.id).values(status="ended"))
        raise LimitExceeded(f"This interview was idle for more than {settings.idle_timeout_min:g} minutes, so it was "
                            "closed. Its report is in the Report tab; start a new interview to carry on.")
    if settings.answers_per_minute and answers_in_window(store, info) >= settings.answers_per_minute:
        raise LimitExceeded(f"Slow down: this server takes at most {settings.answers_per_minute} answers a minute from "
                            "one person. Wait a moment and send it again.")
