"""The page in a real headless Chromium: it renders, and the chat shows the interviewer's first message.

`?session=<id>` makes the page reopen a session as it loads and `?mode=...` start one, so a
browser with no scripted clicks still exercises the whole path: page, queue, handler, SQLite,
chat rendering.
Skipped on a developer machine without Chromium; under CI=true a missing Chromium fails.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from interviewer import SessionStore

from evals.support.appserver import running_app

from .needs import need

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--virtual-time-budget=15000", "--window-size=1280,900", "--hide-scrollbars"]
# Where the chat box sits at 1280x900 (x0, y0, x1, y1): the middle column under the tabs.
CHAT_BOX = (300, 190, 960, 640)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app, with one drill started through the API (which also loads the models)."""
    need(None if CHROMIUM else "chromium is not installed (run scripts/system-deps.sh)")
    from gradio_client import Client

    home = tmp_path_factory.mktemp("browser") / "home"
    with running_app(home) as url:
        _, status, *_ = Client(url, verbose=False).predict("drill", "", "", "", api_name="/start")
        sid = re.search(r"session `(\w+)`", status).group(1)
        yield url, home, sid


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=120)


def _turns(home: Path, session_id: str | None = None):
    store = SessionStore(home / "sessions.sqlite3")
    try:
        info = store.get(session_id) if session_id else store.list()[0]  # newest first
        return info, store.turns(info.id)
    finally:
        store.close()


def _visible_text(dom: str) -> str:
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", dom)).split())


def test_the_chat_shows_the_first_interviewer_message_in_the_dom(app, tmp_path):
    url, home, sid = app
    out = chromium("--dump-dom", f"{url}?session={sid}", profile=tmp_path / "profile")
    assert out.returncode == 0, out.stderr[-2000:]
    _, turns = _turns(home, sid)
    first = turns[0]
    assert first.role == "interviewer"
    text = _visible_text(out.stdout)
    assert " ".join(first.text.split())[:200] in text
    assert sid in text  # the status line names this session
    assert "Your interviewer will start here" not in text  # the chat's empty placeholder is gone


def test_opening_the_page_with_a_mode_starts_that_interview(app, tmp_path):
    url, home, sid = app
    out = chromium("--dump-dom", f"{url}?mode=grill&seed=11", profile=tmp_path / "profile")
    assert out.returncode == 0, out.stderr[-2000:]
    info, _ = _turns(home)
    assert info.id != sid and info.mode == "grill" and info.plan["seed"] == 11
    deadline = time.monotonic() + 60  # the opening may still be on its way when the browser's budget ends
    while not _turns(home, info.id)[1] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _turns(home, info.id)[1][0].role == "interviewer"


def _ink(image: np.ndarray) -> float:
    """Share of pixels in the chat box that differ clearly from the box's background colour."""
    x0, y0, x1, y1 = CHAT_BOX
    box = image[y0:y1, x0:x1, :3].astype(int)
    background = np.median(box.reshape(-1, 3), axis=0)
    return float((np.abs(box - background).sum(axis=2) > 60).mean())


def test_a_screenshot_shows_the_page_and_a_filled_chat(app, tmp_path):
    from PIL import Image

    url, _, sid = app
    shots = {}
    for name, address in (("empty", url), ("started", f"{url}?session={sid}")):
        path = tmp_path / f"{name}.png"
        out = chromium(f"--screenshot={path}", address, profile=tmp_path / f"profile-{name}")
        assert out.returncode == 0 and path.is_file(), out.stderr[-2000:]
        shots[name] = np.asarray(Image.open(path).convert("RGB"))
    for image in shots.values():
        assert image.shape[:2] == (900, 1280)
        assert image.reshape(-1, 3).std(axis=0).max() > 20  # not a blank or single-colour page
        assert (image.reshape(-1, 3).max(axis=1) < 100).mean() > 0.003  # some dark text is drawn
    empty, started = _ink(shots["empty"]), _ink(shots["started"])
    assert started > 0.01 and started > 4 * empty  # the interviewer's message fills the chat box
