"""The outside-in conversation eval: blind candidate scripts through the CLI, every interviewer message
checked automatically where a check is objective, and judged by a reader who wrote neither the code nor
the scripts.

    python -m evals conversation [--scripts DIR] [--out evals/reports/conversation] [--judgments FILE]

1. Each script (`evals/data/blind/scripts/*.json`: a scenario and the candidate's turns) runs through
   `interviewer interview --mode design --scenario S --seed 0 --script FILE`, as an outside check would.
2. Automatic checks per transcript: every clarifying question answered (the reply states each fact it
   matched), no interviewer message repeated verbatim, no context break (a bank quiz item inside a design
   interview), a sign-off ends the interview, the time left stated when asked.
3. `transcripts.jsonl` is what the judge reads (candidate and interviewer turns only). With `--judgments`
   (one JSON object per interviewer message: `script`, `seq`, `verdict` appropriate|awkward|wrong,
   `reason`) the report gives the judged shares; the goal is at least 90 % appropriate and at most 3 % wrong.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).parent
SCRIPTS = HERE / "data" / "blind" / "scripts"
OUT = HERE / "reports" / "conversation"
VERDICTS = ("appropriate", "awkward", "wrong")


def run_script(path: Path, home: str) -> dict:
    script = json.loads(path.read_text(encoding="utf-8"))
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as turns:
        for text in script["turns"]:
            turns.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    cmd = [sys.executable, "-m", "interviewer.cli", "interview", "--mode", "design", "--scenario", script["scenario"],
           "--seed", "0", "--script", turns.name]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "INTERVIEWER_HOME": home}, timeout=600)
    os.unlink(turns.name)
    if out.returncode != 0:
        raise RuntimeError(f"{path.name}: {out.stderr.strip()[-500:]}")
    result = json.loads(out.stdout)
    return {"script": script["script_id"], "scenario": script["scenario"], "persona": script["persona"],
            "finished": result["finished"], "turns": [t for t in result["turns"] if t["role"] != "system"],
            "scripted_turns": len(script["turns"])}


def checks(run: dict) -> dict[str, bool]:
    turns = run["turns"]
    said = [t["text"] for t in turns if t["role"] == "interviewer"]
    answered = True
    time_stated = True
    for i, t in enumerate(turns):
        nxt = turns[i + 1] if i + 1 < len(turns) else None
        if t["role"] != "candidate" or nxt is None:
            continue
        if t["kind"] == "clarifying-question" and nxt["kind"] != "clarification":
            answered = False
        if t["kind"] == "progress-question" and "minute" not in nxt["text"] and "question" not in nxt["text"]:
            time_stated = False
    context_ok = all(t["item_id"] is None or t["item_id"].startswith(("stage:", "probe:", "change:"))
                     for t in turns if t["role"] == "interviewer")
    last_candidate = next((t for t in reversed(turns) if t["role"] == "candidate"), None)
    sign_off_ends = last_candidate is None or last_candidate["kind"] != "end" or turns[-1]["kind"] == "end"
    return {"clarifying answered": answered, "no verbatim repeat": len(said) == len(set(said)),
            "no context break": context_ok, "sign-off ends": sign_off_ends, "time stated when asked": time_stated}


def judged(judgments: list[dict]) -> dict:
    counts = Counter(j["verdict"] for j in judgments)
    n = sum(counts[v] for v in VERDICTS)
    return {"n": n, **{v: round(counts[v] / n, 4) if n else None for v in VERDICTS}}


def markdown(runs: list[dict], results: dict[str, dict], judgments: list[dict] | None, scripts: Path = SCRIPTS) -> str:
    names = list(next(iter(results.values())).keys()) if results else []
    where = scripts.resolve().relative_to(HERE.parent.resolve()) if scripts.resolve().is_relative_to(HERE.parent.resolve()) \
        else scripts
    scenarios = len({r.get("scenario") for r in runs})
    lines = ["# Conversation eval (blind scripts)", "",
             f"Command: `python -m evals conversation --scripts {where}`; scripts: `{where}/` "
             f"({len(runs)} candidates written blind, {scenarios} scenarios).", ""]
    if judgments:
        j = judged(judgments)
        lines += ["## Judged by a reader who wrote neither the code nor the scripts", "",
                  f"{j['n']} interviewer messages: **{100 * j['appropriate']:.1f} % appropriate, "
                  f"{100 * j['awkward']:.1f} % awkward, {100 * j['wrong']:.1f} % wrong** "
                  "(goal: at least 90 % appropriate, at most 3 % wrong).", ""]
        reasons = Counter(x["reason"].split(":")[0][:80] for x in judgments if x["verdict"] == "wrong")
        if reasons:
            lines += ["Most common reasons a message was wrong:", "",
                      *[f"- {r} ({n})" for r, n in reasons.most_common(10)], ""]
    lines += ["## Automatic checks", "", "| check | scripts passing |", "|---|---|"]
    for name in names:
        lines.append(f"| {name} | {sum(r[name] for r in results.values())}/{len(results)} |")
    lines += ["", f"Finished with a clean ending: {sum(r['finished'] for r in runs)}/{len(runs)}; interviewer messages: "
              f"{sum(1 for r in runs for t in r['turns'] if t['role'] == 'interviewer')}.", ""]
    failing = [(r["script"], [k for k, v in results[r["script"]].items() if not v]) for r in runs]
    failing = [(s, f) for s, f in failing if f]
    if failing:
        lines += ["Scripts failing a check:", "", *[f"- {s}: {', '.join(f)}" for s, f in failing], ""]
    return "\n".join(lines)


def main(scripts: Path = SCRIPTS, out: Path = OUT, judgments: Path | None = None, rerun: bool = True) -> int:
    out.mkdir(parents=True, exist_ok=True)
    transcripts = out / "transcripts.jsonl"
    if rerun or not transcripts.exists():
        home = os.environ.get("INTERVIEWER_HOME") or tempfile.mkdtemp(prefix="conversation-")
        subprocess.run([sys.executable, "-m", "interviewer.cli", "index"], check=True, capture_output=True,
                       env={**os.environ, "INTERVIEWER_HOME": home})
        with ThreadPoolExecutor(max_workers=2) as pool:  # each script is its own CLI process
            runs = list(pool.map(lambda p: run_script(p, home), sorted(scripts.glob("*.json"))))
        transcripts.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in runs), encoding="utf-8")
    runs = [json.loads(line) for line in transcripts.read_text(encoding="utf-8").splitlines() if line.strip()]
    results = {r["script"]: checks(r) for r in runs}
    rows = None
    if judgments is not None:
        rows = [json.loads(line) for line in judgments.read_text(encoding="utf-8").splitlines() if line.strip()]
    report = markdown(runs, results, rows, scripts)
    (out / "report.md").write_text(report, encoding="utf-8")
    print(report)
    return 0
