"""The grading scale's rules, shared by every backend: what counts as an answer at all, how verdicts
add up to a score, and the caps (the trap caps at 1, an attempt to manipulate the grader scores 0)."""

from __future__ import annotations

import re

from ..models import Feedback, Grade, KeyPointVerdict
from ..text import STOPWORDS, words
from .target import GradingTarget

TRAP_CAP = 1.0  # an answer that falls into the trap scores at most this
EMPTY_WARNING = "The answer is empty or too short to grade."
INJECTION_WARNING = "Score set to 0: the answer tries to manipulate the grader."
VERDICT_CREDIT = {"covered": 1.0, "partial": 0.5, "missing": 0.0}

# A whole answer that says there is no answer ("idk", "No response.", "n/a", "?") is graded as empty.
# "none" and "nothing" are not in it: they can be right ("what does a constructor return?").
NON_ANSWER = re.compile(r"^\W*(i\s+)?(idk|dunno|don'?t know|do not know|not sure|no idea|no answer( given)?|no response|"
                        r"(no|empty|blank) submission|not answered|unanswered|left blank|blank|n/?a|skip|\?+)?\W*$",
                        re.I)


def is_gradable(text: str) -> bool:
    """Something to grade: at least one content word, and not a statement that there is no answer. A
    one-word answer can be right ("main", to where a C++ program starts) and is graded like any other;
    "I don't know" is not graded (and costs no LLM request)."""
    return bool(set(words(text)) - STOPWORDS) and not NON_ANSWER.match(text)


def empty_grade(t: GradingTarget, warnings: list[str], backend: str) -> Grade:
    """The grade of an answer with nothing to grade: 0, every key point missing."""
    warnings.append(EMPTY_WARNING)
    return Grade(score=0, normalised=0, key_points=[KeyPointVerdict(id=kp.id, text=kp.text, verdict="missing")
                                                    for kp in t.key_points],
                 fell_into_trap=False if t.trap else None, backend=backend, warnings=warnings,
                 feedback=Feedback(gaps=[kp.text for kp in t.key_points], correct_approach=t.reference))


# The bands of the scale on the weighted coverage of the key points (partial = half), as the graders of the
# blind set applied them: 4 from "about 80 %" (0.775: 7 of 9 points), 3 above half, 2 from a third (the core
# idea present but thin), 1 for anything covered at all, 0 for nothing.
BANDS = ((0.775, 4.0), (0.5 + 1e-9, 3.0), (1 / 3 - 1e-9, 2.0), (1e-9, 1.0))


def coverage_of(verdicts: list[KeyPointVerdict], t: GradingTarget) -> float:
    """Weighted share of the key points covered, a partial point counting half."""
    weights = {kp.id: kp.weight for kp in t.key_points}
    total = sum(weights.values()) or 1.0
    return sum(weights.get(v.id, 0.0) * VERDICT_CREDIT[v.verdict] for v in verdicts) / total


def band(coverage: float) -> float:
    """The score the scale gives a weighted coverage."""
    return next((score for at, score in BANDS if coverage >= at), 0.0)


def verdict_score(verdicts: list[KeyPointVerdict], t: GradingTarget, fell_into_trap: bool = False,
                  injected: bool = False, notable_error: bool = False) -> float:
    """The score that follows from the verdicts: the band of their coverage, at most 2 with a notable error,
    at most 1 in the trap, 0 for an attempt to manipulate the grader. Every backend scores this way."""
    if injected:
        return 0.0
    score = band(coverage_of(verdicts, t))
    if notable_error:
        score = min(score, 2.0)
    return min(score, TRAP_CAP) if fell_into_trap else score


def scale_score(verdicts: list[KeyPointVerdict], t: GradingTarget, core_idea: bool, notable_error: bool) -> float:
    """The scale applied to verdicts as an LLM judge reports them (without the core idea at most 1)."""
    score = verdict_score(verdicts, t, notable_error=notable_error)
    return score if core_idea else min(score, 1.0)
