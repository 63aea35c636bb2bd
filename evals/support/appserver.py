"""The Gradio app started for a test: a real server process on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_served(url: str, proc: subprocess.Popen | None = None, timeout: float = START_TIMEOUT_S) -> float:
    """Seconds until `url` answers 200 (fails if the process dies first)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the app exited with {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def stop(proc: subprocess.Popen, grace_s: float = 10) -> None:
    """Ask the process to end; kill it if it has not within `grace_s`."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_app(home: Path, env: dict | None = None, port: int | None = None, ready: str = "config"):
    """Start `python app.py` and wait until `ready` (a path under the base URL) answers; (process, base URL).
    With accounts on, Gradio answers /config only after a login: wait for the login page ("") instead."""
    port = port or free_port()
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "GRADIO_TEMP_DIR")}
    environment.update({"INTERVIEWER_HOME": str(home), "INTERVIEWER_HOST": "127.0.0.1", "INTERVIEWER_PORT": str(port),
                        **(env or {})})
    log = open(Path(home).parent / f"app-{port}.log", "w+")
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=environment, stdout=log,
                            stderr=subprocess.STDOUT, text=True)
    proc.log = log
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_served(url + ready, proc)
    except Exception:
        log.seek(0)
        stop(proc)
        raise RuntimeError(f"the app did not start:\n{log.read()[-4000:]}") from None
    return proc, url


@contextmanager
def running_app(home: Path, env: dict | None = None, ready: str = "config"):
    """`python app.py` with INTERVIEWER_HOME=`home` on 127.0.0.1:<free port>; yields the base URL."""
    proc, url = start_app(home, env, ready=ready)
    try:
        yield url
    finally:
        stop(proc)
        proc.log.close()
