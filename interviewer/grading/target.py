"""What an answer is graded against: a rubric item or a bare reference, as one `GradingTarget`."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..models import KeyPoint, Reference, RubricItem
from ..text import content_words, split_sentences

Target = RubricItem | Reference

TRAP_PREFIX = re.compile(r"^(the|a|an)\s+tempting\s+\w+(\s+(is|treats (this|it) as))?\s*:?\s*", re.I)
# one tempting move among several: "X, Y, or Z" where each is a verb phrase ("ranking ..., treating ...")
TRAP_ALTERNATIVES = re.compile(r";|,?\s+or\s+(?=\w+ing\b)|,\s+(?=\w+ing\b)")


@dataclass(frozen=True)
class GradingTarget:
    question: str
    reference: str
    trap: str | None
    key_points: tuple[KeyPoint, ...]
    max_score: float
    rubric: bool = True  # key points (and usually a trap) written for grading, not split from a reference


def as_target(target: Target) -> GradingTarget:
    if isinstance(target, GradingTarget):
        return target
    if isinstance(target, RubricItem):
        return GradingTarget(target.question, target.correct_approach, target.trap, tuple(target.key_points), 4.0)
    if isinstance(target, Reference):
        points = target.key_points or reference_points(target.reference_answer)
        kps = tuple(KeyPoint(id=f"kp{i + 1}", text=t if len(t) >= 5 else t + " " * (5 - len(t)), weight=1.0)
                    for i, t in enumerate(points))
        return GradingTarget(target.question, target.reference_answer, target.trap, kps, float(target.max_score),
                             rubric=bool(target.key_points or target.trap))
    raise TypeError(f"grade() needs a RubricItem or a Reference, not {type(target).__name__}")


def reference_points(reference: str) -> list[str]:
    """Key points for a bare reference: its sentences and clauses (at most six)."""
    parts = [p.strip(" -•\t") for s in split_sentences(reference) for p in re.split(r";|\s-\s|\n-", s)]
    parts = [p for p in parts if len(p.split()) >= 2] or [reference.strip()]
    if len(parts) > 6:  # merge neighbours so every part of the reference still counts
        size = math.ceil(len(parts) / 6)
        parts = [" ".join(parts[i:i + size]) for i in range(0, len(parts), size)]
    return parts


def trap_statement(trap: str) -> str:
    """The tempting answer itself: the trap text's first sentence, without "The tempting answer is" in front
    or its explanation of why it is wrong behind."""
    first = split_sentences(trap)[0] if trap.strip() else trap
    first = re.split(r"\b(because|which is wrong|this is wrong|but this|that is wrong)\b", first, maxsplit=1, flags=re.I)[0]
    bare = TRAP_PREFIX.sub("", first).strip(" \"'\u201c\u201d")
    return bare if len(bare.split()) >= 3 else first


def trap_statements(trap: str) -> list[str]:
    """What an answer that falls into the trap would say: the tempting answer, its whole first sentence
    (a "because" there is often part of the mistake: "the model is fine because AUC is unchanged"), and
    each alternative when the trap lists several tempting moves."""
    statement = trap_statement(trap)
    first = TRAP_PREFIX.sub("", split_sentences(trap)[0] if trap.strip() else trap).strip()
    parts = [p.strip(" ,.") for p in TRAP_ALTERNATIVES.split(statement)]
    parts = [p for p in parts if len(p.split()) >= 3]
    return list(dict.fromkeys([statement, first, *(parts if len(parts) > 1 else [])]))


def distinct_words(t: GradingTarget) -> set[str]:
    """Content words of the tempting answer that the question, reference and key points do not use."""
    correct = content_words(" ".join([t.question, t.reference, *(kp.text for kp in t.key_points)]))
    return content_words(" ".join(trap_statements(t.trap))) - correct if t.trap else set()


def target_texts(t: GradingTarget) -> tuple[list[str], list[str]]:
    """Every rubric-side text that is embedded (question, reference, its sentences, key points, trap
    statements), and the reference's sentences among them."""
    ref_parts = [s for s in split_sentences(t.reference) if len(s.split()) >= 3] or [t.reference]
    texts = [t.question, t.reference, *ref_parts, *(kp.text for kp in t.key_points)]
    if t.trap:
        texts.extend(trap_statements(t.trap))
    return texts, ref_parts
