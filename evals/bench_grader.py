"""Offline grader benchmarks: one-answer latency and batched eval throughput.

    python -m evals.bench_grader

Runs in a fresh subprocess with a throw-away INTERVIEWER_HOME. Latency is `grade_semantic` on one
answer at a time (citations off, the rubric cache warm: what an interview sees after the first
answer to an item); throughput is `predict` over the dev set (answers embedded 64 per call). Both
also report CPU time, which says more than wall time on a machine shared with other work.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

DEV = Path(__file__).parent / "data" / "mlsd-dev.jsonl"

CODE = """
import json, time
from interviewer import load_dataset, predict
from interviewer.grading import grade_semantic
rows = load_dataset(%r)
predict(rows, progress=False)  # warm-up: model load, rubric cache
wall, cpu = [], []
for r in rows:
    t, c = time.perf_counter(), time.process_time()
    grade_semantic(r.target(), r.answer, cite=False)
    wall.append((time.perf_counter() - t) * 1000)
    cpu.append((time.process_time() - c) * 1000)
t, c = time.perf_counter(), time.process_time()
preds, seconds = predict(rows, progress=False)
print(json.dumps({"wall": wall, "cpu": cpu, "seconds": seconds, "cpu_seconds": time.process_time() - c, "n": len(rows)}))
"""


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def measure() -> dict:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "INTERVIEWER_HOME": home}
        out = subprocess.run([sys.executable, "-c", CODE % str(DEV)], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def rows() -> list[tuple[str, str, str, str]]:
    m = measure()
    p50, p95 = _percentile(m["wall"], 50), _percentile(m["wall"], 95)
    c50, c95 = _percentile(m["cpu"], 50), _percentile(m["cpu"], 95)
    rate = m["n"] / m["seconds"]
    return [
        (f"Offline grade latency, one answer at a time ({m['n']} dev answers, citations off, rubric cache warm)",
         f"p50 {p50:.0f} ms, p95 {p95:.0f} ms (CPU p50 {c50:.0f} ms, p95 {c95:.0f} ms)", "p50 ≤ 40 ms, p95 ≤ 100 ms",
         "met" if p50 <= 40 and p95 <= 100 else "missed"),
        ("Eval throughput, batched (`interviewer eval`, semantic grader)",
         f"{rate:.1f} answers/s (CPU {m['cpu_seconds']:.1f} s for {m['n']})", "≥ 40 answers/s",
         "met" if rate >= 40 else "missed"),
    ]
