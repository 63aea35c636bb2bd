"""The domain, as pydantic models. Every other module speaks these."""

from __future__ import annotations

import time
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator, model_validator


class Strict(BaseModel):
    """Base for data read from files: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid", frozen=False)


class Stage(str, Enum):
    """The six steps of the standard ML-system-design answer, in order."""

    clarify = "clarify"
    framing = "framing"
    data = "data"
    modeling = "modeling"
    serving = "serving"
    monitoring = "monitoring"

    @property
    def title(self) -> str:
        return STAGE_TITLES[self]


STAGE_TITLES = {
    Stage.clarify: "Clarify requirements",
    Stage.framing: "Frame the ML problem",
    Stage.data: "Data",
    Stage.modeling: "Features and model",
    Stage.serving: "Serving",
    Stage.monitoring: "Monitoring and iteration",
}
STAGES: tuple[Stage, ...] = tuple(Stage)


# --- corpus and retrieval -------------------------------------------------------------


class Chunk(BaseModel):
    """A piece of a corpus document, as stored in the index."""

    id: str
    text: str
    document: str  # the document's title
    origin: str  # the file it came from (front-matter `origin`, else the file name)
    path: str  # file path relative to the corpus folder
    section: str  # heading path, " > "-joined
    stage: Stage | None = None


class Passage(BaseModel):
    """A retrieved chunk with its rank and similarity score."""

    rank: int
    score: float
    document: str
    origin: str
    section: str
    text: str
    stage: Stage | None = None

    @property
    def citation(self) -> str:
        return f"{self.document} › {self.section}" if self.section else self.document


# --- rubric bank ------------------------------------------------------------------------

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"


class Source(Strict):
    """Where in the corpus an item's facts come from: a document and one of its headings."""

    origin: str
    section: str


class KeyPoint(Strict):
    id: str = Field(pattern=ID_PATTERN)
    text: str = Field(min_length=5)
    weight: float = Field(default=1.0, gt=0, le=5)


class RubricItem(Strict):
    id: str = Field(pattern=ID_PATTERN)
    kind: Literal["trap", "concept", "stage"]
    stage: Stage
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    question: str = Field(min_length=5)
    trap: str | None = None
    correct_approach: str = Field(min_length=5)
    key_points: list[KeyPoint] = Field(min_length=3, max_length=6)
    red_flags: list[str] = Field(default_factory=list)
    follow_ups: list[str] = Field(default_factory=list)
    hints: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    quick_fire: bool = False

    @model_validator(mode="after")
    def _check(self) -> RubricItem:
        if self.kind == "trap" and not (self.trap and self.trap.strip()):
            raise ValueError("a trap item needs a `trap`")
        ids = [kp.id for kp in self.key_points]
        if len(ids) != len(set(ids)):
            raise ValueError(f"duplicate key point ids in {ids}")
        return self

    @property
    def origin(self) -> str:
        return self.sources[0].origin


class Fact(Strict):
    """Something the interviewer answers when the candidate asks about it."""

    id: str = Field(pattern=ID_PATTERN)
    topic: str  # what a question about it would mention, e.g. "peak QPS"
    answer: str


class ScenarioStage(Strict):
    minutes: float = Field(gt=0, le=60)
    question: str = Field(min_length=5)  # how the interviewer opens this stage
    key_points: list[KeyPoint] = Field(min_length=2, max_length=8)
    items: list[str] = Field(default_factory=list)  # rubric item ids probed at this stage


class Scenario(Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str
    prompt: str = Field(min_length=20)
    facts: list[Fact] = Field(min_length=4)
    stages: dict[Stage, ScenarioStage]
    sources: list[Source] = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)

    @field_validator("stages")
    @classmethod
    def _all_stages(cls, stages: dict[Stage, ScenarioStage]) -> dict[Stage, ScenarioStage]:
        missing = [s.value for s in STAGES if s not in stages]
        if missing:
            raise ValueError(f"missing stages: {', '.join(missing)}")
        return {s: stages[s] for s in STAGES}


class Probe(Strict):
    """A question written for one scenario (its product, its numbers), asked inside its design interview."""

    id: str = Field(pattern=ID_PATTERN)
    question: str = Field(min_length=5)
    key_points: list[KeyPoint] = Field(min_length=2, max_length=6)
    follow_ups: list[str] = Field(default_factory=list)


class ConstraintChange(Strict):
    """A change the interviewer brings in once the candidate has a design (ten times the traffic, a new market)."""

    id: str = Field(pattern=ID_PATTERN)
    stage: Stage
    question: str = Field(min_length=5)
    key_points: list[KeyPoint] = Field(min_length=2, max_length=6)


class ScenarioProbes(Strict):
    """`rubrics/probes/<scenario>.yaml`: the scenario-native probes of one design scenario."""

    scenario: str = Field(pattern=ID_PATTERN)
    probes: dict[Stage, list[Probe]] = Field(default_factory=dict)
    constraint_changes: list[ConstraintChange] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> ScenarioProbes:
        ids = [p.id for ps in self.probes.values() for p in ps] + [c.id for c in self.constraint_changes]
        if len(ids) != len(set(ids)):
            raise ValueError(f"duplicate probe ids in {self.scenario}")
        return self


class RubricFile(Strict):
    """One `rubrics/*.yaml` file."""

    items: list[RubricItem] = Field(default_factory=list)
    scenarios: list[Scenario] = Field(default_factory=list)


# --- grading ------------------------------------------------------------------------------


class Reference(Strict):
    """A bare grading target, as outside data sets give it."""

    question: str
    reference_answer: str
    trap: str | None = None
    key_points: list[str] = Field(default_factory=list)
    max_score: float = 4


class KeyPointVerdict(BaseModel):
    id: str
    text: str
    verdict: Literal["covered", "partial", "missing"]
    evidence: str = ""  # quoted verbatim from the answer; empty when missing
    similarity: float = 0.0


class Citation(BaseModel):
    document: str
    section: str
    origin: str
    text: str


class Feedback(BaseModel):
    strengths: list[str] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)
    correct_approach: str = ""
    citations: list[Citation] = Field(default_factory=list)


class Grade(BaseModel):
    score: float = Field(ge=0, le=4)  # on the 0-4 scale
    normalised: float = Field(ge=0, le=1)
    key_points: list[KeyPointVerdict] = Field(default_factory=list)
    fell_into_trap: bool | None = None
    trap_evidence: str = ""
    feedback: Feedback = Field(default_factory=Feedback)
    backend: str
    latency_ms: float = 0.0
    warnings: list[str] = Field(default_factory=list)
    needs_review: bool = False  # the evidence is weak or conflicting: a person should look before trusting it
    review_reason: str = ""


# --- the transcript -------------------------------------------------------------------------

Role = Literal["interviewer", "candidate", "system"]
InterviewerKind = Literal["question", "follow-up", "challenge", "clarification", "hint", "reveal", "transition",
                          "notice", "end", "reply"]
CandidateKind = Literal["answer", "clarifying-question", "hint-request", "skip", "end", "empty", "repeat",
                        "repeat-request", "meaning-question", "thinking-pause", "progress-question", "what-would-you-do",
                        "pushback", "dont-know", "small-talk", "off-topic", "other-language"]
SystemKind = Literal["slot-grade", "notes", "pause", "resume"]
KINDS: dict[str, tuple[str, ...]] = {"interviewer": InterviewerKind.__args__, "candidate": CandidateKind.__args__,
                                     "system": SystemKind.__args__}


class TurnMeta(BaseModel):
    """What the agent records beside a turn's text. Every field is optional; keys this model does not
    know (rows written by other versions) are kept as they are. Read it as attributes, or like the dict
    it used to be (`meta["slot"]`, `meta.get("fact")`, `"question" in meta`: a field that is None is absent
    for `in` and `get`, and is stored without it)."""

    model_config = ConfigDict(extra="allow")

    # every turn
    slot: int | None = None  # the plan slot the turn belongs to (interviewer and system turns)
    # candidate turns
    seconds: float | None = None  # what the turn cost the stage's time budget
    counts: bool | None = None  # a clarifying question that counts toward the stage's coverage
    covered: list[str] | None = None  # key points of the current question covered so far by this answer
    stage_covered: list[str] | None = None  # the stage's key points covered so far
    coverage: dict[str, list[str]] | None = None  # design interviews: every stage's key points covered so far
    fact: str | None = None  # the scenario fact that answered a clarifying question
    fact_similarity: float | None = None
    acts: list[str] | None = None  # every dialogue act of the turn (its `kind` is the most specific one)
    facts: list[str] | None = None  # the facts that answered each part of a many-part clarifying question
    # interviewer turns
    target: str | None = None  # the key point a follow-up probes
    authored: str | None = None  # the follow-up question used (authored, or a stage template)
    hint: int | None = None  # which hint of the item was given
    question: str | None = None  # the question a message asks (sent as is; exempt from the leak check)
    reask: bool | None = None  # the question in play put again: the last answer did not take it up
    go_on: bool | None = None  # the candidate, leading their own design, was let go on (nothing asked)
    leak_blocked: str | None = None  # the secret a message would have given away (so a generic one was sent)
    phrased_by: Literal["llm", "offline"] | None = None
    llm_fallback: str | None = None  # why the LLM did not phrase the message (then phrased offline)
    # system turns (a question's grade)
    skipped: bool | None = None
    hints: int | None = None
    follow_ups: int | None = None

    def _present(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)

    def __getitem__(self, key: str) -> Any:
        if key in type(self).model_fields:
            return getattr(self, key)
        extra = self.model_extra or {}
        if key not in extra:
            raise KeyError(key)
        return extra[key]

    def __contains__(self, key: object) -> bool:
        return key in self._present()

    def get(self, key: str, default: Any = None) -> Any:
        return self._present().get(key, default)


class Turn(BaseModel):
    """One entry of the transcript."""

    seq: int = 0
    role: Role
    stage: str | None = None
    kind: InterviewerKind | CandidateKind | SystemKind
    text: str
    item_id: str | None = None
    grade: Grade | None = None
    meta: TurnMeta = Field(default_factory=TurnMeta)
    at: float = Field(default_factory=time.time)

    @model_validator(mode="after")
    def _kind_fits_role(self) -> Turn:
        if self.kind not in KINDS[self.role]:
            raise ValueError(f"a {self.role} turn cannot be of kind {self.kind!r}")
        return self

    @field_serializer("meta")
    def _meta(self, meta: TurnMeta) -> dict[str, Any]:
        return meta.model_dump(exclude_none=True)


class SessionInfo(BaseModel):
    id: str
    mode: str
    scenario: str | None = None
    title: str
    plan: dict
    status: Literal["active", "ended"] = "active"
    created: float
    updated: float
    turns: int = 0
    owner: str | None = None  # the user who started it (None: accounts were off)
