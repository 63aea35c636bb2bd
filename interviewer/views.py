"""Pure renderers for any front end (the Gradio UI uses them): transcript turns as chat messages, the
status line, the side panel and a grade, all as Markdown, with no UI library imported.

Turns as chat messages:

A pure mapping, with no UI library imported: interviewer turns become `assistant` messages,
candidate turns `user` messages, and system turns (per-question grades) are left out, since
they are records, not things anyone said::

    from interviewer import chat_messages
    chat_messages(interview.turns)                  # what the chat shows
    chat_messages(interview.turns, pending="Let")   # ... while the LLM is still writing

Messages are plain dicts, `{"role": "user" | "assistant", "content": str}` (Markdown).
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import STAGE_TITLES, Grade, Stage, Turn
from .prompts import interviewer_templates, render

# Candidate turns made by a button (or the bare word) read better as a short note.
_ACTIONS = {
    ("hint-request", "hint"): "_(asks for a hint)_",
    ("skip", "skip"): "_(skips this question)_",
    ("end", "end"): "_(ends the interview)_",
}
_LABELS = {"hint": "💡 **Hint:** ", "challenge": "", "reveal": ""}
FALLBACK_MARK = "⚠️"
LEGACY_NOTICE = "(The LLM interviewer did not answer"


def _candidate(turn: Turn) -> str:
    text = turn.text.strip()
    action = _ACTIONS.get((turn.kind, text.lower()))
    if action:
        return action
    if not text:
        return "_(no answer)_"
    return text


def _interviewer(turn: Turn) -> str:
    text = turn.text.strip()
    reason = turn.meta.llm_fallback
    if reason:  # the LLM failed and the offline wording was used: say so where it is seen
        body, sep, note = text.rpartition("\n\n")
        if sep and note.startswith(LEGACY_NOTICE):  # rows written before the note moved into meta
            text = body
        note = render(interviewer_templates().llm_fallback_notice, reason=reason)
        text = f"{text}\n\n{FALLBACK_MARK} _{note}_"
    return _LABELS.get(turn.kind, "") + text


def chat_messages(turns: Iterable[Turn], pending: str | None = None) -> list[dict]:
    """The chat a person sees for `turns`; `pending` is an interviewer message still being written."""
    messages: list[dict] = []
    for turn in turns:
        if turn.role == "interviewer":
            messages.append({"role": "assistant", "content": _interviewer(turn)})
        elif turn.role == "candidate":
            messages.append({"role": "user", "content": _candidate(turn)})
    if pending:
        messages.append({"role": "assistant", "content": pending})
    return messages


VERDICT_MARK = {"covered": "✅", "partial": "🟡", "missing": "❌"}


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def status_line(status: dict) -> str:
    return (f"**{status['title']}** · {status['mode']} · interviewer: **{status['interviewer']}** · "
            f"grader: **{status['grader']}** · session `{status['session']}`")


def _bar(got: float, total: int, width: int = 10) -> str:
    filled = round(width * got / total) if total else 0
    return "▰" * filled + "▱" * (width - filled)


def how_am_i_doing(status: dict, grade: Grade | None) -> str:
    """One line on the current stage, from its coverage, the question's grade and the time left."""
    got, total = (status.get("coverage") or {}).get(status["stage"], (0, 0))
    left = status.get("time_left_s")
    if grade is None and not got:
        return "Just started here: the interviewer is listening for your approach."
    share = got / total if total else (grade.score / 4 if grade else 0)
    score = grade.score if grade else 4 * share
    if score >= 3 or share >= 0.6:
        line = "On track here"
    elif score >= 2 or share >= 0.3:
        line = "Getting there: some important points are still open"
    else:
        line = "Behind here: the main points of this stage are still open"
    if left is not None and left < 60:
        line += "; time is nearly up, so wrap this stage up"
    return line + "."


def side_panel(status: dict, grade: Grade | None = None) -> str:
    """The side panel: where the interview is, coverage per stage and how the candidate is doing."""
    if status["finished"]:
        return "### Finished\nThe interview is over: see the **Report** tab."
    if status["mode"] == "design":
        lines = [f"### {status['stage_title']}", f"Stage {status.get('stage_number', 1)} of 6"]
    else:
        lines = [f"### {status['stage_title']}", f"Question {status['question']} of {status['questions']}"]
    coverage = status.get("coverage") or {}
    if coverage:
        rows = []
        for stage, (got, total) in coverage.items():
            name = STAGE_TITLES[Stage(stage)]
            name = f"**{name}**" if stage == status["stage"] else name
            rows.append(f"- {_bar(got, total)} {got}/{total} {name}")
        lines.append("Coverage:\n" + "\n".join(rows))
    lines.append(f"_{how_am_i_doing(status, grade)}_")
    return "\n\n".join(lines)


def clock_html(status: dict | None, now: float) -> str:
    """The stage clock as HTML that the page's script counts down each second (`room.js`); paused, it stands."""
    if not status or status["finished"] or status.get("time_left_s") is None:
        return '<div id="stage-clock" class="stage-clock idle"></div>'
    left = float(status["time_left_s"])
    since = status.get("clock_since")
    elapsed = max(0.0, now - since) if since else 0.0
    paused = "1" if status.get("paused") else "0"
    shown = _clock(max(0.0, left - (0 if paused == "1" else elapsed)))
    label = "paused" if paused == "1" else "left in this stage"
    return (f'<div id="stage-clock" class="stage-clock" data-left="{left - elapsed:.1f}" data-paused="{paused}">'
            f'<b class="clock-value">{shown}</b> <span class="clock-label">{label}</span></div>')


def grade_markdown(g: Grade | None, full: bool = False) -> str:
    """A grade with its key-point verdicts and the quoted evidence; `full` adds the written feedback."""
    if g is None:
        return "_No answer graded yet._"
    lines = [f"**Score {g.score:.1f} / 4** · graded by {g.backend}"]
    if g.needs_review:
        lines.append(f"🔎 **Needs review**: {g.review_reason or 'the evidence is weak or conflicting.'}")
    if g.fell_into_trap:
        lines.append("⚠️ **Fell into the trap**" + (f": “{g.trap_evidence}”" if g.trap_evidence else ""))
    elif g.fell_into_trap is False:
        lines.append("Avoided the trap.")
    lines.append("")
    for v in g.key_points:
        lines.append(f"- {VERDICT_MARK.get(v.verdict, '')} **{v.verdict}**: {v.text}")
        if v.evidence:
            lines.append(f"  > “{v.evidence}”")
    if full:
        f = g.feedback
        for title, entries in (("Strengths", f.strengths), ("Gaps", f.gaps)):
            if entries:
                lines += ["", f"#### {title}", *[f"- {e}" for e in entries]]
        if f.correct_approach:
            lines += ["", "#### A strong answer", f.correct_approach]
        if f.citations:
            lines += ["", "#### Study"]
            lines += [f"- **{c.document}**, *{c.section}*: {c.text[:240].strip()}…" for c in f.citations]
    if g.warnings:
        lines += ["", *[f"_⚠️ {w}_" for w in g.warnings]]
    return "\n".join(lines)


__all__ = ["chat_messages", "FALLBACK_MARK", "status_line", "side_panel", "grade_markdown", "VERDICT_MARK",
           "clock_html", "how_am_i_doing"]
