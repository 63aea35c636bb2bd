"""LLM phrasing for the interviewer: the decision is already made; the LLM only rewords the message.

Passages retrieved from the index for the message give the LLM context. Every failure raises, and
the agent then sends the offline wording with a visible note; the agent also checks the LLM's words
against the unrevealed key points before keeping them.
"""

from __future__ import annotations

from typing import Iterator

from .config import Settings
from .models import STAGE_TITLES, Stage

MAX_TOKENS = 160


def _context(message: str, stage: Stage, settings: Settings) -> str:
    try:
        from .retrieval import search

        passages = search(message, k=2, stage=stage, settings=settings)
    except Exception:  # noqa: BLE001 - no index means no context, not no interview
        return ""
    return " ".join(p.text[:400] for p in passages)


def phrase(message: str, stage: Stage, settings: Settings) -> Iterator[str]:
    """Stream the LLM's rewording of `message` (raises `llm.LLMError` on any failure)."""
    from . import llm
    from .interview import render, templates

    t = templates()["llm"]
    messages = [
        {"role": "system", "content": render(t["system"])},
        {"role": "user", "content": render(t["user"], stage_title=STAGE_TITLES[stage], message=message,
                                           context=_context(message, stage, settings))},
    ]
    yield from llm.stream(messages, settings=settings, max_tokens=MAX_TOKENS)
