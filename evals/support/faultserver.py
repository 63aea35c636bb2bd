"""A scriptable OpenAI-compatible chat-completions server that misbehaves on request.

For tests of everything that talks to an LLM endpoint: retries, timeouts, structured-output
step-down and fallbacks. It binds to 127.0.0.1 on a free port and runs in a daemon thread.

    with FaultServer() as server:
        server.script(error(500), rate_limited(retry_after=0.2), ok('{"a": 1}'))
        settings = Settings(openai_base_url=server.url, ...)
        ...
        assert len(server.requests) == 3

Each request to `POST /v1/chat/completions` takes the next scripted `Reply`; when the script is
empty, `default` answers (a fixed `Reply`, or a function of the request body returning one).
`refuse_json_schema = True` answers every `response_format` of type `json_schema` with HTTP 500
before the script is consulted, as llama-cpp-python's server does. `GET /v1/models` lists one
model. Every request body is kept in `requests` (parsed JSON) for assertions.

Replies: `ok`, `error`, `rate_limited`, `slow`, `malformed`, `truncated_body`, `truncated_json`,
`endless`; streaming requests (`"stream": true`) get the content as several SSE deltas.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "fault-model"


@dataclass
class Reply:
    status: int = 200
    content: str = "Hello from the fault server."
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # a raw body, sent as is (overrides content)
    delay: float = 0.0  # seconds to wait before answering
    endless: bool = False  # streaming only: send deltas until the client goes away
    truncate: bool = False  # announce the full length, send half the body, close
    finish_reason: str = "stop"


def ok(content: str = "Hello from the fault server.", finish_reason: str = "stop") -> Reply:
    return Reply(content=content, finish_reason=finish_reason)


def error(status: int = 500, message: str = "injected failure") -> Reply:
    body = json.dumps({"error": {"message": message, "type": "server_error", "code": status}}).encode()
    return Reply(status=status, body=body)


def rate_limited(retry_after: float = 0.2, status: int = 429) -> Reply:
    reply = error(status, "rate limited, slow down")
    reply.headers["Retry-After"] = f"{retry_after:g}"
    return reply


def slow(seconds: float, content: str = "late reply") -> Reply:
    return Reply(content=content, delay=seconds)


def malformed() -> Reply:
    """HTTP 200 with a body that is not JSON."""
    return Reply(body=b'{"id": "x", "choices": [ {"message": oops not json')


def truncated_body(content: str = "cut short") -> Reply:
    """A JSON body whose connection closes halfway through."""
    return Reply(content=content, truncate=True)


def truncated_json(content: str) -> Reply:
    """A well-formed completion whose message is JSON cut off mid-way (as at a token limit)."""
    return Reply(content=content[: max(1, len(content) // 2)], finish_reason="length")


def endless() -> Reply:
    return Reply(endless=True)


def completion(content: str, finish_reason: str = "stop") -> dict:
    return {
        "id": "chatcmpl-fault", "object": "chat.completion", "created": int(time.time()), "model": MODEL,
        "choices": [{"index": 0, "finish_reason": finish_reason,
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def chunk(text: str | None, finish_reason: str | None = None) -> dict:
    delta = {"content": text} if text is not None else {}
    return {"id": "chatcmpl-fault", "object": "chat.completion.chunk", "created": int(time.time()), "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}


class FaultServer:
    def __init__(self, default: Reply | Callable[[dict], Reply] | None = None, endless_limit_s: float = 30.0):
        self.default = default or ok()
        self.refuse_json_schema = False
        self.requests: list[dict] = []
        self.endless_limit_s = endless_limit_s
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- control -------------------------------------------------------------------------

    def script(self, *replies: Reply) -> FaultServer:
        with self._lock:
            self._script.extend(replies)
        return self

    def clear(self) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()
        self.refuse_json_schema = False

    @property
    def pending(self) -> int:
        return len(self._script)

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FaultServer:
        handler = type("Handler", (_Handler,), {"server_ref": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="faultserver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- behaviour ------------------------------------------------------------------------

    def _next(self, body: dict) -> Reply:
        with self._lock:
            self.requests.append(body)
            fmt = body.get("response_format") or {}
            if self.refuse_json_schema and fmt.get("type") == "json_schema":
                return error(500, "json_schema is not supported by this server")
            if self._script:
                return self._script.popleft()
        return self.default(body) if callable(self.default) else self.default


class _Handler(BaseHTTPRequestHandler):
    server_ref: FaultServer
    protocol_version = "HTTP/1.0"

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._send(200, json.dumps({"object": "list", "data": [{"id": MODEL, "object": "model"}]}).encode())
        else:
            self._send(404, b'{"error": {"message": "not found"}}')

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, b'{"error": {"message": "not found"}}')
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send(400, b'{"error": {"message": "request body is not JSON"}}')
            return
        reply = self.server_ref._next(body)
        try:
            if reply.delay:
                time.sleep(reply.delay)
            if reply.body is not None or reply.status != 200:
                self._send(reply.status, reply.body or b"{}", reply.headers)
            elif body.get("stream"):
                self._stream(reply)
            else:
                data = json.dumps(completion(reply.content, reply.finish_reason)).encode()
                self._send(200, data, reply.headers, truncate=reply.truncate)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            pass  # the client gave up (a timeout test) or was cut off

    def _send(self, status: int, data: bytes, headers: dict | None = None, truncate: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data[: len(data) // 2] if truncate else data)
        self.wfile.flush()

    def _event(self, payload: dict | str) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        self.wfile.write(f"data: {text}\n\n".encode())
        self.wfile.flush()

    def _stream(self, reply: Reply) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self._event({**chunk(None), "choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]})
        if reply.endless:
            stop_at = time.monotonic() + self.server_ref.endless_limit_s
            while time.monotonic() < stop_at:
                self._event(chunk("and on "))
                time.sleep(0.002)
            return
        words = reply.content.split(" ")
        for i, word in enumerate(words):
            self._event(chunk(word if i == 0 else " " + word))
        self._event(chunk(None, reply.finish_reason))
        self._event("[DONE]")
