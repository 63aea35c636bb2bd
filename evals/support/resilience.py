"""Helpers for tests/test_resilience.py: the fault table, a fault server that can go down, an app process
that can be killed with SIGKILL, and the environment that puts the network guard into a subprocess.

- `FAULTS`: one entry per way an LLM endpoint misbehaves, each a reply for streamed requests (the
  interviewer's phrasing) and one for plain requests (the grader's structured output).
- `SwitchableFaultServer`: `evals.support.faultserver.FaultServer` whose listening socket can be closed and
  reopened on the same port, so an app started against it sees a real "connection refused".
- `AppProcess`: `python app.py` on 127.0.0.1:<free port>, exposing its pid so a test can `kill -9` it
  and start it again on the same INTERVIEWER_HOME.
- `guarded_env(log)`: PYTHONPATH entries that load `evals/support/netguard/sitecustomize.py` into a child
  interpreter; every non-loopback connection or name lookup it tries is refused and written to `log`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from collections.abc import Callable

from .appserver import ROOT, free_port, wait_until_served
from .faultserver import FaultServer, Reply, _Handler, chunk, endless, error, malformed, ok, rate_limited, slow, truncated_json

NETGUARD_DIR = Path(__file__).resolve().parent / "netguard"

LLM_TIMEOUT_S = 0.5  # every endpoint call gives up after this; the slow fault answers well after it


def sse(*payloads: dict | str) -> bytes:
    """Server-sent events as an OpenAI-compatible server writes them."""
    return b"".join(f"data: {p if isinstance(p, str) else json.dumps(p)}\n\n".encode() for p in payloads)


def by_request(streamed: Reply, plain: Reply) -> Callable[[dict], Reply]:
    """`streamed` for streaming requests (the interviewer), `plain` for the rest (the grader)."""
    return lambda body: streamed if body.get("stream") else plain


@dataclass(frozen=True)
class Fault:
    name: str
    reply: Reply | Callable[[dict], Reply] | None  # None: the endpoint is down (nothing listens)
    retries: int  # llm_max_retries used in-process (1 where a retry is part of the fault: Retry-After)
    interviewer_says: str  # words of the reason the interviewer's fallback note gives
    grader_says: str  # words of the reason the grader's fallback warning gives


# A grade reply cut off mid-way, as at a token limit.
_GRADE_JSON = '{"key_points": {"kp": {"verdict": "covered", "evidence": "a two-tower model"}}, "core_idea": true}'
# Half of a first event, then the connection closes: a stream cut before any text arrived.
_HALF_EVENT = b'data: {"id": "chatcmpl-fault", "object": "chat.completion.chunk", "choi'
# Two deltas, then the connection closes mid-event: no finish_reason, no [DONE].
CUT_STREAM = sse(chunk("Could you tell"), chunk(" me how you would")) + _HALF_EVENT

FAULTS = [
    Fault("down", None, 0, "Cannot reach", "Cannot reach"),
    Fault("slow", slow(LLM_TIMEOUT_S * 6), 0, "timed out", "timed out"),
    Fault("http-500", error(500), 0, "HTTP 500", "HTTP 500"),
    Fault("http-429-retry-after", rate_limited(retry_after=0.1), 1, "HTTP 429", "HTTP 429"),
    Fault("malformed-json", malformed(), 0, "no finish_reason", "not JSON"),
    Fault("truncated-json", by_request(Reply(body=_HALF_EVENT), truncated_json(_GRADE_JSON)), 0,
          "no finish_reason", "EOF while parsing"),
    Fault("wrong-schema", by_request(Reply(body=sse({"object": "not.a.chunk", "result": "hello"}, "[DONE]")),
                                     ok('{"score": "excellent", "verdict": 7}')), 0, "no finish_reason", "Field required"),
    Fault("endless-stream", by_request(endless(), ok("and on " * 2000, finish_reason="length")), 0,
          "still streaming", "Invalid JSON"),
]


class SwitchableFaultServer(FaultServer):
    """A fault server that can stop listening (`down`) and listen again on the same port (`up`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._port: int | None = None

    @property
    def port(self) -> int:
        if self._httpd is not None:
            return self._httpd.server_address[1]
        assert self._port is not None, "server never started"
        return self._port

    def start(self) -> SwitchableFaultServer:
        super().start()
        self._port = self._httpd.server_address[1]
        return self

    def down(self) -> None:
        self.stop()  # the socket is closed: connecting now is refused

    def up(self) -> None:
        if self._httpd is not None:
            return
        import threading

        handler = type("Handler", (_Handler,), {"server_ref": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self._port), handler)  # allow_reuse_address is set
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="faultserver", daemon=True)
        self._thread.start()

    def apply(self, fault: Fault) -> None:
        """Behave as `fault` from the next request on."""
        self.clear()
        if fault.reply is None:
            self.down()
        else:
            self.up()
            self.default = fault.reply


class AppProcess:
    """`python app.py` bound to 127.0.0.1 on a free port, with INTERVIEWER_HOME=`home`."""

    def __init__(self, home: Path, env: dict | None = None, port: int | None = None):
        self.home = Path(home)
        self.port = port  # None: a free one at each start
        self.env = env or {}
        self.proc: subprocess.Popen | None = None
        self.log_path = self.home.parent / "app.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 120) -> AppProcess:
        if self.port is None:
            self.port = free_port()
        environment = {k: v for k, v in os.environ.items()
                       if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "GRADIO_TEMP_DIR")}
        environment.update({"INTERVIEWER_HOME": str(self.home), "INTERVIEWER_HOST": "127.0.0.1",
                            "INTERVIEWER_PORT": str(self.port), **self.env})
        self.home.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=environment,
                                         stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_served(self.url + "config", self.proc, timeout=timeout)
        except Exception:
            self.stop()
            raise RuntimeError(f"the app did not start:\n{self.log()[-4000:]}") from None
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill9(self) -> int:
        """SIGKILL this process (by its pid) and reap it; returns the exit status (-9)."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        return self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def __enter__(self) -> AppProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def guarded_env(log: Path) -> dict[str, str]:
    """Environment for a child interpreter that runs under the network guard, recording to `log`."""
    path = os.pathsep.join(p for p in (str(NETGUARD_DIR), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "NETGUARD_LOG": str(log)}


def guard_attempts(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def chat_text(message: dict) -> str:
    """A chat message's text as gradio_client returns it (content may be a list of parts)."""
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def session_id(status_line: str) -> str:
    return status_line.split("session `")[1].split("`")[0]


__all__ = ["FAULTS", "CUT_STREAM", "Fault", "SwitchableFaultServer", "AppProcess", "guarded_env", "guard_attempts", "sse",
           "by_request", "chat_text", "session_id", "LLM_TIMEOUT_S", "NETGUARD_DIR", "endless", "error", "ok",
           "slow"]
