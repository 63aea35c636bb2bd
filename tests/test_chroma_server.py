"""The many-users path: a real Chroma server started by the test, on 127.0.0.1."""

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from interviewer import build_index, search


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    exe = Path(sys.executable).parent / "chroma"
    if not exe.exists():
        exe = Path(shutil.which("chroma") or "chroma")
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen([str(exe), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("chroma run exited at start")
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma server did not answer within 60 s")
    yield port
    proc.terminate()
    proc.wait(timeout=10)


def test_index_and_search_through_a_chroma_server(chroma_server, monkeypatch, tmp_path, home):
    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("CHROMA_PORT", str(chroma_server))
    from interviewer.config import get_settings

    get_settings.cache_clear()
    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "serving.md").write_text("# Serving\n\n## Canary\n\nSend five percent of traffic to the new model first.\n\n"
                                       "## Shadow\n\nRun the new model on live requests but discard its answers.\n")
    report = build_index(corpus_dir=corpus, progress=False)
    assert report.added == 2
    assert build_index(corpus_dir=corpus, progress=False).unchanged == 2
    top = search("test a model on real traffic without users seeing its output", k=1)[0]
    assert top.section == "Shadow"
    assert not (home / "index").exists()  # nothing was written locally
