"""The end-of-interview report, read from the transcript (never from the agent's memory)."""

from __future__ import annotations

import json
from datetime import datetime, UTC

from pydantic import BaseModel, Field

from ..models import STAGE_TITLES, STAGES, Citation, Grade, SessionInfo, Turn
from ..rubrics import RubricBank


class QuestionResult(BaseModel):
    slot: int
    item_id: str
    stage: str
    question: str
    score: float  # 0-4; a skipped question scores 0
    skipped: bool = False
    fell_into_trap: bool | None = None
    hints: int = 0
    follow_ups: int = 0
    covered: float = 0  # key points covered (a partial one counts half)
    total: int = 0
    missed: list[str] = Field(default_factory=list)


class StageResult(BaseModel):
    stage: str
    title: str
    score: float | None = None
    questions: int = 0
    covered: float = 0
    total: int = 0
    minutes_budget: float | None = None
    minutes_spent: float = 0
    reached: bool = True  # design interviews: False for a stage the candidate never got to or covered
    covered_earlier: bool = False  # scored from the coverage map: covered in answers to other stages


class Report(BaseModel):
    session: str
    mode: str
    title: str
    scenario: str | None = None
    status: str
    started: str
    overall: float = 0
    answered: int = 0
    coverage: float = 0  # share of key points covered, 0-1
    questions: list[QuestionResult] = Field(default_factory=list)
    stages: list[StageResult] = Field(default_factory=list)
    traps: list[str] = Field(default_factory=list)
    strengths: list[str] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)
    study: list[Citation] = Field(default_factory=list)
    hints_used: int = 0
    llm_fallbacks: int = 0
    not_reached: list[str] = Field(default_factory=list)  # design interviews: stage titles never reached

    @property
    def overall_line(self) -> str:
        """The overall score with what it rests on, as the end message and the report state it."""
        if self.mode == "design":
            reached = sum(s.reached for s in self.stages)
            return f"{self.overall:.1f}/4 over the {reached} of {len(self.stages)} stages reached"
        return f"{self.overall:.1f}/4 across {self.answered} answered question(s)"

    def markdown(self) -> str:
        lines = [f"# Interview report: {self.title}", "",
                 f"Session `{self.session}` · mode {self.mode} · started {self.started} · {self.status}", "",
                 f"**Overall: {self.overall_line}** · {len(self.questions)} questions ({self.answered} answered) · "
                 f"key-point coverage {self.coverage:.0%} · hints used {self.hints_used}", ""]
        if self.not_reached:
            lines += [f"Not reached: {', '.join(self.not_reached)}.", ""]
        if self.stages:
            lines += ["## Stages", "", "| stage | score | questions | coverage | time (min) |", "|---|---|---|---|---|"]
            for s in self.stages:
                score = (f"{s.score:.1f}" + (" (covered earlier)" if s.covered_earlier else "")
                         if s.score is not None else "not reached" if not s.reached else "—")
                budget = f" / {s.minutes_budget:g}" if s.minutes_budget else ""
                cov = f"{s.covered:g}/{s.total}" if s.total else "—"
                lines.append(f"| {s.title} | {score} | {s.questions} | {cov} | {s.minutes_spent:.1f}{budget} |")
            lines.append("")
        lines += ["## Questions", "", "| # | stage | question | score | notes |", "|---|---|---|---|---|"]
        for q in self.questions:
            notes = ", ".join(n for n in ["skipped" if q.skipped else "", "trap" if q.fell_into_trap else "",
                                          f"{q.hints} hint(s)" if q.hints else "",
                                          f"{q.follow_ups} follow-up(s)" if q.follow_ups else ""] if n)
            lines.append(f"| {q.slot + 1} | {q.stage} | {_cell(q.question)} | {q.score:.1f} | {notes} |")
        lines.append("")
        for title, entries in (("Traps fallen into", self.traps), ("Strengths", self.strengths), ("Gaps", self.gaps)):
            if entries:
                lines += [f"## {title}", "", *[f"- {e}" for e in entries], ""]
        if self.study:
            lines += ["## Study list", ""]
            for c in self.study:
                excerpt = f": {c.text[:200].strip()}…" if c.text else ""
                lines.append(f"- **{c.document}**, section *{c.section}*{excerpt}")
            lines.append("")
        if self.llm_fallbacks:
            lines += [f"_The LLM interviewer failed {self.llm_fallbacks} time(s); those messages were phrased offline._", ""]
        return "\n".join(lines)


def _cell(text: str) -> str:
    text = " ".join(text.split()).replace("|", "/")
    return text if len(text) <= 90 else text[:89] + "…"


def build_report(info: SessionInfo, turns: list[Turn], bank: RubricBank) -> Report:
    """Scores per question and stage, coverage, traps, strengths, gaps and a study list."""
    slots = info.plan["slots"]
    grades = [t for t in turns if t.kind == "slot-grade"]
    questions: list[QuestionResult] = []
    strengths: list[str] = []
    gaps: list[str] = []
    study: dict[tuple[str, str], Citation] = {}
    for t in grades:
        index = t.meta["slot"]
        slot = slots[index]
        question = _question_text(turns, index)
        g: Grade | None = t.grade
        covered = sum(1 if v.verdict == "covered" else 0.5 if v.verdict == "partial" else 0 for v in g.key_points) if g else 0
        result = QuestionResult(
            slot=index, item_id=slot["id"], stage=slot["stage"], question=question, score=g.score if g else 0.0,
            skipped=t.meta.get("skipped", g is None), fell_into_trap=g.fell_into_trap if g else None,
            hints=t.meta.get("hints", 0), follow_ups=t.meta.get("follow_ups", 0), covered=covered,
            total=len(g.key_points) if g else _key_point_count(bank, info, slot),
            missed=[v.text for v in g.key_points if v.verdict == "missing"] if g else [])
        questions.append(result)
        if g:
            strengths += [s for s in g.feedback.strengths if s not in strengths]
            gaps += [s for s in g.feedback.gaps if s not in gaps]
            for c in g.feedback.citations:
                study.setdefault((c.document, c.section), c)
    stages = []
    coverage = _coverage_map(turns)
    for stage in STAGES:
        qs = [q for q in questions if q.stage == stage.value]
        spent = sum(float(t.meta.get("seconds", 0)) for t in turns if t.role == "candidate" and t.stage == stage.value)
        budget = info.plan.get("minutes", {}).get(stage.value)
        if not qs and not spent and not budget:
            continue
        result = StageResult(stage=stage.value, title=STAGE_TITLES[stage],
                             score=round(sum(q.score for q in qs) / len(qs), 2) if qs else None,
                             questions=len(qs), covered=sum(q.covered for q in qs), total=sum(q.total for q in qs),
                             minutes_budget=budget, minutes_spent=round(spent / 60, 1))
        if info.mode == "design" and not qs:
            target = bank.target(f"stage:{stage.value}", info.scenario)
            got = set(coverage.get(stage.value, []))
            weights = {kp.id: kp.weight for kp in target.key_points}
            share = sum(w for k, w in weights.items() if k in got) / sum(weights.values())
            result.total, result.covered = len(weights), float(len(got & set(weights)))
            if share > 0:  # covered in answers to other stages: scored by the scale's bands on coverage
                result.score, result.covered_earlier = (4.0 if share >= 0.8 else 3.0 if share > 0.5 else 2.0), True
            else:
                result.reached = False
        stages.append(result)
    reached_scores = [s.score for s in stages if s.score is not None]
    total = sum(q.total for q in questions)
    started = datetime.fromtimestamp(info.created, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return Report(
        session=info.id, mode=info.mode, title=info.title, scenario=info.scenario, status=info.status, started=started,
        overall=(round(sum(reached_scores) / len(reached_scores), 2) if reached_scores else 0.0) if info.mode == "design"
        else round(sum(q.score for q in questions) / len(questions), 2) if questions else 0.0,
        not_reached=[s.title for s in stages if not s.reached],
        answered=sum(not q.skipped for q in questions),
        coverage=round(sum(q.covered for q in questions) / total, 3) if total else 0.0,
        questions=questions, stages=stages, traps=[q.question for q in questions if q.fell_into_trap],
        strengths=strengths[:12], gaps=gaps[:12], study=list(study.values())[:12],
        hints_used=sum(1 for t in turns if t.role == "interviewer" and t.kind == "hint"),
        llm_fallbacks=sum(1 for t in turns if t.meta.get("llm_fallback")))


def _coverage_map(turns: list[Turn]) -> dict[str, list[str]]:
    """The last coverage map a candidate turn recorded (design interviews), with each stage's own coverage."""
    coverage: dict[str, list[str]] = {}
    for t in turns:
        if t.role == "candidate":
            if t.meta.coverage:
                coverage.update(t.meta.coverage)
            if t.meta.stage_covered is not None and t.stage:
                coverage[t.stage] = t.meta.stage_covered
    return coverage


def _question_text(turns: list[Turn], index: int) -> str:
    for t in turns:
        if t.role == "interviewer" and t.meta.get("slot") == index and t.kind in ("question", "transition"):
            return t.meta.get("question", t.text)
    return ""


def _key_point_count(bank: RubricBank, info: SessionInfo, slot: dict) -> int:
    return len(bank.target(slot["id"], info.scenario).key_points)


def export_json(info: SessionInfo, turns: list[Turn], report: Report) -> str:
    return json.dumps({"session": info.model_dump(), "turns": [t.model_dump(mode="json") for t in turns],
                       "report": report.model_dump(mode="json")}, indent=2, ensure_ascii=False)


def export_markdown(info: SessionInfo, turns: list[Turn], report: Report) -> str:
    lines = [report.markdown(), "## Transcript", ""]
    for t in turns:
        if t.role == "system":
            continue
        who = "Interviewer" if t.role == "interviewer" else "Candidate"
        score = f" _(score {t.grade.score:.1f}/4)_" if t.grade else ""
        lines += [f"**{who}** ({t.stage}, {t.kind}){score}:", "", t.text.strip(), ""]
    return "\n".join(lines)
