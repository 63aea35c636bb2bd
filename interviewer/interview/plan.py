"""The plan of an interview: the questions it will ask, fixed when it starts (a stage opener
`stage:<stage>` or a rubric item per slot)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..errors import InterviewError
from ..models import STAGES, RubricItem, Scenario, Stage
from ..rubrics import RubricBank

MODES = ("design", "drill", "grill", "review")
DEFAULT_COUNT = {"drill": 5, "grill": 6, "review": 6}


@dataclass(frozen=True)
class Slot:
    """One question of the plan: a stage opener (`stage:<stage>`) or a rubric item."""

    id: str
    stage: Stage

    @property
    def is_stage(self) -> bool:
        return self.id.startswith("stage:")


def stage_target(bank: RubricBank, scenario: Scenario, stage: Stage) -> RubricItem:
    """The scenario's stage as a gradable target (its key points, its opening question)."""
    return bank.target(f"stage:{stage.value}", scenario.id)


def _filter(items: list[RubricItem], topic: str | None, difficulty: str | None) -> list[RubricItem]:
    if topic:  # one topic, or several separated by commas ("drill these" weak areas)
        wanted = {t.strip().lower() for t in topic.split(",") if t.strip()}
        items = [i for i in items if i.stage.value in wanted or wanted & {x.lower() for x in i.tags}] or items
    if difficulty:
        items = [i for i in items if i.difficulty == difficulty] or items
    return items


def make_plan(bank: RubricBank, mode: str, scenario: str | None, count: int | None, topic: str | None,
              difficulty: str | None, seed: int, weak_first: list[str] | None = None) -> dict:
    rng = random.Random(seed)
    if mode == "design":
        if scenario is None:
            scenario = rng.choice(sorted(bank.scenarios))
        try:
            sc = bank.scenario(scenario)
        except KeyError as error:
            raise InterviewError(str(error.args[0])) from None
        slots = []
        probes = bank.probes.get(sc.id)
        for stage in STAGES:
            slots.append({"id": f"stage:{stage.value}", "stage": stage.value})
            if probes is None:  # a scenario without native probes falls back to its bank items
                slots += [{"id": item_id, "stage": stage.value} for item_id in sc.stages[stage].items]
                continue
            slots += [{"id": f"probe:{p.id}", "stage": stage.value} for p in probes.probes.get(stage, [])]
            slots += [{"id": f"change:{c.id}", "stage": stage.value} for c in probes.constraint_changes
                      if c.stage == stage]
        return {"mode": mode, "scenario": sc.id, "slots": slots, "seed": seed,
                "minutes": {s.value: sc.stages[s].minutes for s in STAGES}}
    if scenario is not None:
        raise InterviewError(f"--scenario is for design interviews; mode '{mode}' takes --topic instead.")
    if mode == "drill":
        pool = [i for i in bank.items.values() if i.kind == "trap"]
    elif mode == "grill":
        quick = [i for i in bank.items.values() if i.quick_fire]
        pool = quick + [i for i in bank.items.values() if i.id.startswith("grill-") and not i.quick_fire]
    elif mode == "review":
        pool = list(bank.items.values())
    else:
        raise InterviewError(f"Unknown mode '{mode}'. Valid modes: {', '.join(MODES)}.")
    pool = _filter(sorted(pool, key=lambda i: i.id), topic, difficulty)
    n = min(count or DEFAULT_COUNT[mode], len(pool))
    if weak_first is not None:
        rank = {item_id: r for r, item_id in enumerate(weak_first)}
        chosen = sorted(pool, key=lambda i: (rank.get(i.id, len(rank)), rng.random()))[:n]
    elif mode == "grill":
        chosen = pool[:len(quick)] if n <= len(quick) else pool
        chosen = rng.sample(chosen, n) if len(chosen) > n else rng.sample(pool, n)
    else:
        chosen = rng.sample(pool, n)
    return {"mode": mode, "scenario": None, "seed": seed, "topic": topic, "difficulty": difficulty,
            "slots": [{"id": i.id, "stage": i.stage.value} for i in chosen]}
