"""A real PostgreSQL server for a test or a benchmark: Debian's `initdb` and `pg_ctl` in a temp dir.

    with PostgresServer() as pg:
        url = pg.create_database("t1")        # postgresql+psycopg://interviewer@127.0.0.1:<port>/t1

Listens on 127.0.0.1 only (a free port, no Unix socket), trusts local connections, keeps nothing
durable (fsync off: it is thrown away after). PostgreSQL refuses to run as root, so as root the
server runs as the `postgres` user the Debian package creates (else `nobody`), through `runuser`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from .appserver import free_port

USER = "interviewer"


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: the newest /usr/lib/postgresql/N/bin, else wherever PATH has them."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).resolve().parent if on_path and shutil.which("initdb") else None


def missing_reason() -> str:
    return "" if binaries() else "PostgreSQL (initdb, pg_ctl) is not installed: run scripts/system-deps.sh"


def _run_as() -> list[str]:
    if os.geteuid() != 0:
        return []
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"]
    raise RuntimeError("running as root and there is no 'postgres' or 'nobody' user to run PostgreSQL as")


class PostgresServer:
    """One throwaway cluster; `url`, `create_database`, `restart`, `stop`."""

    def __init__(self, port: int | None = None):
        bin_dir = binaries()
        if bin_dir is None:
            raise RuntimeError(missing_reason())
        self.bin = bin_dir
        self.port = port or free_port()
        self.root = Path(tempfile.mkdtemp(prefix="interviewer-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.prefix = _run_as()
        if self.prefix:  # the server's own user must own its folder
            user = pwd.getpwnam(self.prefix[2])
            os.chown(self.root, user.pw_uid, user.pw_gid)

    def _cmd(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self.prefix, *args], capture_output=True, text=True, check=check, cwd=self.root)

    def start(self) -> PostgresServer:
        if not self.data.exists():
            self._cmd(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", USER, "-E", "UTF8",
                      "--no-sync", "--locale=C")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' -F "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        out = self._cmd(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                        "-t", "60", "start", check=False)
        if out.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {out.stdout}{out.stderr}\n{self.log_tail()}")
        return self

    def stop(self, mode: str = "fast") -> None:
        if self.data.exists():
            self._cmd(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; its SQLAlchemy URL."""
        import psycopg  # a test-side dependency here; the package reaches Postgres through SQLAlchemy

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def close(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
