"""LLM backend benchmark: a local llama-server with SmolLM2-135M, and the fallback when no endpoint answers.

    python -m evals.bench_llm

Starts llama.cpp's `llama-server` (see `evals/support/llamaserver.py`; build it with `make llama-server`)
on 127.0.0.1 and measures, warm (after one throw-away request): the first streamed token of a
short chat, a 120-token chat, one LLM grade of a rubric answer (structured output, json_schema
mode), and the time the LLM grader takes to fall back to the offline grader when its endpoint is
down (connection refused, SDK retries included). SmolLM2 is a protocol stand-in, not a judge:
these figures are about the plumbing, not the grades.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 3
ANSWER = ("I would suspect training-serving skew first: log the feature values used at request time, compare their "
          "distributions with the training data, and compute every feature in one shared library.")
GOALS = {"first_token_s": 1.5, "chat_120_s": 4.0, "grade_s": 20.0, "fallback_s": 3.0}


def measure() -> dict:
    sys.path.insert(0, str(ROOT))
    from evals.support.faultserver import FaultServer
    from evals.support.llamaserver import LlamaServer

    from interviewer import llm
    from interviewer import Settings, get_bank, grade

    item = get_bank().item("trap-training-serving-skew")
    with tempfile.TemporaryDirectory() as home, LlamaServer.start(Path(home) / "server.log") as server:
        settings = Settings(home=Path(home), openai_base_url=server.url, llm_model="smollm2", llm_timeout_s=120,
                            llm_max_retries=1)
        llm.chat([{"role": "user", "content": "Hello."}], settings=settings, max_tokens=8)  # warm-up
        first, whole = [], []
        for n in range(REPEATS):  # a new prompt each time, so no reply comes from the prompt cache
            hi = [{"role": "user", "content": f"Describe feature store number {n + 1} in two sentences."}]
            started = time.perf_counter()
            for _delta in llm.stream(hi, settings=settings, max_tokens=16):
                first.append(time.perf_counter() - started)
                break
            started = time.perf_counter()
            llm.chat(hi, settings=settings, max_tokens=120)
            whole.append(time.perf_counter() - started)
        grades, backends = [], []
        for n in range(REPEATS):
            g = grade(item, f"{ANSWER} (take {n + 1})", backend="llm", settings=settings, cite=False)
            grades.append(g.latency_ms / 1000)
            backends.append(g.backend)
        grade(item, ANSWER, backend="semantic", settings=settings, cite=False)  # the offline model, loaded
        with FaultServer() as dead:
            url = dead.url  # closed as soon as the block ends
        down = settings.model_copy(update={"openai_base_url": url, "llm_timeout_s": 2.0, "llm_max_retries": 2})
        llm.reset()
        fallback = grade(item, ANSWER, backend="llm", settings=down, cite=False)
    return {"first_token_s": statistics.median(first), "chat_120_s": statistics.median(whole),
            "grade_s": statistics.median(grades), "grade_backends": backends,
            "fallback_s": fallback.latency_ms / 1000, "fallback_backend": fallback.backend}


def _verdict(ok: bool) -> str:
    return "met" if ok else "missed"


def rows(m: dict | None = None) -> list[tuple[str, str, str, str]]:
    m = m or measure()
    llm_ok = all(b == "llm" for b in m["grade_backends"])
    return [
        ("LLM first streamed token (llama-server, SmolLM2-135M, warm)", f"{m['first_token_s']:.2f} s",
         f"≤ {GOALS['first_token_s']:g} s", _verdict(m["first_token_s"] <= GOALS["first_token_s"])),
        ("LLM chat reply, at most 120 tokens (llama-server, SmolLM2-135M)", f"{m['chat_120_s']:.2f} s",
         f"≤ {GOALS['chat_120_s']:g} s", _verdict(m["chat_120_s"] <= GOALS["chat_120_s"])),
        ("LLM grade, structured output (SmolLM2-135M; plumbing only)",
         f"{m['grade_s']:.1f} s, backend {'llm' if llm_ok else ', '.join(m['grade_backends'])}",
         f"≤ {GOALS['grade_s']:g} s and no fallback", _verdict(m["grade_s"] <= GOALS["grade_s"] and llm_ok)),
        ("LLM grader fallback to offline, endpoint down", f"{m['fallback_s']:.2f} s ({m['fallback_backend']})",
         f"≤ {GOALS['fallback_s']:g} s", _verdict(m["fallback_s"] <= GOALS["fallback_s"]
                                                   and m["fallback_backend"] != "llm")),
    ]
