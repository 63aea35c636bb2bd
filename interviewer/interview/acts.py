"""What a candidate turn is, by its form: answer, clarifying question, hint request, skip, end or empty
(the agent adds `repeat` when a turn matches the last answer)."""

from __future__ import annotations

import re

from ..models import CandidateKind
from ..text import split_sentences

_END = re.compile(r"(end|stop|quit|exit|finish)( (the|this) (interview|session))?( (here|now|please))?|"
                  r"i'?m done|i am done|let'?s (stop|end)( here| now)?|that'?s all( for (now|today))?")
_SKIP = re.compile(r"(skip|pass|next|next question|move on|let'?s move on|skip (this|it|this one|the question))"
                   r"( please)?|(i )?(don'?t|do not) know,? (skip|next|pass)")
_HINT = re.compile(r"(can i (get|have)|could i (get|have)|give me|i need|any|may i have)? ?(a |some )?(hint|clue)s?"
                   r"( please)?|i'?m stuck|help( me)?")
_QUESTION_START = re.compile(r"^(what|how|is|are|do|does|did|can|could|will|would|should|which|who|when|where|"
                             r"may|am i|can i|should i|are we|do we|is there|are there)\b", re.I)

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
