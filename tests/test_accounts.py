"""Accounts and limits in the package (no server): users and roles through the CLI, argon2 hashes, who may
read or change which session, backups through `sessions export --all` / `import`, and the shared-server
limits (answer size, answers a minute across sessions, idle timeout), each against both databases."""

from __future__ import annotations

import json
import time

import pytest
from typer.testing import CliRunner

from interviewer import SessionStore, Turn, accounts, check_answer
from interviewer.cli import app
from interviewer.config import Settings
from interviewer.errors import AccessDenied, AccountError, LimitExceeded, SessionNotFound

PASSWORD = "a long enough secret"
runner = CliRunner()


def _cli(*args: str, stdin: str | None = None):
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


def test_users_are_managed_from_the_cli_with_argon2_hashes(home):
    assert _cli("users", "add", "ann", "--password-stdin", stdin=PASSWORD + "\n") == (0, "Added candidate 'ann'.\n")
    assert _cli("users", "add", "cora", "--role", "coach", "--password-stdin", stdin=PASSWORD + "\n")[0] == 0
    code, out = _cli("users", "add", "ann", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 1 and "already a user 'ann'" in out
    code, out = _cli("users", "add", "bob", "--password-stdin", stdin="short\n")
    assert code == 1 and "at least 8 characters" in out
    assert _cli("users", "assign", "cora", "ann")[0] == 0
    code, out = _cli("users", "assign", "ann", "cora")
    assert code == 1 and "not a coach" in out
    listed = json.loads(_cli("users", "list", "--json")[1])
    assert [(u["name"], u["role"], u["candidates"]) for u in listed] == [("ann", "candidate", []), ("cora", "coach", ["ann"])]
    with SessionStore(home / "sessions.sqlite3").engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM users WHERE name = 'ann'").scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.authenticate("ann", PASSWORD).role == "candidate"
    assert accounts.authenticate("ann", "a wrong password") is None
    assert accounts.authenticate("nobody", PASSWORD) is None
    assert _cli("users", "passwd", "ann", "--password-stdin", stdin="another long secret\n")[0] == 0
    assert accounts.authenticate("ann", PASSWORD) is None and accounts.authenticate("ann", "another long secret")
    assert _cli("users", "remove", "ann")[0] == 0
    assert accounts.authenticate("ann", "another long secret") is None
    assert accounts.get_user("cora").candidates == []  # the assignment went with the account


def test_who_may_read_and_change_which_session(database):
    store = SessionStore(database)
    for name, role in (("ann", "candidate"), ("bob", "candidate"), ("cora", "coach"), ("carl", "coach")):
        accounts.add_user(name, PASSWORD, role, store=store)
    accounts.assign("cora", "ann", store=store)
    ann_s = store.create("grill", "ann's", {"slots": []}, owner="ann")
    bob_s = store.create("grill", "bob's", {"slots": []}, owner="bob")
    cora_s = store.create("grill", "cora's own", {"slots": []}, owner="cora")
    ann, bob, cora, carl = (accounts.get_user(n, store) for n in ("ann", "bob", "cora", "carl"))

    assert accounts.check_access(ann, ann_s.id, write=True, store=store).id == ann_s.id
    for user, sid in ((bob, ann_s.id), (ann, bob_s.id), (carl, ann_s.id), (ann, cora_s.id)):
        with pytest.raises(SessionNotFound, match="No session"):  # someone else's session reads as missing
            accounts.check_access(user, sid, store=store)
    assert accounts.check_access(cora, ann_s.id, store=store).owner == "ann"  # the coach reads...
    with pytest.raises(AccessDenied, match="coach can read"):
        accounts.check_access(cora, ann_s.id, write=True, store=store)  # ...and may not change it
    assert accounts.can_write(cora, cora_s) and not accounts.can_read(cora, bob_s)
    assert [s.id for s in accounts.visible_sessions(ann, store)] == [ann_s.id]
    assert [s.id for s in accounts.visible_sessions(cora, store)] == [cora_s.id, ann_s.id]
    assert len(accounts.visible_sessions(None, store)) == 3  # accounts off: one person, everything
    assert accounts.signed_in(None, auth=False) is None
    with pytest.raises(AccessDenied, match="Sign in"):
        accounts.signed_in("ghost", auth=True, store=store)
    with pytest.raises(AccountError, match="Unknown role"):
        accounts.add_user("eve", PASSWORD, "admin", store=store)
    store.close()


def test_a_backup_of_every_session_imports_into_another_database(home, tmp_path, monkeypatch):
    store = SessionStore(home / "sessions.sqlite3")
    first = store.create("grill", "one", {"slots": []}, owner="ann")
    second = store.create("drill", "two", {"slots": []})
    for sid, text in ((first.id, "answer one"), (second.id, "answer two"), (second.id, "answer three")):
        store.append(sid, Turn(role="candidate", kind="answer", text=text))
    backup = tmp_path / "backup.jsonl"
    code, out = _cli("sessions", "export", "--all", "--out", str(backup))
    assert code == 0 and "Wrote 2 sessions" in out
    assert len(backup.read_text().splitlines()) == 2
    other = tmp_path / "other-home"
    monkeypatch.setenv("INTERVIEWER_HOME", str(other))
    from interviewer.config import get_settings

    get_settings.cache_clear()
    assert _cli("sessions", "import", str(backup)) == (0, "Imported 2 sessions; 0 were already there.\n")
    assert _cli("sessions", "import", str(backup)) == (0, "Imported 0 sessions; 2 were already there.\n")
    restored = SessionStore(other / "sessions.sqlite3")
    assert [t.text for t in restored.turns(second.id)] == ["answer two", "answer three"]
    assert restored.get(first.id).owner == "ann"
    (tmp_path / "bad.jsonl").write_text('{"nope": 1}\n')
    code, out = _cli("sessions", "import", str(tmp_path / "bad.jsonl"))
    assert code == 1 and "bad.jsonl:1" in out
    store.close()
    restored.close()


def test_shared_server_limits_hold_across_sessions_with_clear_messages(database):
    store = SessionStore(database)
    settings = Settings(answers_per_minute=3, max_request_chars=100, idle_timeout_min=1)
    one = store.create("grill", "one", {"slots": []}, owner="ann")
    two = store.create("grill", "two", {"slots": []}, owner="ann")
    other = store.create("grill", "other", {"slots": []}, owner="bob")
    with pytest.raises(LimitExceeded, match="at most 100 in one answer"):
        check_answer(one, "x" * 101, settings, store)
    for sid in (one.id, one.id, two.id):  # three answers a minute, counted over all of ann's sessions
        check_answer(store.get(sid), "fine", settings, store)
        store.append(sid, Turn(role="candidate", kind="answer", text="fine"))
    with pytest.raises(LimitExceeded, match="at most 3 answers a minute"):
        check_answer(store.get(two.id), "one more", settings, store)
    check_answer(store.get(other.id), "bob is not slowed by ann", settings, store)
    old = Turn(role="candidate", kind="answer", text="long ago", at=time.time() - 120)
    store.append(other.id, old)
    assert store.get(other.id).status == "active"
    stale = store.get(other.id).model_copy(update={"updated": time.time() - 61})
    for _ in range(2):  # closed, and it stays closed
        with pytest.raises(LimitExceeded, match="idle for more than 1 minutes"):
            check_answer(stale, "back again", settings, store)
    assert store.get(other.id).status == "ended"
    check_answer(store.get(one.id), "y" * 100, Settings(answers_per_minute=0, max_request_chars=100), store)  # 0: off
    store.close()
