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
import re
from types import SimpleNamespace
import time
from collections.abc import Iterator

import numpy as np

from ..config import Settings, get_settings
from ..corpus.embeddings import embed
from ..errors import InterviewError
from ..grading import Grader, SemanticGrader, grader_for
from ..history.progress import progress
from ..history.report import Report, build_report, export_json, export_markdown
from ..history.sessions import SessionStore, open_sessions
from ..models import STAGE_TITLES, STAGES, Grade, RubricItem, SessionInfo, Stage, Turn
from ..prompts import interviewer_templates as templates
from ..prompts import render
from ..rubrics import RubricBank, get_bank
from ..text import normalised, split_sentences, statement_words, word_count
from .acts import ACT_OF_KIND, CONTENT_WORDS, acts_of, asks_in, asks_in_problem, english_share, in_other_language, kind_for
from .coverage import CoverageMap
from .leaks import EXEMPT_FROM_LEAK_CHECK, find_leak
from .phrasing import Phraser, phraser_for
from .plan import MODES, Slot, make_plan, stage_target
from .handlers import Event, TurnHandlers
from .replies import ConversationalReplies
from .room import RoomControls
from .policy import (LATE_STAGES, ack_tone, asked_stage, asked_term, asks_about_you, asks_feedback, asks_how_doing,
                     asks_to_ask, asks_to_steer, charge, closes, defined_term,
                     fact_scores, gloss, move_cue, pick_facts, says_goodbye, signs_off_at_end, thanks_in_tail, thanks_only,
                     topic_words)
from .state import replay


# After the last open question, these moves are still answered (the interview goes on); any other turn ends it.
_KEEP_TALKING = ("repeat-request", "meaning-question", "thinking-pause", "progress-question", "clarifying-question",
                 "hint-request", "empty")
OTHER_LANGUAGE_EASING = 0.1  # a question part in another language matches its fact at this much less
_DESIGN_DONE = re.compile(r"\W*(so,? |ok(ay)?,? |alright,? )?(that'?s|this is|that was) (my|the) (whole |full |overall )?design|"
                          r"\W*(so,? |ok(ay)?,? )?that'?s (it|all|everything)\b", re.I)
SHORT_MOVE_WORDS = 25  # "May I ask a few questions first?", "Where should I start?" on their own
CUE_TURN_WORDS = 60  # a longer turn with such words is an answer first (graded); the move is met beside it
HOW_DOING_WORDS = 40  # a turn this short asking how the candidate is doing is that, in any language
TERM_QUESTION_WORDS = 45  # a short turn asking what a glossary term means is that, whatever else the act model hears
# ... also when it reads as a clarifying question ("Sorry, what's a chargeback exactly?"), unless it asks the value
# ("What's the prevalence?")
THANKS_LATE_WORDS = 40  # late in the interview, a short turn of thanks that gives no content is a goodbye
_THANKS_LATE = ("hint-request", "small-talk", "pushback", "meaning-question", "progress-question", "what-would-you-do")
GOODBYE_AFTER_STAGES = 2  # "Thanks for having me!" at the start is a greeting: a goodbye needs the interview under way
_CUE_KINDS = {"time": "progress-question", "repeat": "repeat-request", "hint": "hint-request"}
_CUE_OVERRIDES = ("answer", "dont-know", "thinking-pause", "other-language", "small-talk", "clarifying-question",
                  "off-topic")


class Interview(RoomControls, ConversationalReplies, TurnHandlers, CoverageMap):
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
        self.coverage_grader = SemanticGrader(settings)  # the coverage map of other stages: offline, batched
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
              grader: Grader | None = None, phraser: Phraser | None = None, owner: str | None = None) -> Interview:
        """A new interview, saved as it starts; `owner` is the signed-in user (None with accounts off)."""
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
            ranked = progress(store, bank, owners=None if owner is None else [owner]).weak_items()
        plan = make_plan(bank, mode, scenario, count, topic, difficulty, seed, ranked)
        if not plan["slots"]:
            raise InterviewError("No rubric items match that choice.")
        title = bank.scenario(plan["scenario"]).title if plan["scenario"] else f"{mode.title()} ({len(plan['slots'])} questions)"
        info = store.create(mode, title, plan, scenario=plan["scenario"], owner=owner)
        interview = cls(info, [], store, settings, bank, grader=grader, phraser=phraser)
        if interview.scenario is not None:  # the coverage map grades every stage: embed their key points once now
            interview.coverage_grader.prefetch([stage_target(bank, interview.scenario, s) for s in STAGES])
            embed(interview._topic_points()[1])  # ... and where a turn is: every key point's vector, cached
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
                "grader": self.grader.name, "last_grade": self.state.last_grade,
                "stage_number": STAGES.index(slot.stage) + 1, "coverage": self.coverage(),
                "stage_coverage": self.stage_coverage(), "paused": self.paused,
                "clock_since": None if self.paused else self.state.last_interviewer_at}

    def target(self, slot: Slot) -> RubricItem:
        return self.bank.target(slot.id, self.scenario.id if self.scenario else None)

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
        self.unpause()  # speaking starts the clock again
        now = time.time()
        acts = [ACT_OF_KIND.get(kind, kind)] if kind else acts_of(text)
        turn_kind = kind or kind_for(acts, text)
        slot = self.current
        ss = self.state.at(self.state.slot)
        if turn_kind == "answer" and ss.answers and normalised(text) == normalised(ss.answers[-1]):
            turn_kind = "repeat"
        if turn_kind in ("thinking-pause", "small-talk", "skip", "off-topic") and self.scenario is not None and \
                word_count(text) <= 30 and asked_stage(text) not in (None, slot.stage.value):
            turn_kind = "skip"  # "I'd like to start with the model, if that's ok": the candidate picks the stage
        if kind is None and self.scenario is not None and asks_how_doing(text) and word_count(text) < HOW_DOING_WORDS \
                and turn_kind in ("clarifying-question", "answer", "other-language", "small-talk"):
            turn_kind = "progress-question"  # "Можно небольшую обратную связь? Как я справляюсь?"
        if turn_kind == "clarifying-question" and kind is None and not re.search(r"[?？]", text) and \
                in_other_language(text) and not asks_in_problem(text):
            turn_kind = "answer"  # "Human reviewについても一つ。…必要です。": content, no question in it
        if kind is None and _SKIP_ASK.match(text) and turn_kind not in ("end", "skip"):
            turn_kind = "skip"  # "Can we skip the data pipeline part? It's standard: ...": the candidate's call
        if turn_kind == "off-topic" and kind is None and self.scenario is not None and \
                any(f is not None for f, _ in self._match_facts(asks_in_problem(text) or [text])):
            turn_kind = "clarifying-question"  # "Hola... ¿Está bien si mezclo? Preguntas: ¿cuántos correos por día?"
        cue = move_cue(text)
        if turn_kind == "hint-request" and kind is None and cue != "hint" and \
                sum(q.rstrip().endswith(("?", "？")) for q in split_sentences(text)) >= 2:
            turn_kind = "clarifying-question"  # "Quick questions, all at once: what docs? What languages? ...": no hint
        if turn_kind == "progress-question" and kind is None and statement_words(text) >= CONTENT_WORDS:
            turn_kind = "answer"  # "How am I doing on time? Let me do monitoring quickly: ...": graded, the time beside
        if cue in _CUE_KINDS and turn_kind in _CUE_OVERRIDES and word_count(text) < CUE_TURN_WORDS and \
                (cue != "time" or statement_words(text) < CONTENT_WORDS):  # an answer that also asks the time is graded
            turn_kind = _CUE_KINDS[cue]  # "... I'm stuck on cold start. Could you give me a hint?", "¿Cuánto tiempo?"
        under_way = len(self._visited()) >= GOODBYE_AFTER_STAGES
        if cue in ("permission", "steer") and word_count(text) < SHORT_MOVE_WORDS and not asks_in_problem(text) and \
                not (under_way and says_goodbye(text)):  # "That's the design. Anything deeper? No questions from me."
            yield from self._on_meta_question(text, slot, {"seconds": 0.0, "acts": acts}, cue)  # "May I ask first?"
            return
        if turn_kind in ("progress-question", "small-talk", "thinking-pause", "off-topic", "dont-know", "other-language") and \
                word_count(text) < CONTENT_WORDS and signs_off_at_end(text) and (under_way or not thanks_only(text)):
            turn_kind = "end"  # "How much time is left? ok. done then."
        term = asked_term(text) if kind is None and word_count(text) < TERM_QUESTION_WORDS else None
        asks_value = term is not None and re.search(rf"\bthe\s+{re.escape(term)}", text, re.I) is not None
        if term and turn_kind not in ("meaning-question", "end") and \
                (turn_kind != "clarifying-question" or not asks_value) and \
                (defined_term(term) or ("", None))[0] == term:  # the term itself, not a question that names one
            turn_kind = "meaning-question"  # "Sorry, what does eCPM mean? I've heard it but I'm not sure."
        if turn_kind == "end" and kind is None and not under_way and thanks_only(text):
            turn_kind = "small-talk"  # "Hi! Thanks for your time today.": a greeting before anything has begun
        if turn_kind in _THANKS_LATE and len(self._visited()) >= LATE_STAGES and word_count(text) < THANKS_LATE_WORDS \
                and thanks_in_tail(text):
            turn_kind = "end"  # late on: "Thanks for the hints, that really helped. Anything else you'd expect?"
        if turn_kind != "end" and (turn_kind != "clarifying-question" or asks_feedback(text) or asks_to_steer(text)) and \
                under_way and \
                says_goodbye(text):
            turn_kind = "end"  # "Vielen Dank für das Gespräch!", "I think that's my design. Thanks! Any feedback?"
        if kind is None and self.scenario is not None and under_way and turn_kind != "end" and \
                (self._gave_leave() or (asks_about_you(text) and (thanks_in_tail(text) or closes(text)))):
            turn_kind = "end"  # "Thank you, I enjoyed this. How big is your review team?": answered, then goodbye
        seconds = charge(text, now, self.state.last_interviewer_at)
        meta: dict = {"seconds": round(seconds, 1), "acts": acts}
        if kind is None and self.scenario is not None and under_way and asks_to_ask(text) and not self._gave_leave() \
                and (turn_kind == "end" or thanks_in_tail(text) or closes(text)):
            # "... Thank you so much. Do you have time for one question from my side?": yes; the question comes next
            yield self._record(Turn(role="candidate", stage=slot.stage.value, kind="small-talk", text=text,
                                    item_id=slot.id, meta=meta | {"ask_you": True}))
            yield from self._say("reply", templates().replies.ask_you)
            return
        closing = self._in_open_questions() and turn_kind not in _KEEP_TALKING and (
            signs_off_at_end(text) or (word_count(text) < 30 and bool(_DESIGN_DONE.match(text))))
        if (self._wrapping_up() or closing) and turn_kind not in _KEEP_TALKING:  # the reply to the last one: the end
            yield self._record(Turn(role="candidate", stage=slot.stage.value, kind=turn_kind, text=text,
                                    item_id=slot.id, meta=meta | {"wrap_up": True}))
            at_time = templates().replies.at_time if cue == "time" else ""  # "... how am I doing on time?"
            yield from self._finish(early=False, prefix=at_time or self._unsaid(list(templates().ack.neutral)))
            return
        if self._in_open_questions() and turn_kind not in _KEEP_TALKING + ("end",):  # the next open question
            yield self._record(Turn(role="candidate", stage=slot.stage.value, kind=turn_kind, text=text,
                                    item_id=slot.id, meta=meta | {"open": True}))
            lead = self._progress_line(slot, short=True) if cue == "time" else ""  # "Kitna time bacha hai? ..."
            yield from self._open_question(self.state.slot, self._unsaid(list(templates().ack.neutral)), lead=lead)
            return
        handler = self._handler(turn_kind)
        yield from handler(text, slot, meta)

    def _gave_leave(self) -> bool:
        """Whether the candidate's last turn asked leave to ask the interviewer something (and was told to go ahead)."""
        last = next((t for t in reversed(self.turns) if t.role == "candidate"), None)
        return last is not None and bool(last.meta.get("ask_you"))

    def _handler(self, kind: str):
        handler = {
            "empty": self._on_empty, "repeat": self._on_repeat, "end": self._on_end, "skip": self._on_skip,
            "hint-request": self._on_hint, "clarifying-question": self._on_clarifying, "answer": self._on_answer,
            "repeat-request": self._on_repeat_request, "meaning-question": self._on_meaning,
            "thinking-pause": self._on_pause, "progress-question": self._on_progress,
            "what-would-you-do": self._on_own_approach, "pushback": self._on_pushback, "dont-know": self._on_dont_know,
            "small-talk": self._on_small_talk, "off-topic": self._on_off_topic, "other-language": self._on_other_language,
        }.get(kind)
        if handler is None:
            raise InterviewError(f"Unknown turn kind '{kind}'.")
        return handler

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

    # --- helpers -------------------------------------------------------------------------------

    def _ack(self, g: Grade | None, followed: bool = False) -> str:
        """A short acknowledgement of the answer just closed, in the tone the grade allows (no praise for a
        trap or a weak answer; neutral when the interviewer follows the candidate elsewhere)."""
        followed = followed or self.current.stage == Stage.clarify  # restated requirements are not praised
        tone = ack_tone(g.score if g else None, bool(g and g.fell_into_trap), followed=followed)
        return self._unsaid(list(getattr(templates().ack, tone)))

    def _match_facts(self, parts: list[str], threshold: float | None = None, lexical: bool = True) -> list[tuple]:
        """Per question part, (the scenario fact it asks about or None, its match score): by meaning and by the
        fact's topic words (`policy.fact_scores`), over `threshold` (the settings' by default; lower for a part
        in another language, which the English embedding reads poorly)."""
        facts = self.scenario.facts
        fact_vectors = embed([f"{f.topic}. {f.answer}" for f in facts])
        sims = embed(parts) @ fact_vectors.T
        glosses = [" ".join(sorted(gloss(p))) if english_share(p) < 0.2 else "" for p in parts]
        if any(glosses):  # another language: its mapped English words read too ("combien d'utilisateurs" → users)
            glossed = embed([g or p for g, p in zip(glosses, parts, strict=True)]) @ fact_vectors.T
            sims = np.maximum(sims, glossed)
        topics = [topic_words(f.topic) for f in facts]
        scores = [fact_scores(sims[i].tolist(), [len(topic_words(p) & t) if lexical else 0 for t in topics])
                  for i, p in enumerate(parts)]
        base = self.settings.fact_match_at if threshold is None else threshold
        picked = [pick_facts([row], base - OTHER_LANGUAGE_EASING if english_share(p) < 0.5 else base)[0]
                  for p, row in zip(parts, scores, strict=True)]
        return [(facts[j] if j is not None else None, max(row)) for j, row in zip(picked, scores, strict=True)]

    @staticmethod
    def facts_asked(scenario, text: str, settings: Settings, threshold: float | None = None) -> set[str]:
        """The ids of the scenario facts the interviewer gives for the requests in `text` (`acts.asks_in`, matched
        as a clarifying question is): what `evals/facts.py` measures against a reader's labels."""
        parts = asks_in(text)
        if not parts:
            return set()
        agent = SimpleNamespace(scenario=scenario, settings=settings)  # just what the matcher reads
        return {f.id for f, _ in Interview._match_facts(agent, parts, threshold) if f is not None}

    def _said(self) -> set[str]:
        """Every interviewer message of this interview so far, as written."""
        return {t.text for t in self.turns if t.role == "interviewer"}

    def _last_candidate_text(self) -> str:
        """What the candidate said last (empty before their first turn)."""
        return next((t.text for t in reversed(self.turns) if t.role == "candidate"), "")

    def _said_text(self) -> str:
        """Every interviewer message of this interview so far, as one text."""
        return "\n".join(t.text for t in self.turns if t.role == "interviewer")

    def _unsaid(self, options: list[str]) -> str:
        """The first of `options` (in seeded order) not said yet in this interview; the last resort is the first."""
        said = self._said()
        order = self.rng.sample(options, len(options))
        return next((o for o in order if o not in said), order[0])

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
        # the scenario's facts are the candidate's to hear, in any message beside them
        public = [*allowed, *(f.answer.strip() for f in self.scenario.facts)] if self.scenario is not None else list(allowed)
        if kind not in EXEMPT_FROM_LEAK_CHECK:
            leak = find_leak(message, self._secrets(index), allowed=public)
            if leak is not None:  # an authored text too close to a key point: say something generic instead
                meta["leak_blocked"] = leak
                text = allowed[0] if allowed else render(templates().follow_up_generic["any"][0])
        said = self._said()
        if text in said:  # never the same message twice, word for word
            text = next((f"{lead} {text}" for lead in templates().replies.again if f"{lead} {text}" not in said), text)
        if self.phraser.rewords and kind != "notice":
            parts: list[str] = []
            try:
                heard = {"heard": self._last_candidate_text(), "move": kind} if getattr(self.phraser, "listens", False) \
                    else {}
                for delta in self.phraser.phrase(text, slot.stage, **heard):
                    parts.append(delta)
                    yield Event("delta", text=delta)
                phrased = "".join(parts).strip()
                leak = None if kind in EXEMPT_FROM_LEAK_CHECK else find_leak(phrased, self._secrets(index),
                                                                             allowed=public)
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


_SKIP_ASK = re.compile(r"^\W*((ok(ay)?|so|hmm+|um+|honestly|actually)\W+)*(can|could|may|shall) we (please |maybe |just )?"
                       r"(skip|move past|leave out|not go into)\b|^\W*let'?s (skip|leave out)\b", re.I)


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:160]
