"""The end-of-interview report, read from the transcript (never from the agent's memory)."""

from __future__ import annotations

import json
from datetime import datetime, UTC

from pydantic import BaseModel, Field

from ..models import STAGE_TITLES, STAGES, Citation, Grade, SessionInfo, Stage, Turn
from ..prompts import render, report_texts
from ..rubrics import RubricBank

# A stage never asked about counts as reached when the candidate's answers elsewhere covered this share of its
# key points' weight (a passing mention is not a stage reached: it would be scored on almost nothing).
REACHED_AT = 0.25


def covered_elsewhere(share: float) -> float | None:
    """The score of a stage never asked about, from the share of its key points' weight covered in other answers
    (the scale's bands: most of it 4, more than half 3, a fair part 2), or None: not reached."""
    if share < REACHED_AT:
        return None
    return 4.0 if share >= 0.8 else 3.0 if share > 0.5 else 2.0


class QuestionResult(BaseModel):
    number: int = 0  # 1, 2, ... in the order the questions were asked (slots not asked get no number)
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
    level: str = ""  # e.g. "at the bar" (for the role in prompts/report.yaml); empty while nothing is graded
    summary: list[str] = Field(default_factory=list)  # three sentences: overall and level, strongest, next gap
    notes: str = ""  # the candidate's design notes, as last saved

    @property
    def chart_rows(self) -> list[tuple[str, float, str]]:
        """(part, score, group) in framework order, Overall last and apart: what the report's chart shows."""
        rows = [(s.title, s.score, "stage") for s in self.stages if s.score is not None]
        if not rows:
            rows = [(f"Q{q.number}", q.score, "question") for q in self.questions]
        return rows + [("Overall", self.overall, "overall")] if rows else []

    @property
    def overall_line(self) -> str:
        """The overall score with what it rests on, as the end message and the report state it."""
        if self.mode == "design":
            reached = sum(s.reached for s in self.stages)
            return f"{self.overall:.1f}/4 over the {reached} of {len(self.stages)} stages reached"
        return f"{self.overall:.1f}/4 across {self.answered} answered question(s)"

    def markdown(self) -> str:
        lines = [f"# Interview report: {self.title}", "",
                 f"Session `{self.session}` · mode {self.mode} · started {self.started} · {self.status}", ""]
        if self.summary:
            lines += [" ".join(self.summary), ""]
        if self.questions:
            level = f" · **{self.level}**" if self.level else ""
            lines += [f"**Overall: {self.overall_line}**{level} · {len(self.questions)} questions ({self.answered} answered)"
                      f" · key-point coverage {self.coverage:.0%} · hints used {self.hints_used}", ""]
        else:
            lines += [f"_{render(report_texts().in_progress, graded=0)}_", ""]
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
            lines.append(f"| {q.number} | {q.stage} | {_cell(q.question)} | {q.score:.1f} | {notes} |")
        lines.append("")
        for title, entries in (("Traps fallen into", self.traps), ("Strengths", self.strengths), ("Gaps", self.gaps)):
            if entries:
                lines += [f"## {title}", "", *[f"- {e}" for e in entries], ""]
        if self.study:
            lines += ["## Study list", ""]
            for c in self.study:
                excerpt = f"\n  > {_excerpt(c.text)}" if c.text else ""
                lines.append(f"- **{c.document}**, section *{c.section}*{excerpt}")
            lines.append("")
        if self.notes.strip():
            lines += ["## Your design notes", "", self.notes.strip(), ""]
        if self.llm_fallbacks:
            lines += [f"_The LLM interviewer failed {self.llm_fallbacks} time(s); those messages were phrased offline._", ""]
        return "\n".join(lines)


def _excerpt(text: str, limit: int = 280) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


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
    traps: list[str] = []
    study: dict[tuple[str, str], Citation] = {}
    texts = report_texts()
    for number, t in enumerate(grades, start=1):
        index = t.meta["slot"]
        slot = slots[index]
        question = _question_text(turns, index)
        g: Grade | None = t.grade
        covered = sum(1 if v.verdict == "covered" else 0.5 if v.verdict == "partial" else 0 for v in g.key_points) if g else 0
        result = QuestionResult(
            number=number, slot=index, item_id=slot["id"], stage=slot["stage"], question=question, score=g.score if g else 0.0,
            skipped=t.meta.get("skipped", g is None), fell_into_trap=g.fell_into_trap if g else None,
            hints=t.meta.get("hints", 0), follow_ups=t.meta.get("follow_ups", 0), covered=covered,
            total=len(g.key_points) if g else _key_point_count(bank, info, slot),
            missed=[v.text for v in g.key_points if v.verdict == "missing"] if g else [])
        questions.append(result)
        if g:
            where = STAGE_TITLES.get(_stage(slot["stage"]), slot["stage"])
            for v in g.key_points:  # feedback on this candidate: their own words, or what they did not say
                if v.verdict == "covered" and v.evidence:
                    _add(strengths, render(texts.strength, point=v.text.rstrip('. '), quote=_excerpt(v.evidence, 160)))
                elif v.verdict == "missing":
                    _add(gaps, render(texts.gap, point=v.text.rstrip('. '), where=where))
            if g.fell_into_trap:
                trap = bank.target(slot["id"], info.scenario).trap or "the common wrong answer"
                _add(traps, render(texts.trap, quote=_excerpt(g.trap_evidence or t.text, 160), why=trap))
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
            score = covered_elsewhere(share)
            if score is not None:  # covered in answers to other stages: scored by the scale's bands on coverage
                result.score, result.covered_earlier = score, True
            else:
                result.reached = False
        stages.append(result)
    reached_scores = [s.score for s in stages if s.score is not None]
    total = sum(q.total for q in questions)
    started = datetime.fromtimestamp(info.created, UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = Report(
        session=info.id, mode=info.mode, title=info.title, scenario=info.scenario, status=info.status, started=started,
        overall=(round(sum(reached_scores) / len(reached_scores), 2) if reached_scores else 0.0) if info.mode == "design"
        else round(sum(q.score for q in questions) / len(questions), 2) if questions else 0.0,
        not_reached=[s.title for s in stages if not s.reached],
        answered=sum(not q.skipped for q in questions),
        coverage=round(sum(q.covered for q in questions) / total, 3) if total else 0.0,
        questions=questions, stages=stages, traps=traps,
        strengths=strengths[:12], gaps=gaps[:12], study=list(study.values())[:12],
        hints_used=sum(1 for t in turns if t.role == "interviewer" and t.kind == "hint"),
        llm_fallbacks=sum(1 for t in turns if t.meta.get("llm_fallback")),
        notes=next((t.text for t in reversed(turns) if t.kind == "notes"), ""))
    if questions:
        report.level = _level(report)
        report.summary = _summary(report, grades)
    return report


def _stage(value: str):
    try:
        return Stage(value)
    except ValueError:
        return value


def _add(entries: list[str], entry: str) -> None:
    if entry not in entries:
        entries.append(entry)


def _level(report: Report) -> str:
    """The first band of prompts/report.yaml that the grades meet (stated against its role)."""
    texts = report_texts()
    for band in texts.levels:
        if report.overall < band.min_overall:
            continue
        if band.max_traps is not None and len(report.traps) > band.max_traps:
            continue
        if report.mode == "design" and report.stages:
            if sum(s.reached for s in report.stages) / len(report.stages) < band.min_reached:
                continue
        return band.label
    return texts.levels[-1].label


def _summary(report: Report, grades: list[Turn]) -> list[str]:
    """Three sentences from the grades: the overall score and level, the strongest part with the candidate's
    words, and the part to work on next."""
    texts = report_texts()
    basis = report.overall_line.split(" ", 1)[1].removeprefix("over the ").removeprefix("across ")
    sentences = [render(texts.summary_overall, overall=f"{report.overall:.1f}", basis=basis, level=report.level,
                        role=texts.role)]
    parts = [(s.title, s.score, s.stage) for s in report.stages if s.score is not None]
    if not parts:
        parts = [(f"question {q.number}", q.score, q.stage) for q in report.questions]
    best = max(parts, key=lambda p: p[1])
    worst = min(parts, key=lambda p: p[1])
    quote = _best_quote(grades, best[2]).rstrip(" .")  # the sentence's own period would double the summary's
    if best[1] >= 3.0 and quote:
        sentences.append(render(texts.summary_strongest, stage=best[0], score=f"{best[1]:.1f}", quote=quote))
    elif best[1] >= 3.0:  # solid, with no single point's words to quote
        sentences.append(render(texts.summary_strongest_plain, stage=best[0], score=f"{best[1]:.1f}"))
    else:
        sentences.append(render(texts.summary_no_strength, stage=best[0], score=f"{best[1]:.1f}"))
    if report.not_reached:
        sentences.append(render(texts.summary_gap, stage=report.not_reached[0], detail=", which was not reached"))
    elif worst[1] < 3.0:
        missed = next((q.missed[0] for q in report.questions if q.stage == worst[2] and q.missed), "")
        missed = missed.rstrip(" .")
        detail = f" ({worst[1]:.1f}/4)" + (f": {missed[0].lower() + missed[1:]}" if missed else "")
        sentences.append(render(texts.summary_gap, stage=worst[0], detail=detail))
    else:
        sentences.append(render(texts.summary_no_gap))
    return sentences


def _best_quote(grades: list[Turn], stage: str) -> str:
    for t in grades:
        if t.stage == stage and t.grade:
            for v in t.grade.key_points:
                if v.verdict == "covered" and v.evidence:
                    return _excerpt(v.evidence, 140)
    return ""


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
