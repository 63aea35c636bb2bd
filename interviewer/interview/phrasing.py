"""Who words the interviewer's messages. The decision is already made in code; a phraser only words it.

`OfflinePhraser` sends the template wording as it is. `LLMPhraser` has the configured LLM reword it,
with the candidate's last turn and the move the code decided in view (it `listens`), and passages
retrieved from the index as context; every failure raises, and the agent then sends the offline
wording with the reason in the turn's meta. The agent checks the LLM's words against the
unrevealed key points before it keeps them. `phraser_for(settings)` picks one ("auto": the LLM only
while an endpoint is configured).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from ..config import Settings
from ..corpus.retrieval import search
from ..errors import IndexUnavailable
from ..llm import stream
from ..models import STAGE_TITLES, Stage
from ..prompts import interviewer_templates, render
from ..text import shorten

MAX_TOKENS = 160
MAX_HEARD_CHARS = 1200  # the candidate's last turn as the LLM sees it (a long answer is cut)


class Phraser(Protocol):
    """Words a decided message. A phraser that `listens` is also given, as keywords, `heard` (the candidate's
    last turn) and `move` (the kind of message the code decided on: follow-up, challenge, clarification...)."""

    name: str  # "offline" or "llm": what the UI shows
    rewords: bool  # False: the message is sent as the code wrote it

    def phrase(self, message: str, stage: Stage) -> Iterator[str]: ...


class OfflinePhraser:
    name = "offline"
    rewords = False

    def phrase(self, message: str, stage: Stage) -> Iterator[str]:
        yield message


def _context(message: str, stage: Stage, settings: Settings) -> str:
    try:
        passages = search(message, k=2, stage=stage, settings=settings)
    except (IndexUnavailable, ValueError):  # no index (or nothing to search for) means no context, not no interview
        return ""
    return " ".join(p.text[:400] for p in passages)


class LLMPhraser:
    name = "llm"
    rewords = True
    listens = True

    def __init__(self, settings: Settings):
        self.settings = settings

    def phrase(self, message: str, stage: Stage, heard: str = "", move: str = "") -> Iterator[str]:
        """Stream the LLM's rewording of `message`, the reply to the candidate's turn `heard`, for the decided
        `move` (raises `LLMError` on any failure)."""
        t = interviewer_templates().llm
        messages = [
            {"role": "system", "content": render(t.system)},
            {"role": "user", "content": render(t.user, stage_title=STAGE_TITLES[stage], message=message,
                                               heard=shorten(heard, MAX_HEARD_CHARS), move=move,
                                               context=_context(message, stage, self.settings))},
        ]
        yield from stream(messages, settings=self.settings, max_tokens=MAX_TOKENS)


def phraser_for(settings: Settings) -> Phraser:
    return LLMPhraser(settings) if settings.wants_llm(settings.interviewer) else OfflinePhraser()
