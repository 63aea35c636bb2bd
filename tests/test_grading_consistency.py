"""Verdicts first: on every development set the score follows from the verdicts shown beside it."""

from __future__ import annotations

import pytest

from interviewer import load_dataset
from interviewer.config import PROJECT_DIR
from interviewer.grading import as_target, grade_semantic_many, verdict_score

SHARED = PROJECT_DIR.parent / "shared" / "data"
SETS = {  # (file, every n-th row): the outside sets are large, so a fixed stride of them
    "mlsd-dev": (PROJECT_DIR / "evals" / "data" / "mlsd-dev.jsonl", 1),
    "mlsd-blind": (PROJECT_DIR / "evals" / "data" / "blind" / "mlsd-blind.jsonl", 1),
    "mohler": (SHARED / "mohler-dev.jsonl", 8),
    "saf": (SHARED / "saf-dev.jsonl", 8),
    "scientsbank": (SHARED / "scientsbank-dev.jsonl", 25),
    "beetle": (SHARED / "beetle-dev.jsonl", 25),
}


def band_of(score: float) -> int:
    return int(round(score))


@pytest.mark.parametrize("name", list(SETS))
def test_no_score_disagrees_with_its_verdicts(name):
    path, stride = SETS[name]
    if not path.exists():
        pytest.skip(f"{path} is not here")
    rows = load_dataset(path)[::stride]
    targets = [r.target() for r in rows]
    grades = grade_semantic_many(targets, [r.answer for r in rows])
    off = []
    for row, target, g in zip(rows, targets, grades, strict=True):
        t = as_target(target)
        injected = any("manipulate the grader" in w for w in g.warnings)
        rule = verdict_score(g.key_points, t, fell_into_trap=bool(g.fell_into_trap), injected=injected)
        if abs(band_of(g.score) - rule) > 1 or (t.rubric and g.score != rule):
            off.append((row.id, g.score, rule))
        assert g.needs_review == bool(g.review_reason)
    assert not off, off[:10]


def test_every_covered_quote_is_verbatim_and_close_to_its_point():
    rows = load_dataset(SETS["mlsd-blind"][0])[::5]
    for row, g in zip(rows, grade_semantic_many([r.target() for r in rows], [r.answer for r in rows]), strict=True):
        for v in g.key_points:
            if v.evidence:
                assert v.verdict != "missing" and v.evidence in row.answer
