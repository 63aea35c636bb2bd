"""How the agent answers the conversational moves of a candidate (a part of `Interview`, kept apart by
size): a clarifying question (every part, from the scenario's facts), a request to repeat, a question about
what the question means, a pause, a question about time or progress, "what would you do?", pushback, "I
don't know", small talk, an off-topic turn and a turn in another language. None of these is graded or
followed by a probe; each keeps the question in play."""

from __future__ import annotations

from collections.abc import Iterator

import re

import numpy as np

from ..models import STAGES, Stage, Turn
from ..corpus.embeddings import embed
from ..text import lower_first, shorten, split_sentences, statement_words
from ..prompts import interviewer_templates as templates
from ..prompts import render
from .acts import (CONTENT_WORDS, announced_questions, announces_questions, asks_in, asks_in_problem, in_other_language,
                   kind_for, question_parts, stage_named)
from .handlers import Event
from .plan import Slot
from .policy import (MOVE_NOT_FACT, asked_term, asks_how_doing, asks_to_steer, defined_term, defined_terms, direct_question,
                     language_move, move_cue, own_checks, rephrase, small_talk_kind)

# "I'll mix in some Spanish", "Hinglish mein bolunga, theek hai?": the candidate asks to use another language.
_ASKS_TO_MIX = re.compile(r"\b(mix|hinglish|spanglish|in (spanish|hindi|german|french|portuguese)|en español|puedo|"
                          r"si no te molesta|theek hai|is that ok|ok with you|portugu[eê]s|posso|auf deutsch|"
                          r"en fran[cç]ais|auf englisch|em portugu[eê]s|in italiano|in het nederlands|по-русски|на русском|"
                          r"tiếng việt|بالعربية|हिंदी में)\b|用中文|说中文|中文回答", re.I)


# "What do you mean by the second part?" points at the question, not at a term
_POINTS_AT_QUESTION = re.compile(r"\b(part|question|that|this|it|last|first|second|third|bit|word|sentence|one)\b", re.I)

ANSWER_FACT_AT = 0.5  # a question inside an answer is often rhetorical: its fact must match this well
# "One more question: how big is this?": the lead-in is not part of the question
_LEAD_IN = re.compile(r"^\W*((and |also |ok(ay)?,? |so,? )?(one |a |my )?(more|another|next|last|quick|final|follow-up|"
                      r"second|third|other) (question|thing)s?( is)?\s*[:,-]\s*|(also|next|then)\s*[:,]\s*)", re.I)
# words of being stuck that name no topic ("I don't know, honestly. Could you help?")
_NO_TOPIC = frozenset("know honestly idea sure really think maybe don't dont hint could would give please stuck help about this "
                      "that what with have here there just sorry part question okay well".split())
# The candidate thinks the interviewer used the word ("What do you mean by prevalence?")
_THINKS_SAID = re.compile(r"\b(mean|meant) by\b|\byou (said|mentioned|used|called)\b|\bby .{1,30} do you mean\b", re.I)
# "Could you repeat the part about the budget?": the part named
_PART_ABOUT = re.compile(r"\b(?:the )?(?:part|bit|piece|thing|numbers?|figures?|what you said|what you mentioned)\s+"
                         r"(?:about|on|regarding|for|with)\s+(?:the\s+)?(?P<topic>[^?.!,]{3,60})", re.I)
PART_FACT_AT = 0.45  # a fact told this near the part named is what the candidate wants again
HINT_OWN_BONUS = 0.05  # the question's own hints win a near tie with those of other questions
HINT_NEAR_AT = 0.45  # another question's hint is given for what the candidate is stuck on only when this near to it


_LANGUAGE = re.compile(r"language|spanish|portuguese|hindi|hinglish|spanglish|german|french|chinese|mandarin|english|"
                       r"italian|russian|mezcl|misturar|mischen|mélanger|"
                       r"japanese|español|espanol|portugu[eê]s|deutsch|fran[cç]ais|idioma|sprache|langue|中文|英文", re.I)


def _asks_to_mix(text: str) -> bool:
    """Whether a turn asks to use another language ("¿Está bien si mezclo un poco? ... my English is okay")."""
    return bool(_ASKS_TO_MIX.search(text)) and bool(_LANGUAGE.search(text))


def _about_language(part: str) -> bool:
    """Whether a question part asks to use another language ("Would it be OK if I do part of this in Spanish?")."""
    return bool(_ASKS_TO_MIX.search(part)) and bool(_LANGUAGE.search(part) or in_other_language(part))


def _asks_meaning(question: str) -> bool:
    """Whether a question asks what a glossary term means ("what's a chargeback exactly?"), not its value ("what's
    the peak QPS?"): the term asked is a glossary form, with no "the" before it."""
    term = asked_term(question)
    entry = defined_term(term) if term else None
    return entry is not None and entry[0] == term and \
        re.search(rf"\bthe\s+{re.escape(term)}", question, re.I) is None


class ConversationalReplies:
    """The conversational handlers of `Interview` (see agent.py for the state and helpers they use)."""

    def _clarification(self, text: str, meta: dict, marked: bool = False) -> str | None:
        """The answer to every part of a clarifying question: each part's fact, or a request to assume (the part
        named in the candidate's words when other parts had a fact). After "Questions." every sentence is one
        ("Questions. Volume per day. Actions available."), with or without its question mark."""
        t = templates()
        if self.scenario is None:
            return t.clarification_no_facts
        checks = own_checks(text)  # "So maybe we measure conversion rate? And click-through rate?" asks no fact
        listed = announced_questions(text)
        parts = [_LEAD_IN.sub("", p) for p in (listed or question_parts(text, marked=marked))
                 if move_cue(p) not in MOVE_NOT_FACT
                 and p.strip().rstrip(" ?.？") not in checks and not _about_language(p)  # "May I speak Spanish?"
                 and direct_question(p.rstrip(" ?.") + "?") not in ("personal", "proposal")  # "your team?", "could we?"
                 and not (len(p.split()) <= 4 and direct_question(p.rstrip(" ?.") + "?") == "check-in")  # "Is that right?"
                 and not _asks_meaning(p)]  # "what's a chargeback?": its meaning, not a fact
        parts = [p for p in parts if p.strip(" ?.") and not announces_questions(p)]
        if not parts:
            return None
        matched = self._match_facts(parts, ANSWER_FACT_AT if marked else None, lexical=not marked)
        facts = list({f.id: f for f, _ in matched if f is not None}.values())
        if marked:  # a question inside an answer: a fact already given is not recited again
            said = self._said_text()
            facts = [f for f in facts if f.answer.strip() not in said]
        unmatched = [p for p, (f, _) in zip(parts, matched, strict=True) if f is None and len(p.split()) >= 3
                     and not marked]  # inside an answer, only what has a fact is answered
        meta.update({"fact": facts[0].id if facts else None, "fact_similarity": round(max(s for _, s in matched), 3),
                     "facts": [f.id for f in facts] if len(facts) > 1 else None})
        if not facts:
            return self._unsaid([render(option) for option in t.clarification_assume])
        if unmatched:  # "how big is this?" beside "how many users?": the scale fact given answers both
            given = {f.id for f in facts}
            unmatched = [p for p, near in zip(unmatched, self._nearest_facts(unmatched), strict=True) if near not in given]
        said = self._said_text()
        message = " ".join(render(t.clarification_fact, answer=f.answer.strip()) if f.answer.strip() not in said
                           else render(t.replies.fact_again, answer=lower_first(f.answer.strip())) for f in facts)
        if len(unmatched) == 1:
            return f"{message} {render(t.replies.clarification_part_assume, part=shorten(unmatched[0].strip(' ?.'), 80))}"
        return f"{message} {t.replies.clarification_parts_assume}" if unmatched else message

    def _nearest_facts(self, parts: list[str]) -> list[str]:
        """Per part, the id of the scenario fact nearest to it by meaning, however far."""
        facts = self.scenario.facts
        sims = embed(parts) @ embed([f"{f.topic}. {f.answer}" for f in facts]).T
        return [facts[int(np.argmax(row))].id for row in sims]

    def _terms_asked(self, text: str) -> str:
        """The meaning of each glossary term a question inside a longer turn asks about ("... Sorry, what's a
        chargeback exactly?", "I didn't understand the word 'adversarial'"), as the glossary says it; empty if none."""
        said = []
        for q in split_sentences(text):
            term = asked_term(q)
            entry = defined_term(term) if term else None
            if entry is not None and _asks_meaning(q):
                said.append(render(templates().replies.meaning_term_each, term=term[:1].upper() + term[1:],
                                   means=entry[1].means))
        return " ".join(dict.fromkeys(said))

    def _mixing_word(self, text: str) -> str:
        """The word accepting another language, for a turn that asks to mix one in beside its questions ("¿Está bien
        si mezclo un poco? ... How many users?"), once per interview; empty otherwise."""
        line = templates().replies.other_language_mixed
        if _asks_to_mix(text) and line not in self._said_text():
            return line
        return ""

    def _in_kind(self, text: str) -> str:
        """A short word for the social part of a turn that also asks or answers something ("Hi! Sorry, I'm a bit
        nervous. How many transactions...?"): nerves once per interview, a greeting or "how are you?" at the
        start; empty otherwise."""
        kind = small_talk_kind(text)
        lines = templates().replies.in_kind
        if kind not in lines or self.scenario is None:
            return ""
        said = self._said_text()
        early = sum(t.role == "candidate" for t in self.turns) <= 2
        if kind == "nervous" and not any(line in said for line in lines["nervous"]):
            return self._unsaid(list(lines["nervous"]))
        if kind in ("greeting", "how-are-you") and early and not any(line in said for line in lines[kind]):
            return self._unsaid(list(lines[kind]))
        return ""

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
        """Say the question again in other words (the problem too, at the start); a second time, as it was. "The part
        about the budget?" gets the fact told about it, or is told that nothing was said about it. After a "keep
        going" there is no question to repeat: the candidate is told so, and what else the turn says is taken."""
        if self._let_go_on() and self.scenario is not None:
            if statement_words(text) >= CONTENT_WORDS:  # "Repeat that? ... Explainability: reason codes from ...": go on
                yield from self._on_answer(text, slot, meta)
                return
            yield self._record_move(text, slot, "repeat-request", meta)
            yield from self._say("reply", templates().replies.repeat_go_on)
            return
        yield self._record_move(text, slot, "repeat-request", meta)
        question = self._question_in_play()
        part = _PART_ABOUT.search(text)
        if part is not None and self.scenario is not None:
            yield from self._repeat_part(part.group("topic").strip(" ?.,"), question)
            return
        asked = sum(t.role == "candidate" and t.kind == "repeat-request" and t.item_id == slot.id
                    for t in self.turns)
        said = rephrase(question) if asked <= 1 else question
        r = templates().replies
        if slot.is_stage and slot.stage == Stage.clarify and self.scenario is not None:  # the problem itself
            said = question = f"{self.scenario.prompt.strip()} {question}"
        elif said == question and asked <= 1 and slot.is_stage and self.scenario is not None:
            said = f"{question} {r.meaning[slot.stage]}"  # no detail to reorder: what the stage's question means
        options = r.repeat if said != question else r.repeat_same  # never "another way" for the same words
        message = self._unsaid([render(o, question=said) for o in options])
        yield from self._say("reply", message, allowed=[question, said])

    def _repeat_part(self, topic: str, question: str) -> Iterator[Event]:
        """The part of what was said that the candidate asks to hear again: the fact told nearest to it, else that
        nothing was said about it, with the question in play."""
        r = templates().replies
        said = self._said_text()
        told = [f.answer.strip() for f in self.scenario.facts if f.answer.strip()[:60] in said]
        sentences = [x for t in self.turns if t.role == "interviewer" for x in split_sentences(t.text)
                     if len(x.split()) >= 5 and not any(x in f for f in told)]
        options = told + sentences  # a fact told, or a sentence of a question ("marketing can send offers to 300,000")
        if options:
            sims = (embed([topic]) @ embed(options).T)[0]
            if float(sims.max()) >= PART_FACT_AT:
                yield from self._say("reply", render(r.repeat_part, fact=options[int(np.argmax(sims))]))
                return
        if any(w in said.lower() for w in re.findall(r"[^\W\d_]{4,}", topic.lower())):  # it was said, in other words
            yield from self._say("reply", render(self._unsaid(r.repeat_same), question=question), allowed=[question])
            return
        yield from self._say("reply", render(r.repeat_part_unsaid, topic=topic, question=question), allowed=[question])

    def _on_meaning(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record_move(text, slot, "meaning-question", meta)
        r = templates().replies
        question = self._question_in_play()
        said = " ".join(t.text for t in self.turns if t.role == "interviewer")
        term = asked_term(text)
        defined = defined_term(term, prefer=question) if term else None  # the term asked about, not one in passing
        named = defined_terms(text) if defined is None else []
        if len(named) >= 2 or (named and term is None):  # "ML objective versus business objective?", "NDCG, is it ...?"
            means = " ".join(render(r.meaning_term_each, term=form, means=entry.means) for form, entry in named[:2])
            yield from self._say("reply", render(r.meaning_terms, means=means, question=question), allowed=[question])
            return
        if defined is not None:
            unsaid = defined[0] not in said.lower() and _THINKS_SAID.search(text) is not None  # "what do you mean by
            # prevalence?" before the interviewer said it; "what's a chargeback?" just asks what it is
            message = render(r.meaning_term_unsaid if unsaid else r.meaning_term, term=defined[0],
                             means=defined[1].means, question=question)
            yield from self._say("reply", message, allowed=[question])
            return
        if term and stage_named(term) is None and not _POINTS_AT_QUESTION.search(term) and \
                not any(w in said.lower() for w in term.split() if len(w) > 3):
            yield from self._say("reply", render(r.meaning_unsaid, term=f"“{term}”", question=question),
                                 allowed=[question])  # "interleaving?" when nothing of the kind was said
            return
        named = stage_named(text)
        if self.scenario is not None and (slot.is_stage or named):
            message = r.meaning[named or slot.stage]
        else:
            yield from self._say("reply", render(r.meaning_quiz, question=question), allowed=[question])
            return
        yield from self._say("reply", message)

    def _on_meta_question(self, text: str, slot: Slot, meta: dict, cue: str) -> Iterator[Event]:
        """A question about the interview itself: "May I ask a few questions first?" (of course), "Where should I
        start?" (the candidate's call, with the question in play)."""
        yield self._record_move(text, slot, "what-would-you-do" if cue == "steer" else "small-talk", meta)
        r = templates().replies
        if cue == "permission":
            yield from self._say("reply", r.permission)
            return
        question = self._question_in_play()
        if self.scenario is not None and (slot.stage != Stage.clarify or self.state.at(self.state.slot).answers):
            # "Should I go deeper into the model, or move on?" mid-interview ("many people start with ..." fits the
            # start only)
            yield from self._decide_steer("", open_questions=self._in_open_questions())
            return
        yield from self._say("reply", render(r.steer_open, question=question), allowed=[question])

    def _on_pause(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record_move(text, slot, "thinking-pause", meta)
        yield from self._say("reply", self._unsaid(templates().replies.pause))

    def _on_progress(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        """The time and progress; "..., or should I keep moving?" beside it: the interviewer picks, moving on once the
        question in play has an answer, else staying with it."""
        yield self._record_move(text, slot, "progress-question", meta)
        line = self._progress_line(slot)
        if self.scenario is not None and asks_how_doing(text):
            line = f"{self._doing_line()} {self._progress_line(slot, short=True)}"  # "How am I doing?": a sense first
        if self.scenario is not None and asks_to_steer(text):
            yield from self._decide_steer(line)
            return
        yield from self._say("reply", line)

    def _decide_steer(self, lead: str, open_questions: bool = False) -> Iterator[Event]:
        """"Go deeper, or move on?": the interviewer decides. It moves on once the question in play has an answer, lets
        a candidate who was leading (or, `open_questions`, past the plan) lead on, and otherwise stays with it."""
        r = templates().replies
        if self.state.at(self.state.slot).answers and not open_questions:
            yield from self._close_and_advance(skipped=False, prefix=f"{lead} {r.steer}".strip())
            return
        if self._let_go_on() or open_questions:  # the candidate was leading: they lead on
            yield from self._say("reply", f"{lead} {r.steer_move}".strip())
            return
        question = self._question_in_play()  # nothing said to it yet: it stays
        yield from self._say("reply", f"{lead} {render(r.steer_stay, question=question)}".strip(), allowed=[question])

    def _doing_line(self) -> str:
        """A sense of how the candidate is doing, from the questions graded so far (a nervous "How am I doing?" gets
        an honest, encouraging word, never a score)."""
        scores = [t.grade.score for t in self.turns if t.kind == "slot-grade" and t.grade is not None]
        mean = sum(scores) / len(scores) if scores else None
        tone = "early" if mean is None else "strong" if mean >= 2.5 else "partial" if mean >= 1.25 else "weak"
        return self._unsaid(list(templates().replies.doing[tone]))

    def _progress_line(self, slot: Slot, short: bool = False) -> str:
        """Where the interview stands: the stage, its time left, what was covered (or the question number); `short`:
        only the time left overall (beside a move to another part, or after a word on how they are doing)."""
        r = templates().replies
        if self.scenario is None:
            message = render(r.progress_quiz, number=self.state.slot + 1, count=len(self.slots))
        else:
            shares = self._shares()
            here = STAGES.index(slot.stage)  # the parts talked through: up to here, and later ones said a good part of
            visited = self._visited()  # a later part only once asked about: the coverage map is generous
            covered = [templates().stage_names[s] for i, s in enumerate(STAGES) if i != here and
                       (s.value in visited or (i < here and shares[s.value] >= 0.5))]
            minutes = self.info.plan.get("minutes", {})
            ahead = sum(m for s, m in minutes.items() if s in {st.value for st in STAGES[here + 1:]})  # still to come
            left = self.time_left_s()
            planned_left = ahead + (left / 60 if left is not None else 0.0)  # the plan from here: this part and the rest
            total = max(1, round(min(sum(minutes.values()) - sum(self.state.seconds.values()) / 60,
                                     max(planned_left, 1.0))))  # never more than the plan has left at this part
            values = {"stage_name": templates().stage_names[slot.stage], "stage_number": here + 1,
                      "covered": ", ".join(covered[:-1]) + f" and {covered[-1]}" if len(covered) > 1 else "".join(covered),
                      "total": f"{total} minute{'s' if total != 1 else ''}",
                      "pace": r.pace["on_time" if total >= ahead else "behind"]}
            if short:
                message = render(r.progress_short, **values)
            elif left and left >= 60:
                message = render(r.progress_design, minutes=round(left / 60), **values)
            else:
                message = render(r.progress_design_no_time, **values)
        return message

    def _on_own_approach(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record_move(text, slot, "what-would-you-do", meta)
        r = templates().replies
        question = self._question_in_play()
        named = stage_named(text)
        last = next((t.text for t in reversed(self.turns) if t.role == "interviewer"), "")
        if self.scenario is not None and named is not None and named != slot.stage:
            question = r.meaning[named]  # "What would you do for monitoring?": that part, in the candidate's hands
        elif question in last:  # the question was just put: not read out once more, the candidate is asked to try
            options = list(r.own_approach_try)
            yield from self._say("reply", self._unsaid(options))
            return
        options = [render(o, question=question) for o in r.own_approach]
        yield from self._say("reply", self._unsaid(options), allowed=[question])

    def _on_pushback(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record_move(text, slot, "pushback", meta)
        ss = self.state.at(self.state.slot)
        yield from self._close_and_advance(skipped=not ss.answers, prefix=templates().replies.pushback, leave=True)

    def _on_dont_know(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        """A nudge; but "I don't know... I think the bank tells us? Maybe the chargebacks?" guesses at a fact: the
        fact, with the question still in play."""
        guesses = [q for q in split_sentences(text) if q.rstrip().endswith(("?", "？")) and len(q.split()) >= 3]
        said = self._said_text()
        facts = [f for f, _ in self._match_facts([text, *guesses], ANSWER_FACT_AT)] \
            if self.scenario is not None and guesses else []  # the whole turn names the topic ("The labels... hmm.")
        facts = list({f.id: f for f in facts if f is not None and f.answer.strip() not in said}.values())
        yield self._record_move(text, slot, "dont-know", meta)
        ss = self.state.at(self.state.slot)
        if facts:  # the fact they were unsure of; the question stays with them
            meta["fact"] = facts[0].id
            message = " ".join(render(templates().clarification_fact, answer=f.answer.strip()) for f in facts)
            yield from self._say("clarification", message, extra={"fact": facts[0].id})
            return
        hint = self._hint_for(slot, text, ss.hints)
        if hint is not None:
            message = render(templates().replies.dont_know_hint, hint=hint)
            yield from self._say("hint", message, extra={"hint": ss.hints})
        else:
            yield from self._close_and_advance(skipped=not ss.answers, prefix=templates().replies.dont_know_no_hint)

    def _on_small_talk(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        """Meet small talk in kind (reassure nerves, answer "how are you?"), then the question, unless the last
        message was already a reply that restated it."""
        asks = [p for p in asks_in_problem(text) if small_talk_kind(p) == "other"] if self.scenario is not None else []
        answer = self._clarification(text, meta) if asks else None  # "Hi! ... Could I ask what kind of store it is?"
        yield self._record_move(text, slot, "small-talk", meta)
        question = self._question_in_play()
        last = next((t for t in reversed(self.turns) if t.role == "interviewer"), None)
        restated = last is not None and last.kind == "reply"
        options = templates().replies.small_talk[small_talk_kind(text)]
        if answer is not None:  # met in kind, then the question answered (no need to restate ours)
            greeting = render(self._unsaid([render(o, question="") for o in options])).rstrip(" :")
            yield from self._say("clarification", f"{greeting.rstrip('.')}. {answer}", extra={"fact": meta.get("fact")})
            return
        message = render(self._unsaid([render(o, question="" if restated else question) for o in options]))
        if restated and message.endswith(":"):
            message = message.rstrip(" :") + "."
        yield from self._say("reply", message, allowed=[question])

    def _on_off_topic(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        yield self._record_move(text, slot, "off-topic", meta)
        question = self._question_in_play()
        yield from self._say("reply", render(templates().replies.off_topic, question=question), allowed=[question])

    def _on_other_language(self, text: str, slot: Slot, meta: dict) -> Iterator[Event]:
        """Raise the language once (accept a candidate who asks to mix languages); after that, take every turn
        for what it does, content as an answer (`policy.language_move`)."""
        asked = any(t.role == "candidate" and t.kind == "other-language" for t in self.turns)
        acts = [a for a in (meta.get("acts") or []) if a != "other-language"]
        mixing = _asks_to_mix(text)
        if language_move(asked) == "proceed" or (not mixing and not in_other_language(text)):  # "Labels ki baat
            # karein toh ... chargebacks 30, 60 din": English enough to follow, nothing to raise
            kind = kind_for(acts or ["answer"], text)
            handler = self._handler("answer" if kind == "small-talk" and len(text.split()) >= 6 else kind)
            yield from handler(text, slot, meta)
            return
        yield self._record_move(text, slot, "other-language", meta)
        r = templates().replies
        message = r.other_language_mixed if mixing else r.other_language
        if ("clarifying-question" in acts or asks_in(text)) and self.scenario is not None:
            answer = self._clarification(text, meta)
            if meta.get("fact"):  # a fact it asks for is answered; no assumption request for a language question
                message = f"{message} {answer}" if mixing else f"{answer} {message}"
            elif mixing and answer and [p for p in asks_in(text) if not _ASKS_TO_MIX.search(p)]:
                message = f"{message} {answer}"  # "¿qué tipos de contenido están prohibidos?" with no fact: assume
        yield from self._say("reply", message)

    def _hint_for(self, slot: Slot, text: str, used: int = 0) -> str | None:
        """The next hint: the question's own in order; but a request that says what the candidate is stuck on ("I'm
        not sure how to fix position bias. A hint?") gets the unsaid hint nearest to it: this question's, or, when
        near enough, any deep dive's (its hints and follow-up questions) or any stage's general ones (None: none
        left)."""
        own = self._hints(slot)
        said = self._said_text()
        stuck = [q for q in split_sentences(text) if move_cue(q) not in MOVE_NOT_FACT and
                 sum(w.lower() not in _NO_TOPIC for w in re.findall(r"[^\W\d_]{4,}", q)) >= 2]  # names a topic
        if self.scenario is None or not stuck:
            return next((h for h in own[used:] if h not in said), None)
        deeper = [self.target(other) for other in self.slots if not other.is_stage]  # any part: stuck is stuck
        own = [h for h in own if h not in said]
        here = STAGES.index(slot.stage)  # a stage's general hints from this part on: past the requirements, "think
        general = [h for st in STAGES[here:] for h in templates().hint_generic[st]]  # about who uses it" is no help
        pool = [h for h in dict.fromkeys(own + [h for item in deeper for h in item.hints + item.follow_ups] + general)
                if h not in said]
        if not pool:
            return None
        sims = (embed(stuck) @ embed(pool).T).max(axis=0) + np.array([HINT_OWN_BONUS if h in own else 0.0 for h in pool])
        best = int(np.argmax(sims))
        if pool[best] not in own and sims[best] < HINT_NEAR_AT and own:  # nothing near what they are stuck on
            return own[0]
        return pool[best]

    def _hints(self, slot: Slot) -> list[str]:
        """The question's own hints: its authored ones; for a deep dive its follow-up questions (each a nudge
        toward a point of it), then its stage's general hints."""
        target = self.target(slot)
        hints = list(target.hints)
        if not hints and (slot.is_stage or self.scenario is not None):
            hints = ([] if slot.is_stage else list(target.follow_ups)) + list(templates().hint_generic[slot.stage])
        return hints
