"""Benchmarks, written to docs/BENCHMARKS.md with the machine and the command.

    python -m evals bench [--out docs/BENCHMARKS.md] [--only grader,interview]

Each benchmark runs in a fresh subprocess where start-up cost matters, and uses a
throw-away INTERVIEWER_HOME so a user's index is never touched.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, UTC
from pathlib import Path

import numpy as np

QUERIES = Path(__file__).parent / "data" / "retrieval-queries.jsonl"


def _run(code: str, home: str, **extra_env: str) -> dict:
    env = {**os.environ, "INTERVIEWER_HOME": home, **extra_env}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


BUILD = """
import json, time
t = time.perf_counter()
from interviewer import build_index
imported = time.perf_counter()
r = build_index(progress=False)
done = time.perf_counter()
print(json.dumps({"seconds": done - t, "call": done - imported, "chunks": r.chunks, "added": r.added}))
"""

PREPARE = """
import json, time
t = time.perf_counter()
from interviewer import prepare_embeddings as prepare
name = prepare()
print(json.dumps({"seconds": time.perf_counter() - t, "engine": name}))
"""

FIRST_SEARCH = """
import json, time
t = time.perf_counter()
from interviewer import search
search("how do I detect training-serving skew", k=5)
print(json.dumps({"seconds": time.perf_counter() - t}))
"""

SEARCH_LATENCY = """
import json, time
from interviewer import search
queries = [json.loads(l)["query"] for l in open(%r) if l.strip()]
search("warm up", k=5)
times = []
for _ in range(3):
    for q in queries:
        t = time.perf_counter(); search(q, k=5); times.append((time.perf_counter() - t) * 1000)
print(json.dumps({"ms": times}))
"""




def percentile(values: list[float], q: float) -> float:
    """The `q`th percentile of `values`, one of the values themselves (numpy's "nearest" method)."""
    return float(np.percentile(values, q, method="nearest"))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        kb = int(next(row for row in meminfo if row.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}, {platform.system()}"


def run_retrieval_benchmarks() -> list[tuple[str, str, str, str]]:
    rows = []
    with tempfile.TemporaryDirectory() as home:
        made = _run(PREPARE, home, INTERVIEWER_CACHE_DIR=str(Path(home) / "cache"))
        rows.append(("Embedding engine made from the packaged model: int8 ONNX export, once per machine (fresh process)",
                     f"{made['seconds']:.1f} s ({made['engine']})", "—", ""))
        build = _run(BUILD, home)
        rows.append(("Index build of the shipped corpus (fresh process, model load included, engine already made)",
                     f"{build['seconds']:.1f} s ({build['chunks']} chunks)", "≤ 30 s", _verdict(build["seconds"] <= 30)))
        noop = _run(BUILD, home)
        rows.append(("No-op rebuild: `build_index()` with nothing changed (imports excluded)",
                     f"{noop['call']:.2f} s (whole process {noop['seconds']:.1f} s)", "≤ 1 s", _verdict(noop["call"] <= 1)))
        first = _run(FIRST_SEARCH, home)
        rows.append(("Process start to first search result (imports, model load, index open)",
                     f"{first['seconds']:.1f} s", "—", ""))
        lat = _run(SEARCH_LATENCY % str(QUERIES), home)["ms"]
        p50, p95 = percentile(lat, 50), percentile(lat, 95)
        rows.append((f"Search latency incl. query embedding ({len(lat)} searches)", f"p50 {p50:.1f} ms, p95 {p95:.1f} ms",
                     "p50 ≤ 30 ms", _verdict(p50 <= 30)))
    return rows


def _verdict(ok: bool) -> str:
    return "met" if ok else "missed"


NOTES = "## Notes"


def write(rows: list[tuple[str, str, str, str]], out: Path) -> None:
    lines = [
        "# Benchmarks",
        "",
        f"Machine: {machine()}  ",
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M UTC}  ",
        "Command: `make bench` (runs `python -m evals bench --out docs/BENCHMARKS.md`)",
        "",
        "| what | measured | goal | |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
        "",
    ]
    if out.exists() and NOTES in out.read_text(encoding="utf-8"):  # hand-written notes below the table stay
        lines.append(NOTES + out.read_text(encoding="utf-8").split(NOTES, 1)[1].rstrip() + "\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")


SUITES = ["retrieval", "grader", "interview", "voice", "live", "ui", "resilience", "llm", "load"]


def _suite_rows(name: str) -> list[tuple[str, str, str, str]]:
    """One suite's rows; a suite that cannot run here (no voice extra, no llama-server) says why."""
    import importlib

    if name == "retrieval":
        return run_retrieval_benchmarks()
    try:
        module = importlib.import_module(f"evals.bench_{name}")
        return module.rows()
    except Exception as error:
        reason = str(error).strip().splitlines()[-1][:160] if str(error).strip() else type(error).__name__
        return [(f"{name} benchmarks", f"not run: {reason}", "—", "not run")]


def main(out: Path | None = Path("docs/BENCHMARKS.md"), only: str = ",".join(SUITES)) -> int:
    """`python -m evals bench`: run the suites and write the table to `out` (None: print the rows only)."""
    started = time.perf_counter()
    rows = [row for name in only.split(",") for row in _suite_rows(name.strip())]
    if out is None:
        for row in rows:
            print(" | ".join(row))
        return 0
    write(rows, out)
    print(out.read_text())
    print(f"(benchmarks took {time.perf_counter() - started:.0f} s)")
    return 0
