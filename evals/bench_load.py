"""Load and fault benchmark: many simulated candidates through nginx to two app processes that share a
PostgreSQL server and a Chroma server, all started here on loopback (`python -m evals bench --only load`).

Halfway through, one app process is killed with SIGKILL; at three quarters PostgreSQL is restarted.
Each failed turn is reported to its candidate, who reopens the session and sends it again (see
evals/support/replicas.py). Reported: turn latency (successful sends, queueing included), answers per
second over the whole run, turns reported failed, and from the database afterwards: answers lost,
cross-talk, answers saved twice.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from evals.support.chromaserver import running_chroma
from evals.support.postgres import PostgresServer
from evals.support.replicas import ROOT, audit, candidate, replica_env, running_replicas

CANDIDATES = int(os.environ.get("BENCH_LOAD_CANDIDATES", "100"))
ANSWERS = int(os.environ.get("BENCH_LOAD_ANSWERS", "5"))


def measure(candidates: int = CANDIDATES, answers: int = ANSWERS) -> dict:
    import interviewer

    with tempfile.TemporaryDirectory() as tmp, PostgresServer() as pg, running_chroma(Path(tmp) / "chroma") as chroma:
        url = pg.create_database("load")
        env = {"INTERVIEWER_DATABASE_URL": url, "CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma)}
        home = Path(tmp) / "home"
        subprocess.run([sys.executable, "-m", "interviewer.cli", "index"], cwd=ROOT, env=replica_env(home, env),
                       check=True, capture_output=True)
        with running_replicas(home, 2, env, timeout=600) as farm:  # 100 clients' worth of threads share the cores
            answered = threading.Semaphore(0)
            total = candidates * answers
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=candidates) as pool:
                futures = {n: pool.submit(candidate, farm.url, n, answers, Path(tmp) / "dl", answered)
                           for n in range(candidates)}
                events = {}
                for done in range(1, total + 1):
                    if not answered.acquire(timeout=600):
                        break
                    if done == total // 2:
                        served = farm.served()
                        farm.kill(max(served, key=served.get))
                        events["killed_at"] = time.perf_counter() - started
                    if done == total * 3 // 4:
                        pg.restart()
                        events["db_restarted_at"] = time.perf_counter() - started
                results, errors = {}, 0
                for n, future in futures.items():
                    try:
                        results[n] = future.result(timeout=600)
                    except Exception:
                        errors += 1
            wall = time.perf_counter() - started
            store = interviewer.SessionStore(url)
            try:
                found = audit(results, store.turns)
            finally:
                store.close()
    latencies = [s for r in results.values() for s in r["latencies"]]
    return {"candidates": candidates, "answers": answers, "wall": wall, "errors": errors,
            "finished": sum(len(r["acked"]) == answers for r in results.values()),
            "acked": sum(len(r["acked"]) for r in results.values()),
            "failed": sum(r["failed"] for r in results.values()),
            "p50": float(np.percentile(latencies, 50)), "p95": float(np.percentile(latencies, 95)),
            "load": os.getloadavg()[0], **found, **events}


def rows(m: dict | None = None) -> list[tuple[str, str, str, str]]:
    m = m or measure()
    n, k = m["candidates"], m["answers"]
    ok = m["errors"] == 0 and m["lost"] == 0 and m["crosstalk"] == 0 and m["finished"] == n
    return [
        (f"Load: {n} candidates × {k} answers at once through nginx to 2 app processes, PostgreSQL and a Chroma "
         f"server (offline grill; all on this machine's 2 cores; load average {m['load']:.1f} at the end)",
         f"turn p50 {m['p50']:.2f} s, p95 {m['p95']:.2f} s; {m['acked'] / m['wall']:.1f} answers/s "
         f"({m['acked']} in {m['wall']:.0f} s)", "p95 ≤ 5 s", "met" if m["p95"] <= 5 else "missed"),
        (f"Faults in that run: kill -9 of one app process at {m.get('killed_at', 0):.0f} s (half the answers), "
         f"PostgreSQL restarted at {m.get('db_restarted_at', 0):.0f} s (three quarters)",
         f"{m['finished']}/{n} candidates finished; {m['failed']} turns reported failed and sent again; "
         f"{m['lost']} lost, {m['crosstalk']} cross-talk, {m['errors']} gave up; {m['twice']} answers saved twice "
         "(saved, then the reply was cut, then sent again)", "0 lost, 0 cross-talk, 0 gave up", "met" if ok else "missed"),
    ]
