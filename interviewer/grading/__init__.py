"""Rubric grading: `grader_for(settings, backend).grade(target, answer) -> Grade`, or `grade(...)` for one.

Two backends share the scale (`rules.py`), the target (`target.py`) and the feedback (`feedback.py`):
`semantic` (offline, the default) and `llm` (any OpenAI-compatible endpoint). `grader_for` is the one
place where "auto" is resolved; an LLM grader comes wrapped in `FallbackGrader`, so that any failure of
the endpoint is answered by the offline grader, visibly (`backend` "semantic (llm fallback)" and a
warning), never by a silent default.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from ..config import Settings, get_settings
from ..errors import AnswerError, LLMError
from ..llm import structured
from ..models import Grade
from .features import FEATURES, POINT_FEATURES, measure, measure_many, prefetch, verdict_coverage
from .guard import clean_answer, looks_injected
from .llm_judge import grade_llm
from .scorer import load_scorer
from .rules import band, coverage_of, verdict_score
from .semantic import grade_measured, grade_semantic, grade_semantic_many
from .target import Target, as_target

__all__ = ["Grader", "SemanticGrader", "LLMGrader", "FallbackGrader", "grader_for", "grade", "AnswerError",
           "FALLBACK_BACKEND", "BACKENDS", "Target", "as_target", "grade_semantic", "grade_semantic_many",
           # for fitting and analysing the offline grader (`python -m evals fit`, the injection suite)
           "FEATURES", "POINT_FEATURES", "measure", "measure_many", "load_scorer", "clean_answer", "looks_injected",
           "grade_measured", "verdict_coverage", "band", "coverage_of", "verdict_score"]

BACKENDS = ("auto", "semantic", "llm")
FALLBACK_BACKEND = "semantic (llm fallback)"


class Grader(Protocol):
    """Anything that grades: the backends below, or a scripted one in tests."""

    name: str

    def grade(self, target: Target, answer, cite: bool = True) -> Grade: ...

    def grade_many(self, targets: list[Target], answers: list) -> list[Grade]: ...


class SemanticGrader:
    """The offline grader (embeddings and a fitted scorer)."""

    name = "semantic (offline)"
    batched = True

    def __init__(self, settings: Settings):
        self.settings = settings

    def grade(self, target: Target, answer, cite: bool = True) -> Grade:
        return grade_semantic(target, answer, settings=self.settings, cite=cite)

    def grade_many(self, targets: list[Target], answers: list) -> list[Grade]:
        return grade_semantic_many(targets, answers, settings=self.settings, batch=max(1, len(answers)))

    def prefetch(self, targets: list[Target]) -> None:
        """Embed the rubric side of these targets now (one batch), so the first answer does not wait for it."""
        prefetch([as_target(t) for t in targets])


class LLMGrader:
    """The LLM judge; raises `LLMError` when the endpoint fails. `ask` replaces `llm.structured` (a scripted
    model in tests)."""

    batched = False

    def __init__(self, settings: Settings, ask: Callable | None = None):
        self.settings = settings
        self.name = f"llm ({settings.llm_model})"
        self._ask = ask or structured

    def grade(self, target: Target, answer, cite: bool = True) -> Grade:
        return grade_llm(target, answer, settings=self.settings, cite=cite, ask=self._ask)

    def grade_many(self, targets: list[Target], answers: list) -> list[Grade]:
        return [self.grade(t, a, cite=False) for t, a in zip(targets, answers, strict=True)]


class FallbackGrader:
    """`primary`, and `fallback` in its place (with the reason as the first warning) when it raises `LLMError`."""

    batched = False

    def __init__(self, primary: Grader, fallback: Grader):
        self.primary, self.fallback = primary, fallback
        self.name = primary.name

    def grade(self, target: Target, answer, cite: bool = True) -> Grade:
        started = time.perf_counter()
        try:
            return self.primary.grade(target, answer, cite=cite)
        except LLMError as exc:
            grade = self.fallback.grade(target, answer, cite=cite)
            grade.backend = FALLBACK_BACKEND
            grade.warnings.insert(0, f"The LLM grader failed, so the offline grader answered: {exc}")
            grade.latency_ms = round((time.perf_counter() - started) * 1000, 2)
            return grade

    def grade_many(self, targets: list[Target], answers: list) -> list[Grade]:
        return [self.grade(t, a, cite=False) for t, a in zip(targets, answers, strict=True)]


def grader_for(settings: Settings | None = None, backend: str | None = None) -> Grader:
    """The grader for `backend` ("semantic", "llm", or "auto"/None: the setting, where "auto" means the LLM
    only while an endpoint is configured)."""
    settings = settings or get_settings()
    choice = backend or settings.grader
    if choice not in BACKENDS:
        raise ValueError(f"Unknown grader backend {choice!r}: use semantic, llm or auto.")
    if settings.wants_llm(choice):
        return FallbackGrader(LLMGrader(settings), SemanticGrader(settings))
    return SemanticGrader(settings)


def grade(target: Target, answer, backend: str | None = None, settings: Settings | None = None,
          cite: bool = True) -> Grade:
    """Grade one answer against a rubric item or a bare reference. Non-text answers raise `AnswerError`."""
    return grader_for(settings, backend).grade(target, answer, cite=cite)
