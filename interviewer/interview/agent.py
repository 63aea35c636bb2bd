"""The interviewer agent: a bounded conversation over the framework stages.

An interview is a plan (`plan.py`: the questions it will ask, fixed when it starts) plus a transcript
(the turns, written to the session store as they happen). Everything the agent knows is rebuilt from
those two (`state.replay`), so a session resumes after a crash with nothing lost, and the report and the
evals read the same rows.

Each candidate turn is classified (`acts.py`), then: an answer is graded (by the grader passed in); the
interviewer challenges an answer that fell into the trap, follows up on the most important key point
still missing (without naming it), or moves on. A design interview leaves a stage when the stage's key
points are covered, its questions run out, or its time budget is spent (`policy.py`).

Decisions are made here, in code. The words come from `prompts/interviewer.yaml`, or from the phraser
passed in (`phrasing.py`), which may have an LLM reword the message; any phrasing failure, and any
message that would give away an unrevealed key point (`leaks.py`), falls back to the offline wording,
visibly.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..config import Settings, get_settings
from ..corpus.embeddings import embed
from ..errors import InterviewError
from ..grading import Grader, grader_for
from ..history.progress import progress
from ..history.report import Report, build_report, export_json, export_markdown
from ..history.sessions import SessionStore, open_sessions
from ..models import STAGE_TITLES, Grade, KeyPoint, RubricItem, SessionInfo, Stage, Turn
from ..prompts import interviewer_templates as templates
from ..prompts import render
from ..rubrics import RubricBank, get_bank
from ..text import normalised, shorten, split_sentences
from .acts import classify
from .leaks import EXEMPT_FROM_LEAK_CHECK, find_leak
from .phrasing import Phraser, phraser_for
from .plan import MODES, Slot, make_plan, stage_target
from .policy import MAX_FOLLOW_UPS, after_answer, charge, stage_done
from .state import SlotState, replay


@dataclass
class Event:
    """What `respond_stream` yields: text deltas of the message being written, then each recorded turn."""

    type: Literal["delta", "turn"]
    text: str = ""
    turn: Turn | None = None


class Interview:
    """One interview: its plan and transcript, with the grader and the phraser it uses passed in (the
    defaults come from the settings; tests pass scripted ones)."""

    def __init__(self, info: SessionInfo, turns: list[Turn], store: SessionStore, settings: Settings,
                 bank: RubricBank, grader: Grader | None = None, phraser: Phraser | None = None):
        self.info = info
        self.turns = turns
        self.store = store
        self.settings = settings
        self.bank = bank
        self.grader = grader or grader_for(settings)
        self.phraser = phraser or phraser_for(settings)
        self.slots = [Slot(s["id"], Stage(s["stage"])) for s in info.plan["slots"]]
        self.scenario = bank.scenario(info.scenario) if info.scenario else None
        self.state = replay(turns)
        self.rng = random.Random(info.plan.get("seed", 0) * 1000 + len(turns))

    # --- starting and resuming ---------------------------------------------------------------

    @classmethod
    def start(cls, mode: str = "design", scenario: str | None = None, count: int | None = None,
              topic: str | None = None, difficulty: str | None = None, weak_first: bool = False,
              seed: int | None = None, settings: Settings | None = None, store: SessionStore | None = None,
              grader: Grader | None = None, phraser: Phraser | None = None) -> Interview:
        settings = settings or get_settings()
        if mode not in MODES:
            raise InterviewError(f"Unknown mode '{mode}'. Valid modes: {', '.join(MODES)}.")
        if difficulty not in (None, "easy", "medium", "hard"):
            raise InterviewError(f"Unknown difficulty '{difficulty}'. Valid: easy, medium, hard.")
        store = store or open_sessions(settings)
        bank = get_bank(settings)
        seed = seed if seed is not None else random.SystemRandom().randrange(1 << 30)
        ranked = None
        if weak_first or mode == "review":
            ranked = progress(store, bank).weak_items()
        plan = make_plan(bank, mode, scenario, count, topic, difficulty, seed, ranked)
        if not plan["slots"]:
            raise InterviewError("No rubric items match that choice.")
        title = bank.scenario(plan["scenario"]).title if plan["scenario"] else f"{mode.title()} ({len(plan['slots'])} questions)"
        info = store.create(mode, title, plan, scenario=plan["scenario"])
        interview = cls(info, [], store, settings, bank, grader=grader, phraser=phraser)
        interview._opening()
        return interview

    @classmethod
    def resume(cls, session_id: str, settings: Settings | None = None, store: SessionStore | None = None,
               grader: Grader | None = None, phraser: Phraser | None = None) -> Interview:
        settings = settings or get_settings()
        store = store or open_sessions(settings)
        info = store.get(session_id)
        return cls(info, store.turns(session_id), store, settings, get_bank(settings), grader=grader, phraser=phraser)

    # --- what the UI shows -------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def mode(self) -> str:
        return self.info.mode

    @property
    def finished(self) -> bool:
        return self.state.finished

    @property
    def current(self) -> Slot:
        return self.slots[min(self.state.slot, len(self.slots) - 1)]

    @property
    def backend(self) -> str:
        return self.phraser.name

    def stage_budget_s(self, stage: Stage) -> float | None:
        minutes = self.info.plan.get("minutes", {}).get(stage.value)
        return minutes * 60 if minutes else None

    def time_left_s(self) -> float | None:
        budget = self.stage_budget_s(self.current.stage)
        if budget is None:
            return None
        return max(0.0, budget - self.state.seconds.get(self.current.stage.value, 0.0))

    def status(self) -> dict:
        slot = self.current
        return {"session": self.id, "mode": self.mode, "title": self.info.title, "stage": slot.stage.value,
                "stage_title": STAGE_TITLES[slot.stage], "question": self.state.slot + 1, "questions": len(self.slots),
                "time_left_s": self.time_left_s(), "finished": self.finished, "interviewer": self.backend,
                "grader": self.grader.name, "last_grade": self.state.last_grade}

    def target(self, slot: Slot) -> RubricItem:
        if slot.is_stage:
            return stage_target(self.scenario, slot.stage)
        return self.bank.item(slot.id)

    def question(self, slot: Slot) -> str:
        if slot.is_stage and slot.stage == Stage.clarify:
            return self.scenario.stages[slot.stage].question
        return self.target(slot).question

    # --- the conversation --------------------------------------------------------------------

    def respond(self, text, kind: str | None = None) -> list[Turn]:
        """Take one candidate turn; return the turns it produced (all already written)."""
        return [e.turn for e in self.respond_stream(text, kind) if e.type == "turn"]

    def respond_stream(self, text, kind: str | None = None) -> Iterator[Event]:
        if self.finished:
            raise InterviewError("This interview has ended. Start a new one, or export its report.")
        if isinstance(text, (bytes, bytearray)) or not isinstance(text, str):
            yield from self._say("notice", templates().not_text)
            return
        now = time.time()
        turn_kind = kind or classify(text)
        slot = self.current
        ss = self.state.at(self.state.slot)
        if turn_kind == "answer" and ss.answers and normalised(text) == normalised(ss.answers[-1]):
            turn_kind = "repeat"
        seconds = charge(text, now, self.state.last_interviewer_at)
        meta: dict = {"seconds": round(seconds, 1)}
        handler = {
            "empty": self._on_empty, "repeat": self._on_repeat, "end": self._on_end, "skip": self._on_skip,
            "hint-request": self._on_hint, "clarifying-question": self._on_clarifying, "answer": self._on_answer,
        }.get(turn_kind)
        if handler is None:
            raise InterviewError(f"Unknown turn kind '{turn_kind}'.")
        yield from handler(text, slot, meta)

    def report(self) -> Report:
        return build_report(self.info, self.turns, self.bank)

    def export(self, fmt: str = "md") -> str:
        return (export_json if fmt == "json" else export_markdown)(self.info, self.turns, self.report())

    def hint(self) -> list[Turn]:
        return self.respond("hint", kind="hint-request")

    def skip(self) -> list[Turn]:
        return self.respond("skip", kind="skip")

    def end(self) -> list[Turn]:
        return self.respond("end", kind="end")

    # --- handlers ----------------------------------------------------------------------------

    def _on_empty(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record(Turn(role="candidate", stage=slot.stage.value, kind="empty", text=text, item_id=slot.id,
                                meta=meta))
        ss = self.state.at(self.state.slot)
        if ss.empties >= 3:  # no loops: silence three times moves on
            yield from self._close_and_advance(skipped=not ss.answers, prefix=templates().skip)
        else:
            yield from self._say("notice", templates().empty)

    def _on_repeat(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record(Turn(role="candidate", stage=slot.stage.value, kind="repeat", text=text, item_id=slot.id,
                                meta=meta))
        if self.state.at(self.state.slot).repeats >= 2:  # no loops: a third identical answer moves on
            yield from self._close_and_advance(skipped=False)
        else:
            yield from self._say("notice", templates().repeat)

    def _on_end(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record(Turn(role="candidate", stage=slot.stage.value, kind="end", text=text, item_id=slot.id,
                                meta=meta))
        ss = self.state.at(self.state.slot)
        if ss.answers and not ss.closed:
            yield self._close_slot(self.state.slot, skipped=False)
        yield from self._finish(early=self._next_slot(self.state.slot) is not None)

    def _on_skip(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record(Turn(role="candidate", stage=slot.stage.value, kind="skip", text=text, item_id=slot.id,
                                meta=meta))
        ss = self.state.at(self.state.slot)
        yield from self._close_and_advance(skipped=not ss.answers, prefix=templates().skip if not ss.answers else "")

    def _on_hint(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record(Turn(role="candidate", stage=slot.stage.value, kind="hint-request", text=text,
                                item_id=slot.id, meta=meta))
        ss = self.state.at(self.state.slot)
        hints = list(self.target(slot).hints)
        if not hints and slot.is_stage:
            hints = list(templates().hint_generic[slot.stage])
        if not hints:
            message = templates().hint_none
        elif ss.hints >= len(hints):
            message = templates().hint_exhausted
        else:
            message = hints[ss.hints]
        yield from self._say("hint", message, extra={"hint": ss.hints})

    def _on_clarifying(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        t = templates()
        fact = None
        if self.scenario is not None:
            fact, sim = self._match_fact(text)
            meta.update({"fact": fact.id if fact else None, "fact_similarity": round(sim, 3)})
        in_clarify = slot.stage == Stage.clarify and self.scenario is not None  # drills and grills have no stage facts
        meta["counts"] = in_clarify  # good clarifying questions count toward the clarify stage
        if in_clarify:
            meta["stage_covered"] = self._stage_coverage(slot.stage, extra=text)
        yield self._record(Turn(role="candidate", stage=slot.stage.value, kind="clarifying-question", text=text,
                                item_id=slot.id, meta=meta))
        if self.scenario is None:
            message = t.clarification_no_facts
        elif fact is not None:
            message = render(t.clarification_fact, answer=fact.answer.strip())
        else:
            message = render(self.rng.choice(t.clarification_assume))
        if in_clarify and self._stage_done(slot.stage):
            yield from self._say("clarification", message, extra={"fact": meta.get("fact")})
            yield from self._close_and_advance(skipped=False)
        else:
            yield from self._say("clarification", message, extra={"fact": meta.get("fact")})

    def _on_answer(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        index = self.state.slot
        ss = self.state.at(index)
        target = self.target(slot)
        g = self.grader.grade(target, text, cite=False)
        covered = {v.id for v in g.key_points if v.verdict == "covered"}
        meta["covered"] = sorted(covered)
        if self.scenario is not None:  # a stage question's grade is its stage coverage: graded once
            meta["stage_covered"] = self._stage_coverage(slot.stage, extra=text, graded=g if slot.is_stage else None)
        yield self._record(Turn(role="candidate", stage=slot.stage.value, kind="answer", text=text, item_id=slot.id,
                                grade=g, meta=meta))
        ss = self.state.at(index)
        limit = MAX_FOLLOW_UPS[self.mode]
        if self.scenario is not None and self._stage_done(slot.stage):
            yield from self._close_and_advance(skipped=False)
            return
        missed = [kp for kp in sorted(target.key_points, key=lambda k: -k.weight)
                  if kp.id not in ss.covered and kp.id not in ss.targeted]
        move = after_answer(bool(g.fell_into_trap), ss.challenged, ss.follow_ups, limit, [kp.id for kp in missed])
        if move == "challenge":
            evidence = shorten(g.trap_evidence or text, 120)
            message = render(self.rng.choice(templates().challenge), evidence=evidence)
            yield from self._say("challenge", message, allowed=[evidence])
        elif move == "follow-up":
            yield from self._follow_up(slot, target, missed[0], ss)
        else:
            yield from self._close_and_advance(skipped=False)

    # --- follow-ups ----------------------------------------------------------------------------

    def _follow_up(self, slot: Slot, target: RubricItem, kp: KeyPoint, ss: SlotState) -> Iterator[Event]:
        """Probe `kp` without naming it: the authored follow-up closest to it, else a stage template."""
        secrets = self._secrets(self.state.slot)
        candidates = [q for q in target.follow_ups if q not in ss.used_questions]
        authored = None
        if candidates:
            vectors = embed([kp.text] + candidates)
            order = np.argsort(-(vectors[1:] @ vectors[0]))
            for i in order:
                if find_leak(candidates[i], secrets) is None:
                    authored = candidates[i]
                    break
        if authored is None:
            options = templates().follow_up_generic[slot.stage.value] + templates().follow_up_generic["any"]
            fresh = [o for o in options if o not in ss.used_questions] or options
            authored = message = render(fresh[0])
        else:
            message = authored
        yield from self._say("follow-up", message, extra={"target": kp.id, "authored": authored})

    # --- moving on -----------------------------------------------------------------------------

    def _close_slot(self, index: int, skipped: bool) -> Event:
        ss = self.state.at(index)
        slot = self.slots[index]
        target = self.target(slot)
        answer = "\n".join(ss.answers)
        g = None
        if ss.answers:
            g = self.grader.grade(target, answer, cite=True)  # graded on where the answers ended
        meta = {"slot": index, "skipped": skipped or not ss.answers, "hints": ss.hints, "follow_ups": ss.follow_ups}
        return self._record(Turn(role="system", stage=slot.stage.value, kind="slot-grade", text=answer,
                                 item_id=slot.id, grade=g, meta=meta))

    def _close_and_advance(self, skipped: bool, prefix: str = "") -> Iterator[Event]:
        index = self.state.slot
        closing = self._close_slot(index, skipped)
        yield closing
        if self.mode == "drill":
            yield from self._reveal(index, closing.turn.grade)
            prefix = ""
        nxt = self._next_slot(index)
        if nxt is None:
            yield from self._finish(early=False, prefix=prefix)
            return
        t = templates()
        slot = self.slots[nxt]
        question = self.question(slot)
        ack = prefix or self._ack(closing.turn.grade)
        if self.scenario is not None and slot.stage != self.slots[index].stage:
            body = render(self.rng.choice(t.transition), stage_name=t.stage_names[slot.stage],
                          question=question)
            kind = "transition"
        elif self.scenario is not None:
            body = render(self.rng.choice(t.item_in_stage), stage_name=t.stage_names[slot.stage],
                          question=question)
            kind = "question"
        else:
            body = render(self.rng.choice(t.next_question), question=question)
            kind = "question"
        yield from self._say(kind, f"{ack} {body}".strip(), slot_index=nxt, allowed=[question],
                             extra={"question": question})

    def _next_slot(self, index: int) -> int | None:
        stage = self.slots[index].stage
        for j in range(index + 1, len(self.slots)):
            if self.scenario is not None and self.slots[j].stage == stage and self._stage_done(stage):
                continue  # the stage is finished: skip its remaining questions
            return j
        return None

    def _reveal(self, index: int, g: Grade | None) -> Iterator[Event]:
        target = self.target(self.slots[index])
        missed = [v.text for v in (g.key_points if g else []) if v.verdict != "covered"]
        verdict = ("You fell into the trap." if g and g.fell_into_trap else
                   "Skipped." if g is None else "Good answer." if g.score >= 3 else "Partly there.")
        message = render(templates().reveal, verdict=verdict, score=f"{g.score:.1f}" if g else "0",
                         correct_approach=target.correct_approach.strip(), missed="; ".join(missed))
        yield from self._say("reveal", message)

    def _finish(self, early: bool, prefix: str = "") -> Iterator[Event]:
        report = self.report()
        message = render(templates().end_early if early else templates().end, score=f"{report.overall:.1f}",
                         questions=report.answered)
        yield from self._say("end", f"{prefix} {message}".strip())
        self.store.set_status(self.id, "ended")
        self.info = self.info.model_copy(update={"status": "ended"})

    def _opening(self) -> None:
        slot = self.slots[0]
        t = getattr(templates().opening, self.mode)
        values = {"question": self.question(slot), "count": len(self.slots)}
        if self.scenario is not None:
            values |= {"prompt": self.scenario.prompt.strip(),
                       "minutes": int(sum(self.info.plan["minutes"].values()))}
        list(self._say("question", render(t, **values), slot_index=0, allowed=[values["question"]],
                       extra={"question": values["question"]}))

    # --- helpers -------------------------------------------------------------------------------

    def _ack(self, g: Grade | None) -> str:
        acks = templates().ack
        if g is None:
            return ""
        return self.rng.choice(acks.strong if g.score >= 3 else acks.partial if g.score >= 1.5 else acks.weak)

    def _match_fact(self, question: str):
        facts = self.scenario.facts
        sims = embed([f"{f.topic}. {f.answer}" for f in facts]) @ embed([question])[0]
        best = int(np.argmax(sims))
        return (facts[best] if sims[best] >= self.settings.fact_match_at else None), float(sims[best])

    def _stage_coverage(self, stage: Stage, extra: str, graded: Grade | None = None) -> list[str]:
        """Stage key points covered so far: those covered before, plus those the new turn covers (`graded`:
        the turn's grade against the stage, when it has one already)."""
        before = set(self.state.stage_covered.get(stage.value, []))
        g = graded or self.grader.grade(stage_target(self.scenario, stage), extra, cite=False)
        return sorted(before | {v.id for v in g.key_points if v.verdict == "covered"})

    def _stage_done(self, stage: Stage) -> bool:
        return stage_done(self.state.stage_covered.get(stage.value, []),
                          [kp.id for kp in self.scenario.stages[stage].key_points],
                          self.state.seconds.get(stage.value, 0.0), self.stage_budget_s(stage))

    def _secrets(self, index: int) -> list[str]:
        """Key points and correct approaches the candidate has not yet been shown (current and next slots)."""
        secrets: list[str] = []
        for j in range(index, min(index + 3, len(self.slots))):
            target = self.target(self.slots[j])
            secrets += [kp.text for kp in target.key_points]
            if not self.slots[j].is_stage:
                secrets += [s for s in split_sentences(target.correct_approach)]
        return secrets

    def _record(self, turn: Turn) -> Event:
        turn = self.store.append(self.id, turn)
        self.turns.append(turn)
        self.state = replay(self.turns)
        return Event("turn", turn=turn)

    def _say(self, kind: str, message: str, slot_index: int | None = None, allowed: list[str] = (),
             extra: dict | None = None) -> Iterator[Event]:
        """Write one interviewer message: offline wording, or the LLM's rephrasing when it is safe."""
        index = self.state.slot if slot_index is None else slot_index
        slot = self.slots[index]
        meta = {"slot": index, **(extra or {})}
        text = message
        if kind not in EXEMPT_FROM_LEAK_CHECK:
            leak = find_leak(message, self._secrets(index), allowed=list(allowed))
            if leak is not None:  # an authored text too close to a key point: say something generic instead
                meta["leak_blocked"] = leak
                text = allowed[0] if allowed else render(templates().follow_up_generic["any"][0])
        if self.phraser.rewords and kind != "notice":
            parts: list[str] = []
            try:
                for delta in self.phraser.phrase(text, slot.stage):
                    parts.append(delta)
                    yield Event("delta", text=delta)
                phrased = "".join(parts).strip()
                leak = None if kind in EXEMPT_FROM_LEAK_CHECK else find_leak(phrased, self._secrets(index),
                                                                             allowed=list(allowed))
                if not phrased:
                    raise ValueError("an empty reply")
                if leak is not None:
                    raise ValueError("its wording gave away part of the expected answer")
                meta["phrased_by"] = "llm"
                text = phrased
            except Exception as error:  # any failure of the phraser falls back to the offline wording, visibly
                meta["phrased_by"] = "offline"
                meta["llm_fallback"] = _reason(error)  # the UI shows it beside the message (views.py)
        yield self._record(Turn(role="interviewer", stage=slot.stage.value, kind=kind, text=text, item_id=slot.id,
                                meta=meta))


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:160]
