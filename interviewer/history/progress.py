"""Progress across sessions: what the candidate keeps missing, and which items to practise next.

Read from the transcripts. Each rubric item sits in a Leitner box: a good answer (3 or more out of 4)
moves it up one box, anything else sends it back to box 0. Weak-first practice asks items in box 0
first (lowest last score first), then items never seen, then higher boxes, oldest first, so items
answered well come back less and less often.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

from ..models import STAGE_TITLES, Stage
from ..rubrics import RubricBank
from .report import build_report
from .sessions import SessionStore

GOOD = 3.0


@dataclass
class ItemProgress:
    item_id: str
    attempts: int = 0
    scores: list[float] = field(default_factory=list)
    box: int = 0
    last_seen: float = 0.0

    @property
    def mean(self) -> float:
        return sum(self.scores) / len(self.scores) if self.scores else 0.0


@dataclass
class Progress:
    items: dict[str, ItemProgress]
    by_stage: dict[str, tuple[int, float]]  # stage -> (answers, mean score)
    by_topic: dict[str, tuple[int, float]]  # tag -> (answers, mean score)
    missed: Counter  # key point text -> times missed
    trend: list[tuple[float, str, float]]  # (time, session, overall score) per ended session
    bank: RubricBank

    def weak_items(self) -> list[str]:
        """Every bank item, in the order weak-first practice should ask them."""
        def key(item_id: str):
            p = self.items.get(item_id)
            if p is None:
                return (1, 0, 0.0)
            if p.box == 0:
                return (0, p.scores[-1] if p.scores else 0, p.last_seen)
            return (2, p.box, p.last_seen)

        return sorted(self.bank.items, key=key)

    def weak_areas(self, n: int = 5) -> list[tuple[str, int, float]]:
        """The stages and topics with the lowest mean score (at least two answers), worst first, named in words."""
        return [(area_name(key), c, m) for key, c, m in self.weak_keys(n)]

    def weak_keys(self, n: int = 5) -> list[tuple[str, int, float]]:
        """As `weak_areas`, keyed by what a drill takes as its topic: a stage value or a rubric tag."""
        areas = [(s, c, m) for s, (c, m) in self.by_stage.items() if c >= 2 and s in STAGE_VALUES]
        areas += [(t, c, m) for t, (c, m) in self.by_topic.items() if c >= 2 and t not in STAGE_VALUES]
        return sorted(areas, key=lambda a: a[2])[:n]


STAGE_VALUES = {s.value for s in Stage}


def area_name(key: str) -> str:
    """A stage value or a rubric tag in words: 'data' → 'Data', 'class-imbalance' → 'Class imbalance'."""
    if key in STAGE_VALUES:
        return STAGE_TITLES[Stage(key)]
    words = key.replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def progress(store: SessionStore, bank: RubricBank, owners: Collection[str | None] | None = None) -> Progress:
    """Scores across sessions: all of them, or those of `owners` (see SessionStore.list)."""
    items: dict[str, ItemProgress] = {}
    stage_scores: dict[str, list[float]] = {}
    topic_scores: dict[str, list[float]] = {}
    missed: Counter = Counter()
    trend = []
    for info in sorted(store.list(owners=owners), key=lambda s: s.created):
        turns = store.turns(info.id)
        for t in turns:
            if t.kind != "slot-grade" or not t.item_id:
                continue
            score = t.grade.score if t.grade else 0.0
            stage_scores.setdefault(t.stage or "", []).append(score)
            if t.item_id.startswith("stage:"):
                continue
            p = items.setdefault(t.item_id, ItemProgress(t.item_id))
            p.attempts += 1
            p.scores.append(score)
            p.box = p.box + 1 if score >= GOOD else 0
            p.last_seen = t.at
            if t.item_id in bank.items:
                for tag in bank.items[t.item_id].tags:
                    topic_scores.setdefault(tag, []).append(score)
            if t.grade:
                missed.update(v.text for v in t.grade.key_points if v.verdict == "missing")
        if info.status == "ended" and any(t.kind == "slot-grade" for t in turns):
            trend.append((info.updated, info.id, build_report(info, turns, bank).overall))
    mean = {k: (len(v), sum(v) / len(v)) for k, v in stage_scores.items() if k}
    topics = {k: (len(v), sum(v) / len(v)) for k, v in topic_scores.items()}
    return Progress(items=items, by_stage=mean, by_topic=topics, missed=missed, trend=trend, bank=bank)
