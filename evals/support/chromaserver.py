"""A Chroma server (`chroma run`) for a test or a benchmark, on a free loopback port."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from .appserver import free_port, stop


def chroma_exe() -> Path:
    exe = Path(sys.executable).parent / "chroma"
    return exe if exe.exists() else Path(shutil.which("chroma") or "chroma")


@contextmanager
def running_chroma(data: Path, timeout: float = 60):
    """`chroma run` on 127.0.0.1 with its data in `data`; yields the port."""
    port = free_port()
    proc = subprocess.Popen([str(chroma_exe()), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("chroma run exited at start") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"chroma server did not answer within {timeout:.0f} s") from None
                time.sleep(0.3)
        yield port
    finally:
        stop(proc)
