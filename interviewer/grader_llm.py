"""The `llm` grading backend: an LLM judge behind the same `Grade` as the offline grader.

How a grade is made:
1. The answer goes through `guard.clean_answer` (type check, length limit, text aimed at the
   grader cut out). Non-text raises `AnswerError`.
2. The prompt (`prompts/grade.yaml`) gives the rubric as JSON data and the cleaned answer between
   two fence lines carrying a marker derived from the answer, so the answer cannot close its own
   fence. The reply comes back as a `GradeReply` through `llm.structured` (temperature 0).
3. Every evidence quote is checked to be a verbatim substring of the answer (whitespace and case
   aside; the answer's own characters are kept). A verdict whose quote is not found loses its
   quote and drops one step (covered to partial, partial to missing), with a warning.
4. The score is the mean of the model's score and the score the scale gives for the checked
   verdicts (partial counts half, key-point weights used), rounded to half points; then capped:
   at most 1 when it fell into the trap (a trap verdict counts only with a quote found in the answer)
   or no key point is left with evidence, and 0 (with a
   warning) when the answer addressed the grader, the same rule as the offline grader.
5. Any failure of the endpoint or an invalid reply after retries: the offline `semantic` grader
   answers, `backend` reads "semantic (llm fallback)" and a warning says why. Never a silent
   default score.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from functools import lru_cache
from importlib import resources
from typing import Annotated, Literal

import yaml
from jinja2 import Environment, StrictUndefined
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from . import llm
from .config import Settings, get_settings
from .grader import _as_target, _finish, _Target, grade_semantic
from .guard import clean_answer
from .models import Feedback, Grade, KeyPointVerdict

__all__ = ["grade_llm", "GradeReply", "reply_model", "point_replies", "build_messages", "verify_quote", "prompt_spec", "BACKEND", "FALLBACK_BACKEND"]

BACKEND = "llm"
FALLBACK_BACKEND = "semantic (llm fallback)"

Quote = Annotated[str, StringConstraints(max_length=160)]
Phrase = Annotated[str, StringConstraints(max_length=120)]


class PointReply(BaseModel):
    verdict: Literal["covered", "partial", "missing"]
    evidence: Quote


class GradeReply(BaseModel):
    """What the model returns; bounded so that a small model cannot loop forever.

    `key_points` is an object with one required property per key-point id of the rubric (see
    `reply_model`), so that a schema-following server gives each verdict exactly once, in order.
    """

    key_points: BaseModel
    core_idea: bool
    notable_error: bool
    fell_into_trap: bool
    trap_evidence: Quote
    score: int = Field(ge=0, le=4)
    strengths: list[Phrase] = Field(max_length=2)
    gaps: list[Phrase] = Field(max_length=2)


@lru_cache(maxsize=256)
def reply_model(ids: tuple[str, ...]) -> type[GradeReply]:
    """The `GradeReply` schema for a rubric with these key-point ids."""
    fields = {f"p{i}": (PointReply, Field(alias=kp_id)) for i, kp_id in enumerate(ids)}
    points = create_model("KeyPointVerdicts", __config__=ConfigDict(extra="forbid"), **fields)
    return create_model("GradeReply", __base__=GradeReply, key_points=(points, ...))


def point_replies(reply: GradeReply, ids: tuple[str, ...]) -> dict[str, PointReply]:
    return {kp_id: getattr(reply.key_points, f"p{i}") for i, kp_id in enumerate(ids)}


class PromptSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    max_tokens: int = Field(ge=50, le=4000)
    system: str
    user: str


_jinja = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


@lru_cache(maxsize=1)
def prompt_spec() -> PromptSpec:
    text = resources.files("interviewer").joinpath("prompts/grade.yaml").read_text(encoding="utf-8")
    return PromptSpec.model_validate(yaml.safe_load(text))


def _rubric_data(t: _Target) -> dict:
    data = {"question": t.question,
            "key_points": [{"id": kp.id, "text": kp.text.strip(), "weight": kp.weight} for kp in t.key_points],
            "correct_approach": t.reference}
    if t.trap:
        data["trap"] = t.trap
    return data


def fence_for(answer: str) -> str:
    return hashlib.sha256(answer.encode("utf-8")).hexdigest()[:12]


def build_messages(t: _Target, answer: str) -> list[dict]:
    """The chat messages for grading `answer` (already cleaned) against the target."""
    spec = prompt_spec()
    fence = fence_for(answer)
    user = _jinja.from_string(spec.user).render(
        rubric=json.dumps(_rubric_data(t), indent=1, ensure_ascii=False), answer=answer, fence=fence)
    return [{"role": "system", "content": _jinja.from_string(spec.system).render()},
            {"role": "user", "content": user}]


# --- checking the reply -------------------------------------------------------------------

_QUOTE_TRIM = " \t\n\"'“”‘’`.…"


def verify_quote(quote: str, text: str) -> str | None:
    """The span of `text` that `quote` copies (whitespace and case aside), or None if it is not there."""
    quote = quote.strip(_QUOTE_TRIM)
    if len(quote) < 3:
        return None
    if quote in text:
        return quote
    words = re.findall(r"\S+", quote)
    match = re.search(r"\s+".join(re.escape(w) for w in words), text, re.I)
    return match.group(0) if match else None


def _scale_score(verdicts: list[KeyPointVerdict], t: _Target, core_idea: bool, notable_error: bool) -> float:
    """The issue's scale applied to the verdicts (partial counts half, weights used)."""
    weights = {kp.id: kp.weight for kp in t.key_points}
    total = sum(weights.values()) or 1.0
    got = sum(weights[v.id] * {"covered": 1.0, "partial": 0.5, "missing": 0.0}[v.verdict] for v in verdicts)
    coverage = got / total
    if not core_idea:
        return 1.0 if coverage > 0 else 0.0
    score = 4.0 if coverage >= 0.8 else 3.0 if coverage > 0.5 else 2.0
    return min(score, 2.0) if notable_error else score


def _verdicts(reply: GradeReply, t: _Target, graded: str, original: str) -> tuple[list[KeyPointVerdict], int]:
    by_id = point_replies(reply, tuple(kp.id for kp in t.key_points))
    verdicts, unverified = [], 0
    for kp in t.key_points:
        p = by_id[kp.id]
        verdict, evidence = p.verdict, ""
        if verdict != "missing":
            found = verify_quote(p.evidence, graded)
            evidence = (verify_quote(found, original) or found) if found else ""
            if not evidence:
                unverified += 1
                verdict = "partial" if verdict == "covered" else "missing"
        verdicts.append(KeyPointVerdict(id=kp.id, text=kp.text.strip(), verdict=verdict, evidence=evidence))
    return verdicts, unverified


def _from_reply(reply: GradeReply, t: _Target, clean, warnings: list[str]) -> Grade:
    verdicts, unverified = _verdicts(reply, t, clean.text, clean.original)
    if unverified:
        warnings.append(f"{unverified} evidence quote(s) from the LLM were not found in the answer; "
                        "those verdicts were lowered one step.")
    rule = _scale_score(verdicts, t, reply.core_idea, reply.notable_error)
    score = round((rule + reply.score) / 2 * 2) / 2
    if all(v.verdict == "missing" for v in verdicts):
        score = min(score, 1.0)
    fell = None
    trap_evidence = ""
    if t.trap:
        fell = reply.fell_into_trap
        if fell:
            found = verify_quote(reply.trap_evidence, clean.text)
            trap_evidence = (verify_quote(found, clean.original) or found) if found else ""
            if not trap_evidence:  # a trap verdict must quote the answer, like every other verdict
                fell = False
                warnings.append("The LLM said the answer fell into the trap but quoted nothing from it; "
                                "the trap verdict was not counted.")
            else:
                score = min(score, 1.0)
    if clean.injection:
        score = 0.0
        warnings.append("Score set to 0: the answer tries to manipulate the grader.")
    return Grade(score=score, normalised=round(score / 4, 4), key_points=verdicts, fell_into_trap=fell,
                 trap_evidence=trap_evidence, backend=BACKEND, warnings=warnings,
                 feedback=Feedback(strengths=list(reply.strengths), gaps=list(reply.gaps), correct_approach=t.reference))


def grade_llm(target, answer, settings: Settings | None = None, cite: bool = True) -> Grade:
    """Grade with the configured LLM endpoint; falls back to the offline grader, with a warning, on failure."""
    settings = settings or get_settings()
    started = time.perf_counter()
    t = _as_target(target)
    clean = clean_answer(answer, settings.max_answer_chars)  # raises AnswerError on non-text
    warnings = list(clean.warnings)
    if len(re.findall(r"\w+", clean.text)) < 2:
        warnings.append("The answer is empty or too short to grade.")
        empty = Grade(score=0, normalised=0, fell_into_trap=False if t.trap else None, backend=BACKEND,
                      key_points=[KeyPointVerdict(id=kp.id, text=kp.text.strip(), verdict="missing") for kp in t.key_points],
                      warnings=warnings, feedback=Feedback(gaps=[kp.text.strip() for kp in t.key_points][:2],
                                                          correct_approach=t.reference))
        return _finish(empty, started, t, target, settings, cite)
    try:
        reply = llm.structured(build_messages(t, clean.text), reply_model(tuple(kp.id for kp in t.key_points)),
                               settings=settings,
                               max_tokens=prompt_spec().max_tokens)
    except llm.LLMError as exc:
        fallback = grade_semantic(target, answer, settings=settings, cite=cite)
        fallback.backend = FALLBACK_BACKEND
        fallback.warnings.insert(0, f"The LLM grader failed, so the offline grader answered: {exc}")
        fallback.latency_ms = round((time.perf_counter() - started) * 1000, 2)
        return fallback
    grade = _from_reply(reply, t, clean, warnings)
    return _finish(grade, started, t, target, settings, cite)
