"""The offline `semantic` backend: features (`features.py`) through the fitted scorer (`scorer.py`), with
the scale's rules (`rules.py`) on top. Text aimed at the grader is cut out before anything is
measured and scores the answer 0; the rest of the answer is still analysed, so the feedback stays useful.
"""

from __future__ import annotations

import time

import numpy as np

from ..config import Settings, get_settings
from ..models import Feedback, Grade, KeyPointVerdict
from .features import NO_EVIDENCE_AT, Measure, embed_answers, features_for, prefetch
from .feedback import finish
from .guard import clean_answer
from .rules import INJECTION_WARNING, TRAP_CAP, empty_grade, is_gradable
from .scorer import load_scorer, model_for, predict
from .target import GradingTarget, Target, as_target

BACKEND = "semantic"


def grade_measured(t: GradingTarget, clean, m: Measure, scorer: dict) -> Grade:
    warnings = list(clean.warnings)
    predicted = predict(m.features, model_for(t, scorer)) * 4.0
    if clean.injection:
        # The scale puts an attempt to manipulate the grader at 0; the rest is still analysed for feedback.
        predicted = 0.0
        warnings.append(INJECTION_WARNING)
    elif t.rubric and len(m.point_sims) and float(np.max(m.point_sims)) < NO_EVIDENCE_AT:
        # Nothing in the answer relates to any written key point (gibberish, off-topic): the scale says 0.
        predicted = 0.0
        warnings.append("Score set to 0: no part of the answer relates to any key point.")
    verdicts = []
    for kp, sim, evidence in zip(t.key_points, m.point_sims, m.point_evidence, strict=True):
        verdict = "covered" if sim >= scorer["covered_at"] else "partial" if sim >= scorer["partial_at"] else "missing"
        verdicts.append(KeyPointVerdict(id=kp.id, text=kp.text, verdict=verdict, similarity=round(float(sim), 3),
                                        evidence=evidence if verdict != "missing" and evidence in clean.original else ""))
    fell = None
    trap_evidence = ""
    if t.trap:
        fell = m.fell_into_trap(scorer)
        if fell:
            trap_evidence = m.trap_evidence()
            predicted = min(predicted, TRAP_CAP)
    score = round(float(np.clip(predicted, 0, 4)), 2)
    return Grade(
        score=score, normalised=round(score / 4, 4), key_points=verdicts, fell_into_trap=fell,
        trap_evidence=trap_evidence if trap_evidence in clean.original else "", backend=BACKEND, warnings=warnings,
        feedback=Feedback(strengths=[v.text for v in verdicts if v.verdict == "covered"],
                          gaps=[v.text for v in verdicts if v.verdict != "covered"], correct_approach=t.reference),
    )


def grade_semantic(target: Target, answer, settings: Settings | None = None, cite: bool = True) -> Grade:
    settings = settings or get_settings()
    started = time.perf_counter()
    t = as_target(target)
    scorer = load_scorer()
    clean = clean_answer(answer, settings.max_answer_chars)
    if not is_gradable(clean.text):
        return finish(empty_grade(t, list(clean.warnings), BACKEND), started, t, target, settings, cite)
    m = features_for(t, clean.text, scorer)
    return finish(grade_measured(t, clean, m, scorer), started, t, target, settings, cite)


def grade_semantic_many(targets: list[Target], answers: list, settings: Settings | None = None,
                        batch: int = 64) -> list[Grade]:
    """Grade many answers offline (no citations), embedding each batch of answers in one call.

    The same grades as `grade_semantic` one by one; each grade's `latency_ms` is its share of its batch's time.
    """
    settings = settings or get_settings()
    scorer = load_scorer()
    out: list[Grade] = []
    for at in range(0, len(answers), batch):
        started = time.perf_counter()
        ts = [as_target(t) for t in targets[at:at + batch]]
        prefetch(ts)
        cleans = [clean_answer(a, settings.max_answer_chars) for a in answers[at:at + batch]]
        usable = [i for i, c in enumerate(cleans) if is_gradable(c.text)]
        embedded = dict(zip(usable, embed_answers([cleans[i].text for i in usable]), strict=True))
        grades = [grade_measured(ts[i], c, features_for(ts[i], c.text, scorer, embedded[i]), scorer)
                  if i in embedded else empty_grade(ts[i], list(c.warnings), BACKEND) for i, c in enumerate(cleans)]
        share = round((time.perf_counter() - started) * 1000 / max(1, len(grades)), 2)
        for g in grades:
            g.latency_ms = share
        out.extend(grades)
    return out
