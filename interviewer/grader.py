"""Rubric grading: `grade(target, answer) -> Grade`.

The offline `semantic` backend compares the answer's sentences with each key point, the trap
and the correct approach using the bundled embedding model, turns that into a few features,
and maps them to a 0-4 score with a small linear scorer fitted on development data
(`interviewer/data/semantic_scorer.json`, refit by `python -m evals.fit_scorer`). Rules from
the grading scale sit on top: a trap caps the score at 1, an empty answer is 0, and text aimed
at the grader is cut out before anything is measured, and an answer that carries such text
scores 0 (the scale counts an attempt to manipulate the grader as 0; the rest of the answer
is still analysed, so the feedback stays useful).
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .config import Settings, get_settings
from .embeddings import embed
from .guard import AnswerError, clean_answer, split_sentences
from .models import Citation, Feedback, Grade, KeyPoint, KeyPointVerdict, Reference, RubricItem

__all__ = ["grade", "AnswerError", "measure", "FEATURES", "Target"]

Target = RubricItem | Reference

FEATURES = ["coverage", "kp_mean", "kp_max", "ref_sim", "lexical", "question_sim", "length", "trap_margin",
            "answer_vs_question"]
CORRECTION_CUES = re.compile(
    r"\b(actually|wait|on second thought|scratch that|correction|i was wrong|that'?s wrong|no,|rather|instead|"
    r"but really|better:|more precisely|let me correct)\b", re.I)
STOPWORDS = set("""a an the and or of to in on for with by from as at is are was were be been being it its this that
these those you your we our they their i me my not no do does did can could should would will shall may might must
than then so such if but into over under about also only just more most very via per each which who what when where
how why using use used""".split())


# --- targets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    question: str
    reference: str
    trap: str | None
    key_points: tuple[KeyPoint, ...]
    max_score: float


def _as_target(target: Target) -> _Target:
    if isinstance(target, RubricItem):
        return _Target(target.question, target.correct_approach, target.trap, tuple(target.key_points), 4.0)
    if isinstance(target, Reference):
        points = target.key_points or _reference_points(target.reference_answer)
        kps = tuple(KeyPoint(id=f"kp{i + 1}", text=t if len(t) >= 5 else t + " " * (5 - len(t)), weight=1.0)
                    for i, t in enumerate(points))
        return _Target(target.question, target.reference_answer, target.trap, kps, float(target.max_score))
    raise TypeError(f"grade() needs a RubricItem or a Reference, not {type(target).__name__}")


def _reference_points(reference: str) -> list[str]:
    """Key points for a bare reference: its sentences and clauses (at most six)."""
    parts = [p.strip(" -•\t") for s in split_sentences(reference) for p in re.split(r";|\s-\s|\n-", s)]
    parts = [p for p in parts if len(p.split()) >= 2] or [reference.strip()]
    if len(parts) > 6:  # merge neighbours so every part of the reference still counts
        size = math.ceil(len(parts) / 6)
        parts = [" ".join(parts[i:i + size]) for i in range(0, len(parts), size)]
    return parts


def _trap_statement(trap: str) -> str:
    """The tempting answer itself: the trap text before its explanation of why it is wrong."""
    first = split_sentences(trap)[0] if trap.strip() else trap
    return re.split(r"\b(because|which is wrong|this is wrong|but this|that is wrong)\b", first, maxsplit=1, flags=re.I)[0]


@lru_cache(maxsize=4096)
def _target_vectors(question: str, reference: str, trap: str, points: tuple[str, ...]) -> dict:
    texts = [question, reference, trap or question, *points]
    vectors = embed(list(texts))
    return {"question": vectors[0], "reference": vectors[1], "trap": vectors[2] if trap else None,
            "points": vectors[3:]}


# --- features -------------------------------------------------------------------------------


def _units(text: str) -> list[str]:
    """Sentences, and the clauses of long sentences: every unit is a verbatim substring of the answer."""
    units = []
    for sentence in split_sentences(text):
        units.append(sentence)
        if len(sentence.split()) > 30:
            units.extend(c.strip() for c in re.split(r"[;,:]", sentence) if len(c.split()) >= 4)
    return units


def _content_words(text: str) -> set[str]:
    return {w[:6] for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS and len(w) > 2}


@dataclass
class _Measure:
    features: dict[str, float]
    point_sims: np.ndarray
    point_evidence: list[str]
    trap_sims: np.ndarray  # per unit: similarity to the trap statement
    margins: np.ndarray  # per unit: trap similarity minus best similarity to the correct approach / key points
    units: list[str]

    def trap_units(self, scorer: dict) -> list[tuple[int, float]]:
        return [(i, float(m)) for i, (t, m) in enumerate(zip(self.trap_sims, self.margins))
                if t >= scorer["trap_at"] and m >= scorer["trap_margin"]]

    def fell_into_trap(self, scorer: dict) -> bool:
        units = self.trap_units(scorer)
        return bool(units) and not _self_corrected(self.units, units)


def features_for(target: _Target, text: str, scorer: dict) -> _Measure:
    vec = _target_vectors(target.question, target.reference, _trap_statement(target.trap) if target.trap else "",
                          tuple(kp.text for kp in target.key_points))
    units = _units(text) or [text]
    vectors = embed([text, *units])
    whole, unit_vecs = vectors[0], vectors[1:]
    sims = unit_vecs @ vec["points"].T  # units x points
    sims = np.vstack([sims, whole @ vec["points"].T])
    point_sims = sims.max(axis=0)
    best = sims[:-1].argmax(axis=0)
    weights = np.array([kp.weight for kp in target.key_points])
    lo, hi = scorer["partial_at"], scorer["covered_at"]
    credit = np.clip((point_sims - lo) / (hi - lo), 0, 1)
    ref_words = _content_words(target.reference + " " + " ".join(kp.text for kp in target.key_points))
    lexical = len(ref_words & _content_words(text)) / max(1, len(ref_words))
    ref_sim = float(whole @ vec["reference"])
    q_sim = float(whole @ vec["question"])
    to_trap = margins = np.zeros(0)
    trap_margin = 0.0
    if vec["trap"] is not None:
        to_trap = unit_vecs @ vec["trap"]
        to_correct = np.maximum(unit_vecs @ vec["reference"], (unit_vecs @ vec["points"].T).max(axis=1))
        margins = to_trap - to_correct
        trap_margin = float(margins.max())
    words = len(text.split())
    features = {
        "coverage": float((credit * weights).sum() / weights.sum()),
        "kp_mean": float(point_sims.mean()),
        "kp_max": float(point_sims.max()),
        "ref_sim": ref_sim,
        "lexical": lexical,
        "question_sim": q_sim,
        "length": math.log1p(words) / math.log(200),
        "trap_margin": trap_margin,
        "answer_vs_question": ref_sim - q_sim,
    }
    return _Measure(features, point_sims, [units[i] for i in best], to_trap, margins, units)


def measure(target: Target, answer: str, scorer: dict | None = None) -> _Measure | None:
    """The grader's raw measurements of an answer (None when it is empty): for fitting and analysis."""
    scorer = scorer or load_scorer()
    clean = clean_answer(answer, get_settings().max_answer_chars)
    if len(_content_words(clean.text)) < 2:
        return None
    return features_for(_as_target(target), clean.text, scorer)


# --- scoring --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def load_scorer() -> dict:
    return json.loads(resources.files("interviewer").joinpath("data/semantic_scorer.json").read_text())


def _predict(features: dict[str, float], scorer: dict) -> float:
    x = np.array([features[name] for name in scorer["features"]])
    z = (x - np.array(scorer["mean"])) / np.array(scorer["scale"])
    return float(np.clip(np.dot(z, scorer["coef"]) + scorer["intercept"], 0.0, 1.0))


def _self_corrected(units: list[str], trap_units: list[tuple[int, float]]) -> bool:
    """A correction cue after the last trap-like sentence means the candidate ended elsewhere."""
    last = max(i for i, _ in trap_units)
    return any(CORRECTION_CUES.search(u) for u in units[last:]) and last < len(units) - 1 or (
        bool(CORRECTION_CUES.search(units[last])) and len(units[last].split()) > 8)


def _citations(missed: list[KeyPoint], item: RubricItem | None, settings: Settings) -> list[Citation]:
    from .retrieval import search
    from .store import IndexUnavailable

    citations: list[Citation] = []
    seen = set()
    try:
        for kp in missed[:3]:
            for p in search(kp.text, k=1, settings=settings):
                if (p.origin, p.section) not in seen:
                    seen.add((p.origin, p.section))
                    citations.append(Citation(document=p.document, section=p.section, origin=p.origin, text=p.text))
    except IndexUnavailable:
        pass
    if item is not None:
        for source in item.sources:
            if not any(c.origin == source.origin and source.section in c.section for c in citations):
                citations.append(Citation(document=source.origin, section=source.section, origin=source.origin, text=""))
    return citations


def grade_semantic(target: Target, answer, settings: Settings | None = None, cite: bool = True) -> Grade:
    settings = settings or get_settings()
    started = time.perf_counter()
    t = _as_target(target)
    scorer = load_scorer()
    clean = clean_answer(answer, settings.max_answer_chars)
    warnings = list(clean.warnings)
    text = clean.text
    kp_missing = [KeyPointVerdict(id=kp.id, text=kp.text, verdict="missing") for kp in t.key_points]
    if len(_content_words(text)) < 2:
        warnings.append("The answer is empty or too short to grade.")
        return _finish(Grade(score=0, normalised=0, key_points=kp_missing, fell_into_trap=False if t.trap else None,
                             backend="semantic", warnings=warnings,
                             feedback=Feedback(gaps=[kp.text for kp in t.key_points], correct_approach=t.reference)),
                       started, t, target, settings, cite)
    m = features_for(t, text, scorer)
    predicted = _predict(m.features, scorer) * 4.0
    if clean.injection:
        # The scale puts an attempt to manipulate the grader at 0; the rest is still analysed for feedback.
        predicted = 0.0
        warnings.append("Score set to 0: the answer tries to manipulate the grader.")
    verdicts = []
    for kp, sim, evidence in zip(t.key_points, m.point_sims, m.point_evidence):
        verdict = "covered" if sim >= scorer["covered_at"] else "partial" if sim >= scorer["partial_at"] else "missing"
        verdicts.append(KeyPointVerdict(id=kp.id, text=kp.text, verdict=verdict, similarity=round(float(sim), 3),
                                        evidence=evidence if verdict != "missing" and evidence in clean.original else ""))
    fell = None
    trap_evidence = ""
    if t.trap:
        fell = m.fell_into_trap(scorer)
        if fell:
            trap_evidence = m.units[max(m.trap_units(scorer), key=lambda u: u[1])[0]]
            predicted = min(predicted, 1.0)
    score = round(float(np.clip(predicted, 0, 4)), 2)
    grade = Grade(
        score=score, normalised=round(score / 4, 4), key_points=verdicts, fell_into_trap=fell,
        trap_evidence=trap_evidence if trap_evidence in clean.original else "", backend="semantic", warnings=warnings,
        feedback=Feedback(strengths=[v.text for v in verdicts if v.verdict == "covered"],
                          gaps=[v.text for v in verdicts if v.verdict != "covered"], correct_approach=t.reference),
    )
    return _finish(grade, started, t, target, settings, cite)


def _finish(grade: Grade, started: float, t: _Target, target: Target, settings: Settings, cite: bool) -> Grade:
    if cite:
        missed = [kp for kp, v in zip(t.key_points, grade.key_points) if v.verdict != "covered"]
        grade.feedback.citations = _citations(missed, target if isinstance(target, RubricItem) else None, settings)
    grade.latency_ms = round((time.perf_counter() - started) * 1000, 2)
    return grade


def grade(target: Target, answer, backend: str | None = None, settings: Settings | None = None,
          cite: bool = True) -> Grade:
    """Grade `answer` against a rubric item or a bare reference.

    `backend`: "semantic" (offline), "llm", or "auto"/None (the setting; `auto` picks `llm` only when an
    endpoint is configured). Non-text answers raise `AnswerError`.
    """
    settings = settings or get_settings()
    choice = backend or settings.grader
    if choice not in ("auto", "semantic", "llm"):
        raise ValueError(f"Unknown grader backend {choice!r}: use semantic, llm or auto.")
    if choice == "llm" or (choice == "auto" and settings.llm_configured):
        from .grader_llm import grade_llm  # imports this module; the LLM client is built on first use

        return grade_llm(target, answer, settings=settings, cite=cite)
    return grade_semantic(target, answer, settings=settings, cite=cite)
