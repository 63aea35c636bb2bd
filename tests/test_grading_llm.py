"""The LLM judge scores by the same rule as the offline grader: the score follows its checked verdicts."""

from __future__ import annotations

import pytest

from interviewer.config import Settings
from interviewer.grading import LLMGrader, as_target, verdict_score
from interviewer.grading.llm_judge import reply_model
from interviewer.rubrics import get_bank

from .fakes import ScriptedModel

ANSWER = ("Offline and online disagree, so I would suspect training-serving skew first. I would log the feature values "
          "used at request time and compare their distributions with the training features.")


@pytest.fixture(scope="module")
def skew():
    return get_bank().item("trap-training-serving-skew")


def _reply(skew, covered: set[str], score: int, fell: bool = False, trap_evidence: str = ""):
    return reply_model(tuple(kp.id for kp in skew.key_points)).model_validate(dict(
        key_points={kp.id: {"verdict": "covered" if kp.id in covered else "missing",
                            "evidence": "suspect training-serving skew first" if kp.id in covered else ""}
                    for kp in skew.key_points},
        core_idea=True, notable_error=False, fell_into_trap=fell, trap_evidence=trap_evidence, score=score,
        strengths=[], gaps=[]))


@pytest.mark.parametrize("model_score", [0, 2, 4])
def test_the_score_follows_the_verdicts_not_the_models_number(skew, tmp_path, model_score):
    covered = {"skew-diagnosis", "log-and-compare"}  # 5 of 9 by weight: more than half, a 3
    fake = ScriptedModel().enqueue(_reply(skew, covered, model_score))
    g = LLMGrader(Settings(home=tmp_path), ask=fake).grade(skew, ANSWER, cite=False)
    assert g.score == 3.0 == verdict_score(g.key_points, as_target(skew))
    assert any("disagrees with its verdicts" in w for w in g.warnings) == (abs(model_score - 3) > 1)


def test_a_quoted_trap_caps_the_judges_score(skew, tmp_path):
    fake = ScriptedModel().enqueue(_reply(skew, {kp.id for kp in skew.key_points}, 4, fell=True,
                                          trap_evidence="suspect training-serving skew first"))
    g = LLMGrader(Settings(home=tmp_path), ask=fake).grade(skew, ANSWER, cite=False)
    assert g.fell_into_trap and g.score == 1.0
