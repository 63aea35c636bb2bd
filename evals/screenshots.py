"""Screenshots of every tab for docs/UI.md, taken in the real app by Playwright driving the system Chromium.

    python -m evals screenshots [--out docs/img]

Starts the app on a free loopback port with a fresh state folder (the index is built first), plays a short
design interview (a clarifying question, an answer, design notes), ends it, and photographs the Interview,
Report, Grade an answer and History tabs, and the Interview tab on a phone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from evals.support.appserver import running_app

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
TURNS = ["Hi! Before I start: what is the peak traffic, and how fresh must recommendations be?",
         "I'd frame it as ranking by expected long-term watch time, with a two-tower retrieval stage "
         "and a ranker over a few hundred candidates; clicks alone would reward clickbait."]
NOTES = ("## Requirements\n- 40k requests/s at peak\n- p99 under 200 ms\n\n```mermaid\ngraph LR\n"
         "  U[user] --> R[retrieval: two-tower + ANN] --> K[ranker] --> F[feed]\n```")
WAIT_MS = 120_000


def _messages(page) -> int:
    return page.locator("#chat .message-row").count()


def _say(page, text: str) -> None:
    before = _messages(page)
    box = page.locator("#answer textarea")
    box.fill(text)
    box.press("Enter")
    page.wait_for_function(f"() => document.querySelectorAll('#chat .message-row').length >= {before + 2}",
                           timeout=WAIT_MS)


def take(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise RuntimeError("chromium is not installed (run scripts/system-deps.sh)")
    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        subprocess.run([sys.executable, "-m", "interviewer.cli", "index"], check=True, capture_output=True,
                       env={**os.environ, "INTERVIEWER_HOME": str(home)})
        with running_app(home) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{url}?mode=design&scenario=video-recommendation&seed=3")
            page.wait_for_function("() => document.querySelectorAll('#chat .message-row').length >= 1", timeout=WAIT_MS)
            for turn in TURNS:
                _say(page, turn)
            page.get_by_text("Design notes (your whiteboard)").click()
            page.locator("#notes textarea").fill(NOTES)
            page.click("#save-notes")
            page.wait_for_timeout(2500)
            page.get_by_text("This question's grade").click()
            page.wait_for_timeout(500)
            shots.append(_shot(page, out / "ui-interview.png"))
            phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
            phone.goto(page.url)
            phone.wait_for_function("() => document.querySelectorAll('#chat .message-row').length >= 1",
                                    timeout=WAIT_MS)
            phone.wait_for_timeout(1500)
            shots.append(_shot(phone, out / "ui-phone.png", full=False))
            page.click("#end")
            page.wait_for_function("() => document.querySelector('#side-panel').innerText.includes('Finished')",
                                   timeout=WAIT_MS)
            page.get_by_role("tab", name="Report").click()
            page.wait_for_function("() => { const e = document.querySelector('#report'); "
                                   "return !!e && e.innerText.includes('Interview report'); }", timeout=WAIT_MS)
            page.wait_for_timeout(1500)
            shots.append(_shot(page, out / "ui-report.png"))
            page.get_by_role("tab", name="Grade an answer").click()
            page.get_by_label("Your answer").fill("I would split by time so nothing from the future leaks into "
                                                  "training, and compare against a simple baseline first.")
            page.click("#grade-button")
            page.wait_for_function("() => { const e = document.querySelector('#feedback'); "
                                   "return !!e && e.innerText.length > 10; }", timeout=WAIT_MS)
            shots.append(_shot(page, out / "ui-grade.png"))
            page.get_by_role("tab", name="History").click()
            page.wait_for_timeout(3000)
            shots.append(_shot(page, out / "ui-history.png"))
            browser.close()
    return shots


def _shot(page, path: Path, full: bool = True) -> Path:
    page.screenshot(path=str(path), full_page=full)
    return path


def main(out: Path = Path("docs/img")) -> int:
    for path in take(out):
        print(path)
    return 0
