"""Resilience (issue 7): LLM faults, kill -9 and restart, 20 interviews at once, no network at run time.

- LLM faults, in the agent and through the app: the endpoint is down, slow past the timeout,
  answers 500 or 429 with Retry-After, sends malformed or truncated JSON or the wrong schema, or
  streams without end. Every candidate turn still gets an interviewer reply; the fallback shows
  in the turn's meta, the grade's warnings, and the chat and grade panel the UI returns; the
  SQLite transcript holds every turn.
- Crash recovery: the app is killed with SIGKILL while the interviewer is answering, started
  again on the same INTERVIEWER_HOME, and the session is resumed through `/resume`.
- Concurrency: 20 gradio_client sessions at once against one app (the guarded one); no errors, no
  cross-talk (the latency figure is in `evals/bench_resilience.py`, not asserted here).
- No network: the app runs under `evals/support/netguard/sitecustomize.py`, which records any non-loopback
  connection or name lookup; an interview, grading with citations and the other endpoints run
  against that app (and the 20 sessions above), and the record must stay empty. The index build
  in a fresh interpreter is tests/test_offline.py's.

Everything binds to 127.0.0.1; LLM calls give up after half a second.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from interviewer import Interview, Settings, SessionStore, chat_messages, llm
from interviewer.views import FALLBACK_MARK
from interviewer.grading import FALLBACK_BACKEND
from interviewer.models import Stage

from evals.bench_resilience import cross_talk, run_clients

from evals.support.faultserver import Reply, ok, slow
from evals.support.resilience import (CUT_STREAM, FAULTS, LLM_TIMEOUT_S, AppProcess, Fault, SwitchableFaultServer,
                                 chat_text, guard_attempts, guarded_env, session_id)

ANSWER = ("I would frame it as a ranking problem with a two-tower retrieval model, evaluate offline on a "
          "time-based split, then run a shadow deployment and monitor drift after launch.")
QUESTION = "What is the expected traffic at peak?"
SCRIPT = [(ANSWER, None, "/send"), (QUESTION, None, "/send"), ("hint", "hint-request", "/hint"),
          ("skip", "skip", "/skip")]
PHRASED = "Thanks. Walk me through how you would approach the next part of this problem."
NOTE = "phrased offline"


def _client(url: str, folder: Path):
    from gradio_client import Client

    folder.mkdir(parents=True, exist_ok=True)
    return Client(url, verbose=False, download_files=str(folder), analytics_enabled=False,
                  httpx_kwargs={"timeout": 120})


def _call(client, *args, api_name: str, timeout: float = 120):
    """One request with a bound on how long it may take."""
    return client.submit(*args, api_name=api_name).result(timeout=timeout)


def _stored(home: Path, sid: str):
    store = SessionStore(home / "sessions.sqlite3")
    try:
        return store.turns(sid)
    finally:
        store.close()


def _said_and_answered(turns) -> list[str]:
    """Candidate texts in order, checking each is followed by at least one interviewer turn."""
    said = []
    for i, turn in enumerate(turns):
        if turn.role == "candidate":
            said.append(turn.text)
            after = [t for t in turns[i + 1:] if t.role != "system"]
            assert after and after[0].role == "interviewer", f"no interviewer reply after {turn.text!r}"
    return said


@pytest.fixture
def fresh_llm():
    llm.reset()
    yield
    llm.reset()


# --- LLM faults in the agent --------------------------------------------------------------------


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
def test_every_turn_is_answered_and_the_fallback_recorded_when_the_llm_fails(fault: Fault, home, fresh_llm):
    with SwitchableFaultServer(endless_limit_s=5) as server:
        server.apply(fault)
        settings = Settings(home=home, openai_base_url=server.url, llm_model="fault-model",
                            llm_timeout_s=LLM_TIMEOUT_S, llm_max_retries=fault.retries, interviewer="llm",
                            grader="llm")
        iv = Interview.start(mode="grill", count=2, seed=3, settings=settings)
        assert iv.backend == "llm"
        for text, kind, _ in SCRIPT:
            out = iv.respond(text, kind=kind)
            assert out[0].role == "candidate" and out[0].text == text
            replies = [t for t in out if t.role == "interviewer"]
            assert replies, f"no interviewer reply to {text!r}"
            for reply in replies:
                assert reply.meta.get("phrased_by") == "offline"
                assert fault.interviewer_says in reply.meta["llm_fallback"], reply.meta["llm_fallback"]
                assert NOTE not in reply.text and NOTE in chat_messages([reply])[0]["content"]  # the note is in meta
                assert FALLBACK_MARK in chat_messages([reply])[0]["content"]
        graded = [t for t in iv.turns if t.grade is not None]
        assert graded and all(t.grade.backend == FALLBACK_BACKEND for t in graded)
        warning = graded[0].grade.warnings[0]
        assert warning.startswith("The LLM grader failed") and fault.grader_says in warning, warning
        if fault.reply is None:
            assert not server.requests  # nothing was listening
        else:
            assert any(r.get("stream") for r in server.requests) and any(not r.get("stream") for r in server.requests)
        if fault.name == "http-429-retry-after":
            assert len(server.requests) % 2 == 0  # each call was tried twice, after the Retry-After pause

    stored = _stored(home, iv.id)
    assert [(t.role, t.kind, t.text, t.meta) for t in stored] == [(t.role, t.kind, t.text, t.meta) for t in iv.turns]
    assert _said_and_answered(stored) == [text for text, _, _ in SCRIPT]
    assert iv.turns[0].role == "interviewer" and iv.turns[0].meta.get("llm_fallback")  # the opening question too


def test_a_stream_cut_off_mid_reply_is_not_taken_as_the_whole_message(home, fresh_llm):
    with SwitchableFaultServer(default=Reply(body=CUT_STREAM)) as server:
        settings = Settings(home=home, openai_base_url=server.url, llm_model="fault-model",
                            llm_timeout_s=LLM_TIMEOUT_S, llm_max_retries=0, interviewer="llm", grader="semantic")
        iv = Interview.start(mode="grill", count=1, seed=3, settings=settings)
    opening = iv.turns[0]
    assert opening.text != "Could you tell me how you would"  # half a sentence, shown as if complete
    assert opening.meta.get("llm_fallback")


def test_a_clarifying_question_in_a_grill_on_a_clarify_stage_item_is_answered(home):
    """Regression: drills and grills have no scenario, so there are no stage facts to cover."""
    iv = Interview.start(mode="grill", topic="clarify", count=1, seed=1)
    assert iv.current.stage == Stage.clarify and iv.scenario is None
    out = iv.respond(QUESTION)
    assert out[0].kind == "clarifying-question" and out[-1].role == "interviewer"


# --- LLM faults through the app -----------------------------------------------------------------


@pytest.fixture(scope="module")
def fault_server():
    with SwitchableFaultServer(default=ok(PHRASED), endless_limit_s=5) as server:
        yield server


@pytest.fixture(scope="module")
def llm_app(fault_server, tmp_path_factory):
    """The app with the LLM interviewer and grader pointed at the fault server (half-second timeout, no retry)."""
    env = {"INTERVIEWER_OPENAI_BASE_URL": fault_server.url, "INTERVIEWER_LLM_MODEL": "fault-model",
           "INTERVIEWER_INTERVIEWER": "llm", "INTERVIEWER_GRADER": "llm",
           "INTERVIEWER_LLM_TIMEOUT_S": str(LLM_TIMEOUT_S), "INTERVIEWER_LLM_MAX_RETRIES": "0"}
    app = AppProcess(tmp_path_factory.mktemp("llm-app") / "home", env=env)
    with app:
        yield app


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
def test_the_app_answers_every_turn_and_shows_the_fallback_when_the_llm_fails(fault: Fault, llm_app, fault_server,
                                                                              tmp_path):
    fault_server.apply(fault)
    try:
        client = _client(llm_app.url, tmp_path)
        chat, status, side, last_grade, *_ = _call(client, "grill", "", "", "", api_name="/start")
        assert "interviewer: **llm**" in status and "grader: **llm (fault-model)**" in status
        assert FALLBACK_MARK in chat_text(chat[-1]) and NOTE in chat_text(chat[-1])
        sid = session_id(status)
        for text, _, endpoint in SCRIPT:
            before = len(chat)
            args = (text,) if endpoint == "/send" else ()
            chat, status, side, last_grade, _ = _call(client, *args, api_name=endpoint)
            assert chat[before]["role"] == "user"
            replies = chat[before + 1:]
            assert replies and all(m["role"] == "assistant" for m in replies), chat
            assert all(FALLBACK_MARK in chat_text(m) and fault.interviewer_says in chat_text(m) for m in replies)
            if text == ANSWER:  # the grade panel says the offline grader stood in, and why
                assert f"graded by {FALLBACK_BACKEND}" in last_grade and "⚠️ The LLM grader failed" in last_grade
                assert fault.grader_says in last_grade
        if fault.reply is not None:
            assert fault_server.requests  # the fault really was met
    finally:
        fault_server.apply(Fault("healthy", ok(PHRASED), 0, "", ""))

    stored = _stored(llm_app.home, sid)
    assert _said_and_answered(stored) == [text for text, _, _ in SCRIPT]
    assert [chat_text(m) for m in chat] == [m["content"] for m in chat_messages(stored)]  # the UI shows what is kept
    assert all(t.meta.get("llm_fallback") for t in stored if t.role == "interviewer")


# --- crash recovery -----------------------------------------------------------------------------


def test_kill_9_mid_turn_then_restart_resumes_with_every_completed_turn(llm_app, fault_server, tmp_path):
    fault_server.apply(Fault("healthy", ok(PHRASED), 0, "", ""))
    client = _client(llm_app.url, tmp_path / "before")
    chat, status, *_ = _call(client, "grill", "", "", "", api_name="/start")
    sid = session_id(status)
    for text, _, endpoint in SCRIPT[:3]:
        chat, *_ = _call(client, *((text,) if endpoint == "/send" else ()), api_name=endpoint)
    assert chat_text(chat[-1]).endswith(PHRASED)  # the LLM phrased it (a hint carries its label)
    completed = _stored(llm_app.home, sid)
    assert _said_and_answered(completed) == [t for t, _, _ in SCRIPT[:3]]

    # The next answer is graded and written; then the interviewer's LLM call hangs, and the app is killed.
    arrived = threading.Event()

    def hang(body: dict) -> Reply:
        if body.get("stream"):
            arrived.set()
            return slow(30, PHRASED)
        return ok(PHRASED)

    fault_server.default = hang
    in_flight = "Second answer: I would retrain weekly and alert on feature drift before it hurts the metrics."
    client.submit(in_flight, api_name="/send")
    assert arrived.wait(timeout=60), "the interviewer's LLM call never reached the endpoint"
    assert llm_app.kill9() == -9
    fault_server.default = ok(PHRASED)

    after_kill = _stored(llm_app.home, sid)
    assert [t.model_dump() for t in after_kill[:len(completed)]] == [t.model_dump() for t in completed]
    assert after_kill[len(completed)].role == "candidate" and after_kill[len(completed)].text == in_flight
    for extra in after_kill[len(completed) + 1:]:  # a reply written in the last instant is a full, marked one
        assert extra.role in ("interviewer", "system")

    llm_app.port = None
    llm_app.start()
    client = _client(llm_app.url, tmp_path / "after")
    chat, status, *_ = _call(client, sid, api_name="/resume")
    assert f"session `{sid}`" in status
    assert [chat_text(m) for m in chat] == [m["content"] for m in chat_messages(after_kill)]
    assert [chat_text(m) for m in chat if m["role"] == "user"] == [t for t, _, _ in SCRIPT[:2]] + [
        "_(asks for a hint)_", in_flight]
    more = "Third answer: for serving I would precompute candidates and cache the embeddings."
    chat, *_ = _call(client, more, api_name="/send")
    assert chat_text(chat[-2]) == more and chat[-1]["role"] == "assistant" and chat_text(chat[-1]) == PHRASED
    final = _stored(llm_app.home, sid)
    assert [t.model_dump() for t in final[:len(after_kill)]] == [t.model_dump() for t in after_kill]
    assert final[-1].role == "interviewer" and final[-1].meta.get("phrased_by") == "llm"


# --- the offline app under the network guard: many sessions at once, no network ------------------


@pytest.fixture(scope="module")
def guarded_app(built_index, tmp_path_factory):
    """The offline app under the network guard, on a copy of the index built once per test session
    (that build ran in this process, under conftest's guard; tests/test_offline.py builds one in a
    fresh interpreter too)."""
    root = tmp_path_factory.mktemp("guarded")
    log, home = root / "network-attempts.jsonl", root / "home"
    shutil.copytree(built_index[0], home)
    app = AppProcess(home, env=guarded_env(log))
    with app:
        yield app, log


def _base_env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}


def test_twenty_interviews_at_once_have_no_errors_and_no_cross_talk(guarded_app, tmp_path):
    app, _ = guarded_app
    runs = run_clients(app.url, tmp_path, clients=20, turns=2, timeout_s=240)
    assert [r.error for r in runs if r.error] == []
    assert cross_talk(runs) == []
    assert len({r.session for r in runs}) == 20
    for run in runs:
        assert all(run.marker in chat[-2] and chat[-1] for chat in run.chats)  # its own words, then a reply
        said = [t.text for t in _stored(app.home, run.session) if t.role == "candidate"]
        assert len(said) == 2 and all(run.marker in s for s in said)
    latencies = sorted(s for r in runs for s in r.latencies_s)
    print(f"\n20 clients x 2 turns: p95 turn {latencies[int(0.95 * (len(latencies) - 1))]:.2f} s (not asserted)")


def test_the_app_interview_and_grading_make_no_outside_connection(guarded_app, tmp_path, no_network):
    """The app process under the subprocess guard; the index build in a fresh interpreter is
    tests/test_offline.py's test."""
    app, log = guarded_app
    earlier = len(no_network)  # conftest's record for this process (other tests probe the guard on purpose)
    client = _client(app.url, tmp_path)
    chat, status, *_ = _call(client, "design", "fraud-detection", "", "", api_name="/start")
    assert "interviewer: **offline**" in status
    for text in ("What is the fraud rate and the cost of a missed fraud?", ANSWER):
        chat, *_ = _call(client, text, api_name="/send")
        assert chat[-1]["role"] == "assistant"
    feedback = _call(client, "trap-training-serving-skew", "", "", "", "",
                     "I would log served features and compare them with the training features.", api_name="/grade")
    assert feedback.startswith("**Score ") and "#### Study" in feedback  # citations come from the index
    chat, status, side, *_ = _call(client, api_name="/end")
    assert "Finished" in side
    assert _call(client, api_name="/report")[0].startswith("# Interview report")
    _call(client, api_name="/export")
    _call(client, api_name="/history")

    loaded = {int(p) for p in Path(f"{log}.loaded").read_text().split()}
    assert app.pid in loaded  # the guard really ran in the app process
    assert guard_attempts(log) == []
    assert no_network[earlier:] == []  # nor did gradio_client in this process


def test_the_subprocess_guard_records_and_refuses_outside_connections(tmp_path):
    log = tmp_path / "attempts.jsonl"
    probe = ("import socket\n"
             "for target in (lambda: socket.socket().connect(('192.0.2.1', 80)),\n"
             "               lambda: socket.create_connection(('192.0.2.2', 80), timeout=1),\n"
             "               lambda: socket.getaddrinfo('example.org', 443)):\n"
             "    try:\n        target()\n    except OSError as e:\n        print('REFUSED', e)\n"
             "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); c = socket.create_connection(s.getsockname())\n"
             "print('loopback ok')\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                         env={**_base_env(), **guarded_env(log)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("REFUSED") == 3 and "loopback ok" in out.stdout
    attempts = guard_attempts(log)
    assert [a["kind"] for a in attempts] == ["connect", "getaddrinfo", "getaddrinfo"]
    assert "192.0.2.2" in attempts[1]["target"] and "example.org" in attempts[2]["target"]
    assert "192.0.2.1" in attempts[0]["target"]
