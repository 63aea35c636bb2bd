"""The interviewer's decisions as pure functions of what has happened: what a turn costs the stage's
clock, when a stage is done, and what to do after an answer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

MAX_FOLLOW_UPS = {"design": 2, "drill": 0, "grill": 1, "review": 1}
WORDS_PER_MINUTE = 130  # a spoken or typed answer is charged at least this long against the stage budget
MAX_GAP_S = 600  # idle time beyond this (a break, a crash) is not charged to the stage

Move = Literal["advance", "challenge", "follow-up"]


def charge(text: str, now: float, last_interviewer_at: float | None) -> float:
    """Seconds a candidate turn costs the stage: the real gap since the interviewer spoke (capped), and
    at least the time it takes to say the turn."""
    gap = now - last_interviewer_at if last_interviewer_at else 0.0
    spoken = len(str(text).split()) * 60 / WORDS_PER_MINUTE
    return max(min(max(gap, 0.0), MAX_GAP_S), spoken)


DONE_AT = 0.8  # a stage is done when this share of its key points' weight is covered


def stage_done(covered: Iterable[str], weights: dict[str, float], spent_s: float, budget_s: float | None) -> bool:
    """A stage is done when most of its key points (by weight) are covered, or its time budget is spent."""
    got = set(covered)
    if sum(w for k, w in weights.items() if k in got) >= DONE_AT * sum(weights.values()):
        return True
    return budget_s is not None and spent_s >= budget_s


def after_answer(fell_into_trap: bool, challenged: bool, follow_ups: int, limit: int, missed: list[str]) -> Move:
    """What follows an answer: challenge a trap once, else probe the first missed point, within the limit."""
    if fell_into_trap and not challenged and follow_ups < limit:
        return "challenge"
    if missed and follow_ups < limit:
        return "follow-up"
    return "advance"
