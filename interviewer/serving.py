"""Several app processes behind nginx: `interviewer serve --replicas N`.

The processes share the session database (INTERVIEWER_DATABASE_URL) and, for many users, a Chroma
server (CHROMA_HOST); nothing else is kept in a process that another would need, except what Gradio
keeps per browser (its queue and gr.State), which is why nginx hashes each browser onto one process
(see data/nginx.conf.j2). The launcher restarts a replica that dies; nginx routes around it meanwhile.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import jinja2

from .config import PACKAGE_DIR

TEMPLATE = PACKAGE_DIR / "data" / "nginx.conf.j2"


def nginx_config(backends: list[int], port: int, prefix: Path, max_body: str = "1m") -> str:
    """The nginx configuration that balances `backends` (ports on 127.0.0.1) behind 127.0.0.1:`port`."""
    template = jinja2.Template(TEMPLATE.read_text(encoding="utf-8"), undefined=jinja2.StrictUndefined)
    return template.render(backends=backends, port=port, prefix=str(prefix), max_body=max_body)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


def nginx_command(backends: list[int], port: int, prefix: Path) -> list[str]:
    """Write the configuration under `prefix` and return the command that runs nginx on it in the foreground."""
    exe = nginx_binary()
    if exe is None:
        raise RuntimeError("nginx is not installed (Debian: apt-get install nginx; or run scripts/system-deps.sh)")
    prefix.mkdir(parents=True, exist_ok=True)
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(prefix / "tmp" / sub, 0o777)  # nginx's workers may run as another user than its master
    os.chmod(prefix, 0o755)
    conf = prefix / "nginx.conf"
    conf.write_text(nginx_config(backends, port, prefix), encoding="utf-8")
    return [exe, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"]


def replica_command(port: int) -> list[str]:
    return [sys.executable, "-c", f"import app; app.main(port={port})"]


def serve_replicas(replicas: int, port: int, home: Path, host: str = "127.0.0.1", say=print) -> None:
    """Run `replicas` app processes on port+1.. and nginx on `port` until interrupted; restart any that exits."""
    if host not in ("127.0.0.1", "localhost"):
        raise RuntimeError("The replicas and nginx bind 127.0.0.1 only; put a TLS proxy in front for other hosts.")
    backends = [port + 1 + i for i in range(replicas)]
    procs: dict[int, subprocess.Popen] = {}

    def start(p: int) -> None:
        procs[p] = subprocess.Popen(replica_command(p), env={**os.environ, "INTERVIEWER_PORT": str(p)})
        say(f"replica on 127.0.0.1:{p} pid {procs[p].pid}")

    for p in backends:
        start(p)
    balancer = subprocess.Popen(nginx_command(backends, port, home / "nginx"))
    say(f"nginx on http://127.0.0.1:{port}/ pid {balancer.pid} -> {', '.join(map(str, backends))}")
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        while not stopping:
            for p, proc in list(procs.items()):
                if proc.poll() is not None:
                    say(f"replica on port {p} exited with {proc.returncode}; starting it again")
                    start(p)
            if balancer.poll() is not None:
                raise RuntimeError(f"nginx exited with {balancer.returncode}; see {home / 'nginx' / 'error.log'}")
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for proc in [balancer, *procs.values()]:
            proc.terminate()
        for proc in [balancer, *procs.values()]:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
