"""Structured output: a reply parsed and validated into a pydantic model, on any endpoint.

Endpoints differ in what they accept, so `structured` steps down through three modes and remembers,
per endpoint and model, the first one that worked:
1. `response_format` `json_schema` (OpenAI, vLLM, Ollama, llama-server);
2. `response_format` `json_object` with llama.cpp's `schema` key (llama-cpp-python's server, which
   answers `json_schema` with HTTP 500);
3. no `response_format`: the schema is written into the prompt.
A refusal (HTTP 400/404/415/422 for that mode, or 500/501 for `json_schema`) moves to the next mode.
A reply that is not valid JSON of the schema is asked for again, with the validation error, up to
`llm_max_retries` more times in all (tenacity runs that repair loop).
"""

from __future__ import annotations

import json
import re
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from tenacity import Retrying, retry_if_exception_type

from ..config import Settings, get_settings
from ..errors import LLMError
from .client import HTTPStatusError, InvalidReply, _forgetters, complete, endpoint_key, lock, where

__all__ = ["structured", "parse", "mode_for", "MODES"]

T = TypeVar("T", bound=BaseModel)

MODES = ("json_schema", "json_object", "prompt")
# Statuses with which servers refuse a request feature (rather than being down or busy).
REFUSAL_STATUSES = {400, 404, 415, 422, 500, 501}

JSON_INSTRUCTION = "Reply with one JSON object only: no prose, no Markdown fences."
SCHEMA_INSTRUCTION = "Reply with one JSON object only (no prose, no Markdown fences) that matches this JSON schema:\n{schema}"
REPAIR_INSTRUCTION = ("Your previous reply was not valid: {error}\n"
                      "Reply again with one JSON object only that matches the schema.")

_modes: dict[tuple, int] = {}  # endpoint -> index into MODES of the first mode to try
_forgetters.append(_modes.clear)


def _json_text(reply: str) -> str:
    """The JSON object in a reply, without Markdown fences or chatter around it."""
    text = reply.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.S)
    if fenced:
        text = fenced.group(1).strip()
    start, end = text.find("{"), text.rfind("}")
    return text[start:end + 1] if start != -1 and end > start else text


def parse(reply: str, schema: type[T]) -> T:
    """Validate a model's reply into `schema`; raises `ValueError` (pydantic's) when it does not fit."""
    return schema.model_validate_json(_json_text(reply))


def _mode_request(mode: str, schema: type[BaseModel], messages: list[dict]) -> tuple[list[dict], dict]:
    json_schema = schema.model_json_schema()
    if mode == "json_schema":
        fmt = {"type": "json_schema", "json_schema": {"name": schema.__name__, "schema": json_schema, "strict": False}}
        return _with_system(messages, JSON_INSTRUCTION), {"response_format": fmt}
    if mode == "json_object":
        return _with_system(messages, JSON_INSTRUCTION), {"response_format": {"type": "json_object", "schema": json_schema}}
    return _with_system(messages, SCHEMA_INSTRUCTION.format(schema=json.dumps(json_schema))), {}


def _with_system(messages: list[dict], note: str) -> list[dict]:
    out = [dict(m) for m in messages]
    if out and out[0].get("role") == "system":
        out[0]["content"] = f"{out[0]['content']}\n\n{note}"
    else:
        out.insert(0, {"role": "system", "content": note})
    return out


def _short(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'reply'}: {e['msg']}" for e in error.errors()[:4])
    return str(error)[:300]


class _Unusable(Exception):
    """A reply that does not parse into the schema (asked for again with the error)."""


class _StepDown(Exception):
    """The endpoint refuses this structured-output mode."""


def _refuses(mode: str, status: int) -> bool:
    """Whether `status` says "not this mode" rather than "broken": 5xx counts only against json_schema,
    which llama-cpp-python's server answers with 500; a server failing every mode is not probed further."""
    return status in REFUSAL_STATUSES and (status < 500 or mode == "json_schema")


def _also(refusals: list[str]) -> str:
    return f" (modes refused before: {', '.join(refusals)})" if refusals else ""


def _in_mode(mode_index: int, schema: type[T], messages: list[dict], settings: Settings, max_tokens: int,
             problems: list[str], refusals: list[str]) -> T:
    """Ask in one mode, repairing invalid replies while the retry budget (shared by all modes) lasts."""
    mode = MODES[mode_index]
    sent, extra = _mode_request(mode, schema, messages)
    retrying = Retrying(retry=retry_if_exception_type(_Unusable), reraise=True,
                        stop=lambda _state: len(problems) > settings.llm_max_retries)
    try:
        for attempt in retrying:
            with attempt:
                reply = None
                try:
                    reply = complete(settings, sent, max_tokens, **extra)
                    return parse(reply, schema)
                except HTTPStatusError as exc:
                    if _refuses(mode, exc.status) and mode_index < len(MODES) - 1:
                        refusals.append(f"{mode}: HTTP {exc.status}")
                        raise _StepDown from exc
                    raise LLMError(str(exc) + _also(refusals)) from exc
                except (InvalidReply, ValueError) as exc:  # pydantic's ValidationError is a ValueError
                    problems.append(_short(exc))
                    if reply is not None:
                        sent = sent + [{"role": "assistant", "content": reply[:2000]},
                                       {"role": "user", "content": REPAIR_INSTRUCTION.format(error=problems[-1])}]
                    raise _Unusable from exc
    except _Unusable as exc:
        raise LLMError(f"The LLM endpoint {where(settings)} gave no valid {schema.__name__} in {len(problems)} "
                       f"replies ({mode} mode); last problem: {problems[-1]}") from exc.__cause__
    raise AssertionError("unreachable")


def structured(messages: list[dict], schema: type[T], *, settings: Settings | None = None,
               max_tokens: int = 600) -> T:
    """Ask for a reply that validates into `schema` (see the module notes for the modes tried).

    Give `schema` bounded fields (`max_length` on strings and lists): a small model with an
    unbounded schema loops until the token limit.
    """
    settings = settings or get_settings()
    endpoint = endpoint_key(settings)
    mode_index = _modes.get(endpoint, 0)
    problems: list[str] = []
    refusals: list[str] = []
    while True:
        try:
            result = _in_mode(mode_index, schema, messages, settings, max_tokens, problems, refusals)
        except _StepDown:
            mode_index += 1
            with lock:
                _modes[endpoint] = mode_index
            continue
        with lock:
            _modes[endpoint] = mode_index
        return result


def mode_for(settings: Settings | None = None) -> str | None:
    """The structured-output mode remembered for the configured endpoint, or None before the first call."""
    settings = settings or get_settings()
    index = _modes.get(endpoint_key(settings))
    return MODES[index] if index is not None else None
