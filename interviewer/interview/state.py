"""The agent's state, rebuilt from the transcript by a pure fold: resuming a session is just `replay`."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Grade, Turn


@dataclass
class SlotState:
    answers: list[str] = field(default_factory=list)
    covered: set[str] = field(default_factory=set)
    targeted: list[str] = field(default_factory=list)
    follow_ups: int = 0
    hints: int = 0
    challenged: bool = False
    repeats: int = 0
    reasks: int = 0  # the question put again after an answer that did not take it up
    empties: int = 0
    used_questions: list[str] = field(default_factory=list)
    closed: bool = False


@dataclass
class State:
    slot: int = 0
    slots: dict[int, SlotState] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    stage_text: dict[str, list[str]] = field(default_factory=dict)
    stage_covered: dict[str, list[str]] = field(default_factory=dict)
    finished: bool = False
    last_interviewer_at: float | None = None
    last_grade: Grade | None = None
    notes: str = ""  # the candidate's design notes, as last saved
    paused_at: float | None = None  # the stage clock is stopped since then

    def at(self, index: int) -> SlotState:
        return self.slots.setdefault(index, SlotState())


def replay(turns: list[Turn]) -> State:
    """The agent's state after `turns` (a pure fold: resuming a session is just this)."""
    state = State()
    for turn in turns:
        meta = turn.meta
        if turn.role == "interviewer":
            if meta.slot is not None:
                state.slot = meta.slot
            slot = state.at(state.slot)
            if turn.kind == "follow-up":
                slot.follow_ups += 1
                slot.targeted.append(meta.target or "")
                if meta.authored:
                    slot.used_questions.append(meta.authored)
            elif turn.kind == "challenge":
                slot.challenged = True
                slot.follow_ups += 1  # a challenge is a follow-up too
            elif turn.kind == "hint":
                slot.hints += 1
            if meta.reask:
                slot.reasks += 1
            elif turn.kind == "end":
                state.finished = True
            state.last_interviewer_at = turn.at
        elif turn.role == "candidate":
            slot = state.at(state.slot)
            stage = turn.stage or ""
            state.seconds[stage] = state.seconds.get(stage, 0.0) + float(meta.seconds or 0.0)
            if turn.kind in ("answer", "clarifying-question") and meta.counts is not False:
                slot.answers.append(turn.text)
                state.stage_text.setdefault(stage, []).append(turn.text)
            if turn.kind == "answer":
                slot.covered.update(meta.covered or [])
                state.last_grade = turn.grade
            if turn.kind == "repeat":
                slot.repeats += 1
            if turn.kind == "empty":
                slot.empties += 1
            if meta.coverage is not None:  # the whole interview's coverage map, as of this turn
                state.stage_covered.update(meta.coverage)
            if meta.stage_covered is not None:
                state.stage_covered[stage] = meta.stage_covered
        elif turn.kind == "slot-grade":
            state.at(meta.slot).closed = True
        elif turn.kind == "notes":
            state.notes = turn.text
        elif turn.kind == "pause":
            state.paused_at = turn.at
        elif turn.kind == "resume" and state.paused_at is not None:
            if state.last_interviewer_at is not None:  # the pause is not charged: the clock starts later
                state.last_interviewer_at += max(0.0, turn.at - state.paused_at)
            state.paused_at = None
    return state
