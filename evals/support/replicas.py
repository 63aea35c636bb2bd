"""`interviewer serve --replicas N` started for a test or a benchmark: N app processes behind nginx.

    with running_replicas(home, 2, env={"INTERVIEWER_DATABASE_URL": url}) as farm:
        farm.url                    # nginx, http://127.0.0.1:<port>/
        farm.pids()                 # {replica port: pid}, as the launcher last reported them
        farm.kill(port)             # kill -9 one replica (the launcher starts it again)
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from .appserver import ROOT, START_TIMEOUT_S, free_port, stop, wait_until_served

LINE = re.compile(r"replica on 127\.0\.0\.1:(\d+) pid (\d+)")


class Farm:
    def __init__(self, proc: subprocess.Popen, port: int, replicas: int, home: Path):
        self.proc = proc
        self.home = home
        self.url = f"http://127.0.0.1:{port}/"
        self.backends = [port + 1 + i for i in range(replicas)]
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def pids(self) -> dict[int, int]:
        found: dict[int, int] = {}
        for line in list(self.lines):
            if m := LINE.search(line):
                found[int(m.group(1))] = int(m.group(2))
        return found

    def served(self) -> dict[int, int]:
        """{replica port: queue joins it served so far}, from nginx's access log (it logs the upstream)."""
        counts: dict[int, int] = {}
        log = self.home / "nginx" / "access.log"
        for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
            if m := re.search(r"queue/join.* upstream=127\.0\.0\.1:(\d+)", line):
                counts[int(m.group(1))] = counts.get(int(m.group(1)), 0) + 1
        return counts

    def kill(self, port: int) -> int:
        pid = self.pids()[port]
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        for port in self.backends:
            wait_until_served(f"http://127.0.0.1:{port}/", self.proc, timeout)
        wait_until_served(self.url, self.proc, timeout)


def replica_env(home: Path, env: dict | None = None) -> dict:
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "GRADIO_TEMP_DIR")}
    environment.update({"INTERVIEWER_HOME": str(home), "INTERVIEWER_HOST": "127.0.0.1", "PYTHONUNBUFFERED": "1",
                        **(env or {})})
    return environment


def _free_run(length: int) -> int:
    """A port P with P..P+length-1 all free (the launcher takes consecutive ports)."""
    for _ in range(50):
        port = free_port()
        if port + length < 65535 and all(_is_free(port + i) for i in range(length)):
            return port
    raise RuntimeError("no run of free ports")


def _is_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def answer_text(n: int, i: int) -> str:
    return f"Candidate marker{n}x says: for part {i} I would use a simple baseline, offline evaluation and monitoring."


def candidate(url: str, n: int, answers: int, folder: Path, answered: threading.Semaphore | None = None,
              tries: int = 10, turn_timeout: float = 180) -> dict:
    """One simulated candidate through `url`: a grill interview, `answers` answers. A turn that fails (its
    process killed, the database restarting) is reported to the candidate, who reopens the session (as
    History → Resume does, on whichever process the balancer picks) and sends it again. A reply that takes
    longer than `turn_timeout` counts as failed, so a lost event stream shows as a failure, never a hang."""
    from gradio_client import Client

    def connect():
        return Client(url, verbose=False, download_files=str(folder / str(n)), httpx_kwargs={"timeout": 120})

    client = connect()
    _, status, *_ = client.submit("grill", "", "", "", api_name="/start").result(timeout=turn_timeout)
    sid = re.search(r"session `(\w+)`", status).group(1)
    out = {"sid": sid, "acked": [], "failed": 0, "latencies": [], "chats": []}
    for i in range(answers):
        for attempt in range(tries):
            started = time.perf_counter()
            try:
                chat, *_ = client.submit(answer_text(n, i), api_name="/send").result(timeout=turn_timeout)
                out["latencies"].append(time.perf_counter() - started)
                break
            except Exception:
                if attempt == tries - 1:
                    raise
                out["failed"] += 1
                time.sleep(1.0)
                try:
                    client = connect()
                    client.submit(sid, api_name="/resume").result(timeout=turn_timeout)
                except Exception:
                    pass
        out["acked"].append(answer_text(n, i))
        out["chats"].append(repr(chat))
        if answered is not None:
            answered.release()
    return out


def audit(results: dict[int, dict], turns_of) -> dict:
    """Lost answers (acknowledged, not in the database), cross-talk (another candidate's words in a transcript
    or a reply), and answers saved twice, from `turns_of(session id)`."""
    lost = crosstalk = twice = 0
    for n, result in results.items():
        said = [t.text for t in turns_of(result["sid"]) if t.role == "candidate"]
        lost += sum(text not in said for text in result["acked"])
        twice += sum(said.count(text) > 1 for text in result["acked"])
        others = [f"marker{m}x" for m in results if m != n]
        crosstalk += sum(any(o in s for o in others) for s in said)
        crosstalk += sum(any(o in c for o in others) for c in result["chats"])
    return {"lost": lost, "crosstalk": crosstalk, "twice": twice}


@contextmanager
def running_replicas(home: Path, replicas: int = 2, env: dict | None = None, timeout: float = START_TIMEOUT_S):
    port = _free_run(replicas + 1)
    proc = subprocess.Popen([sys.executable, "-m", "interviewer.cli", "serve", "--replicas", str(replicas), "--port",
                             str(port)], cwd=ROOT, env=replica_env(home, env), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    farm = Farm(proc, port, replicas, home)
    try:
        try:
            farm.wait_ready(timeout)
        except Exception as error:
            time.sleep(0.5)
            raise RuntimeError(f"the replicas did not start ({error}):\n" + "\n".join(farm.lines[-60:])) from None
        yield farm
    finally:
        stop(proc, grace_s=20)
