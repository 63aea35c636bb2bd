"""The offline `semantic` backend: features (`features.py`), learned verdicts per key point (`verdicts.py`)
and a learned trap verdict (`scorer.py`), and the score computed from them by the scale (`rules.py`), so
that the score and the verdicts shown beside it always agree. Text aimed at the grader is cut out before
anything is measured and scores the answer 0; the rest of the answer is still analysed, so the feedback
stays useful. Where the evidence is weak or conflicting the grade says it needs review, and why.
"""

from __future__ import annotations

import time

import numpy as np

from ..config import Settings, get_settings
from ..models import Feedback, Grade, KeyPointVerdict
from .features import (NO_EVIDENCE_AT, POINT_FEATURES, Measure, embed_answers, features_for, list_share, prefetch,
                       term_list)
from .negation import negates
from .feedback import finish
from .guard import clean_answer
from .rules import INJECTION_WARNING, band, coverage_of, empty_grade, is_gradable, verdict_score
from .scorer import load_scorer, model_for, predict
from .target import GradingTarget, Target, as_target
from .verdicts import LABELS, decide, expected_credit, point_probabilities

BACKEND = "semantic"
# A quote supports its key point only when the quoted sentence itself is this similar to the point (not
# only the whole answer): otherwise the verdict stands without a quote and the grade asks for review.
EVIDENCE_AT = 0.40
REVIEW_POINT_P = 0.45  # a key point whose verdict is this unsure, and whose other reading changes the band
REVIEW_TRAP_BAND = 0.05  # a trap probability this close to the threshold
# A trap verdict needs a sentence that resembles the trap: the trap model alone also fires on answers that
# cover nothing ("a simple baseline and careful monitoring"); under 5 % of the gold trap answers fall below it.
TRAP_EVIDENCE_AT = 0.30
# The scale gives a bare list of terms 0: in an answer that is mostly term lists, a list earns no point.
TERM_LIST_SHARE = 0.5
NEGATED_NOTE = "every sentence that says it negates it"


def _affirming_unit(m: Measure, j: int, point: str) -> str | None:
    """The unit most like key point j that says it without denying it (at least `EVIDENCE_AT` similar)."""
    if m.unit_sims is None:
        return None
    for i in np.argsort(-m.unit_sims[:, j]):
        if m.unit_sims[i, j] < EVIDENCE_AT:
            return None
        if not negates(m.units[i], point):
            return m.units[i]
    return None


def _verdicts(t: GradingTarget, clean, m: Measure, scorer: dict) -> tuple[list[KeyPointVerdict], np.ndarray | None,
                                                                          list[str]]:
    """The verdict per key point, its probabilities, and the points whose only sentences deny them."""
    model = scorer.get("verdict_model")
    if model is not None and m.point_features is not None:
        probs = point_probabilities(m.point_features, model, POINT_FEATURES)
        labels = decide(probs, model)
    else:  # a scorer file from before the verdict model: thresholds on the best similarity
        probs = None
        labels = ["covered" if s >= scorer["covered_at"] else "partial" if s >= scorer["partial_at"] else "missing"
                  for s in m.point_sims]
    listy = list_share(clean.text) >= TERM_LIST_SHARE
    verdicts, denied = [], []
    for j, (kp, sim, evidence) in enumerate(zip(t.key_points, m.point_sims, m.point_evidence, strict=True)):
        supported = m.evidence_sims is None or float(m.evidence_sims[j]) >= EVIDENCE_AT
        if listy and term_list(evidence):
            labels[j] = "missing"
        elif labels[j] != "missing" and negates(evidence, kp.text):
            # the best sentence denies the point ("I would not ..."): another sentence must say it, or it is missing
            evidence = _affirming_unit(m, j, kp.text) or ""
            supported = bool(evidence)
            if not evidence:
                labels[j] = "missing"
                denied.append(kp.text)
        quote = evidence if labels[j] != "missing" and supported and evidence in clean.original else ""
        verdicts.append(KeyPointVerdict(id=kp.id, text=kp.text, verdict=labels[j], similarity=round(float(sim), 3),
                                        evidence=quote))
    return verdicts, probs, denied


_UP = {"missing": "partial", "partial": "covered"}
_DOWN = {"covered": "partial", "partial": "missing"}


def _agree(verdicts: list[KeyPointVerdict], probs: np.ndarray | None, t: GradingTarget, score: float, clean,
           m: Measure) -> list[KeyPointVerdict]:
    """A bare reference's verdicts moved one step at a time until they add up to within one band of its
    fitted score: upward the sentence with the most expected credit (or similarity) first, downward the
    least. The verdicts stay the closest reading of the evidence that agrees with the number."""
    credit = expected_credit(probs) if probs is not None else np.asarray(m.point_sims, dtype=float)
    verdicts = list(verdicts)
    for _ in range(2 * len(verdicts)):
        gap = round(score) - verdict_score(verdicts, t)
        if abs(gap) <= 1:
            break
        step = _UP if gap > 0 else _DOWN
        movable = [j for j, v in enumerate(verdicts) if v.verdict in step]
        j = max(movable, key=lambda i: credit[i]) if gap > 0 else min(movable, key=lambda i: credit[i])
        verdict = step[verdicts[j].verdict]
        supported = m.evidence_sims is None or float(m.evidence_sims[j]) >= EVIDENCE_AT
        quote = m.point_evidence[j] if verdict != "missing" and supported and m.point_evidence[j] in clean.original \
            else ""
        verdicts[j] = verdicts[j].model_copy(update={"verdict": verdict, "evidence": quote})
    return verdicts


def _review(t: GradingTarget, verdicts: list[KeyPointVerdict], probs: np.ndarray | None, trap_p: float | None,
            scorer: dict, denied: list[str]) -> str:
    """Why the grade should be looked at by a person, or "" when the evidence is clear."""
    reasons = []
    if probs is not None:
        here = band(coverage_of(verdicts, t))
        for j, v in enumerate(verdicts):
            if probs[j].max() >= REVIEW_POINT_P:
                continue
            other = LABELS[int(np.argsort(probs[j])[-2])] if LABELS[int(np.argmax(probs[j]))] == v.verdict else \
                LABELS[int(np.argmax(probs[j]))]
            flipped = [w.model_copy(update={"verdict": other}) if i == j else w for i, w in enumerate(verdicts)]
            if band(coverage_of(flipped, t)) != here:
                reasons.append(f"key point “{v.text.strip()[:60]}” is borderline ({v.verdict} or {other})")
    if trap_p is not None and abs(trap_p - scorer["trap_model"]["threshold"]) < REVIEW_TRAP_BAND:
        reasons.append(f"the trap verdict is borderline (p = {trap_p:.2f})")
    if any(v.verdict == "covered" and not v.evidence for v in verdicts):
        reasons.append("a point judged covered has no sentence that says it on its own")
    if denied:
        reasons.append(f"key point “{denied[0].strip()[:60]}”: {NEGATED_NOTE}")
    return "; ".join(reasons[:3])


def grade_measured(t: GradingTarget, clean, m: Measure, scorer: dict) -> Grade:
    warnings = list(clean.warnings)
    verdicts, probs, denied = _verdicts(t, clean, m, scorer)
    no_evidence = t.rubric and len(m.point_sims) and float(np.max(m.point_sims)) < NO_EVIDENCE_AT
    if no_evidence and not clean.injection:
        # Nothing in the answer relates to any written key point (gibberish, off-topic): the scale says 0.
        verdicts = [v.model_copy(update={"verdict": "missing", "evidence": ""}) for v in verdicts]
        warnings.append("Score set to 0: no part of the answer relates to any key point.")
    fell, trap_p, trap_evidence = None, None, ""
    if t.trap and "trap_model" in scorer:
        trap_p = m.trap_probability(scorer)
        fell = trap_p >= scorer["trap_model"]["threshold"] and m.features.get("trap_sim", 1.0) >= TRAP_EVIDENCE_AT
        trap_evidence = m.trap_evidence() if fell else ""
    score = verdict_score(verdicts, t, fell_into_trap=bool(fell), injected=clean.injection)
    if not t.rubric and not clean.injection:
        # A bare reference (no written key points: its sentences stand in for them) keeps the fitted score
        # model for the number; its sentences' verdicts are then moved, likeliest first, to within one band.
        score = round(predict(m.features, model_for(t, scorer)) * 4.0, 2)
        verdicts = _agree(verdicts, probs, t, score, clean, m)
    if clean.injection:
        warnings.append(INJECTION_WARNING)
    reason = "" if clean.injection or no_evidence else _review(t, verdicts, probs, trap_p, scorer, denied)
    return Grade(
        score=score, normalised=round(score / 4, 4), key_points=verdicts, fell_into_trap=fell,
        trap_evidence=trap_evidence if trap_evidence in clean.original else "", backend=BACKEND, warnings=warnings,
        needs_review=bool(reason), review_reason=reason,
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
