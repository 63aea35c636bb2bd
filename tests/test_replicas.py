"""Several app processes behind a real nginx, on a real PostgreSQL: `interviewer serve --replicas 2`.

A few simulated candidates answer through nginx at once; halfway, one app process is killed with
SIGKILL. Every candidate carries on through the other process (resuming its session, as the History
tab's Resume does), every answer that was acknowledged is in the database, nothing of one candidate
shows up in another's interview, and the launcher starts the killed process again. Skipped without
nginx or PostgreSQL on a developer machine; under CI=true a missing one fails.
"""

from __future__ import annotations

import os
import threading
import time

import pytest

from interviewer import SessionStore, serving

from evals.support.replicas import audit, candidate, running_replicas

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


def test_candidates_carry_on_when_one_process_is_killed(farm, tmp_path):
    running, url = farm
    answered = threading.Semaphore(0)
    results: dict[int, dict] = {}
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            results[n] = candidate(running.url, n, ANSWERS, tmp_path, answered, tries=6)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(CANDIDATES)]
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
    assert len(results) == CANDIDATES and all(len(r["acked"]) == ANSWERS for r in results.values())
    assert sum(r["failed"] for r in results.values()) > 0  # the kill did cut some candidates off

    store = SessionStore(url)
    try:
        found = audit(results, store.turns)
        for result in results.values():  # the audit can fail: each transcript really holds its answers
            assert len([t for t in store.turns(result["sid"]) if t.role == "candidate"]) >= ANSWERS
    finally:
        store.close()
    assert (found["lost"], found["crosstalk"]) == (0, 0), found
    deadline = time.monotonic() + 60
    while running.pids().get(victim) == killed and time.monotonic() < deadline:
        time.sleep(0.5)
    assert running.pids()[victim] != killed, "the launcher did not start the killed replica again"
    assert any(f"port {victim} exited" in line for line in running.lines)
