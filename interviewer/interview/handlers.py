"""How the agent answers each kind of candidate turn and moves the interview on (a part of `Interview`,
kept apart by size): an empty turn, a repeat, the end, a skip, a hint request, a clarifying question and
an answer; the follow-up that probes a missed key point; closing a question (its grade), the next
question or stage, the drill's reveal, the opening and the ending."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..corpus.embeddings import embed
from ..models import STAGES, Grade, KeyPoint, RubricItem, Stage, Turn
from ..prompts import interviewer_templates as templates
from ..prompts import render
from ..text import content_words, lower_first, shorten, split_sentences, word_count
from .leaks import find_leak
from .room import graded_text
from .plan import Slot
from .acts import CONTENT_WORDS, announced_questions, asks_in_problem, in_other_language, stage_named
from .coverage import SAID_AT
from .policy import (ANSWERED_AT, FIGURE_TOPIC_AT, FOLLOW_AT, MAX_FOLLOW_UPS, MOVE_NOT_FACT, RATES, after_answer, asked_stage,
                     asking_part, presumes_unsaid,
                     asks_about_you, asks_approval, asks_feedback, asks_how_doing, cites_untold, classic_mistake, closes,
                     contradicted, direct_question, ends_with_answer, entry_slot, figures, move_cue, next_slot, own_checks,
                     says_goodbye, signs_off_at_end, stage_header, topic_stage, wraps_up_with_thanks)
from .state import SlotState


# a question in the form of one ("What happens to a new query?", "Is that enough?"), not a statement with a rising end
_ASKS_FORM = re.compile(r"\W*((and|so|but|then|ok(ay)?|also)\W+)*(what|how|which|why|when|where|who|is|are|do|does|did|can|"
                        r"could|should|would|will|was|were|has|have)\b", re.I)
_GUESSING = re.compile(r"\b(i guess|i think|i suppose|maybe|probably|i'?d say)\b", re.I)
_SKIP_WORD = re.compile(r"\b(skip|leave out|not go into|pass on)\b", re.I)  # "skip serving": leave the part named
DESIGNING_WORDS = 40  # a requirements turn this long that asks nothing is the candidate designing, not clarifying
TIME_BEFORE_WRAP_UP = 0.6  # the interview's last open question comes no earlier than this share of its minutes
MAX_OPEN_QUESTIONS = 2  # more stock questions stop reacting to the candidate (never two in a row); then the last one
PRESENTING_WORDS = 40  # once the plan is done, a content turn this long asking nothing is let go on
NEARLY_SAID = 0.8  # ... but never a question whose points the candidate has (nearly) all said
GO_ON_WORDS = 80  # a candidate who moves on by themselves at this length is driving: let them go on, once in a row
REASK_WORDS = 50  # a longer answer about something else is the candidate driving: followed, not asked again
BARE_FIGURE_WORDS = 3  # a figure with this few words around it restates a fact just told ...
BARE_SLIP = 20.0  # ... when it is off by no more than this ("10 million" for 100 million, not "500M DAU" for 30,000)
JUST_SAID_TURNS = 8  # a deep dive the candidate said this recently is not asked; older credit only orders
ENGAGED_AT = 0.45  # a sentence this close to the question asked takes it up, whatever the key points say
DROPPED_BELOW = 0.35  # "Let's leave that one open" only for an answer this far from the question (near: in doubt)


@dataclass
class Event:
    """What `respond_stream` yields: text deltas of the message being written, then each recorded turn."""

    type: Literal["delta", "turn"]
    text: str = ""
    turn: Turn | None = None


_HAVE_Q = re.compile(r"\W*(and |so |also |but )?((do|does) (we|you|they) (already )?(have|track|log|keep|store|collect|record)|"
                     r"(is|are) there (a|an|any)\b)", re.I)
_YES_NO = re.compile(r"\W*(and |so |also |but )?(do|does|did|is|are|was|were|have|has|can|could|will|would) (we|you|they|"
                     r"there|the|our|it|this|that|users?|customers?)\b", re.I)
_SCALE_TOPIC = re.compile(r"users|volume|traffic|qps|catalogue|corpus|size|scale|number of|upload|subscribers|"
                          r"mailboxes|inventory|candidate pool", re.I)
_OWN_WAY = re.compile(r"\bwhat would you (have )?(done|do)\b|\bhow would you (have )?(done|do|approach)|"
                      r"\bwhat('?s| is| was) the (right|best|ideal|expected) (answer|approach)", re.I)


_LEAD = re.compile(r"^[^:]{0,60}:\s+(?=[A-Z0-9])")  # a message's lead-in before its question ("On serving, then: ...")
_RESTATING = re.compile(r"\b(restate|recap|summari[sz]e|to confirm|let me make sure|so we have|so to sum up|"
                        r"if i understand|so,? (about|roughly|around))\b", re.I)  # the candidate restates the facts
_ASSUMING = re.compile(r"\b(i'?ll assume|i will assume|assuming|let'?s assume|i'?d assume|asumo|supongo)\b", re.I)


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
        yield from self._finish(early=self._next_slot(self.state.slot)[0] is not None)

    def _on_skip(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record(Turn(role="candidate", stage=slot.stage.value, kind="skip", text=text, item_id=slot.id,
                                meta=meta))
        ss = self.state.at(self.state.slot)
        wanted = asked_stage(text) if self.scenario is not None else None
        if wanted is not None and wanted == slot.stage.value and not ss.answers and \
                not _SKIP_WORD.search(text):  # "Can we move on to serving?" just after the serving question: here
            question = self._question_in_play()
            yield from self._say("reply", render(templates().replies.already_there, question=question,
                                                 stage_name=templates().stage_names[slot.stage]), allowed=[question])
            return
        entry = None
        if wanted is not None and wanted != slot.stage.value:  # "let's talk about the model first": go there
            entry = entry_slot(wanted, [s.stage.value for s in self.slots], [s.is_stage for s in self.slots],
                               self._closed() | {self.state.slot}, self._shares().get(wanted, 0.0))
        prefix = templates().replies.go_to if entry is not None else templates().skip if not ss.answers else ""
        named = stage_named(text)  # "Would you mind if I skip the serving part?": the part is left, not only the question
        leave = self.scenario is not None and named is not None and named == slot.stage
        yield from self._close_and_advance(skipped=not ss.answers, prefix=prefix, to=entry, followed=entry is not None,
                                           leave=leave)

    def _on_hint(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record(Turn(role="candidate", stage=slot.stage.value, kind="hint-request", text=text,
                                item_id=slot.id, meta=meta))
        ss = self.state.at(self.state.slot)
        hint = self._hint_for(slot, text, ss.hints)
        if hint is None:
            message = templates().hint_exhausted if ss.hints or self._hints(slot) else templates().hint_none
        else:
            message = hint
        yield from self._say("hint", message, extra={"hint": ss.hints})

    def _on_clarifying(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        asks = [q for q in split_sentences(text) if q.rstrip().endswith(("?", "？"))]
        checking = asks and all(q.strip().rstrip(" ?.？") in own_checks(text) for q in asks)  # "So maybe conversion?"
        message = None if checking else self._clarification(text, meta)
        if message is None:  # nothing asked of the facts ("..., how much time is left?"): an answer, its move beside
            yield from self._on_answer(text, slot, meta)
            return
        message = f"{self._in_kind(text)} {self._mixing_word(text)} {message}".strip()  # "Hi! I'm a bit nervous...",
        message = re.sub(r"\s{2,}", " ", message)  # "¿Está bien si mezclo un poco? ... How many users?"
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
        first, and no probe follows (the candidate is still speaking). In a design interview the candidate
        drives: an answer about a later stage is followed there, and one that ends by wrapping up ends."""
        acts = meta.get("acts") or []
        clarify = clarify or "clarifying-question" in acts
        index = self.state.slot
        target = self.target(slot)
        g = self.grader.grade(target, text, cite=False)
        covered = {v.id for v in g.key_points if v.verdict == "covered"}
        meta["covered"] = sorted(covered)
        ahead = None
        in_clarify = self.scenario is not None and slot.stage == Stage.clarify
        if self.scenario is not None:  # a stage question's grade is its stage coverage: graded once
            meta["stage_covered"] = self._stage_coverage(slot.stage, extra=text, graded=g if slot.is_stage else None)
            meta["coverage"] = self._coverage_map(text, slot.stage, meta["stage_covered"])
            meta["probes"] = self._probe_coverage(text)
            visited = self._visited()
            skipped = [s.value for s in STAGES if s.value not in visited and not self._stage_done(s)]
            shares = self._topic_shares(text)
            header = stage_header(text)
            if header is not None:  # the candidate says where they are: that decides
                shares = {header: 1.0}
            ahead = topic_stage(shares, slot.stage.value, [s.value for s in STAGES], skipped=skipped,
                                assuming=bool(_ASSUMING.search(text)), visited=visited)
            talked = max(shares, key=shares.get) if shares else None
            if talked is not None and shares[talked] >= FOLLOW_AT:
                meta["talked"] = talked
        # requirements: every request for information is answered, a fact or "assume" ("would a deeper network be
        # worth it?" asks the interviewer's view, not a fact)
        checks = own_checks(text)  # "So maybe we measure conversion? And click-through?" asks no fact either
        asks = in_clarify and any(direct_question(p.rstrip(" ?.") + "?") is None and move_cue(p) not in MOVE_NOT_FACT
                                  and p.strip().rstrip(" ?.？") not in checks
                                  for p in asks_in_problem(text))  # "Could you give me a hint?" asks no fact
        if in_clarify and announced_questions(text):  # "Questions. Volume per day. Actions available.": every
            asks = True                               # sentence after it asks, question mark or not
        clarify = clarify or asks or any(q.rstrip().endswith("?") and direct_question(q) is None  # "... how long
                                         and q.strip().rstrip(" ?.？") not in checks and move_cue(q) not in MOVE_NOT_FACT
                                         for q in split_sentences(text))  # does a chargeback take?": its fact, if any
        clarification = self._clarification(text, meta, marked=not asks) if clarify else None
        if clarification is not None and not meta.get("fact") and not asks:
            clarification = None  # a question inside an answer with no fact behind it is rhetorical: carry on
        terms = self._terms_asked(text) if self.scenario is not None else ""  # "... what's a chargeback exactly?"
        if terms and clarification is not None:
            clarification = f"{terms} {clarification}"
        lead = "" if clarification is not None else self._direct_reply(text, g)
        lead = f"{terms} {lead}".strip() if terms and clarification is None else lead
        correction = self._correction(text, beside=clarification or "") if self.scenario is not None else ""
        if clarification is None:
            lead = f"{correction} {lead}".strip()
        elif correction:  # "Okay, 10 million a day. And how many are fraud?": the fact asked, then the correction
            clarification = f"{clarification} {correction}"
        cue = move_cue(text)
        hinted = False
        if cue == "time" and self.scenario is not None and asks_how_doing(text):  # "... Um, how am I doing?"
            lead = f"{lead} {self._doing_line()}".strip()
        elif cue == "time":  # "... How much time do we have left?": said before the next question, which names the part
            lead = f"{lead} {self._progress_line(slot, short=True)}".strip()
        elif cue == "hint":  # a long answer that ends asking for a hint: the nudge comes with the next question
            if (hint := self._hint_for(slot, text)) is not None:
                lead = f"{lead} {render(templates().replies.dont_know_hint, hint=hint)}".strip()
                hinted = True
        engaged, near = self._engages(slot, g, text) if self.scenario is not None and not in_clarify else (True, 1.0)
        # put the question again only to a short answer in English that stays in its stage: a candidate driving their
        # own design elsewhere is followed, and an answer in another language is graded too poorly to tell
        can_reask = word_count(text) < REASK_WORDS and not in_other_language(text) and \
            meta.get("talked") in (None, slot.stage.value) and not lead and \
            not self._after_follow_up()  # a question of theirs is answered first; a follow-up is not pressed
        meta["engaged"] = engaged
        meta["nearness"] = round(near, 3)  # how near the answer came to the question asked (for parking it)
        yield self._record(Turn(role="candidate", stage=slot.stage.value, kind="answer", text=text, item_id=slot.id,
                                grade=g, meta=meta))
        ss = self.state.at(index)
        mistake = None if self.scenario is None else classic_mistake(
            text, [f.id for f in self.scenario.facts], self._mistakes_challenged())
        if clarification is not None and mistake is not None:  # "... how many are fraud? I'd aim for 99.9 % accuracy"
            fact = next((f.answer.strip() for f in self.scenario.facts if f.id in mistake.needs), "")
            evidence = re.search(mistake.states, text, re.I)
            challenge = render(mistake.challenge, fact="" if fact in clarification else fact,  # said just before
                               evidence=evidence.group(0) if evidence else "")
            yield from self._say("challenge", f"{clarification} {challenge}", extra={"mistake": mistake.id,
                                                                                     "fact": meta.get("fact")})
            return
        goodbye = "sign-off" in acts or wraps_up_with_thanks(text)  # "Okay, I'll wrap up. So: ... Thanks!"
        before = next((t for t in reversed(self.turns[:-1]) if t.role == "interviewer"), None)
        helped = before is not None and (before.kind in ("challenge", "hint") or "correction" in before.text)
        wraps = signs_off_at_end(text) and not (helped and not says_goodbye(text) and not goodbye)  # "... Thanks." for
        if clarification is None and ends_with_answer(wraps, goodbye, len(self._visited()),        # the challenge
                                                      short=word_count(text) < CONTENT_WORDS):  # "..., thanks."
            yield self._close_slot(index, skipped=False)
            yield from self._finish(early=self._next_slot(index)[0] is not None, prefix=self._ack(g))
            return
        if hinted and clarification is None:  # "... I'm not sure how to fix it. A hint?": the nudge, then their go
            yield from self._say("hint", lead, extra={"hint": ss.hints})
            return
        if clarification is None and mistake is None and any(line in lead for line in templates().replies.hand_back):
            yield from self._say("reply", lead)  # "Does downsampling break the probabilities?" handed back: their go,
            return                               # never followed by a new question in the same breath
        if clarification is not None:
            mistake = None
        if mistake is not None:  # "I'd use accuracy", "a random 80/20 split": challenged where it comes, once
            fact = next((f.answer.strip() for f in self.scenario.facts if f.id in mistake.needs), "")
            evidence = re.search(mistake.states, text, re.I)
            message = render(mistake.challenge, fact=fact, evidence=evidence.group(0) if evidence else "")
            yield from self._say("challenge", f"{lead} {message}".strip(), extra={"mistake": mistake.id})
            return
        if self.scenario is not None and self._stage_done(slot.stage):  # the answer to their question, then on,
            prefix = f"{clarification or ''} {lead}".strip()          # in one message
            yield from self._close_and_advance(skipped=False, said=g, prefix=prefix)
            return
        if ahead is not None and clarification is None:  # the candidate has moved on to a later stage: follow them
            answered = self._answered(ahead, self._candidate_text())
            entry = entry_slot(ahead, [s.stage.value for s in self.slots], [s.is_stage for s in self.slots],
                               self._closed() | {index} | self._said_slots(self._just_said()), share=1.0,  # deeper
                               answered=answered, late=self._change_slots())
            yield from self._close_and_advance(skipped=False, said=g, to=entry, followed=True, prefix=lead)
            return
        if clarification is not None:  # the candidate is still speaking: their question answered, nothing asked
            yield from self._say("clarification", f"{self._in_kind(text)} {clarification}".strip(),
                                 extra={"fact": meta.get("fact")})
            return
        known = ss.covered | (set(self.state.stage_covered.get(slot.stage.value, [])) if slot.is_stage else set())
        missed = [kp for kp in sorted(target.key_points, key=lambda k: -k.weight)
                  if kp.id not in known and kp.id not in ss.targeted]
        if missed and self.scenario is not None:  # never probe for what the candidate said anywhere already
            missed = self._unsaid_points(missed)
        if in_clarify and not asks and word_count(text) >= DESIGNING_WORDS:
            missed = []  # the candidate has stopped asking and is designing: no "what else would you pin down?"
        if self._let_go_on():
            missed = []  # nothing was asked: a follow-up would presume an answer to a question never put
        if cue == "steer":  # "Where should I go deeper?": the interviewer picks, with the next question
            missed = []
            lead = f"{lead} {templates().replies.steer}".strip()
        move = after_answer(bool(g.fell_into_trap), ss.challenged, ss.follow_ups, MAX_FOLLOW_UPS[self.mode],
                            [kp.id for kp in missed], pushback="pushback" in acts, engaged=engaged,
                            reasks=ss.reasks if can_reask else 1)
        if move == "advance" and not engaged and not lead and ss.reasks and \
                near < DROPPED_BELOW:  # asked twice, clearly taken up neither time
            lead = self._unsaid(list(templates().replies.reask_dropped))
        if move == "reask":
            yield from self._reask(slot, meta.get("talked"), lead)
        elif move == "challenge":
            evidence = shorten(g.trap_evidence or text, 120)
            message = render(self._unsaid(templates().challenge), evidence=evidence)
            yield from self._say("challenge", f"{lead} {message}".strip(), allowed=[evidence])  # the time, if asked
        elif move == "follow-up":
            yield from self._follow_up(slot, target, missed[0], ss, said=g, lead=lead)
        else:
            pushback = "pushback" in acts
            yield from self._close_and_advance(skipped=False, said=g, leave=pushback,
                                               prefix=templates().replies.pushback_taken if pushback else lead)

    # --- follow-ups ----------------------------------------------------------------------------

    def _engages(self, slot: Slot, g: Grade, text: str) -> tuple[bool, float]:
        """Whether an answer takes up the question in play: it says one of the question's points, or two in part,
        or one of its sentences is close to what was asked (a stage question is taken up by any answer); and how
        near its nearest sentence is (1.0 when there was nothing to compare)."""
        verdicts = [v.verdict for v in g.key_points]
        if slot.is_stage or "covered" in verdicts or verdicts.count("partial") >= 2:  # one partial is often chance
            return True, 1.0
        if self._let_go_on():
            return True, 1.0  # nothing was asked: whatever the candidate says next takes it up
        asked = self._asked_text()
        sentences = [s for s in split_sentences(text) if len(s.split()) >= 3]
        if not asked or not sentences:
            return True, 1.0  # nothing to compare: no reason to put the question again
        near = float((embed(sentences) @ embed([asked]).T).max())
        return near >= ENGAGED_AT, near

    def _after_follow_up(self) -> bool:
        """Whether the interviewer's last question was a follow-up (a probe on a point: left, not put again)."""
        last = next((t for t in reversed(self.turns) if t.role == "interviewer" and t.kind != "reply"), None)
        return last is not None and last.kind == "follow-up"

    def _asked_text(self) -> str:
        """The question the interviewer's last message asked (a follow-up's, else the question in play)."""
        last = next((t for t in reversed(self.turns) if t.role == "interviewer" and t.kind != "reply"), None)
        if last is None:
            return ""
        return last.meta.get("question") or last.meta.get("authored") or self.question(self.slots[self.state.slot])

    def _reask(self, slot: Slot, talked: str | None, lead: str) -> Iterator[Event]:
        """The last answer did not take up the question: it is put again, once, naming where the candidate went."""
        r = templates().replies
        question = self._asked_text()
        said = asking_part(question)  # what it asks: the detail before it was heard already, and is not recited
        if talked is not None and talked != slot.stage.value:
            body = render(self._unsaid(r.reask_elsewhere), stage_name=templates().stage_names[Stage(talked)],
                          question=said)
        else:
            body = render(self._unsaid(r.reask), question=said)
        yield from self._say("question", f"{lead} {body}".strip(), allowed=[question, said],
                             extra={"question": question, "reask": True})

    def _follow_up(self, slot: Slot, target: RubricItem, kp: KeyPoint, ss: SlotState,
                   said: Grade | None = None, lead: str = "") -> Iterator[Event]:
        """Probe `kp` without naming it: the authored follow-up closest to it, else a stage template (in a design
        interview only while requirements are gathered: later stages go deeper with their own questions)."""
        secrets = self._secrets(self.state.slot)
        already = self._said()
        told = " ".join(already)
        spoken = f"{told} {self._candidate_text()} {self._asked_text()}"
        candidates = [q for q in target.follow_ups if q not in ss.used_questions and q not in already and
                      not cites_untold(q, told)  # "Using the $120 and $8 figures" only once they were told
                      and not presumes_unsaid(q, spoken)]  # "How large can the holdout be?" with no holdout said
        authored = None
        if candidates:
            vectors = embed([kp.text] + candidates)
            order = np.argsort(-(vectors[1:] @ vectors[0]))
            for i in order:
                if find_leak(candidates[i], secrets) is None:
                    authored = candidates[i]
                    break
        if authored is None:
            generic = self.scenario is None or slot.stage == Stage.clarify
            options = (templates().follow_up_generic[slot.stage.value] +
                       (templates().follow_up_generic["any"] if self.scenario is None else [])) if generic else []
            fresh = [o for o in options if o not in ss.used_questions and render(o) not in already]
            if not fresh:  # every probe we have was asked already: move on rather than repeat one
                yield from self._close_and_advance(skipped=False, said=said, prefix=lead)
                return
            authored = message = render(fresh[0])
        else:
            message = authored
        yield from self._say("follow-up", f"{lead} {message}".strip(), extra={"target": kp.id, "authored": authored},
                             allowed=[message])

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

    def _close_and_advance(self, skipped: bool, prefix: str = "", said: Grade | None = None, to: int | None = None,
                           followed: bool = False, leave: bool = False) -> Iterator[Event]:
        """Close the question in play and ask the next: `to` (the candidate was followed there), else the next by
        `policy.next_slot` (coming back to a skipped stage explicitly; `leave`: the candidate is done with this
        stage). The acknowledgement is in the tone of `said` (the last answer's grade), else of the question's."""
        index = self.state.slot
        closing = self._close_slot(index, skipped)
        yield closing
        if self.mode == "drill":
            yield from self._reveal(index, closing.turn.grade)
            prefix = ""
        nxt, revisit = (to, False) if to is not None else self._next_slot(index, leave=leave)
        followed = followed and to is not None
        t = templates()
        if nxt is None and self.scenario is not None and not self._wrapping_up():
            yield from self._open_question(index, prefix or self._ack(said or closing.turn.grade))
            return
        if nxt is None:
            yield from self._finish(early=False, prefix=prefix)
            return
        slot = self.slots[nxt]
        question = self.question(slot)
        if self.scenario is not None and said is not None and self._lets_drive(followed, index):
            # a strong candidate leading their own design: let them go on (the question left said to be parked)
            body = render(self._unsaid(t.replies.go_on_parked if self._left_unanswered() else t.replies.go_on))
            yield from self._say("question", f"{prefix} {body}".strip(), slot_index=nxt,
                                 extra={"question": body, "go_on": True})
            return
        ack = prefix or self._ack(said or closing.turn.grade, followed=followed)
        if followed and self._left_unanswered():  # "Serving: ..." after a data question: park it, not drop it
            ack = f"{ack} {self._unsaid(list(t.replies.parked))}".strip()
        values = {"stage_name": t.stage_names[slot.stage], "question": question}
        if self.scenario is not None and slot.id.startswith("change:"):  # a twist, said as one
            body = render(self._unsaid(t.change_intro), **values)
            kind = "question"
        elif self.scenario is not None and slot.stage != self.slots[index].stage:
            options = (t.revisit if revisit else t.follow if followed else
                       t.transition if slot.is_stage else t.transition_deeper)
            body = render(self._unsaid(options), **values)
            kind = "transition"
        elif self.scenario is not None:
            body = render(self._unsaid(t.item_in_stage), **values)
            kind = "question"
        else:
            body = render(self._unsaid(t.next_question), question=question)
            kind = "question"
        yield from self._say(kind, f"{ack} {body}".strip(), slot_index=nxt, allowed=[question],
                             extra={"question": question})

    def _correction(self, text: str, beside: str = "") -> str:
        """A correction of the figures a candidate restates wrongly (`policy.contradicted`), from the facts already
        told and the figures the interviewer's own questions gave ("2,000 eligible posts and 250 ms"): the sentence
        that states the figure; a figure kept wrong after its correction is corrected once more, never a third
        time; never a sentence the message `beside` it says already."""
        said = self._said_text()
        told = [f for f in self.scenario.facts if f.answer.strip() in said or f.answer.strip()[:60] in said]
        restating = self.slots[self.state.slot].stage == Stage.clarify or bool(_RESTATING.search(text))
        stated = [fig for fig in figures(text) if fig[1] != "%" or restating]  # a share elsewhere is the candidate's own
        if not stated:                                                           # target ("under 0.1 % misfiled")
            return ""
        known = [(fig, f.answer) for f in told for fig in figures(f.answer)  # counts only of sizing facts: a count
                 if fig[1] in RATES or _SCALE_TOPIC.search(f.topic)]  # the candidate plans is theirs
        corrections = [render(tpl, fact="") for tpl in (templates().replies.figure_correction,
                                                         templates().replies.figure_correction_again)]
        asked = [x for t in self.turns if t.role == "interviewer" and t.kind in ("question", "transition", "follow-up")
                 and not (t.item_id or "").startswith("change:")  # "peak forecast at 40,000": a what-if, not a fact
                 for x in split_sentences(t.text) if not any(c.strip(" :") in x for c in corrections)]
        known += [(fig, x) for x in asked for fig in figures(x)  # "Each request has about 2,000 eligible posts and
                  if (fig[1] in RATES or _SCALE_TOPIC.search(x)) and not any(x in k for _, k in known)]  # 250 ms"
        if not known:
            return ""
        sims = embed([c for _, _, c in stated]) @ embed([fig[2] for fig, _ in known]).T
        last = next((t.text for t in reversed(self.turns) if t.role == "interviewer"), "")
        for i, (value, period, clause) in enumerate(stated):  # "Okay, 10 million a day.": a bare figure restates
            if len(content_words(clause)) <= BARE_FIGURE_WORDS:  # what was just said, if within a plausible slip
                for j, (fig, source) in enumerate(known):
                    if source.strip()[:60] in last and fig[1] == period and fig[0] and value and \
                            max(value / fig[0], fig[0] / value) <= BARE_SLIP:
                        sims[i, j] = max(sims[i, j], FIGURE_TOPIC_AT)
        r = templates().replies
        fixes, again = [], []
        templates_used = (r.figure_correction, r.figure_correction_also, r.figure_correction_again)
        before = [fig[0] for t in self.turns[:-1] if t.role == "candidate" for fig in figures(t.text)]
        for i, fig in enumerate(stated):
            if any(k[1] == fig[1] and abs(fig[0] - k[0]) <= 0.1 * k[0] for k, _ in known):
                continue  # "~10M active ads": the figure of a fact told, restated right
            wrong = contradicted([fig], [k for k, _ in known], [sims[i].tolist()])
            if not wrong:
                continue
            j = wrong[0]
            sentence = next((s for s in split_sentences(known[j][1]) if known[j][0][2].rstrip(".") in s),
                            known[j][0][2]).strip()
            if not any(sentence in f.answer for f in told):  # from a question: "On framing the ML problem, then:
                sentence = _LEAD.sub("", sentence)            # Each request has ..." → the figure's own words
            times = sum(said.count(render(tpl, fact=sentence)) for tpl in templates_used)
            if sentence in beside:  # the answer to their question says it already ("As I mentioned, ...")
                continue
            if times == 0 and sentence not in fixes:
                fixes.append(sentence)
            elif times == 1 and sentence not in again and \
                    any(abs(fig[0] - v) <= 0.1 * v for v in before):  # the same wrong figure kept: once more
                again.append(sentence)
        if not fixes and not again:
            return ""
        parts = [render(r.figure_correction, fact=fixes[0])] if fixes else [render(r.figure_correction_again,
                                                                                   fact=again.pop(0))]
        parts += [render(r.figure_correction_also, fact=f) for f in (fixes[1:] + again)[:1]]  # "...: X. Also: Y"
        return " ".join(parts)

    def _mistakes_challenged(self) -> set[str]:
        """The classic mistakes (`prompts/mistakes.yaml`) challenged so far in this interview."""
        return {t.meta.get("mistake") for t in self.turns if t.role == "interviewer" and t.meta.get("mistake")}

    def _let_go_on(self) -> bool:
        """Whether the interviewer's last message let the candidate go on (it asked nothing)."""
        last = next((t for t in reversed(self.turns) if t.role == "interviewer" and t.kind != "reply"), None)
        return last is not None and bool(last.meta.get("go_on"))

    def _left_unanswered(self) -> bool:
        """Whether the candidate's last answer clearly left the question asked (a deep dive's, not a stage's) for
        something else: near it by less than `DROPPED_BELOW`."""
        last = next((t for t in reversed(self.turns) if t.role == "candidate"), None)
        return last is not None and last.kind == "answer" and last.meta.get("engaged") is False and \
            float(last.meta.get("nearness") or 1.0) < DROPPED_BELOW

    def _lets_drive(self, followed: bool, index: int) -> bool:
        """Whether to let the candidate go on rather than ask: they lead their own design (moved to another part
        on their own, or announced the part they are on: "Serving: ..."), at length (`GO_ON_WORDS`), ask nothing,
        the interview is young, and the interviewer did not just let them go on."""
        last = next((t for t in reversed(self.turns) if t.role == "candidate"), None)
        before = next((t for t in reversed(self.turns) if t.role == "interviewer"), None)
        if last is None or word_count(last.text) < GO_ON_WORDS or "?" in last.text or closes(last.text) or \
                (in_other_language(last.text) and stage_header(last.text) is None):  # "Modelo: ..." leads, too
            return False
        leading = followed or stage_header(last.text) is not None or \
            last.meta.get("talked") not in (None, self.slots[index].stage.value)
        return leading and not (before is not None and before.meta.get("go_on")) and \
            self._time_used() < TIME_BEFORE_WRAP_UP

    def _open_question(self, index: int, ack: str, lead: str = "") -> Iterator[Event]:
        """Every planned question is covered and the candidate has not said goodbye: while the interview is young,
        an open question that goes deeper on the candidate's own design (each asked once); then a last one, as a
        real interviewer asks before time is up, whose answer ends the interview. Their answers are not graded:
        the report already has everything the questions asked for. `lead`: what must be said first (the time,
        when asked), in place of the acknowledgement."""
        t = templates()
        said = self._said_text()
        fresh = [q for q in t.open_questions if q not in said]
        asked = len(t.open_questions) - len(fresh)
        young = self._time_used() < TIME_BEFORE_WRAP_UP
        if young and self._presenting():  # the candidate is still walking through their design: let them
            body = self._unsaid(list(t.replies.go_on))  # it acknowledges by itself: no "Noted." before it
            yield from self._say("question", f"{lead} {body}".strip(), slot_index=index,
                                 extra={"question": body, "open": True, "go_on": True})
            return
        if fresh and asked < MAX_OPEN_QUESTIONS and young:
            body = self._unsaid(fresh)
            extra = {"question": body, "open": True}
        else:
            body = self._unsaid(list(t.wrap_up if not young else t.wrap_up_early))
            extra = {"question": body, "wrap_up": True}
        yield from self._say("question", f"{lead or ack} {body}".strip(), slot_index=index, allowed=[body], extra=extra)

    def _presenting(self) -> bool:
        """Whether the candidate's last turn went on with their own design (`PRESENTING_WORDS`), asking nothing,
        and the interviewer did not just let them go on: a stock question now would talk over them."""
        last = next((t for t in reversed(self.turns) if t.role == "candidate"), None)
        before = next((t for t in reversed(self.turns) if t.role == "interviewer"), None)
        return last is not None and word_count(last.text) >= PRESENTING_WORDS and "?" not in last.text and \
            not closes(last.text) and not (before is not None and before.meta.get("go_on"))

    def _wrapping_up(self) -> bool:
        """Whether the interviewer has asked its last open question (`wrap_up`)."""
        return any(t.role == "interviewer" and t.meta.get("wrap_up") for t in self.turns)

    def _in_open_questions(self) -> bool:
        """Whether the question in play is one of the open questions after the plan ran out."""
        last = next((t for t in reversed(self.turns) if t.role == "interviewer" and t.kind != "reply"), None)
        return last is not None and bool(last.meta.get("open"))

    def _change_slots(self) -> set[int]:
        """The plan's constraint changes: asked once the candidate has a design to change."""
        return {j for j, slot in enumerate(self.slots) if slot.id.startswith("change:")}

    def _closed(self) -> set[int]:
        return {i for i, ss in self.state.slots.items() if ss.closed}

    def _next_slot(self, index: int, leave: bool = False) -> tuple[int | None, bool]:
        """The next question after slot `index` and whether it goes back to a skipped stage (`policy.next_slot`;
        `leave`: the current stage counts as done)."""
        if self.scenario is None:
            return (index + 1 if index + 1 < len(self.slots) else None), False
        done = {s.value for s in STAGES if self._stage_done(s)} | ({self.slots[index].stage.value} if leave else set())
        said = self._candidate_text()
        late = self._change_slots()
        shares = self._shares()
        answered = self._answered(None, said) if said else {}  # every stage's deep dives, the credit read once
        just = self._just_said()  # only what the last answer said is never asked; older credit only orders
        answered = {j: (max(share, just.get(j, 0.0)) if just.get(j, 0.0) >= ANSWERED_AT else min(share, ANSWERED_AT - 0.01))
                    for j, share in answered.items()}
        found = next_slot(index, [s.stage.value for s in self.slots], [s.is_stage for s in self.slots],
                          self._closed() | {index}, done, self._visited(), shares, [s.value for s in STAGES], answered,
                          talked=self._talked(), late=late, core_said=self._core_said())
        if found[0] is None and self._time_used() < TIME_BEFORE_WRAP_UP:
            # the coverage map has everything, but the interview is young: go deeper where something is still
            # unsaid (a constraint change always brings something new)
            credit = self._probe_credit()
            here = STAGES.index(self.slots[index].stage)
            talking = next((t.meta.get("talked") for t in reversed(self.turns) if t.role == "candidate"), None)
            left = [j for j, slot in enumerate(self.slots) if j not in self._closed() | {index} and not slot.is_stage
                    and (j in late or credit.get(j, 0.0) < NEARLY_SAID) and just.get(j, 0.0) < ANSWERED_AT
                    and STAGES.index(slot.stage) >= here]  # never back: the candidate leads back if they want
            # where the candidate is now first, then onwards in the framework's order from the stage in play
            left.sort(key=lambda j: (self.slots[j].stage.value != talking, (STAGES.index(self.slots[j].stage) - here) % 6,
                                     j in late, answered.get(j, 0.0)))
            return (left[0], False) if left else found
        return found

    def _just_said(self) -> dict[int, float]:
        """Per deep-dive question, the largest share of its points one of the candidate's last `JUST_SAID_TURNS`
        content turns said, by the grader or by a sentence near enough to a point (asking it now would ask for what
        was just told)."""
        recent = [t for t in reversed(self.turns) if t.role == "candidate" and t.meta.get("probes")][:JUST_SAID_TURNS]
        said: dict[int, float] = {}
        credit: dict[int, dict[str, float]] = {}
        for turn in recent:
            for j, points in turn.meta.get("probes").items():
                key_points = self.target(self.slots[int(j)]).key_points
                share = sum(kp.weight * points.get(kp.id, 0.0) for kp in key_points) / sum(kp.weight for kp in key_points)
                said[int(j)] = max(said.get(int(j), 0.0), share)
                got = credit.setdefault(int(j), {})
                for k, c in points.items():
                    got[k] = max(got.get(k, 0.0), c)
        sentences = [x for t in recent for x in split_sentences(t.text) if len(x.split()) >= 4]
        vectors = embed(sentences) if sentences and said else None
        for j in list(said):  # the grader is strict: a sentence near enough to a point says it too ("a random holdout
            key_points = self.target(self.slots[j]).key_points  # that never gets offers", then "did it save anyone?")
            near = (vectors @ embed([kp.text for kp in key_points]).T).max(axis=0) if vectors is not None else \
                np.zeros(len(key_points))
            share = sum(kp.weight for kp, sim in zip(key_points, near, strict=True) if sim >= SAID_AT) / \
                sum(kp.weight for kp in key_points)
            core = max(range(len(key_points)), key=lambda k: key_points[k].weight)
            if near[core] >= SAID_AT or credit.get(j, {}).get(key_points[core].id, 0.0) >= 1.0:
                share = max(share, ANSWERED_AT)  # the question's heaviest point just said: asking it is asking again
            said[j] = max(said[j], share)
        return said

    def _core_said(self) -> set[str]:
        """The stages whose heaviest key point the coverage map has covered: their opener would ask for it again."""
        if self.scenario is None:
            return set()
        return {s.value for s in STAGES if max(self.scenario.stages[s].key_points, key=lambda kp: kp.weight).id
                in self.state.stage_covered.get(s.value, [])}

    def _time_used(self) -> float:
        """The share of the interview's planned minutes the candidate's turns have used."""
        planned = sum(self.info.plan.get("minutes", {}).values()) * 60
        return sum(self.state.seconds.values()) / planned if planned else 1.0

    def _candidate_text(self) -> str:
        """Everything the candidate has said with content in this interview, as one text."""
        return "\n".join(t.text for t in self.turns if t.role == "candidate" and t.kind in ("answer", "clarifying-question"))

    def _talked(self) -> set[str]:
        """The stages the candidate has talked about on their own (a turn mostly about it)."""
        return {t.meta.get("talked") for t in self.turns if t.role == "candidate" and t.meta.get("talked")}

    @staticmethod
    def _said_slots(answered: dict[int, float]) -> set[int]:
        """The deep dives whose points the candidate already said (not to be asked)."""
        return {j for j, share in answered.items() if share >= ANSWERED_AT}

    def _direct_reply(self, text: str, g: Grade) -> str:
        """A short reply to a question in an answer that asks the interviewer's view (`policy.direct_question`):
        a check-in in the tone the grade allows, an opinion handed back; empty when there is none, or when the
        answer fell into the trap (it is challenged instead)."""
        questions = [q for q in split_sentences(text) if q.rstrip().endswith(("?", "？")) and
                     move_cue(q) not in MOVE_NOT_FACT]  # "Could you give me a hint?" is met on its own
        asked = [direct_question(q) for q in questions]
        r = templates().replies
        said = self._said_text()
        if "personal" in asked:  # "What do you guys do here?": a person's answer, for later
            options = list(r.personal)
        elif "check-in" in asked and not g.fell_into_trap and any(asks_approval(q) for q in questions):
            tone = "strong" if g.score >= 3 else "partial" if g.score >= 1.5 else "weak"
            options = list(r.check_in[tone])
        elif asked and all(a in ("check-in", "proposal") for a in asked):  # "I guess it's X?", "Could we shuffle a
            return ""  # slice?": their own reasoning, no verdict and nothing handed back
        elif "opinion" in asked:
            options = list(r.opinion)
        elif any(_HAVE_Q.match(q) and direct_question(q) is None for q in questions):
            options = [render(o) for o in templates().clarification_assume]  # "Do you have a re-contact metric?"
        elif any(_YES_NO.match(q) and direct_question(q) is None for q in questions):
            options = list(r.hand_back)  # "Does downsampling break the probabilities?": the candidate reasons it out
        elif questions and asked[-1] is None and split_sentences(text)[-1] == questions[-1] and \
                len(questions[-1].split()) >= 4 and not g.fell_into_trap and _ASKS_FORM.match(questions[-1]) and \
                not _GUESSING.search(questions[-1]):  # "..., I guess we run it nightly and someone looks?" is a statement
            options = list(r.hand_back)  # "... Which ranker would you put second?" at the end, with no fact: theirs to
        else:                            # reason out, never left unanswered
            return ""
        fresh = [o for o in options if o not in said]
        return self._unsaid(fresh) if fresh else ""  # never the same canned line twice

    def _unsaid_points(self, points: list[KeyPoint]) -> list[KeyPoint]:
        """The key points the candidate has not said anywhere in the interview (a sentence near enough says it)."""
        credit = self._probe_points().get(self.state.slot, {})  # graded on earlier turns, before it was asked
        points = [kp for kp in points if credit.get(kp.id, 0.0) < 1.0]
        sentences = [s for s in split_sentences(self._candidate_text()) if len(s.split()) >= 3]
        if not sentences or not points:
            return points
        near = (embed(sentences) @ embed([kp.text for kp in points]).T).max(axis=0)
        return [kp for kp, sim in zip(points, near, strict=True) if sim < SAID_AT]

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
        advice = self._advice(report)
        about = self._about_you_answered()
        prefix = about or prefix  # the candidate's question for the interviewer comes first, then the goodbye
        answer = "" if about else self._last_question_answered(report)
        message = render(templates().end_early if early else templates().end, overall=report.overall_line,
                         next=f"{answer} {advice}".strip() if advice not in answer else answer)
        yield from self._say("end", f"{prefix} {message}".strip())
        self.store.set_status(self.id, "ended")
        self.info = self.info.model_copy(update={"status": "ended"})

    def _last_question_answered(self, report) -> str:
        """The answer to a question in the candidate's goodbye: "What would you have done for serving?" (what a strong
        answer there covers, from the stage's heaviest key points), "Any feedback for me?" (the report's strongest
        part, with the candidate's words); empty when it asks neither."""
        said = [t for t in reversed(self.turns) if t.role == "candidate"]
        last = said[0].text if said else ""
        if self.scenario is None or not re.search(r"[?？]", last):
            return ""
        named = stage_named(last)
        if named is not None and _OWN_WAY.search(last):
            points = sorted(self.scenario.stages[named].key_points, key=lambda kp: -kp.weight)[:2]
            said = " and ".join(lower_first(kp.text.rstrip(" .")) for kp in points)
            return render(templates().replies.end_stage_answer, stage_name=templates().stage_names[named], points=said)
        if asks_feedback(last) and len(report.summary) >= 2:
            return report.summary[1]
        return ""

    def _about_you_answered(self) -> str:
        """The answer to the candidate's question for the interviewer in their goodbye ("Could I ask what the team
        looks like?", or whatever they ask after "go ahead"): the scenario's fact when one says it ("How big is your
        review team?"), else that a practice interview has no real team to describe; empty when there is none."""
        said = [t for t in reversed(self.turns) if t.role == "candidate"]
        last = said[0].text if said else ""
        after_leave = len(said) > 1 and bool(said[1].meta.get("ask_you")) and bool(re.search(r"[?？]", last))
        if self.scenario is None or not (asks_about_you(last) or after_leave):  # "Never mind, no question.": none
            return ""
        if asks_feedback(last) or _OWN_WAY.search(last):  # "... what would you have done differently?": answered after
            return ""
        asked = next((x for x in reversed(split_sentences(last)) if re.search(r"[?？]", x)), last)
        fact = self._match_facts([asked])[0][0]
        r = templates().replies
        return render(r.about_you_fact, fact=fact.answer.strip()) if fact is not None else r.about_you

    def _advice(self, report) -> str:
        """The one thing to work on next, as the close says it. In a design interview only a stage not reached that
        the candidate never talked about, in English (the grader's missed points and an answer in another language
        are too often read wrong, and a close that contradicts what the candidate just said is worse than none; the
        report has the details)."""
        if len(report.summary) < 3:
            return ""
        advice = report.summary[2]
        if self.scenario is None:
            return advice
        if not report.not_reached or any(t.role == "candidate" and in_other_language(t.text) for t in self.turns):
            return ""
        talked = {s.title for s in report.stages if s.stage in self._talked() or s.covered > 0}
        return "" if report.not_reached[0] in talked else advice

    def _opening(self) -> None:
        slot = self.slots[0]
        t = getattr(templates().opening, self.mode)
        values = {"question": self.question(slot), "count": len(self.slots)}
        if self.scenario is not None:
            values |= {"prompt": self.scenario.prompt.strip(),
                       "minutes": int(sum(self.info.plan["minutes"].values()))}
        list(self._say("question", render(t, **values), slot_index=0, allowed=[values["question"]],
                       extra={"question": values["question"]}))
