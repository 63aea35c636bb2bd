"""Shared fixtures: state in a temp dir, no network, one real index per session."""

from __future__ import annotations

import ipaddress
import shutil
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"


class NetworkAttempt(AssertionError):
    pass


def _is_loopback(address) -> bool:
    if isinstance(address, (str, bytes)) and not isinstance(address, tuple):
        return True  # AF_UNIX path
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: resolving it would already be a network attempt


attempts: list = []
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        attempts.append(address)
        raise NetworkAttempt(f"network connection attempted to {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        attempts.append(address)
        raise NetworkAttempt(f"network connection attempted to {address!r}")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else host
    if name not in (None, "localhost", "") and not _is_loopback((name, 0)):
        attempts.append(name)
        raise NetworkAttempt(f"name lookup attempted for {name!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def no_network():
    """Every test runs with non-loopback connections and name lookups failing loudly."""
    mp = pytest.MonkeyPatch()
    mp.setattr(socket.socket, "connect", _guarded_connect)
    mp.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    mp.setattr(socket, "getaddrinfo", _guarded_getaddrinfo)
    yield attempts
    mp.undo()
    assert not attempts, f"non-loopback network attempts during the tests (some caught and swallowed): {attempts}"


def _reset_caches():
    from interviewer.config import get_settings
    from interviewer.corpus.retrieval import forget_stores
    from interviewer.history.sessions import forget_sessions

    get_settings.cache_clear()
    forget_stores()
    forget_sessions()


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """INTERVIEWER_HOME points at a fresh temp dir; no user state is touched."""
    path = tmp_path / "home"
    monkeypatch.setenv("INTERVIEWER_HOME", str(path))
    for var in ("CHROMA_HOST", "CHROMA_PORT", "OPENAI_API_KEY", "OPENAI_BASE_URL", "INTERVIEWER_CORPUS_DIR"):
        monkeypatch.delenv(var, raising=False)
    _reset_caches()
    yield path
    _reset_caches()


@pytest.fixture(scope="session")
def built_index(tmp_path_factory):
    """The shipped corpus indexed once with the real model into a real Chroma; copied per use."""
    from interviewer import build_index
    from interviewer.config import Settings

    path = tmp_path_factory.mktemp("index-home")
    report = build_index(settings=Settings(home=path), progress=False)
    return path, report


@pytest.fixture
def indexed_home(built_index, home, monkeypatch):
    """A writable copy of the session index as this test's INTERVIEWER_HOME."""
    source, _ = built_index
    shutil.copytree(source, home)
    _reset_caches()
    return home


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell a failed test (for screenshots)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


IN_CI = __import__("os").environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for the whole run (started on first use). Skipped on a machine without
    PostgreSQL; under CI=true a missing server fails."""
    from evals.support.postgres import PostgresServer, missing_reason

    if missing_reason():
        if IN_CI:
            pytest.fail(missing_reason())
        pytest.skip(missing_reason())
    with PostgresServer() as server:
        yield server


_databases = iter(range(1, 1_000_000))


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, home):
    """A fresh, empty session database of each kind: a SQLite file under the test's home, or a new
    database on the real PostgreSQL server. Yields what SessionStore takes (a path or a URL)."""
    if request.param == "sqlite":
        yield home / "sessions.sqlite3"
        return
    server = request.getfixturevalue("postgres")
    yield server.create_database(f"t{next(_databases)}")
