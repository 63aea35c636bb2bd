"""Several app processes behind a real nginx, on a real PostgreSQL: `interviewer serve --replicas 2`.

A few simulated candidates answer through nginx at once; halfway, one app process is killed with
SIGKILL. Every candidate carries on through the other process (resuming its session, as the History
tab's Resume does), every answer that was acknowledged is in the database, nothing of one candidate
shows up in another's interview, and the launcher starts the killed process again. Skipped without
nginx or PostgreSQL on a developer machine; under CI=true a missing one fails.
"""

from __future__ import annotations

import os
import re
import threading
import time

import pytest

from interviewer import SessionStore, serving

from evals.support.replicas import running_replicas

IN_CI = os.environ.get("CI", "").lower() == "true"
CANDIDATES = 4
ANSWERS = 5


@pytest.fixture(scope="module")
def farm(tmp_path_factory, postgres):
    if serving.nginx_binary() is None:
        if IN_CI:
            pytest.fail("nginx is not installed (run scripts/system-deps.sh)")
        pytest.skip("nginx is not installed (run scripts/system-deps.sh)")
    url = postgres.create_database("replicas")
    home = tmp_path_factory.mktemp("replicas") / "home"
    with running_replicas(home, 2, env={"INTERVIEWER_DATABASE_URL": url}) as running:
        yield running, url


def _answer(n: int, i: int) -> str:
    return f"Candidate marker{n}x says: for part {i} I would use a simple baseline, offline evaluation and monitoring."


def test_candidates_carry_on_when_one_process_is_killed(farm, tmp_path):
    from gradio_client import Client

    running, url = farm
    answered = threading.Semaphore(0)
    results: dict[int, dict] = {}
    errors: list[BaseException] = []

    def candidate(n: int) -> None:
        try:
            client = Client(running.url, verbose=False, download_files=str(tmp_path / str(n)))
            _, status, *_ = client.predict("grill", "", "", "", api_name="/start")
            sid = re.search(r"session `(\w+)`", status).group(1)
            acked, retries, chats = [], 0, []
            for i in range(ANSWERS):
                for attempt in range(6):
                    try:
                        chat, *_ = client.predict(_answer(n, i), api_name="/send")
                        break
                    except Exception:
                        if attempt == 5:
                            raise
                        retries += 1
                        time.sleep(1.0)
                        try:  # the process that held this browser's state is gone: reopen the session here
                            client = Client(running.url, verbose=False, download_files=str(tmp_path / str(n)))
                            client.predict(sid, api_name="/resume")
                        except Exception:
                            pass
                acked.append(_answer(n, i))
                chats.append(repr(chat))
                answered.release()
            results[n] = {"sid": sid, "acked": acked, "retries": retries, "chats": chats}
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=candidate, args=(n,)) for n in range(CANDIDATES)]
    for t in threads:
        t.start()
    for _ in range(CANDIDATES * ANSWERS // 2):  # halfway through all the answers
        assert answered.acquire(timeout=180), "the candidates stalled before the kill"
    served = running.served()
    victim = max(served, key=served.get)  # a process that is serving candidates right now
    killed = running.kill(victim)
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert len(results) == CANDIDATES
    assert sum(r["retries"] for r in results.values()) > 0  # the kill did cut some candidates off

    store = SessionStore(url)
    try:
        for n, result in results.items():
            said = [t.text for t in store.turns(result["sid"]) if t.role == "candidate"]
            for text in result["acked"]:
                assert text in said  # no acknowledged answer is lost
            assert all(f"marker{n}x" in s for s in said), said  # and nothing of another candidate is in it
            assert all(f"marker{m}x" not in c for m in results if m != n for c in result["chats"])
    finally:
        store.close()
    deadline = time.monotonic() + 60
    while running.pids().get(victim) == killed and time.monotonic() < deadline:
        time.sleep(0.5)
    assert running.pids()[victim] != killed, "the launcher did not start the killed replica again"
    assert any(f"port {victim} exited" in line for line in running.lines)
