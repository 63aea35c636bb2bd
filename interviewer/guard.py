"""Answer hygiene before grading: type checks, length limit, and text aimed at the grader.

Text aimed at the grader earns nothing and never raises a grade: the sentences that carry it
are cut out before grading and a warning says so. Detection works on a normalised copy
(NFKC folds look-alike letters, zero-width characters are dropped), so "ＩＧＮＯＲＥ" or
"ig\u200bnore" are caught too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")

# Each pattern is one way to address the grader rather than the interviewer's question.
INJECTION_PATTERNS = [
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(previous|prior|above|earlier|all|the|your)\b.{0,30}"
    r"\b(instructions?|prompts?|rules?|rubric|guidelines?|criteria)",
    r"(?:^|[\n\[(<{])\s*(system|developer)\s*(message|prompt|note|override)?\s*[:>\]]",
    r"<\s*/?\s*(system|instructions?|im_start|im_end)\b",
    r"\[\s*(system|inst|/inst)\s*\]",
    r"[\"']?\b(score|grade|gold_score|rating)[\"']?\s*[:=]\s*[\"']?(4|5|10|100|full|max)\b",
    r"\b(full|perfect)\s+(marks?|score|points|credit|grade)\b|\b(maximum|max|highest|top)\s+(marks?|grade)\b",
    r"(?<![\d/.])(4/4|5/5|10/10|100/100)(?![\d/])|\b(4|four)\s+out\s+of\s+(4|four)\b",
    r"\b(as|you are) (the|an?) (grader|evaluator|judge|assessor|examiner)\b",
    r"\b(grader|evaluator|judge|assessor|examiner)\b.{0,30}\b(must|should|will|shall|has to|needs? to)\b",
    r"\bnote to the (grader|evaluator|judge|assessor|examiner|reviewer|ai|model)\b",
    r"\b(output|return|record|assign|give|set)\b.{0,12}\b(score|grade)\s*(of|=|:|to|as)?\s*(4|four|full|max)\b",
    r"\bnew instructions?\b|\bprompt injection\b|\bjailbreak\b|\bdan mode\b",
    r"\bfell_into_trap\b|\"verdict\"\s*:|\"covered\"",
    r"\bpretend (that )?you\b|\broleplay\b|\brole-play\b",
    # Other languages: the common "ignore the instructions" / "give full marks" phrasings.
    r"\bignor(ez|iere|a|e)\b.{0,40}\b(instructions?|anweisungen|richtlinien|instrucciones|istruzioni|consignes)\b",
    r"(忽略|无视).{0,10}(指令|说明|提示)|(满分|最高分)",
    r"\b(volle punktzahl|puntuación máxima|note maximale|punteggio massimo)\b",
]
_INJECTION = re.compile("|".join(f"(?:{p})" for p in INJECTION_PATTERNS), re.I | re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|\n+")


class AnswerError(TypeError):
    """The answer is not text (bytes, a number, a file): a clear error, not a grade."""


@dataclass
class CleanAnswer:
    text: str  # what is graded: original characters, injected sentences removed
    original: str
    warnings: list[str] = field(default_factory=list)
    injection: bool = False
    truncated: bool = False


def fold(text: str) -> str:
    """NFKC with zero-width characters removed: the form that pattern checks see."""
    return unicodedata.normalize("NFKC", ZERO_WIDTH.sub("", text))


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def looks_injected(text: str) -> bool:
    return bool(_INJECTION.search(fold(text)))


def clean_answer(answer, max_chars: int) -> CleanAnswer:
    if isinstance(answer, (bytes, bytearray, memoryview)):
        raise AnswerError("The answer must be text, not bytes; decode it (e.g. as UTF-8) first.")
    if not isinstance(answer, str):
        raise AnswerError(f"The answer must be text, not {type(answer).__name__}.")
    warnings: list[str] = []
    text = answer.replace("\x00", "")
    truncated = len(text) > max_chars
    if truncated:
        text = text[:max_chars]
        warnings.append(f"The answer is longer than {max_chars} characters; only the first {max_chars} were graded.")
    kept, dropped = [], []
    # Fenced code blocks are checked whole: an instruction inside one is still aimed at the grader.
    for block in re.split(r"(```.*?```)", text, flags=re.S):
        if block.startswith("```"):
            (dropped if looks_injected(block) else kept).append(block)
            continue
        for sentence in split_sentences(block):
            (dropped if looks_injected(sentence) else kept).append(sentence)
    if dropped:
        warnings.append(
            "Text addressed to the grader was found and ignored (it earns nothing and never raises a grade): "
            + " | ".join(d[:80] for d in dropped[:3])
        )
    return CleanAnswer(text=" ".join(kept).strip(), original=answer, warnings=warnings,
                       injection=bool(dropped), truncated=truncated)
