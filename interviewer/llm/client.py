"""The one door to an LLM: any OpenAI-compatible chat-completions endpoint.

This is the only module that imports `openai`. The client is built on first use (never at import
or in a constructor) from the settings: `OPENAI_BASE_URL` (OpenAI, vLLM, Ollama, llama.cpp's
`llama-server`, `llama-cpp-python[server]`...), `OPENAI_API_KEY` (a placeholder is sent when only
a local base URL is set), `INTERVIEWER_LLM_MODEL`, `INTERVIEWER_LLM_TIMEOUT_S` and
`INTERVIEWER_LLM_MAX_RETRIES`.

Two calls here, both at temperature 0 and always with a token limit (`structured.py` adds the third,
structured output, on top of `complete`):

- `chat(messages) -> str`
- `stream(messages) -> Iterator[str]`: text deltas as they arrive. A stream that runs past its
  token limit (a server that ignores the limit) or past the time limit is cut and raises.

Transport failures (connection refused, timeouts, HTTP 408/409/429/5xx) are retried by the
openai SDK with exponential backoff (0.5 s doubling, at most 8 s, jittered) and honour a
`Retry-After` header. Whatever still fails raises `LLMError`, whose message says what happened.
The token limit goes out as `max_tokens` (which every server here honours; llama-cpp-python
ignores `max_completion_tokens`); an endpoint that rejects `max_tokens` (OpenAI's reasoning
models) is answered with `max_completion_tokens` instead, and that too is remembered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from ..config import Settings, get_settings
from ..errors import LLMError

__all__ = ["LLMError", "InvalidReply", "HTTPStatusError", "chat", "stream", "complete", "reset", "endpoint_key",
           "where"]

LOCAL_KEY = "not-needed"  # the SDK insists on a key; local servers ignore it


class InvalidReply(LLMError):
    """A reply that is not a usable chat completion (asked again)."""


class HTTPStatusError(LLMError):
    """The endpoint answered with an HTTP error status (after the SDK's retries); `status` is that code."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


lock = threading.Lock()
_clients: dict[tuple, Any] = {}
_token_param: dict[tuple, str] = {}  # endpoint -> "max_tokens" or "max_completion_tokens"
_forgetters: list = []  # what other modules remember per endpoint (structured-output modes)


def reset() -> None:
    """Forget cached clients and what each endpoint was found to accept (for tests)."""
    with lock:
        _clients.clear()
        _token_param.clear()
        for forget in _forgetters:
            forget()


def endpoint_key(settings: Settings) -> tuple:
    return (settings.openai_base_url or "", settings.llm_model)


def _client(settings: Settings):
    key = (settings.openai_base_url, settings.openai_api_key, settings.llm_timeout_s, settings.llm_max_retries)
    with lock:
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


def where(settings: Settings) -> str:
    return f"{settings.openai_base_url or 'the default OpenAI endpoint'} (model {settings.llm_model})"


def _explain(exc: Exception, settings: Settings) -> str:
    """One line that says what went wrong, for an `LLMError`."""
    import openai

    place = where(settings)
    tries = f"after {settings.llm_max_retries + 1} attempt(s)"
    if isinstance(exc, openai.APITimeoutError):
        return f"The LLM endpoint {place} timed out ({settings.llm_timeout_s:g} s) {tries}."
    if isinstance(exc, openai.APIConnectionError):
        return f"Cannot reach the LLM endpoint {place} {tries}: {exc.__cause__ or exc}."
    if isinstance(exc, openai.APIStatusError):
        body = (exc.response.text or "")[:200] if exc.response is not None else ""
        retried = exc.status_code in (408, 409, 429) or exc.status_code >= 500
        return (f"The LLM endpoint {place} answered HTTP {exc.status_code} {tries if retried else '(not retried)'}: "
                f"{body or exc.message}")
    if isinstance(exc, openai.APIResponseValidationError):
        return f"The LLM endpoint {place} sent a reply that is not a chat completion: {exc}"
    return f"The LLM call to {place} failed: {type(exc).__name__}: {exc}"


def _request(settings: Settings, messages: list[dict], max_tokens: int, **extra):
    """One chat-completions call (SDK retries included); returns the SDK's response object."""
    import openai

    client = _client(settings)
    endpoint = endpoint_key(settings)
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
            raise InvalidReply(f"The LLM endpoint {where(settings)} sent a reply that is not JSON: {exc}") from exc


def _content(response, settings: Settings) -> str:
    try:
        choice = response.choices[0]
        content = choice.message.content
    except (AttributeError, IndexError, TypeError) as exc:
        raise InvalidReply(f"The LLM endpoint {where(settings)} sent a reply without a message: {exc}") from exc
    if content is None:
        raise InvalidReply(f"The LLM endpoint {where(settings)} sent an empty message "
                       f"(finish_reason {getattr(choice, 'finish_reason', None)!r}).")
    return content


def complete(settings: Settings, messages: list[dict], max_tokens: int, **extra) -> str:
    """One request's reply text. Raises `HTTPStatusError` for an HTTP error status, `InvalidReply` for a
    body that is not a completion, and `LLMError` for anything else (all after the SDK's own retries)."""
    import openai

    try:
        return _content(_request(settings, messages, max_tokens, **extra), settings)
    except openai.APIStatusError as exc:
        raise HTTPStatusError(_explain(exc, settings), exc.status_code) from exc
    except openai.OpenAIError as exc:
        raise LLMError(_explain(exc, settings)) from exc


def chat(messages: list[dict], *, settings: Settings | None = None, max_tokens: int = 400) -> str:
    """The assistant's reply to `messages` (temperature 0, at most `max_tokens` tokens); a body that is
    not a completion is asked for again, up to `llm_max_retries` more times."""
    settings = settings or get_settings()
    attempts = settings.llm_max_retries + 1
    try:
        for attempt in Retrying(stop=stop_after_attempt(attempts), retry=retry_if_exception_type(InvalidReply),
                                reraise=True):
            with attempt:
                return complete(settings, messages, max_tokens)
    except InvalidReply as exc:
        raise LLMError(f"{exc} ({attempts} attempt(s))") from exc
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
                    raise LLMError(f"The LLM endpoint {where(settings)} kept streaming past the limit of "
                                   f"{max_tokens} tokens; the stream was cut.")
                yield text
            if time.monotonic() > deadline:
                raise LLMError(f"The LLM endpoint {where(settings)} was still streaming after "
                               f"{settings.llm_timeout_s:g} s; the stream was cut.")
        if not finished:  # the connection closed without a finish_reason: the reply is cut short
            raise LLMError(f"The stream from the LLM endpoint {where(settings)} ended before the reply was "
                           "finished (no finish_reason).")
    except openai.OpenAIError as exc:
        raise LLMError(_explain(exc, settings)) from exc
    except LLMError:
        raise
    except Exception as exc:  # a chunk that is not JSON, a connection dropped mid-stream (raw httpx errors)
        raise LLMError(f"The stream from the LLM endpoint {where(settings)} broke: "
                       f"{type(exc).__name__}: {exc}") from exc
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()
