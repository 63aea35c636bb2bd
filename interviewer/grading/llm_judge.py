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
4. The score follows from the checked verdicts by the scale (`rules.verdict_score`, the same rule as
   the offline grader: weights, partial counts half, the bands); the model's own `score` is not used
   for the grade, only reported in a warning when it differs by more than one band. Then capped: at
   most 1 without the core idea or when it fell into the trap (a trap verdict counts only with a quote
   found in the answer), and 0 (with a warning) when the answer addressed the grader.
5. An answer with nothing to grade (`rules.is_gradable`, the same rule as the offline grader) is
   graded 0 without a request.
6. Any failure of the endpoint or an invalid reply after retries raises `LLMError`; the wrapper in
   `grading/__init__.py` then has the offline `semantic` grader answer, `backend` reads
   "semantic (llm fallback)" and a warning says why. Never a silent default score.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from ..config import Settings, get_settings
from ..llm import structured
from ..models import Feedback, Grade, KeyPointVerdict
from ..prompts import grade_prompt, render
from .feedback import finish
from .guard import clean_answer
from .rules import INJECTION_WARNING, TRAP_CAP, empty_grade, is_gradable, scale_score
from .target import GradingTarget, as_target

__all__ = ["grade_llm", "GradeReply", "reply_model", "point_replies", "build_messages", "verify_quote", "BACKEND"]

BACKEND = "llm"

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


def _rubric_data(t: GradingTarget) -> dict:
    data = {"question": t.question,
            "key_points": [{"id": kp.id, "text": kp.text.strip(), "weight": kp.weight} for kp in t.key_points],
            "correct_approach": t.reference}
    if t.trap:
        data["trap"] = t.trap
    return data


def fence_for(answer: str) -> str:
    return hashlib.sha256(answer.encode("utf-8")).hexdigest()[:12]


def build_messages(t: GradingTarget, answer: str) -> list[dict]:
    """The chat messages for grading `answer` (already cleaned) against the target."""
    spec = grade_prompt()
    user = render(spec.user, strip=False, rubric=json.dumps(_rubric_data(t), indent=1, ensure_ascii=False),
                  answer=answer, fence=fence_for(answer))
    return [{"role": "system", "content": render(spec.system, strip=False)}, {"role": "user", "content": user}]


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


def _verdicts(reply: GradeReply, t: GradingTarget, graded: str, original: str) -> tuple[list[KeyPointVerdict], int]:
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


def _from_reply(reply: GradeReply, t: GradingTarget, clean, warnings: list[str]) -> Grade:
    verdicts, unverified = _verdicts(reply, t, clean.text, clean.original)
    if unverified:
        warnings.append(f"{unverified} evidence quote(s) from the LLM were not found in the answer; "
                        "those verdicts were lowered one step.")
    score = scale_score(verdicts, t, reply.core_idea, reply.notable_error)
    if abs(score - reply.score) > 1:
        warnings.append(f"The LLM's own score ({reply.score}) disagrees with its verdicts; the score follows the verdicts.")
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
                score = min(score, TRAP_CAP)
    if clean.injection:
        score = 0.0
        warnings.append(INJECTION_WARNING)
    return Grade(score=score, normalised=round(score / 4, 4), key_points=verdicts, fell_into_trap=fell,
                 trap_evidence=trap_evidence, backend=BACKEND, warnings=warnings,
                 feedback=Feedback(strengths=list(reply.strengths), gaps=list(reply.gaps), correct_approach=t.reference))


def grade_llm(target, answer, settings: Settings | None = None, cite: bool = True, ask=structured) -> Grade:
    """Grade with the configured LLM endpoint; raises `LLMError` when it fails (see the module notes).
    `ask` is the structured-output call (`llm.structured`; tests pass a scripted model)."""
    settings = settings or get_settings()
    started = time.perf_counter()
    t = as_target(target)
    clean = clean_answer(answer, settings.max_answer_chars)  # raises AnswerError on non-text
    if not is_gradable(clean.text):
        return finish(empty_grade(t, list(clean.warnings), BACKEND), started, t, target, settings, cite)
    reply = ask(build_messages(t, clean.text), reply_model(tuple(kp.id for kp in t.key_points)),
                       settings=settings, max_tokens=grade_prompt().max_tokens)
    grade = _from_reply(reply, t, clean, list(clean.warnings))
    return finish(grade, started, t, target, settings, cite)
