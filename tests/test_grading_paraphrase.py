"""Metamorphic test: a covered key point said in other words stays covered.

The cases are not written for the grader: every blind answer (a fixed stride) whose gold verdict and grade
both call a point covered, with the common terms of the field replaced throughout the answer by the fixed,
general list below (written once, from the field's vocabulary, before the grader was run on it). A
paraphrase by rule is cruder than a writer's, and embeddings move with the words, so the test asserts a
measured share across all cases rather than every case (see GRADING.md for the share measured).
"""

from __future__ import annotations

import re

import pytest

from interviewer import load_dataset
from interviewer.config import PROJECT_DIR
from interviewer.grading import grade_semantic_many

BLIND = PROJECT_DIR / "evals" / "data" / "blind" / "mlsd-blind.jsonl"
# Term -> other words for it, as a candidate might say it. Whole words, any case; longer terms first.
SYNONYMS = {
    "feature store": "shared store of model inputs", "a/b test": "split-traffic experiment",
    "a/b testing": "split-traffic experiments", "ab test": "split-traffic experiment", "latency": "response time",
    "throughput": "requests handled per second", "features": "input signals", "feature": "input signal",
    "model": "predictor", "models": "predictors", "training": "fitting", "train": "fit", "retrain": "refit",
    "retraining": "refitting", "serving": "production inference", "inference": "prediction time",
    "labels": "ground-truth tags", "label": "ground-truth tag", "dataset": "collection of examples",
    "data": "records", "metric": "measure", "metrics": "measures", "monitoring": "watching",
    "monitor": "watch", "drift": "gradual shift", "precision": "share of flagged that are right",
    "recall": "share of true cases caught", "accuracy": "share correct", "threshold": "cut-off",
    "embedding": "learned vector", "embeddings": "learned vectors", "users": "customers", "user": "customer",
    "items": "products", "item": "product", "ranking": "ordering", "rank": "order", "candidates": "shortlist",
    "retrieval": "candidate fetching", "offline": "on held-out logs", "online": "in live traffic",
    "deploy": "ship", "deployment": "rollout", "rollback": "revert", "roll back": "revert",
    "pipeline": "chain of jobs", "baseline": "simple first version", "evaluation": "assessment",
    "evaluate": "assess", "scale": "size", "cache": "keep a copy", "batch": "bulk", "real-time": "live",
    "real time": "live", "requirements": "needs", "clarify": "pin down", "imbalance": "skewed class mix",
    "fraud": "scam activity", "click": "tap", "clicks": "taps", "loss": "training objective",
    "objective": "goal", "validation": "checking", "experiment": "trial", "experiments": "trials",
}
_PATTERN = re.compile(r"(?<![\w/-])(" + "|".join(re.escape(t) for t in sorted(SYNONYMS, key=len, reverse=True))
                      + r")(?![\w/-])", re.I)
MIN_STAYS_COVERED = 0.72  # measured 0.777 on these 197 cases (0.781 on all 524 of the blind set)
MIN_NOT_MISSING = 0.90  # measured 0.944 (0.952 on all 524)


def paraphrase(text: str) -> str:
    """Every listed term replaced by its other words."""
    return _PATTERN.sub(lambda m: SYNONYMS[m.group(0).lower()], text)


def test_paraphrase_replaces_whole_terms_only():
    assert paraphrase("Train the model; a Feature store helps.") == "fit the predictor; a shared store of model inputs helps."
    assert paraphrase("modeling retrained") == "modeling retrained"


@pytest.fixture(scope="module")
def cases():
    rows = [r for r in load_dataset(BLIND) if r.gold_verdicts][::3]
    targets = [r.target() for r in rows]
    graded = grade_semantic_many(targets, [r.answer for r in rows])
    out = []
    for row, target, g in zip(rows, targets, graded, strict=True):
        for v in g.key_points:
            if v.verdict == "covered" and row.gold_verdicts.get(v.id) == "covered" and _PATTERN.search(v.evidence):
                out.append((row, target, v.id))
    return out


def test_a_paraphrased_covered_point_stays_covered(cases):
    assert len(cases) >= 60
    graded = grade_semantic_many([t for _, t, _ in cases], [paraphrase(r.answer) for r, _, _ in cases])
    verdicts = [{v.id: v.verdict for v in g.key_points}[kp] for g, (_, _, kp) in zip(graded, cases, strict=True)]
    covered = sum(v == "covered" for v in verdicts) / len(verdicts)
    kept = sum(v != "missing" for v in verdicts) / len(verdicts)
    assert covered >= MIN_STAYS_COVERED and kept >= MIN_NOT_MISSING, (len(cases), covered, kept)
