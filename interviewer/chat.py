"""Transcript turns as chat messages, for any chat front end (the Gradio UI uses it).

A pure mapping, with no UI library imported: interviewer turns become `assistant` messages,
candidate turns `user` messages, and system turns (per-question grades) are left out, since
they are records, not things anyone said::

    from interviewer import chat_messages
    chat_messages(interview.turns)                  # what the chat shows
    chat_messages(interview.turns, pending="Let")   # ... while the LLM is still writing

Messages are plain dicts, `{"role": "user" | "assistant", "content": str}` (Markdown).
"""

from __future__ import annotations

from typing import Iterable

from .sessions import Turn

# Candidate turns made by a button (or the bare word) read better as a short note.
_ACTIONS = {
    ("hint-request", "hint"): "_(asks for a hint)_",
    ("skip", "skip"): "_(skips this question)_",
    ("end", "end"): "_(ends the interview)_",
}
_LABELS = {"hint": "💡 **Hint:** ", "challenge": "", "reveal": ""}
FALLBACK_MARK = "⚠️"


def _candidate(turn: Turn) -> str:
    text = turn.text.strip()
    action = _ACTIONS.get((turn.kind, text.lower()))
    if action:
        return action
    if not text:
        return "_(no answer)_"
    return text


def _interviewer(turn: Turn) -> str:
    text = turn.text.strip()
    reason = turn.meta.get("llm_fallback")
    if reason:  # the LLM failed and the offline wording was used: say so where it is seen
        body, sep, note = text.rpartition("\n\n")
        if sep and note.startswith("("):
            text = f"{body}\n\n{FALLBACK_MARK} _{note}_"
        else:
            text = f"{text}\n\n{FALLBACK_MARK} _(Phrased offline: the LLM interviewer failed: {reason}.)_"
    return _LABELS.get(turn.kind, "") + text


def chat_messages(turns: Iterable[Turn], pending: str | None = None) -> list[dict]:
    """The chat a person sees for `turns`; `pending` is an interviewer message still being written."""
    messages: list[dict] = []
    for turn in turns:
        if turn.role == "interviewer":
            messages.append({"role": "assistant", "content": _interviewer(turn)})
        elif turn.role == "candidate":
            messages.append({"role": "user", "content": _candidate(turn)})
    if pending:
        messages.append({"role": "assistant", "content": pending})
    return messages


__all__ = ["chat_messages", "FALLBACK_MARK"]
