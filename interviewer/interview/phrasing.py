"""Who words the interviewer's messages. The decision is already made in code; a phraser only words it.

`OfflinePhraser` sends the template wording as it is. `LLMPhraser` has the configured LLM reword it,
with passages retrieved from the index as context; every failure raises, and the agent then sends the
offline wording with the reason in the turn's meta. The agent checks the LLM's words against the
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

MAX_TOKENS = 160


class Phraser(Protocol):
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

    def __init__(self, settings: Settings):
        self.settings = settings

    def phrase(self, message: str, stage: Stage) -> Iterator[str]:
        """Stream the LLM's rewording of `message` (raises `LLMError` on any failure)."""
        t = interviewer_templates().llm
        messages = [
            {"role": "system", "content": render(t.system)},
            {"role": "user", "content": render(t.user, stage_title=STAGE_TITLES[stage], message=message,
                                               context=_context(message, stage, self.settings))},
        ]
        yield from stream(messages, settings=self.settings, max_tokens=MAX_TOKENS)


def phraser_for(settings: Settings) -> Phraser:
    return LLMPhraser(settings) if settings.wants_llm(settings.interviewer) else OfflinePhraser()
