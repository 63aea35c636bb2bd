"""The interviewer agent: a bounded conversation over the framework stages.

An interview is a plan (the questions it will ask, fixed when it starts) plus a transcript (the
turns, written to SQLite as they happen). Everything the agent knows is rebuilt from those two, so
a session resumes after a crash with nothing lost, and the report and the evals read the same rows.

Each candidate turn is classified (answer, clarifying question, hint request, skip, end), then:
an answer is graded; the interviewer challenges an answer that fell into the trap, follows up on the
most important key point still missing (without naming it), or moves on. A design interview leaves a
stage when the stage's key points are covered, its questions run out, or its time budget is spent.

Decisions are made here, in code. The words come from `prompts/interviewer.yaml`, or, when an LLM
endpoint is configured, from the LLM rephrasing that message; any LLM failure, and any message that
would give away an unrevealed key point, falls back to the offline wording, visibly.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterator, Literal

import numpy as np
import yaml
from jinja2 import Environment, StrictUndefined

from .config import Settings, get_settings
from .grader import grade
from .guard import AnswerError, split_sentences
from .models import STAGE_TITLES, STAGES, Grade, KeyPoint, RubricItem, Scenario, Stage
from .rubrics import RubricBank, get_bank
from .sessions import SessionInfo, SessionStore, Turn, open_sessions

MODES = ("design", "drill", "grill", "review")
Mode = Literal["design", "drill", "grill", "review"]
MAX_FOLLOW_UPS = {"design": 2, "drill": 0, "grill": 1, "review": 1}
DEFAULT_COUNT = {"drill": 5, "grill": 6, "review": 6}
WORDS_PER_MINUTE = 130  # a spoken or typed answer is charged at least this long against the stage budget
MAX_GAP_S = 600  # idle time beyond this (a break, a crash) is not charged to the stage
LEAK_SIMILARITY = 0.75  # a sentence this close to an unrevealed key point gives it away (authored follow-ups: p95 0.75)
LEAK_NGRAM = 5  # ... and so does any run of this many content words copied from it
EXEMPT_FROM_LEAK_CHECK = {"clarification", "hint", "reveal", "end", "notice"}


class InterviewError(ValueError):
    """A request the interview cannot take (unknown id, bad mode, interview already over)."""


# --- templates ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def templates() -> dict:
    text = resources.files("interviewer").joinpath("prompts/interviewer.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


_jinja = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


def render(template: str, **values) -> str:
    return _jinja.from_string(template).render(**values).strip()


# --- classifying a candidate turn ------------------------------------------------------------

_END = re.compile(r"(end|stop|quit|exit|finish)( (the|this) (interview|session))?( (here|now|please))?|"
                  r"i'?m done|i am done|let'?s (stop|end)( here| now)?|that'?s all( for (now|today))?")
_SKIP = re.compile(r"(skip|pass|next|next question|move on|let'?s move on|skip (this|it|this one|the question))"
                   r"( please)?|(i )?(don'?t|do not) know,? (skip|next|pass)")
_HINT = re.compile(r"(can i (get|have)|could i (get|have)|give me|i need|any|may i have)? ?(a |some )?(hint|clue)s?"
                   r"( please)?|i'?m stuck|help( me)?")
_QUESTION_START = re.compile(r"^(what|how|is|are|do|does|did|can|could|will|would|should|which|who|when|where|"
                             r"may|am i|can i|should i|are we|do we|is there|are there)\b", re.I)

CandidateKind = Literal["answer", "clarifying-question", "hint-request", "skip", "end", "empty"]


def classify(text: str) -> CandidateKind:
    """What a candidate turn is, by its form (the agent adds `repeat` when it matches the last answer)."""
    low = re.sub(r"\s+", " ", text.strip().lower()).strip(" .!")
    if not re.search(r"\w", low):
        return "empty"
    if _END.fullmatch(low):
        return "end"
    if _SKIP.fullmatch(low):
        return "skip"
    if _HINT.fullmatch(low.rstrip("?")):
        return "hint-request"
    sentences = split_sentences(text.strip()) or [text.strip()]
    words = len(text.split())
    if sentences[-1].rstrip().endswith("?") and words <= 35 and len(sentences) <= 2:
        return "clarifying-question"
    if words <= 20 and _QUESTION_START.match(text.strip()) and len(sentences) == 1:
        return "clarifying-question"
    return "answer"


# --- the plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One question of the plan: a stage opener (`stage:<stage>`) or a rubric item."""

    id: str
    stage: Stage

    @property
    def is_stage(self) -> bool:
        return self.id.startswith("stage:")


def stage_target(scenario: Scenario, stage: Stage) -> RubricItem:
    """The scenario's stage as a gradable target (its key points, its opening question)."""
    part = scenario.stages[stage]
    return RubricItem.model_construct(
        id=f"{scenario.id}-{stage.value}", kind="stage", stage=stage, difficulty="medium", question=part.question,
        trap=None, correct_approach=" ".join(kp.text for kp in part.key_points), key_points=list(part.key_points),
        red_flags=[], follow_ups=[], hints=[], sources=list(scenario.sources), tags=list(scenario.tags),
        quick_fire=False)


def _filter(items: list[RubricItem], topic: str | None, difficulty: str | None) -> list[RubricItem]:
    if topic:
        t = topic.lower()
        items = [i for i in items if t == i.stage.value or t in (x.lower() for x in i.tags)] or items
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
        for stage in STAGES:
            slots.append({"id": f"stage:{stage.value}", "stage": stage.value})
            slots += [{"id": item_id, "stage": stage.value} for item_id in sc.stages[stage].items]
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


# --- state rebuilt from the transcript ------------------------------------------------------


@dataclass
class SlotState:
    answers: list[str] = field(default_factory=list)
    covered: set[str] = field(default_factory=set)
    targeted: list[str] = field(default_factory=list)
    follow_ups: int = 0
    hints: int = 0
    challenged: bool = False
    repeats: int = 0
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

    def at(self, index: int) -> SlotState:
        return self.slots.setdefault(index, SlotState())


def replay(turns: list[Turn]) -> State:
    """The agent's state after `turns` (a pure fold: resuming a session is just this)."""
    state = State()
    for turn in turns:
        meta = turn.meta
        if turn.role == "interviewer":
            if "slot" in meta:
                state.slot = meta["slot"]
            slot = state.at(state.slot)
            if turn.kind == "follow-up":
                slot.follow_ups += 1
                slot.targeted.append(meta.get("target", ""))
                if meta.get("authored"):
                    slot.used_questions.append(meta["authored"])
            elif turn.kind == "challenge":
                slot.challenged = True
                slot.follow_ups += 1  # a challenge is a follow-up too
            elif turn.kind == "hint":
                slot.hints += 1
            elif turn.kind == "end":
                state.finished = True
            state.last_interviewer_at = turn.at
        elif turn.role == "candidate":
            slot = state.at(state.slot)
            stage = turn.stage or ""
            state.seconds[stage] = state.seconds.get(stage, 0.0) + float(meta.get("seconds", 0.0))
            if turn.kind in ("answer", "clarifying-question") and meta.get("counts", True):
                slot.answers.append(turn.text)
                state.stage_text.setdefault(stage, []).append(turn.text)
            if turn.kind == "answer":
                slot.covered.update(meta.get("covered", []))
                state.last_grade = turn.grade
            if turn.kind == "repeat":
                slot.repeats += 1
            if turn.kind == "empty":
                slot.empties += 1
            if "stage_covered" in meta:
                state.stage_covered[stage] = meta["stage_covered"]
        elif turn.kind == "slot-grade":
            state.at(meta["slot"]).closed = True
    return state


# --- embeddings of fixed texts (key points, facts, follow-ups) are computed once per process ----

_fixed: dict[str, np.ndarray] = {}


def fixed_vectors(texts: list[str]) -> np.ndarray:
    from .embeddings import embed

    missing = [t for t in dict.fromkeys(texts) if t not in _fixed]
    if missing:
        _fixed.update(zip(missing, embed(missing)))
    return np.stack([_fixed[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)


# --- leak check -----------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


_SMALL = set("a an the and or of to in on for with by from as at is are be it this that you your we how what "
             "would do does should can could will".split())


def _ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    words = [w for w in _words(text) if w not in _SMALL]
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def find_leak(message: str, secrets: list[str], allowed: list[str] = ()) -> str | None:
    """The secret a message gives away, if any: a copied run of words or a sentence too close to it.

    `allowed` are texts the interviewer may say anyway (the authored question being asked); their
    sentences are not measured.
    """
    if not secrets:
        return None
    allowed_sentences = {s.strip() for a in allowed for s in split_sentences(a)}
    sentences = [s for s in split_sentences(message) if s.strip() not in allowed_sentences]
    if not sentences:
        return None
    said = set().union(*(_ngrams(s, LEAK_NGRAM) for s in sentences))
    for secret in secrets:
        if said & _ngrams(secret, LEAK_NGRAM):
            return secret
    from .embeddings import embed

    sims = embed(sentences) @ fixed_vectors(list(secrets)).T
    i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
    return secrets[j] if sims[i, j] >= LEAK_SIMILARITY else None


# --- the agent ------------------------------------------------------------------------------


@dataclass
class Event:
    """What `respond_stream` yields: text deltas of the message being written, then each recorded turn."""

    type: Literal["delta", "turn"]
    text: str = ""
    turn: Turn | None = None


class Interview:
    def __init__(self, info: SessionInfo, turns: list[Turn], store: SessionStore, settings: Settings,
                 bank: RubricBank):
        self.info = info
        self.turns = turns
        self.store = store
        self.settings = settings
        self.bank = bank
        self.slots = [Slot(s["id"], Stage(s["stage"])) for s in info.plan["slots"]]
        self.scenario = bank.scenario(info.scenario) if info.scenario else None
        self.state = replay(turns)
        self.rng = random.Random(info.plan.get("seed", 0) * 1000 + len(turns))

    # --- starting and resuming ---------------------------------------------------------------

    @classmethod
    def start(cls, mode: str = "design", scenario: str | None = None, count: int | None = None,
              topic: str | None = None, difficulty: str | None = None, weak_first: bool = False,
              seed: int | None = None, settings: Settings | None = None,
              store: SessionStore | None = None) -> Interview:
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
            from .progress import progress

            ranked = progress(store, bank).weak_items()
        plan = make_plan(bank, mode, scenario, count, topic, difficulty, seed, ranked)
        if not plan["slots"]:
            raise InterviewError("No rubric items match that choice.")
        title = bank.scenario(plan["scenario"]).title if plan["scenario"] else f"{mode.title()} ({len(plan['slots'])} questions)"
        info = store.create(mode, title, plan, scenario=plan["scenario"])
        interview = cls(info, [], store, settings, bank)
        interview._opening()
        return interview

    @classmethod
    def resume(cls, session_id: str, settings: Settings | None = None, store: SessionStore | None = None) -> Interview:
        settings = settings or get_settings()
        store = store or open_sessions(settings)
        info = store.get(session_id)
        return cls(info, store.turns(session_id), store, settings, get_bank(settings))

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
        return "llm" if self._use_llm() else "offline"

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
                "grader": _grader_name(self.settings), "last_grade": self.state.last_grade}

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
            yield from self._say("notice", templates()["not_text"])
            return
        now = time.time()
        turn_kind = kind or classify(text)
        slot = self.current
        ss = self.state.at(self.state.slot)
        if turn_kind == "answer" and ss.answers and _norm(text) == _norm(ss.answers[-1]):
            turn_kind = "repeat"
        seconds = self._charge(text, now)
        meta: dict = {"seconds": round(seconds, 1)}
        handler = {
            "empty": self._on_empty, "repeat": self._on_repeat, "end": self._on_end, "skip": self._on_skip,
            "hint-request": self._on_hint, "clarifying-question": self._on_clarifying, "answer": self._on_answer,
        }.get(turn_kind)
        if handler is None:
            raise InterviewError(f"Unknown turn kind '{turn_kind}'.")
        yield from handler(text, slot, meta)

    def report(self):
        from .report import build_report

        return build_report(self.info, self.turns, self.bank)

    def export(self, fmt: str = "md") -> str:
        from .report import export_json, export_markdown

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
            yield from self._close_and_advance(skipped=not ss.answers, prefix=templates()["skip"])
        else:
            yield from self._say("notice", templates()["empty"])

    def _on_repeat(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record(Turn(role="candidate", stage=slot.stage.value, kind="repeat", text=text, item_id=slot.id,
                                meta=meta))
        if self.state.at(self.state.slot).repeats >= 2:  # no loops: a third identical answer moves on
            yield from self._close_and_advance(skipped=False)
        else:
            yield from self._say("notice", templates()["repeat"])

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
        yield from self._close_and_advance(skipped=not ss.answers, prefix=templates()["skip"] if not ss.answers else "")

    def _on_hint(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record(Turn(role="candidate", stage=slot.stage.value, kind="hint-request", text=text,
                                item_id=slot.id, meta=meta))
        ss = self.state.at(self.state.slot)
        hints = list(self.target(slot).hints)
        if not hints and slot.is_stage:
            hints = list(templates()["hint_generic"][slot.stage.value])
        if not hints:
            message = templates()["hint_none"]
        elif ss.hints >= len(hints):
            message = templates()["hint_exhausted"]
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
            message = t["clarification_no_facts"]
        elif fact is not None:
            message = render(t["clarification_fact"], answer=fact.answer.strip())
        else:
            message = render(self.rng.choice(t["clarification_assume"]))
        if in_clarify and self._stage_done(slot.stage):
            yield from self._say("clarification", message, extra={"fact": meta.get("fact")})
            yield from self._close_and_advance(skipped=False)
        else:
            yield from self._say("clarification", message, extra={"fact": meta.get("fact")})

    def _on_answer(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        index = self.state.slot
        ss = self.state.at(index)
        target = self.target(slot)
        g = grade(target, text, settings=self.settings, cite=False)
        covered = {v.id for v in g.key_points if v.verdict == "covered"}
        meta["covered"] = sorted(covered)
        if self.scenario is not None:
            meta["stage_covered"] = self._stage_coverage(slot.stage, extra=text)
        yield self._record(Turn(role="candidate", stage=slot.stage.value, kind="answer", text=text, item_id=slot.id,
                                grade=g, meta=meta))
        ss = self.state.at(index)
        limit = MAX_FOLLOW_UPS[self.mode]
        if self.scenario is not None and self._stage_done(slot.stage):
            yield from self._close_and_advance(skipped=False)
            return
        if g.fell_into_trap and not ss.challenged and ss.follow_ups < limit:
            evidence = _shorten(g.trap_evidence or text, 120)
            message = render(self.rng.choice(templates()["challenge"]), evidence=evidence)
            yield from self._say("challenge", message, allowed=[evidence])
            return
        missed = [kp for kp in sorted(target.key_points, key=lambda k: -k.weight)
                  if kp.id not in ss.covered and kp.id not in ss.targeted]
        if missed and ss.follow_ups < limit:
            yield from self._follow_up(slot, target, missed[0], ss)
            return
        yield from self._close_and_advance(skipped=False)

    # --- follow-ups ----------------------------------------------------------------------------

    def _follow_up(self, slot: Slot, target: RubricItem, kp: KeyPoint, ss: SlotState) -> Iterator[Event]:
        """Probe `kp` without naming it: the authored follow-up closest to it, else a stage template."""
        secrets = self._secrets(self.state.slot)
        candidates = [q for q in target.follow_ups if q not in ss.used_questions]
        authored = None
        if candidates:
            vectors = fixed_vectors([kp.text] + candidates)
            order = np.argsort(-(vectors[1:] @ vectors[0]))
            for i in order:
                if find_leak(candidates[i], secrets) is None:
                    authored = candidates[i]
                    break
        if authored is None:
            options = templates()["follow_up_generic"][slot.stage.value] + templates()["follow_up_generic"]["any"]
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
            g = grade(target, answer, settings=self.settings, cite=True)  # graded on where the answers ended
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
            body = render(self.rng.choice(t["transition"]), stage_name=t["stage_names"][slot.stage.value],
                          question=question)
            kind = "transition"
        elif self.scenario is not None:
            body = render(self.rng.choice(t["item_in_stage"]), stage_name=t["stage_names"][slot.stage.value],
                          question=question)
            kind = "question"
        else:
            body = render(self.rng.choice(t["next_question"]), question=question)
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
        message = render(templates()["reveal"], verdict=verdict, score=f"{g.score:.1f}" if g else "0",
                         correct_approach=target.correct_approach.strip(), missed="; ".join(missed))
        yield from self._say("reveal", message)

    def _finish(self, early: bool, prefix: str = "") -> Iterator[Event]:
        report = self.report()
        message = render(templates()["end_early" if early else "end"], score=f"{report.overall:.1f}",
                         questions=report.answered)
        yield from self._say("end", f"{prefix} {message}".strip())
        self.store.set_status(self.id, "ended")
        self.info = self.info.model_copy(update={"status": "ended"})

    def _opening(self) -> None:
        slot = self.slots[0]
        t = templates()["opening"][self.mode]
        values = {"question": self.question(slot), "count": len(self.slots)}
        if self.scenario is not None:
            values |= {"prompt": self.scenario.prompt.strip(),
                       "minutes": int(sum(self.info.plan["minutes"].values()))}
        list(self._say("question", render(t, **values), slot_index=0, allowed=[values["question"]],
                       extra={"question": values["question"]}))

    # --- helpers -------------------------------------------------------------------------------

    def _ack(self, g: Grade | None) -> str:
        acks = templates()["ack"]
        if g is None:
            return ""
        return self.rng.choice(acks["strong"] if g.score >= 3 else acks["partial"] if g.score >= 1.5 else acks["weak"])

    def _charge(self, text, now: float) -> float:
        """Seconds this turn costs the stage: the real gap (capped), at least the time to say it."""
        gap = now - self.state.last_interviewer_at if self.state.last_interviewer_at else 0.0
        spoken = len(str(text).split()) * 60 / WORDS_PER_MINUTE
        return max(min(max(gap, 0.0), MAX_GAP_S), spoken)

    def _match_fact(self, question: str):
        from .embeddings import embed

        facts = self.scenario.facts
        sims = fixed_vectors([f"{f.topic}. {f.answer}" for f in facts]) @ embed([question])[0]
        best = int(np.argmax(sims))
        return (facts[best] if sims[best] >= self.settings.fact_match_at else None), float(sims[best])

    def _stage_coverage(self, stage: Stage, extra: str) -> list[str]:
        """Stage key points covered so far: those covered before, plus those the new turn covers."""
        before = set(self.state.stage_covered.get(stage.value, []))
        g = grade(stage_target(self.scenario, stage), extra, settings=self.settings, cite=False)
        return sorted(before | {v.id for v in g.key_points if v.verdict == "covered"})

    def _stage_done(self, stage: Stage) -> bool:
        covered = set(self.state.stage_covered.get(stage.value, []))
        if covered >= {kp.id for kp in self.scenario.stages[stage].key_points}:
            return True
        budget = self.stage_budget_s(stage)
        return budget is not None and self.state.seconds.get(stage.value, 0.0) >= budget

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
                text = allowed[0] if allowed else render(templates()["follow_up_generic"]["any"][0])
        if self._use_llm() and kind not in ("notice",):
            from .interviewer_llm import phrase

            parts: list[str] = []
            try:
                for delta in phrase(text, slot.stage, self.settings):
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
            except Exception as error:  # noqa: BLE001 - any LLM failure falls back, visibly
                reason = _reason(error)
                meta["phrased_by"] = "offline"
                meta["llm_fallback"] = reason
                text = f"{text}\n\n{render(templates()['llm_fallback_notice'], reason=reason)}"
        yield self._record(Turn(role="interviewer", stage=slot.stage.value, kind=kind, text=text, item_id=slot.id,
                                meta=meta))

    def _use_llm(self) -> bool:
        choice = self.settings.interviewer
        return choice == "llm" or (choice == "auto" and self.settings.llm_configured)


def _grader_name(settings: Settings) -> str:
    if settings.grader == "llm" or (settings.grader == "auto" and settings.llm_configured):
        return f"llm ({settings.llm_model})"
    return "semantic (offline)"


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:160]


def _norm(text: str) -> str:
    return " ".join(_words(text))


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


__all__ = ["Interview", "InterviewError", "Event", "classify", "find_leak", "make_plan", "replay", "MODES",
           "AnswerError"]
