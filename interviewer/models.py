"""The domain, as pydantic models. Every other module speaks these."""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


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
