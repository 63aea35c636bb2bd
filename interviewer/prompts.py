"""Prompt and message templates: YAML files under `prompts/`, each validated by its own spec model,
rendered with Jinja2 `StrictUndefined` (a missing variable is an error, never an empty string)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from jinja2 import Environment, StrictUndefined
from pydantic import BaseModel, ConfigDict, Field

from .models import Stage

_jinja = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


def render(template: str, strip: bool = True, **values) -> str:
    """One template with its values (stripped unless `strip` is false)."""
    text = _jinja.from_string(template).render(**values)
    return text.strip() if strip else text


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GradePrompt(_Spec):
    """`prompts/grade.yaml`: the LLM judge's prompt."""

    version: int
    max_tokens: int = Field(ge=50, le=4000)
    system: str
    user: str


class Openings(_Spec):
    design: str
    drill: str
    grill: str
    review: str


class Acks(_Spec):
    strong: list[str] = Field(min_length=1)
    partial: list[str] = Field(min_length=1)
    weak: list[str] = Field(min_length=1)
    trap: list[str] = Field(min_length=1)  # no praise for an answer that fell into the trap
    neutral: list[str] = Field(min_length=1)  # moving on for another reason (the candidate was followed)


class LLMPhrasing(_Spec):
    system: str
    user: str


class Replies(_Spec):
    """What the interviewer says to a conversational move (see `interview/replies.py`)."""

    repeat: list[str] = Field(min_length=1)
    repeat_same: list[str] = Field(min_length=1)  # the question as it was (nothing to say another way)
    repeat_part: str  # "the part about the budget?": the fact told about it
    repeat_part_unsaid: str  # ... nothing was said about it
    meaning: dict[Stage, str]
    meaning_quiz: str
    meaning_term: str
    meaning_term_each: str
    meaning_terms: str
    meaning_term_unsaid: str
    meaning_unsaid: str
    pause: list[str] = Field(min_length=1)
    progress_design: str
    progress_design_no_time: str
    pace: dict[Literal["on_time", "behind"], str]
    progress_short: str  # only the time left overall
    at_time: str  # a time question in the answer that ends the interview
    doing: dict[Literal["early", "strong", "partial", "weak"], list[str]]  # "How am I doing?"
    progress_quiz: str
    own_approach: list[str] = Field(min_length=1)
    own_approach_try: list[str] = Field(min_length=1)  # the question was just put: no reading it out again
    pushback: str
    pushback_taken: str
    go_to: str  # the candidate asks to take another stage now
    dont_know_no_hint: str
    dont_know_hint: str
    in_kind: dict[Literal["nervous", "greeting", "how-are-you"], list[str]]  # the social part of a turn that asks too
    small_talk: dict[Literal["nervous", "late", "how-are-you", "greeting", "ready", "thanks", "apology", "other"],
                     list[str]]
    off_topic: str
    other_language: str
    other_language_mixed: str
    again: list[str] = Field(min_length=1)
    clarification_parts_assume: str
    clarification_part_assume: str
    fact_again: str
    # A question inside an answer that asks the interviewer's view: a check-in on the answer (in the tone the
    # answer's grade allows; a trap is challenged instead), or the interviewer's opinion (handed back).
    check_in: dict[Literal["strong", "partial", "weak"], list[str]]
    personal: list[str] = Field(min_length=1)  # a question about the interviewer or their team
    opinion: list[str] = Field(min_length=1)
    steer: str  # "Where should I go deeper?": the interviewer picks
    steer_open: str  # "Where should I start?" on its own: the candidate's call, with the question in play
    steer_stay: str  # "..., or should I move on?" before the question in play has an answer: it stays
    steer_move: str  # ... after the interviewer let the candidate lead: they lead on
    end_stage_answer: str  # "What would you have done for serving?" in a goodbye
    about_you: str  # "What does the team look like?" in a goodbye: answered honestly, as a practice interview
    about_you_fact: str  # ... when a scenario fact says it ("How big is your review team?")
    already_there: str  # "Can we move on to serving?" just after the serving question: that is where we are
    repeat_go_on: str  # "Sorry, repeat that?" after "Keep going": no question was asked
    ask_you: str  # "Do you have time for one question from my side?" at the end: go ahead
    permission: str  # "May I ask a few questions first?"
    hand_back: list[str] = Field(min_length=1)  # a yes/no question about a concept: the candidate reasons it out
    # An answer that does not take up the question in play: the question once more (the stage the candidate
    # talked about named, when it is another), then it is left.
    figure_correction: str  # a figure restated wrongly, corrected with the fact's sentence
    figure_correction_also: str  # ... a second one in the same turn
    figure_correction_again: str  # ... a figure kept wrong after its correction (once more, never a third time)
    go_on_parked: list[str] = Field(min_length=1)  # ... the question asked left by the candidate: parked
    parked: list[str] = Field(min_length=1)  # following the candidate elsewhere, the question left: parked
    go_on: list[str] = Field(min_length=1)  # a candidate leading their own design at length: let them go on
    reask: list[str] = Field(min_length=1)
    reask_elsewhere: list[str] = Field(min_length=1)
    reask_dropped: list[str] = Field(min_length=1)


class InterviewerTemplates(_Spec):
    """`prompts/interviewer.yaml`: everything the offline interviewer says, and the LLM phrasing prompt."""

    opening: Openings
    transition: list[str] = Field(min_length=1)
    stage_names: dict[Stage, str]
    next_question: list[str] = Field(min_length=1)
    item_in_stage: list[str] = Field(min_length=1)
    change_intro: list[str] = Field(min_length=1)  # a constraint change, brought in
    transition_deeper: list[str] = Field(min_length=1)
    follow: list[str] = Field(min_length=1)
    revisit: list[str] = Field(min_length=1)
    wrap_up: list[str] = Field(min_length=1)  # the last open question once every question is covered
    wrap_up_early: list[str] = Field(min_length=1)  # ... while time is left: no claim about the clock
    open_questions: list[str] = Field(min_length=1)  # deeper questions on the candidate's design, before it
    follow_up_generic: dict[str, list[str]]  # per stage value, plus "any"
    hint_generic: dict[Stage, list[str]]
    challenge: list[str] = Field(min_length=1)
    ack: Acks
    clarification_fact: str
    clarification_assume: list[str] = Field(min_length=1)
    clarification_no_facts: str
    hint_none: str
    hint_exhausted: str
    empty: str
    repeat: str
    not_text: str
    skip: str
    reveal: str
    end: str
    end_early: str
    llm_fallback_notice: str
    llm: LLMPhrasing
    replies: Replies


class MoveCues(_Spec):
    """`prompts/cues.yaml`: the words that give a conversational move away, in the languages candidates use (regular
    expressions, one list of alternatives per move, in the order they are tried)."""

    moves: dict[Literal["time", "repeat", "hint", "wrap_up", "done", "thanks", "goodbye", "closing", "feedback",
                        "permission", "steer", "about_you", "ask_you"],
                 list[str]]


class Term(_Spec):
    forms: list[str] = Field(min_length=1)  # how candidates write it, lower case
    means: str = Field(min_length=10)  # said after "By <term> I mean"


class Glossary(_Spec):
    """`prompts/glossary.yaml`: plain definitions of the terms the interviewer's questions use, for a candidate who
    asks what one means (a definition, never the answer)."""

    terms: list[Term] = Field(min_length=1)


class Mistake(_Spec):
    id: str
    states: str  # the mistake said
    unless: str  # ... and taken back, or said right, in the same turn
    needs: list[str] = Field(default_factory=list)  # scenario facts it needs (any one); none: every scenario
    challenge: str


class Mistakes(_Spec):
    """`prompts/mistakes.yaml`: classic mistakes an interviewer challenges wherever in the interview they come."""

    mistakes: list[Mistake] = Field(min_length=1)


class Level(_Spec):
    label: str
    min_overall: float = Field(ge=0, le=4)  # the overall score (0-4) this level starts at
    max_traps: int | None = None  # at most this many traps fallen into (None: any number)
    min_reached: float = Field(default=0.0, ge=0, le=1)  # design interviews: at least this share of stages reached


class ReportTexts(_Spec):
    """`prompts/report.yaml`: the report's level bands and the sentences of its summary, strengths and gaps."""

    role: str  # the bar the level is stated against ("a senior ML engineer")
    levels: list[Level] = Field(min_length=1)  # highest first; the first that fits is the level
    summary_overall: str
    summary_strongest: str
    summary_strongest_plain: str
    summary_no_strength: str
    summary_gap: str
    summary_no_gap: str
    strength: str
    gap: str
    trap: str
    in_progress: str


SPECS: dict[str, type[_Spec]] = {"grade.yaml": GradePrompt, "interviewer.yaml": InterviewerTemplates,
                                 "report.yaml": ReportTexts, "cues.yaml": MoveCues, "glossary.yaml": Glossary,
                                 "mistakes.yaml": Mistakes}


def load(name: str) -> _Spec:
    """`prompts/<name>` validated by its spec model (a pydantic error names the bad field)."""
    text = resources.files("interviewer").joinpath(f"prompts/{name}").read_text(encoding="utf-8")
    return SPECS[name].model_validate(yaml.safe_load(text))


@lru_cache(maxsize=1)
def grade_prompt() -> GradePrompt:
    return load("grade.yaml")


@lru_cache(maxsize=1)
def interviewer_templates() -> InterviewerTemplates:
    return load("interviewer.yaml")


@lru_cache(maxsize=1)
def move_cues() -> MoveCues:
    return load("cues.yaml")


@lru_cache(maxsize=1)
def mistakes() -> Mistakes:
    return load("mistakes.yaml")


@lru_cache(maxsize=1)
def glossary() -> Glossary:
    return load("glossary.yaml")


@lru_cache(maxsize=1)
def report_texts() -> ReportTexts:
    return load("report.yaml")
