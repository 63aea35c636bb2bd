"""How the agent answers the conversational moves of a candidate (a part of `Interview`, kept apart by
size): a request to repeat, a question about what the question means, a pause, a question about time or
progress, "what would you do?", pushback, "I don't know", small talk, an off-topic turn and a turn in
another language. None of these is graded or followed by a probe; each keeps the question in play."""

from __future__ import annotations

from collections.abc import Iterator

from ..models import STAGES, Turn
from ..prompts import interviewer_templates as templates
from ..prompts import render
from .acts import kind_for, stage_named
from .handlers import Event
from .plan import Slot


class ConversationalReplies:
    """The conversational handlers of `Interview` (see agent.py for the state and helpers they use)."""

    def _question_in_play(self) -> str:
        """The question the candidate is answering: the last one asked (a follow-up included)."""
        for turn in reversed(self.turns):
            if turn.role == "interviewer" and turn.kind in ("question", "transition", "follow-up", "challenge"):
                if turn.kind in ("question", "transition"):
                    return turn.meta.question or self.question(self.current)
                return turn.text.split("\n\n")[0]
        return self.question(self.current)

    def _record_move(self, text: str, slot: Slot, kind: str, meta: dict) -> Event:
        return self._record(Turn(role="candidate", stage=slot.stage.value, kind=kind, text=text, item_id=slot.id,
                                 meta=meta))

    def _on_repeat_request(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record_move(text, slot, "repeat-request", meta)
        question = self._question_in_play()
        yield from self._say("reply", render(templates().replies.repeat, question=question), allowed=[question])

    def _on_meaning(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record_move(text, slot, "meaning-question", meta)
        r = templates().replies
        named = stage_named(text)
        if self.scenario is not None and (slot.is_stage or named):
            message = r.meaning[named or slot.stage]
        else:
            question = self._question_in_play()
            yield from self._say("reply", render(r.meaning_quiz, question=question), allowed=[question])
            return
        yield from self._say("reply", message)

    def _on_pause(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record_move(text, slot, "thinking-pause", meta)
        yield from self._say("reply", templates().replies.pause)

    def _on_progress(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record_move(text, slot, "progress-question", meta)
        r = templates().replies
        if self.scenario is None:
            message = render(r.progress_quiz, number=self.state.slot + 1, count=len(self.slots))
        else:
            covered = [templates().stage_names[s] for s in STAGES if self.state.stage_covered.get(s.value)]
            values = {"stage_name": templates().stage_names[slot.stage], "stage_number": STAGES.index(slot.stage) + 1,
                      "covered": ", ".join(covered) if covered else "none of the stages yet"}
            left = self.time_left_s()
            if left:
                message = render(r.progress_design, minutes=max(1, round(left / 60)), **values)
            else:
                message = render(r.progress_design_no_time, **values)
        yield from self._say("reply", message)

    def _on_own_approach(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record_move(text, slot, "what-would-you-do", meta)
        question = self._question_in_play()
        yield from self._say("reply", render(self.rng.choice(templates().replies.own_approach), question=question),
                             allowed=[question])

    def _on_pushback(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record_move(text, slot, "pushback", meta)
        ss = self.state.at(self.state.slot)
        yield from self._close_and_advance(skipped=not ss.answers, prefix=templates().replies.pushback)

    def _on_dont_know(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record_move(text, slot, "dont-know", meta)
        ss = self.state.at(self.state.slot)
        hints = self._hints(slot)
        if ss.hints < len(hints):
            message = render(templates().replies.dont_know_hint, hint=hints[ss.hints])
            yield from self._say("hint", message, extra={"hint": ss.hints})
        else:
            yield from self._close_and_advance(skipped=not ss.answers, prefix=templates().replies.dont_know_no_hint)

    def _on_small_talk(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record_move(text, slot, "small-talk", meta)
        question = self._question_in_play()
        yield from self._say("reply", render(templates().replies.small_talk, question=question), allowed=[question])

    def _on_off_topic(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record_move(text, slot, "off-topic", meta)
        question = self._question_in_play()
        yield from self._say("reply", render(templates().replies.off_topic, question=question), allowed=[question])

    def _on_other_language(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        """Ask once to continue in English; after that, take the turn for what else it does."""
        asked = any(t.role == "candidate" and t.kind == "other-language" for t in self.turns)
        acts = [a for a in (meta.get("acts") or []) if a != "other-language"]
        if asked and acts:
            kind = kind_for(acts, text)
            handler = self._handler(kind)
            yield from handler(text, slot, meta)
            return
        yield self._record_move(text, slot, "other-language", meta)
        message = templates().replies.other_language
        if "clarifying-question" in acts and self.scenario is not None:
            message = f"{self._clarification(text, meta)} {message}"
        yield from self._say("reply", message)

    def _hints(self, slot: Slot) -> list[str]:
        hints = list(self.target(slot).hints)
        if not hints and slot.is_stage:
            hints = list(templates().hint_generic[slot.stage])
        return hints
