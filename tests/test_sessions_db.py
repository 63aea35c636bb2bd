"""The session store on both of its databases: a SQLite file and a real PostgreSQL server started by the
test (evals/support/postgres.py). Same code path, same assertions; plus the migrations from the schema
written before Alembic, turn numbers under concurrent writers, the cross-process busy lease, backups,
and a database that goes away and comes back."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from interviewer import SessionStore, Turn
from interviewer.errors import SessionBusy, SessionNotFound, StoreUnavailable
from interviewer.history import db
from interviewer.models import Grade

OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, mode TEXT NOT NULL, scenario TEXT, title TEXT NOT NULL, plan TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active', created REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL REFERENCES sessions(id), seq INTEGER NOT NULL, role TEXT NOT NULL, stage TEXT,
    kind TEXT NOT NULL, text TEXT NOT NULL, item_id TEXT, grade TEXT, meta TEXT NOT NULL DEFAULT '{}',
    at REAL NOT NULL, PRIMARY KEY (session_id, seq));
"""


@pytest.fixture
def store(database):
    s = SessionStore(database)
    yield s
    s.close()


def _schema_drift(store: SessionStore) -> list:
    """What Alembic would change to make the database match the tables in history/db.py. The old SQLite file
    spells two things differently with the same meaning, left alone: REAL for a float column, and a TEXT
    primary key without NOT NULL."""
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), db.metadata)
    flat = [d for diff in diffs for d in (diff if isinstance(diff, list) else [diff])]
    return [d for d in flat if not (d[0] == "modify_type" and str(d[5]) == "REAL" and str(d[6]) == "FLOAT")
            and not (d[0] == "modify_nullable" and (d[2], d[3]) == ("sessions", "id"))]


def test_sessions_and_turns_round_trip_with_owners(store):
    mine = store.create("design", "Video recs", {"slots": [{"id": "a"}]}, scenario="video-recommendation", owner="ann")
    theirs = store.create("grill", "Grill", {"slots": []}, owner="bob")
    local = store.create("drill", "Drill", {"slots": []})
    grade = Grade(score=3.0, normalised=0.75, backend="semantic")
    first = store.append(mine.id, Turn(role="interviewer", kind="question", text="Frame it?", stage="framing"))
    second = store.append(mine.id, Turn(role="candidate", kind="answer", text="Ranking ✓ 'quoted' \"x\"", grade=grade,
                                        meta={"seconds": 4.5}))
    assert (first.seq, second.seq) == (1, 2)
    got = store.get(mine.id)
    assert (got.owner, got.turns, got.scenario, got.plan) == ("ann", 2, "video-recommendation", {"slots": [{"id": "a"}]})
    assert got.updated == pytest.approx(second.at)
    back = store.turns(mine.id)
    assert [t.text for t in back] == ["Frame it?", "Ranking ✓ 'quoted' \"x\""]
    assert back[1].grade.score == 3.0 and back[1].meta.seconds == 4.5 and back[0].grade is None
    assert [s.id for s in store.list()] == [local.id, theirs.id, mine.id]  # newest first
    assert [s.id for s in store.list(owners=["ann"])] == [mine.id]
    assert [s.id for s in store.list(owners=["ann", None])] == [local.id, mine.id]
    assert store.list(owners=[]) == []
    store.set_status(mine.id, "ended")
    assert [s.id for s in store.list(status="ended")] == [mine.id]
    with pytest.raises(SessionNotFound, match="interviewer sessions list"):
        store.get("nope")


def test_concurrent_writers_never_lose_or_duplicate_a_turn(database):
    """Four writers, each with its own engine (as four app processes would be), append to one session at once."""
    stores = [SessionStore(database) for _ in range(4)]
    info = stores[0].create("grill", "race", {"slots": []})
    errors: list[BaseException] = []
    start = threading.Barrier(len(stores))

    def write(n: int, s: SessionStore):
        try:
            start.wait()
            for i in range(15):
                s.append(info.id, Turn(role="candidate", kind="answer", text=f"w{n}-{i}"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n, s)) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    saved = stores[0].turns(info.id)
    assert [t.seq for t in saved] == list(range(1, 61))
    assert sorted(t.text for t in saved) == sorted(f"w{n}-{i}" for n in range(4) for i in range(15))
    for n in range(4):  # each writer's turns keep their own order
        assert [t.text for t in saved if t.text.startswith(f"w{n}-")] == [f"w{n}-{i}" for i in range(15)]
    for s in stores:
        s.close()


def test_the_busy_lease_holds_across_stores_and_expires(database):
    one, two = SessionStore(database), SessionStore(database)
    try:
        assert one.claim("answer:s1", "p1", ttl_s=30)
        assert not two.claim("answer:s1", "p2", ttl_s=30)
        assert two.claim("answer:s2", "p2", ttl_s=30)  # another session is free
        two.release("answer:s1", "p2")  # not the holder: nothing happens
        assert not two.claim("answer:s1", "p2")
        one.release("answer:s1", "p1")
        assert two.claim("answer:s1", "p2", ttl_s=0.2)
        time.sleep(0.3)
        assert one.claim("answer:s1", "p1")  # an expired lease (a killed process) is free again
        with pytest.raises(SessionBusy, match="still answering"):
            with two.answering("s1"):
                pass
        one.release("answer:s1", "p1")
        with two.answering("s1"):
            with pytest.raises(SessionBusy):
                with one.answering("s1"):
                    pass
        with one.answering("s1"):  # released when the block ends
            pass
    finally:
        one.close()
        two.close()


def test_a_lease_held_by_a_killed_process_on_this_machine_is_free_at_once(database):
    store = SessionStore(database)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    try:
        assert store.claim("answer:s9", f"{socket.gethostname()}:{gone.pid}:1:x", ttl_s=300)
        assert store.claim("answer:s9", "someone new")  # the holder's process is gone: no five-minute wait
        assert not store.claim("answer:s9", "a third")  # a live holder (this test's "someone new" is not a pid) keeps it
        assert store.claim("answer:s8", f"{socket.gethostname()}:{os.getpid()}:1:x")
        assert not store.claim("answer:s8", "other")  # this process is alive: its lease holds
        assert store.claim("answer:s7", f"elsewhere:{gone.pid}:1:x")
        assert not store.claim("answer:s7", "other")  # another machine's process: only expiry frees it
    finally:
        store.close()


def test_a_file_written_by_the_old_schema_opens_and_is_migrated(home):
    path = home / "sessions.sqlite3"
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as raw:
        raw.executescript(OLD_SCHEMA)
        raw.execute("INSERT INTO sessions VALUES ('old1', 'grill', NULL, 'Old grill', '{\"slots\": []}', 'ended', 1.0, 2.0)")
        raw.execute("INSERT INTO turns VALUES ('old1', 1, 'candidate', 'framing', 'answer', 'an old answer', NULL, NULL, "
                    "'{\"seconds\": 3.0}', 1.5)")
    raw.close()
    store = SessionStore(path)
    try:
        info = store.get("old1")
        assert (info.title, info.status, info.turns, info.owner) == ("Old grill", "ended", 1, None)
        assert store.turns("old1")[0].text == "an old answer" and store.turns("old1")[0].meta.seconds == 3.0
        assert store.append("old1", Turn(role="candidate", kind="answer", text="new")).seq == 2
        assert store.claim("answer:old1", "me")
        assert _schema_drift(store) == []  # migrated to exactly the tables a new database gets
    finally:
        store.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [("0002",)]
    raw.close()


def test_every_migration_runs_from_the_baseline_on_each_database(database):
    from alembic import command

    config = db._config()
    engine = db.create_engine(db.url_for(database))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, db.BASELINE)  # the old tables, written by the baseline revision itself
        conn.exec_driver_sql("INSERT INTO sessions VALUES ('b1', 'grill', NULL, 'Base', '{\"slots\": []}', 'active', 1, 1)")
    engine.dispose()
    store = SessionStore(database)
    try:
        assert store.get("b1").title == "Base"
        assert _schema_drift(store) == []
    finally:
        store.close()


def test_a_new_database_has_no_drift_from_the_tables(store):
    assert _schema_drift(store) == []


def test_dump_and_load_restore_a_session_exactly(store, database, tmp_path):
    info = store.create("grill", "Backup me", {"slots": []}, owner="ann")
    for text in ("one", "two"):
        store.append(info.id, Turn(role="candidate", kind="answer", text=text, meta={"raw": text}))
    data = store.dump(info.id)
    other = SessionStore(tmp_path / "restored.sqlite3")
    try:
        assert other.load(data) and not other.load(data)  # the second time it is already there
        assert other.get(info.id).model_dump(exclude={"turns"}) == store.get(info.id).model_dump(exclude={"turns"})
        assert [t.model_dump() for t in other.turns(info.id)] == [t.model_dump() for t in store.turns(info.id)]
    finally:
        other.close()


def test_a_database_that_goes_away_is_reported_and_comes_back(postgres):
    """PostgreSQL restarted under a running store: the write in between fails with a clear error (nothing is
    silently lost), and the next one goes through on a fresh connection."""
    store = SessionStore(postgres.create_database("restart"))
    try:
        info = store.create("grill", "restart", {"slots": []})
        store.append(info.id, Turn(role="candidate", kind="answer", text="before"))
        postgres.stop()
        try:
            with pytest.raises(StoreUnavailable, match="nothing of this request was saved"):
                store.append(info.id, Turn(role="candidate", kind="answer", text="during"))
        finally:
            postgres.start()
        store.append(info.id, Turn(role="candidate", kind="answer", text="after"))
        assert [t.text for t in store.turns(info.id)] == ["before", "after"]
    finally:
        store.close()
