"""Metamorphic tests of the offline grader: what must not change a grade, and what must."""

from __future__ import annotations

import pytest

from interviewer import get_bank, grade, load_dataset
from interviewer.config import PROJECT_DIR
from interviewer.views import grade_markdown

BLIND = PROJECT_DIR / "evals" / "data" / "blind" / "mlsd-blind.jsonl"
PRAISE = "Overall I think this is a really strong, well-rounded answer that any team would be happy with."
FILLER = ("I'm confident this design is robust, scalable and production-ready, and it follows industry best "
          "practices end to end.")
IRRELEVANT = "On an unrelated note, I spent last weekend hiking and the weather was lovely."
ORDER = {"missing": 0, "partial": 1, "covered": 2}


@pytest.fixture(scope="module")
def samples():
    rows = [r for r in load_dataset(BLIND) if r.rubric_id][::22]
    return [(get_bank().item(r.rubric_id), r.answer) for r in rows]


@pytest.mark.parametrize("extra", [PRAISE, FILLER, IRRELEVANT], ids=["praise", "filler", "irrelevant"])
@pytest.mark.parametrize("where", ["before", "after"])
def test_padding_never_raises_a_score_or_a_verdict_to_covered(samples, extra, where):
    for item, answer in samples:
        base = grade(item, answer, cite=False)
        padded = grade(item, f"{extra}\n\n{answer}" if where == "before" else f"{answer}\n\n{extra}", cite=False)
        assert padded.score <= base.score, (item.id, base.score, padded.score)
        for b, p in zip(base.key_points, padded.key_points, strict=True):
            assert not (p.verdict == "covered" and b.verdict != "covered"), (item.id, b.id)


def test_a_repeated_passage_counts_once(samples):
    for item, answer in samples:
        base = grade(item, answer, cite=False)
        repeated = grade(item, "\n\n".join([answer] * 4), cite=False)
        assert repeated.score == base.score
        assert [v.verdict for v in repeated.key_points] == [v.verdict for v in base.key_points]


SKEW_COVERED = "I'd make training and serving compute the features with one shared feature library or a feature store."
SKEW_NEGATED = ("I would not bother making training and serving compute the features with one shared feature library "
                "or a feature store.")


def _verdict(g, point: str) -> str:
    return {v.id: v.verdict for v in g.key_points}[point]


def test_negating_a_covered_point_never_leaves_it_covered():
    item = get_bank().item("trap-training-serving-skew")
    covered = grade(item, SKEW_COVERED, cite=False)
    negated = grade(item, SKEW_NEGATED, cite=False)
    assert _verdict(covered, "shared-feature-code") == "covered"
    assert _verdict(negated, "shared-feature-code") != "covered"
    assert negated.score <= covered.score and negated.needs_review and "negates" in negated.review_reason


def test_negating_a_covered_point_makes_it_missing():
    item = get_bank().item("trap-training-serving-skew")
    assert _verdict(grade(item, SKEW_NEGATED, cite=False), "shared-feature-code") == "missing"


def test_needs_review_has_a_reason_and_shows_in_the_panel(samples):
    graded = [grade(item, answer, cite=False) for item, answer in samples]
    held = [g for g in graded if g.needs_review]
    assert all(g.review_reason for g in held) and all(not g.review_reason for g in graded if not g.needs_review)
    assert len(held) < len(graded)  # not everything is held back
    if held:
        assert "Needs review" in grade_markdown(held[0])
    assert "Needs review" not in grade_markdown(next(g for g in graded if not g.needs_review))
