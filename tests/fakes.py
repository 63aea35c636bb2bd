"""Scripted stand-ins for the parts `Interview` and the graders are given: each answers from a queue (or a
rule) and keeps a `history` of what it was asked, so a test asserts on what the part saw, turn by turn.
They stand only where the test is about the code around them; integration tests use the real parts."""

from __future__ import annotations

from collections.abc import Iterator

from interviewer import Grade, KeyPointVerdict, LLMError
from interviewer.grading.llm_judge import GradeReply
from interviewer.prompts import grade_prompt


class ScriptedModel:
    """Stands in for `llm.structured` in the LLM judge: answers from a queue and keeps what it was sent."""

    def __init__(self):
        self.replies: list[GradeReply] = []
        self.history: list[list[dict]] = []

    def enqueue(self, *replies: GradeReply) -> ScriptedModel:
        self.replies.extend(replies)
        return self

    def __call__(self, messages, schema, *, settings=None, max_tokens=600):
        assert issubclass(schema, GradeReply) and max_tokens == grade_prompt().max_tokens
        self.history.append(messages)
        return self.replies.pop(0)


class ScriptedGrader:
    """A `Grader`: covers the key points whose ids are in `covers` (all others missing), scores `score`, and
    says the answer fell into the trap when it contains `trap_word`."""

    name = "scripted"
    batched = False

    def __init__(self, covers: set[str] = frozenset(), score: float = 1.0, trap_word: str | None = None):
        self.covers, self.score, self.trap_word = set(covers), score, trap_word
        self.history: list[tuple[str, str, bool]] = []  # (question, answer, cite) per call

    def grade(self, target, answer, cite: bool = True) -> Grade:
        self.history.append((target.question, answer, cite))
        fell = bool(self.trap_word and self.trap_word in answer)
        verdicts = [KeyPointVerdict(id=kp.id, text=kp.text, verdict="covered" if kp.id in self.covers else "missing")
                    for kp in target.key_points]
        return Grade(score=self.score, normalised=self.score / 4, key_points=verdicts, backend=self.name,
                     fell_into_trap=fell,
                     trap_evidence=answer if fell else "")

    def grade_many(self, targets, answers) -> list[Grade]:
        return [self.grade(t, a, cite=False) for t, a in zip(targets, answers, strict=True)]


class ScriptedPhraser:
    """A `Phraser` that rewords each message with the next scripted reply (a str, or an exception to raise)."""

    name = "scripted"
    rewords = True

    def __init__(self, *replies):
        self.replies = list(replies)
        self.history: list[tuple[str, str]] = []  # (the offline message, the stage) per call

    def phrase(self, message: str, stage) -> Iterator[str]:
        self.history.append((message, stage.value))
        reply = self.replies.pop(0) if self.replies else LLMError("no more scripted replies")
        if isinstance(reply, Exception):
            raise reply
        yield from reply.split(" ")[:1]
        rest = reply.split(" ", 1)[1:]
        if rest:
            yield " " + rest[0]


# A candidate leading their own design at length ("Serving: ..."): the turn the interviewer lets go on.
LEADING_SERVING_TURN = (
    "Serving: I would precompute candidate lists per user every hour, keep them in a key-value store, and at request "
    "time rank the few hundred candidates with the heavy model on CPU, batching them, with features from an online "
    "store that a streaming job keeps fresh, and a cached popular list as the fallback when anything times out, so the "
    "page always renders within the budget we were given. Model updates ship behind a canary, and the ranking service "
    "scales out on request rate.")
