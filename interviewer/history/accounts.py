"""Accounts, off by default (INTERVIEWER_AUTH=on): users with a role, coach assignments, and who may see what.

With accounts off there is one person and no login: every function here that takes a user takes
None for them, and None may read and change every session. With accounts on:

- a *candidate* reads and changes only the sessions they own;
- a *coach* owns sessions of their own too, and also reads (never changes) the sessions of the
  candidates assigned to them (`interviewer users assign COACH CANDIDATE`).

Someone else's session reads as "no such session", so ids cannot be probed. Passwords are stored
as argon2id hashes (argon2-cffi); the users live in the session database, so every app process
sees the same accounts.
"""

from __future__ import annotations

import time
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import AccessDenied, AccountError, SessionNotFound
from ..models import SessionInfo
from .db import coaching, users
from .sessions import SessionStore, open_sessions

Role = Literal["candidate", "coach"]
ROLES: tuple[str, ...] = ("candidate", "coach")
MIN_PASSWORD = 8

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password anyone has")  # an unknown name costs a verify too: no timing tell


class User(BaseModel):
    name: str
    role: Role
    created: float
    candidates: list[str] = []  # a coach's assigned candidates


def _store(store: SessionStore | None) -> SessionStore:
    return store or open_sessions()


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"A password needs at least {MIN_PASSWORD} characters.")


def add_user(name: str, password: str, role: str = "candidate", store: SessionStore | None = None) -> User:
    name = (name or "").strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise AccountError("A user name is 1 to 64 characters without spaces.")
    if role not in ROLES:
        raise AccountError(f"Unknown role '{role}'. Valid roles: {', '.join(ROLES)}.")
    _check_password(password)
    now = time.time()
    try:
        with _store(store).transaction() as conn:
            conn.execute(insert(users).values(name=name, password_hash=_hasher.hash(password), role=role, created=now))
    except IntegrityError:
        raise AccountError(f"There is already a user '{name}'.") from None
    return User(name=name, role=role, created=now)


def get_user(name: str, store: SessionStore | None = None) -> User | None:
    with _store(store).transaction() as conn:
        row = conn.execute(select(users).where(users.c.name == name)).mappings().first()
        if row is None:
            return None
        assigned = conn.execute(select(coaching.c.candidate).where(coaching.c.coach == name)
                                .order_by(coaching.c.candidate)).scalars().all()
    return User(name=row["name"], role=row["role"], created=row["created"], candidates=list(assigned))


def _need(name: str, store: SessionStore | None) -> User:
    user = get_user(name, store)
    if user is None:
        raise AccountError(f"No user '{name}'. See `interviewer users list`.")
    return user


def list_users(store: SessionStore | None = None) -> list[User]:
    with _store(store).transaction() as conn:
        names = conn.execute(select(users.c.name).order_by(users.c.name)).scalars().all()
    return [_need(n, store) for n in names]


def remove_user(name: str, store: SessionStore | None = None) -> None:
    """The account and its coach assignments go; the sessions stay (an admin can still export them)."""
    _need(name, store)
    with _store(store).transaction() as conn:
        conn.execute(delete(coaching).where((coaching.c.coach == name) | (coaching.c.candidate == name)))
        conn.execute(delete(users).where(users.c.name == name))


def set_password(name: str, password: str, store: SessionStore | None = None) -> None:
    _need(name, store)
    _check_password(password)
    with _store(store).transaction() as conn:
        conn.execute(update(users).where(users.c.name == name).values(password_hash=_hasher.hash(password)))


def assign(coach: str, candidate: str, store: SessionStore | None = None, remove: bool = False) -> None:
    """Let `coach` read `candidate`'s sessions (or stop, with remove=True)."""
    if _need(coach, store).role != "coach":
        raise AccountError(f"'{coach}' is not a coach (add one with `interviewer users add NAME --role coach`).")
    if _need(candidate, store).role != "candidate":
        raise AccountError(f"'{candidate}' is not a candidate.")
    with _store(store).transaction() as conn:
        conn.execute(delete(coaching).where(coaching.c.coach == coach, coaching.c.candidate == candidate))
        if not remove:
            conn.execute(insert(coaching).values(coach=coach, candidate=candidate))


def authenticate(name: str, password: str, store: SessionStore | None = None) -> User | None:
    """The user when the password is theirs, else None (the same time either way)."""
    with _store(store).transaction() as conn:
        stored = conn.execute(select(users.c.password_hash).where(users.c.name == (name or ""))).scalar_one_or_none()
    try:
        _hasher.verify(stored or _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if stored is None:
        return None
    if _hasher.check_needs_rehash(stored):
        set_password(name, password, store)
    return get_user(name, store)


# --- who may see what ---------------------------------------------------------------------------


def can_read(user: User | None, info: SessionInfo) -> bool:
    if user is None:
        return True
    return info.owner == user.name or (user.role == "coach" and info.owner in user.candidates)


def can_write(user: User | None, info: SessionInfo) -> bool:
    return user is None or info.owner == user.name


def visible_sessions(user: User | None, store: SessionStore | None = None, status: str | None = None) -> list[SessionInfo]:
    """The sessions `user` may read, newest first (every session with accounts off)."""
    owners = None if user is None else [user.name, *(user.candidates if user.role == "coach" else [])]
    return _store(store).list(status=status, owners=owners)


def check_access(user: User | None, session_id: str, write: bool = False, store: SessionStore | None = None) -> SessionInfo:
    """The session if `user` may read it (and change it, with write=True); else SessionNotFound or AccessDenied."""
    info = _store(store).get(session_id)
    if not can_read(user, info):
        raise SessionNotFound(f"No session '{session_id}'. See `interviewer sessions list`.")
    if write and not can_write(user, info):
        raise AccessDenied("This is one of your candidates' sessions: a coach can read it and its report, not answer in it.")
    return info


def signed_in(name: str | None, auth: bool, store: SessionStore | None = None) -> User | None:
    """The user a request belongs to: None with accounts off; with them on, the named user (AccessDenied if the
    request has no user or the account was removed since)."""
    if not auth:
        return None
    user = get_user(name, store) if name else None
    if user is None:
        raise AccessDenied("Sign in first: this server has accounts (INTERVIEWER_AUTH=on).")
    return user
