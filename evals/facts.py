"""How well clarifying questions are matched to the scenario facts that answer them.

`evals/data/blind/fact-asks.jsonl`: candidate turns of the blind scripts (writers F and G) that ask something,
each labelled by a reader (L3) who saw only the turn and the scenario's facts, with the facts a good
interviewer would give (`asks`, a fact id or null per request). The interviewer's side: the turn's requests
(`acts.asks_in`) matched to facts as the agent matches them (`Interview.facts_asked`). Reported per writer as
micro precision / recall / F1 over fact ids per turn: writer F was looked at while choosing the threshold,
writer G was not (held out).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from interviewer import Interview, Settings, get_bank, get_settings

DATA = Path(__file__).parent / "data" / "blind" / "fact-asks.jsonl"


def evaluate(path: Path = DATA, settings: Settings | None = None, threshold: float | None = None) -> dict:
    """Per writer: tp, fp, fn, precision, recall, F1 of the facts given against the facts asked for."""
    settings = settings or get_settings()
    bank = get_bank(settings)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        gold = {a["fact"] for a in row["asks"] if a["fact"]}
        given = Interview.facts_asked(bank.scenario(row["scenario"]), row["text"], settings, threshold)
        c = counts[row["writer"]]
        c[0] += len(gold & given)
        c[1] += len(given - gold)
        c[2] += len(gold - given)
    out = {}
    for writer, (tp, fp, fn) in sorted(counts.items()):
        p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
        out[writer] = {"tp": tp, "fp": fp, "fn": fn, "precision": round(p, 3), "recall": round(r, 3),
                       "f1": round(2 * p * r / max(1e-9, p + r), 3)}
    return out
