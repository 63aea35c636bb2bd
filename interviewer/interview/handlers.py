"""How the agent answers each kind of candidate turn and moves the interview on (a part of `Interview`,
kept apart by size): an empty turn, a repeat, the end, a skip, a hint request, a clarifying question and
an answer; the follow-up that probes a missed key point; closing a question (its grade), the next
question or stage, the drill's reveal, the opening and the ending."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..corpus.embeddings import embed
from ..models import Grade, KeyPoint, RubricItem, Stage, Turn
from ..prompts import interviewer_templates as templates
from ..prompts import render
from ..text import shorten
from .leaks import find_leak
from .room import graded_text
from .plan import Slot
from .acts import question_parts
from .policy import MAX_FOLLOW_UPS, after_answer
from .state import SlotState


@dataclass
class Event:
    """What `respond_stream` yields: text deltas of the message being written, then each recorded turn."""

    type: Literal["delta", "turn"]
    text: str = ""
    turn: Turn | None = None


class TurnHandlers:
    """The turn handlers of `Interview` (see agent.py for the state and helpers they use)."""

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
        hints = self._hints(slot)
        if not hints:
            message = templates().hint_none
        elif ss.hints >= len(hints):
            message = templates().hint_exhausted
        else:
            message = hints[ss.hints]
        yield from self._say("hint", message, extra={"hint": ss.hints})

    def _clarification(self, text: str, meta: dict) -> str:
        """The answer to every part of a clarifying question: each part's fact, or a request to assume."""
        t = templates()
        if self.scenario is None:
            return t.clarification_no_facts
        facts, sims, unmatched = [], [], 0
        for part in question_parts(text):
            fact, sim = self._match_fact(part)
            sims.append(sim)
            if fact is None:
                unmatched += 1
            elif fact not in facts:
                facts.append(fact)
        meta.update({"fact": facts[0].id if facts else None, "fact_similarity": round(max(sims), 3),
                     "facts": [f.id for f in facts] if len(facts) > 1 else None})
        if not facts:
            return self._unsaid([render(option) for option in t.clarification_assume])
        message = " ".join(render(t.clarification_fact, answer=f.answer.strip()) for f in facts)
        return f"{message} {t.replies.clarification_parts_assume}" if unmatched else message

    def _on_clarifying(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        message = self._clarification(text, meta)
        in_clarify = slot.stage == Stage.clarify and self.scenario is not None  # drills and grills have no stage facts
        meta["counts"] = in_clarify  # good clarifying questions count toward the clarify stage
        if in_clarify:
            meta["stage_covered"] = self._stage_coverage(slot.stage, extra=text)
        yield self._record(Turn(role="candidate", stage=slot.stage.value, kind="clarifying-question", text=text,
                                item_id=slot.id, meta=meta))
        yield from self._say("clarification", message, extra={"fact": meta.get("fact")})
        if in_clarify and self._stage_done(slot.stage):
            yield from self._close_and_advance(skipped=False)

    def _on_answer(self, text: str, slot: Slot, meta: dict, clarify: bool = False) -> Iterator[Event]:
        """Grade an answer and decide what follows; `clarify`: the turn also asks something, which is answered
        first, and no probe follows (the candidate is still speaking)."""
        clarify = clarify or "clarifying-question" in (meta.get("acts") or [])
        index = self.state.slot
        ss = self.state.at(index)
        target = self.target(slot)
        g = self.grader.grade(target, text, cite=False)
        covered = {v.id for v in g.key_points if v.verdict == "covered"}
        meta["covered"] = sorted(covered)
        if self.scenario is not None:  # a stage question's grade is its stage coverage: graded once
            meta["stage_covered"] = self._stage_coverage(slot.stage, extra=text, graded=g if slot.is_stage else None)
            meta["coverage"] = self._coverage_map(text, slot.stage, meta["stage_covered"])
        clarification = self._clarification(text, meta) if clarify else None
        if clarification is not None and not meta.get("fact"):
            clarification = None  # a question inside an answer with no fact behind it is rhetorical: carry on
        ahead = self._moved_ahead(slot.stage, meta.get("coverage") or {})
        yield self._record(Turn(role="candidate", stage=slot.stage.value, kind="answer", text=text, item_id=slot.id,
                                grade=g, meta=meta))
        ss = self.state.at(index)
        limit = MAX_FOLLOW_UPS[self.mode]
        if clarification is not None:
            yield from self._say("clarification", clarification, extra={"fact": meta.get("fact")})
        if self.scenario is not None and (self._stage_done(slot.stage) or ahead):
            yield from self._close_and_advance(skipped=False)  # done here, or the candidate has moved ahead
            return
        if clarification is not None:
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
        said = self._said()
        candidates = [q for q in target.follow_ups if q not in ss.used_questions and q not in said]
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
            fresh = [o for o in options if o not in ss.used_questions and render(o) not in said]
            if not fresh:  # every probe we have was asked already: move on rather than repeat one
                yield from self._close_and_advance(skipped=False)
                return
            authored = message = render(fresh[0])
        else:
            message = authored
        yield from self._say("follow-up", message, extra={"target": kp.id, "authored": authored})

    # --- moving on -----------------------------------------------------------------------------

    def _close_slot(self, index: int, skipped: bool) -> Event:
        ss = self.state.at(index)
        slot = self.slots[index]
        target = self.target(slot)
        answer = graded_text(ss.answers, self.notes)
        g = None
        if ss.answers:
            g = self.grader.grade(target, answer, cite=True)  # graded on where the answers ended, with the notes
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
        for j in range(index + 1, len(self.slots)):
            if self.scenario is not None and self._stage_done(self.slots[j].stage):
                continue  # the stage is finished, or the candidate already covered it: nothing to ask there
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
        message = render(templates().end_early if early else templates().end, overall=report.overall_line)
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
