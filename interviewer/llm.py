"""The one door to an LLM: any OpenAI-compatible chat-completions endpoint.

This is the only module that imports `openai`. The client is built on first use (never at import
or in a constructor) from the settings: `OPENAI_BASE_URL` (OpenAI, vLLM, Ollama, llama.cpp's
`llama-server`, `llama-cpp-python[server]`...), `OPENAI_API_KEY` (a placeholder is sent when only
a local base URL is set), `INTERVIEWER_LLM_MODEL`, `INTERVIEWER_LLM_TIMEOUT_S` and
`INTERVIEWER_LLM_MAX_RETRIES`.

Three calls, all at temperature 0 and always with a token limit:

- `chat(messages) -> str`
- `stream(messages) -> Iterator[str]`: text deltas as they arrive. A stream that runs past its
  token limit (a server that ignores the limit) or past the time limit is cut and raises.
- `structured(messages, Schema) -> Schema`: a reply parsed and validated into a pydantic model.
  Endpoints differ in what they accept, so it steps down through three modes and remembers, per
  endpoint and model, the first one that worked:
  1. `response_format` `json_schema` (OpenAI, vLLM, Ollama, llama-server);
  2. `response_format` `json_object` with llama.cpp's `schema` key (llama-cpp-python's server,
     which answers `json_schema` with HTTP 500);
  3. no `response_format`: the schema is written into the prompt.
  A refusal (HTTP 400/404/415/422 for that mode, or 500/501 for `json_schema`) moves to the next
  mode. A reply that is
  not valid JSON of the schema is re-asked, with the validation error, up to
  `llm_max_retries` more times.

Transport failures (connection refused, timeouts, HTTP 408/409/429/5xx) are retried by the
openai SDK with exponential backoff (0.5 s doubling, at most 8 s, jittered) and honour a
`Retry-After` header. Whatever still fails raises `LLMError`, whose message says what happened.
The token limit goes out as `max_tokens` (which every server here honours; llama-cpp-python
ignores `max_completion_tokens`); an endpoint that rejects `max_tokens` (OpenAI's reasoning
models) is answered with `max_completion_tokens` instead, and that too is remembered.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .config import Settings, get_settings

__all__ = ["LLMError", "chat", "stream", "structured", "reset", "MODES"]

T = TypeVar("T", bound=BaseModel)

MODES = ("json_schema", "json_object", "prompt")
# Statuses with which servers refuse a request feature (rather than being down or busy).
REFUSAL_STATUSES = {400, 404, 415, 422, 500, 501}
LOCAL_KEY = "not-needed"  # the SDK insists on a key; local servers ignore it

JSON_INSTRUCTION = "Reply with one JSON object only: no prose, no Markdown fences."
SCHEMA_INSTRUCTION = "Reply with one JSON object only (no prose, no Markdown fences) that matches this JSON schema:\n{schema}"
REPAIR_INSTRUCTION = ("Your previous reply was not valid: {error}\n"
                      "Reply again with one JSON object only that matches the schema.")


class LLMError(RuntimeError):
    """The endpoint failed after retries: down, too slow, an HTTP error, or no valid reply."""


class _InvalidReply(LLMError):
    """A reply that is not a usable chat completion (retried by `structured`)."""


_lock = threading.Lock()
_clients: dict[tuple, Any] = {}
_modes: dict[tuple, int] = {}  # endpoint -> index into MODES of the first mode to try
_token_param: dict[tuple, str] = {}  # endpoint -> "max_tokens" or "max_completion_tokens"


def reset() -> None:
    """Forget cached clients and what each endpoint was found to accept (for tests)."""
    with _lock:
        _clients.clear()
        _modes.clear()
        _token_param.clear()


def _endpoint(settings: Settings) -> tuple:
    return (settings.openai_base_url or "", settings.llm_model)


def _client(settings: Settings):
    key = (settings.openai_base_url, settings.openai_api_key, settings.llm_timeout_s, settings.llm_max_retries)
    with _lock:
        client = _clients.get(key)
        if client is None:
            if not settings.llm_configured:
                raise LLMError("No LLM endpoint is configured: set OPENAI_API_KEY and/or OPENAI_BASE_URL.")
            import openai

            try:
                client = openai.OpenAI(
                    api_key=settings.openai_api_key or LOCAL_KEY,
                    base_url=settings.openai_base_url or None,
                    timeout=settings.llm_timeout_s,
                    max_retries=settings.llm_max_retries,
                )
            except openai.OpenAIError as exc:
                raise LLMError(f"Cannot set up the LLM client: {exc}") from exc
            _clients[key] = client
    return client


def _where(settings: Settings) -> str:
    return f"{settings.openai_base_url or 'the default OpenAI endpoint'} (model {settings.llm_model})"


def _explain(exc: Exception, settings: Settings) -> str:
    """One line that says what went wrong, for an `LLMError`."""
    import openai

    where = _where(settings)
    tries = f"after {settings.llm_max_retries + 1} attempt(s)"
    if isinstance(exc, openai.APITimeoutError):
        return f"The LLM endpoint {where} timed out ({settings.llm_timeout_s:g} s) {tries}."
    if isinstance(exc, openai.APIConnectionError):
        return f"Cannot reach the LLM endpoint {where} {tries}: {exc.__cause__ or exc}."
    if isinstance(exc, openai.APIStatusError):
        body = (exc.response.text or "")[:200] if exc.response is not None else ""
        retried = exc.status_code in (408, 409, 429) or exc.status_code >= 500
        return (f"The LLM endpoint {where} answered HTTP {exc.status_code} {tries if retried else '(not retried)'}: "
                f"{body or exc.message}")
    if isinstance(exc, openai.APIResponseValidationError):
        return f"The LLM endpoint {where} sent a reply that is not a chat completion: {exc}"
    return f"The LLM call to {where} failed: {type(exc).__name__}: {exc}"


def _request(settings: Settings, messages: list[dict], max_tokens: int, **extra):
    """One chat-completions call (SDK retries included); returns the SDK's response object."""
    import openai

    client = _client(settings)
    endpoint = _endpoint(settings)
    param = _token_param.get(endpoint, "max_tokens")
    while True:
        try:
            return client.chat.completions.create(
                model=settings.llm_model, messages=messages, temperature=0, **{param: max_tokens}, **extra)
        except openai.BadRequestError as exc:
            text = str(exc)
            if param == "max_tokens" and "max_completion_tokens" in text:
                param = _token_param[endpoint] = "max_completion_tokens"
                continue
            raise
        except openai.OpenAIError:
            raise
        except ValueError as exc:  # a body that is not JSON at all
            raise _InvalidReply(f"The LLM endpoint {_where(settings)} sent a reply that is not JSON: {exc}") from exc


def _content(response, settings: Settings) -> str:
    try:
        choice = response.choices[0]
        content = choice.message.content
    except (AttributeError, IndexError, TypeError) as exc:
        raise _InvalidReply(f"The LLM endpoint {_where(settings)} sent a reply without a message: {exc}") from exc
    if content is None:
        raise _InvalidReply(f"The LLM endpoint {_where(settings)} sent an empty message "
                       f"(finish_reason {getattr(choice, 'finish_reason', None)!r}).")
    return content


def chat(messages: list[dict], *, settings: Settings | None = None, max_tokens: int = 400) -> str:
    """The assistant's reply to `messages` (temperature 0, at most `max_tokens` tokens)."""
    import openai

    settings = settings or get_settings()
    for attempt in range(settings.llm_max_retries + 1):
        try:
            return _content(_request(settings, messages, max_tokens), settings)
        except openai.OpenAIError as exc:
            raise LLMError(_explain(exc, settings)) from exc
        except _InvalidReply as exc:  # a body that is not a completion: ask again
            if attempt == settings.llm_max_retries:
                raise LLMError(f"{exc} ({attempt + 1} attempt(s))") from exc
    raise AssertionError("unreachable")


def stream(messages: list[dict], *, settings: Settings | None = None, max_tokens: int = 400) -> Iterator[str]:
    """Yield the reply's text deltas as the endpoint sends them.

    A server that keeps sending past the token limit (some ignore it) or past
    `llm_timeout_s` in total is cut off with `LLMError`.
    """
    import openai

    settings = settings or get_settings()
    max_deltas = 2 * max_tokens + 16
    deadline = time.monotonic() + settings.llm_timeout_s
    try:
        chunks = _request(settings, messages, max_tokens, stream=True)
    except openai.OpenAIError as exc:
        raise LLMError(_explain(exc, settings)) from exc
    deltas = 0
    finished = False
    try:
        for chunk in chunks:
            if not getattr(chunk, "choices", None):
                continue
            finished = finished or bool(getattr(chunk.choices[0], "finish_reason", None))
            text = chunk.choices[0].delta.content if chunk.choices[0].delta else None
            if text:
                deltas += 1
                if deltas > max_deltas:
                    raise LLMError(f"The LLM endpoint {_where(settings)} kept streaming past the limit of "
                                   f"{max_tokens} tokens; the stream was cut.")
                yield text
            if time.monotonic() > deadline:
                raise LLMError(f"The LLM endpoint {_where(settings)} was still streaming after "
                               f"{settings.llm_timeout_s:g} s; the stream was cut.")
        if not finished:  # the connection closed without a finish_reason: the reply is cut short
            raise LLMError(f"The stream from the LLM endpoint {_where(settings)} ended before the reply was "
                           "finished (no finish_reason).")
    except openai.OpenAIError as exc:
        raise LLMError(_explain(exc, settings)) from exc
    except LLMError:
        raise
    except Exception as exc:  # a chunk that is not JSON, a connection dropped mid-stream (raw httpx errors)
        raise LLMError(f"The stream from the LLM endpoint {_where(settings)} broke: "
                       f"{type(exc).__name__}: {exc}") from exc
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()


# --- structured output -------------------------------------------------------------------


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


def structured(messages: list[dict], schema: type[T], *, settings: Settings | None = None,
               max_tokens: int = 600) -> T:
    """Ask for a reply that validates into `schema` (see the module notes for the modes tried).

    Give `schema` bounded fields (`max_length` on strings and lists): a small model with an
    unbounded schema loops until the token limit.
    """
    import openai

    settings = settings or get_settings()
    endpoint = _endpoint(settings)
    mode_index = _modes.get(endpoint, 0)
    problems: list[str] = []
    refusals: list[str] = []
    while True:
        mode = MODES[mode_index]
        sent, extra = _mode_request(mode, schema, messages)
        while True:
            reply = None
            try:
                reply = _content(_request(settings, sent, max_tokens, **extra), settings)
                result = parse(reply, schema)
            except openai.APIStatusError as exc:
                if _refuses(mode, exc.status_code) and mode_index < len(MODES) - 1:
                    refusals.append(f"{mode}: HTTP {exc.status_code}")
                    break  # this endpoint does not take this mode: step down
                raise LLMError(_explain(exc, settings) + _also(refusals)) from exc
            except openai.OpenAIError as exc:
                raise LLMError(_explain(exc, settings)) from exc
            except (_InvalidReply, ValueError) as exc:  # pydantic's ValidationError is a ValueError
                problems.append(_short(exc))
                if len(problems) > settings.llm_max_retries:
                    raise LLMError(
                        f"The LLM endpoint {_where(settings)} gave no valid {schema.__name__} in "
                        f"{len(problems)} replies ({mode} mode); last problem: {problems[-1]}") from exc
                if reply is not None:
                    sent = sent + [{"role": "assistant", "content": reply[:2000]},
                                   {"role": "user", "content": REPAIR_INSTRUCTION.format(error=problems[-1])}]
                continue
            with _lock:
                _modes[endpoint] = mode_index
            return result
        mode_index += 1
        with _lock:
            _modes[endpoint] = mode_index


def _refuses(mode: str, status: int) -> bool:
    """Whether `status` says "not this mode" rather than "broken": 5xx counts only against json_schema,
    which llama-cpp-python's server answers with 500; a server failing every mode is not probed further."""
    return status in REFUSAL_STATUSES and (status < 500 or mode == "json_schema")


def _also(refusals: list[str]) -> str:
    return f" (modes refused before: {', '.join(refusals)})" if refusals else ""


def mode_for(settings: Settings | None = None) -> str | None:
    """The structured-output mode remembered for the configured endpoint, or None before the first call."""
    settings = settings or get_settings()
    index = _modes.get(_endpoint(settings))
    return MODES[index] if index is not None else None
