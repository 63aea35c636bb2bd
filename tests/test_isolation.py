"""Accounts on (INTERVIEWER_AUTH=on): one candidate can never read or change another's session.

The app runs as a real process with Gradio's login; each client signs in as its user. The endpoint
test does not list the endpoints by hand: it asks the running app for its named API
(`Client.view_api`) and calls every endpoint as candidate B with candidate A's session id in each
text parameter, then checks that nothing of A's came back and A's transcript is unchanged. New
endpoints are covered as they are added. `?session=` (the page-load handler, not a named endpoint)
is checked in-process with a request carrying B's user name.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from interviewer import SessionStore, accounts

from evals.support.appserver import running_app

PASSWORD = "correct horse battery"
MARKER = "zanzibarfeature"  # in A's answer only: B must never see it


def _users(home) -> SessionStore:
    store = SessionStore(home / "sessions.sqlite3")
    for name, role in (("ann", "candidate"), ("bob", "candidate"), ("cora", "coach")):
        accounts.add_user(name, PASSWORD, role, store=store)
    accounts.assign("cora", "ann", store=store)
    return store


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    home = tmp_path_factory.mktemp("accounts") / "home"
    home.mkdir()
    _users(home).close()
    with running_app(home, env={"INTERVIEWER_AUTH": "on"}, ready="") as url:
        yield url, home


def _client(url, name, tmp_path, password=PASSWORD):
    from gradio_client import Client

    return Client(url, auth=(name, password), verbose=False, download_files=str(tmp_path / name))


def _sid(status: str) -> str:
    return re.search(r"session `(\w+)`", status).group(1)


def _refused(match: str):
    return pytest.raises(Exception, match=match)


def _contains(value, needle: str) -> bool:
    return needle in repr(value)


def test_a_wrong_password_gets_no_client(app, tmp_path):
    with pytest.raises(ValueError, match="Could not login"):  # gradio_client's error for a refused login
        _client(app[0], "ann", tmp_path, password="wrong password!")


def test_no_named_endpoint_lets_one_candidate_reach_anothers_session(app, tmp_path):
    url, home = app
    ann = _client(url, "ann", tmp_path)
    _, status, *_ = ann.predict("grill", "", "", "", api_name="/start")
    sid = _sid(status)
    ann.predict(f"I would use {MARKER} with a simple baseline and careful offline evaluation.", api_name="/send")
    store = SessionStore(home / "sessions.sqlite3")
    before = [t.model_dump() for t in store.turns(sid)]
    assert store.get(sid).owner == "ann" and any(MARKER in t["text"] for t in before)

    bob = _client(url, "bob", tmp_path)
    api = bob.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert {"/start", "/send", "/report", "/export", "/resume", "/history"} <= set(api)  # the enumeration is real
    tried = []
    for name, spec in api.items():
        if name == "/start":
            continue  # bob's own new session would only be his
        args = [sid if p.get("python_type", {}).get("type") == "str" else p.get("example_input")
                for p in spec["parameters"]]
        try:
            out = bob.predict(*args, api_name=name)
        except Exception as error:  # refused: the message must not leak A's content either
            out = str(error)
        tried.append(name)
        assert not _contains(out, MARKER), (name, out)
        if name != "/history":
            assert not (name == "/resume" and _contains(out, f"session `{sid}`")), out
    table, *_ = bob.predict(True, api_name="/history")  # all the sessions he may see
    assert sid not in repr(table)
    assert [t.model_dump() for t in store.turns(sid)] == before  # nothing of A's changed
    assert {"/send", "/hint", "/skip", "/end", "/report", "/export", "/resume"} <= set(tried)

    # the coach assigned to ann sees her session in History, and may not answer in it
    cora = _client(url, "cora", tmp_path)
    table, *_ = cora.predict(True, api_name="/history")
    assert sid in repr(table)
    opened = cora.predict(sid, api_name="/resume")  # read-only: the coach's view opens on the report
    assert any(isinstance(o, str) and o.startswith("# Interview report") for o in opened)
    with pytest.raises(Exception, match="coach can read"):
        cora.predict("coach typing", api_name="/send")
    assert [t.model_dump() for t in store.turns(sid)] == before
    store.close()


def test_the_session_url_parameter_obeys_the_same_rules(tmp_path, monkeypatch, home):
    """`?session=ID` as the page opens, in-process (it is not a named endpoint): the owner gets it, another
    candidate gets "no session", the coach reads it and its report but cannot answer or resume."""
    import app as web  # its handlers raise gr.Error (the test does not import gradio: see test_architecture)

    monkeypatch.setenv("INTERVIEWER_AUTH", "on")
    from interviewer import Interview, get_settings

    get_settings.cache_clear()
    store = _users(home)
    iv = Interview.start(mode="grill", owner="ann", seed=1)
    iv.respond(f"I would use {MARKER} and a baseline.")

    def page(user: str):
        return web.on_page_load([], SimpleNamespace(query_params={"session": iv.id}, username=user))

    def request(user: str):
        return SimpleNamespace(query_params={}, username=user)

    assert page("ann")[0] == iv.id and MARKER in repr(page("ann")[1])
    assert page("bob")[0] is None and MARKER not in repr(page("bob"))  # opens nothing (with a note)
    for handler, args in ((web.on_report, (iv.id,)), (web.on_export, (iv.id,)), (web.on_resume, (iv.id,))):
        with _refused(match="No session"):
            handler(*args, request("bob"))
    with _refused(match="No session"):
        list(web.on_send(iv.id, "hijack", request("bob")))
    assert page("cora")[0] == iv.id  # the coach reads it
    report_md, _ = web.on_report(iv.id, request("cora"))
    assert report_md.startswith("# Interview report")
    with _refused(match="coach can read"):
        list(web.on_send(iv.id, "coach typing", request("cora")))
    assert page("mallory")[0] is None  # no such account (or removed since the login)
    with _refused(match="Sign in first"):
        web.on_report(iv.id, request("mallory"))
    assert sum("hijack" in t.text or "coach typing" in t.text for t in store.turns(iv.id)) == 0
    monkeypatch.setenv("INTERVIEWER_MAX_REQUEST_CHARS", "100")  # the owner meets the shared server's limits
    get_settings.cache_clear()
    with _refused(match="at most 100 in one answer"):
        list(web.on_send(iv.id, "x" * 101, request("ann")))
    assert len(list(web.on_send(iv.id, "A short answer about a baseline model.", request("ann")))) >= 2
    store.close()
