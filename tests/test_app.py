"""The Gradio UI: the turn-to-message mapping on its own, then the real app driven by gradio_client.

The app runs as `python app.py` in a subprocess on a free loopback port with its own
INTERVIEWER_HOME, exactly as `make run` starts it; the tests talk to it only through its named API
endpoints, each client with its own browser-like session.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import wave
from pathlib import Path

import numpy as np
import pytest

from interviewer import SessionStore, Turn, chat_messages
from interviewer.views import FALLBACK_MARK
from interviewer.models import Grade

from evals.support.appserver import running_app
from evals.support.faultserver import FaultServer, error, ok

IN_CI = os.environ.get("CI", "").lower() == "true"


# --- the pure mapping ---------------------------------------------------------------------------


def _turn(role, kind, text, **meta):
    return Turn(role=role, kind=kind, text=text, stage="clarify", meta=meta)


def test_turns_map_to_user_and_assistant_messages_in_order_without_system_turns():
    grade = Grade(score=2.0, normalised=0.5, backend="semantic")
    turns = [
        _turn("interviewer", "question", "How would you frame this?"),
        Turn(role="candidate", kind="answer", text="As a ranking problem.", stage="framing", grade=grade),
        Turn(role="system", kind="slot-grade", text="As a ranking problem.", stage="framing", grade=grade),
        _turn("interviewer", "follow-up", "What would you optimise for?"),
    ]
    assert chat_messages(turns) == [
        {"role": "assistant", "content": "How would you frame this?"},
        {"role": "user", "content": "As a ranking problem."},
        {"role": "assistant", "content": "What would you optimise for?"},
    ]


def test_button_turns_read_as_actions_and_typed_words_stay_verbatim():
    turns = [_turn("candidate", "hint-request", "hint"), _turn("candidate", "skip", "skip"),
             _turn("candidate", "end", "end"), _turn("candidate", "empty", "   "),
             _turn("candidate", "hint-request", "Can I get a hint?")]
    contents = [m["content"] for m in chat_messages(turns)]
    assert contents[:4] == ["_(asks for a hint)_", "_(skips this question)_", "_(ends the interview)_", "_(no answer)_"]
    assert contents[4] == "Can I get a hint?"
    assert all(m["role"] == "user" for m in chat_messages(turns))


def test_hints_are_labelled_and_a_pending_message_is_appended_last():
    turns = [_turn("interviewer", "hint", "Think about freshness.")]
    messages = chat_messages(turns, pending="Let me think")
    assert messages[0]["content"].endswith("Think about freshness.") and "Hint" in messages[0]["content"]
    assert messages[-1] == {"role": "assistant", "content": "Let me think"}
    assert chat_messages(turns, pending="") == chat_messages(turns)


def test_llm_fallback_is_marked_visibly():
    note = "(The LLM interviewer did not answer: timed out. This message was phrased offline.)"
    with_note = _turn("interviewer", "question", f"What data do you have?\n\n{note}", llm_fallback="timed out")
    without_note = _turn("interviewer", "question", "What data do you have?", llm_fallback="HTTP 500")
    plain = _turn("interviewer", "question", "What data do you have?")
    first, second, third = (m["content"] for m in chat_messages([with_note, without_note, plain]))
    assert first.startswith("What data do you have?") and f"{FALLBACK_MARK} _{note}_" in first
    assert FALLBACK_MARK in second and "HTTP 500" in second
    assert FALLBACK_MARK not in third


# --- the app, end to end ------------------------------------------------------------------------


def _text(message: dict) -> str:
    """A chat message's text as gradio_client returns it (content normalised to a list of parts)."""
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    home = tmp_path_factory.mktemp("app") / "home"
    with running_app(home) as url:
        yield url, home


def _client(url: str, tmp_path: Path):
    from gradio_client import Client

    return Client(url, verbose=False, download_files=str(tmp_path))


def test_three_turn_interview_report_and_downloaded_transcript(app_url, tmp_path):
    url, home = app_url
    client = _client(url, tmp_path)
    chat, status, side, last_grade, clock, box = client.predict("design", "video-recommendation", "", "",
                                                                api_name="/start")
    assert [m["role"] for m in chat] == ["assistant"] and "video" in _text(chat[0]).lower()
    assert "interviewer: **offline**" in status and "grader: **semantic (offline)**" in status
    assert "Clarify requirements" in side and "left in this stage" in clock
    assert "No answer graded yet" in last_grade

    chat, *_ = client.predict("What is the peak QPS we need to handle?", api_name="/send")
    assert [m["role"] for m in chat] == ["assistant", "user", "assistant"]
    assert _text(chat[1]) == "What is the peak QPS we need to handle?" and "40,000" in _text(chat[2])

    answer = ("I would frame it as ranking: predict the probability that a user watches a video for more than "
              "thirty seconds, and order candidates by expected watch time, with a two-tower retrieval stage first.")
    chat, status, side, last_grade, clock = client.predict(answer, api_name="/send")
    assert _text(chat[3]) == answer and chat[4]["role"] == "assistant"
    assert "Score" in last_grade  # the question's grade over its answers so far

    sid = status.split("session `")[1].split("`")[0]
    store = SessionStore(home / "sessions.sqlite3")
    try:
        before = len(store.turns(sid))
        client.predict("   ", api_name="/send")  # an empty send changes nothing
        assert len(store.turns(sid)) == before
    finally:
        store.close()

    chat, status, side, last_grade, clock = client.predict(api_name="/skip")
    assert _text(chat[-2]) == "_(skips this question)_" and chat[-1]["role"] == "assistant"
    assert len(chat) >= 7

    chat, status, side, last_grade, clock = client.predict(api_name="/end")
    assert "Finished" in side
    report_md, chart = client.predict(api_name="/report")
    assert report_md.startswith("# Interview report: Home-page video recommendations")
    assert "## Stages" in report_md and "the bar for" in report_md  # a summary with a level
    assert chart["type"] == "matplotlib" and chart["plot"]

    md_path, json_path, pdf_path = client.predict(api_name="/export")
    assert Path(pdf_path).read_bytes().startswith(b"%PDF-")
    md, data = Path(md_path).read_text(encoding="utf-8"), json.loads(Path(json_path).read_text(encoding="utf-8"))
    assert Path(md_path).is_relative_to(tmp_path)  # really downloaded by the client, not read off the server's disk
    assert "## Transcript" in md and answer in md and "What is the peak QPS" in md
    candidate = [t["text"] for t in data["turns"] if t["role"] == "candidate"]
    assert candidate[:2] == ["What is the peak QPS we need to handle?", answer]
    assert data["session"]["status"] == "ended"
    assert f"Overall: {data['report']['overall']:.1f}/4" in report_md
    kept = list((home / "exports").glob(f"*/{Path(md_path).name}"))  # kept under the settings home ...
    assert len(kept) == 1 and len(kept[0].parent.name) >= 20  # ... in a folder no one can guess from the session id

    table, trend, weak, picked, drill = client.predict(True, api_name="/history")
    rows = {row[-1]: row for row in table["data"]}
    assert float(rows[data["session"]["id"]][5]) == pytest.approx(data["report"]["overall"], abs=0.05)


def test_actions_before_starting_are_refused_with_a_message(app_url, tmp_path):
    from gradio_client.exceptions import AppError

    client = _client(app_url[0], tmp_path)
    for endpoint in ("/hint", "/report", "/export"):
        with pytest.raises(AppError, match="Start an interview first"):
            client.predict(api_name=endpoint)


def test_two_clients_at_once_see_only_their_own_interview(app_url, tmp_path):
    url, home = app_url
    results: dict[str, dict] = {}
    errors: list[BaseException] = []

    def run(name: str, marker: str):
        try:
            client = _client(url, tmp_path / name)
            chat, status, *_ = client.predict("grill", "", "", "", api_name="/start")
            sid = status.split("session `")[1].split("`")[0]
            texts = []
            for i in range(2):
                reply, *_ = client.predict(f"For this I would use {marker} number {i} with a simple baseline "
                                           "model, offline evaluation and careful monitoring after launch.",
                                           api_name="/send")
                texts.append([_text(m) for m in reply])
            md_path, *_ = client.predict(api_name="/export")
            results[name] = {"sid": sid, "texts": texts, "md": Path(md_path).read_text(encoding="utf-8")}
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=("a", "zebrafeature")),
               threading.Thread(target=run, args=("b", "walrusfeature"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    a, b = results["a"], results["b"]
    assert a["sid"] != b["sid"]
    for mine, theirs, other in ((a, "zebrafeature", "walrusfeature"), (b, "walrusfeature", "zebrafeature")):
        assert f"Session `{mine['sid']}`" in mine["md"]
        # both answers are there (a challenge may quote one back), and nothing of the other client
        assert mine["md"].count(theirs) >= 2 and other not in mine["md"]
        assert all(other not in text for chat in mine["texts"] for text in chat)
        assert sum(theirs in text for text in mine["texts"][-1]) >= 2
    store = SessionStore(home / "sessions.sqlite3")
    try:
        for mine, marker in ((a, "zebrafeature"), (b, "walrusfeature")):
            said = [t.text for t in store.turns(mine["sid"]) if t.role == "candidate"]
            assert len(said) == 2 and all(marker in s for s in said)
    finally:
        store.close()


def test_resume_picks_up_an_unfinished_session_in_another_client(app_url, tmp_path):
    url, _ = app_url
    first = _client(url, tmp_path / "first")
    chat, status, *_ = first.predict("drill", "", "", "", api_name="/start")
    sid = status.split("session `")[1].split("`")[0]
    table, *_ = first.predict(True, api_name="/history")
    assert sid in [row[-1] for row in table["data"]]

    second = _client(url, tmp_path / "second")
    with pytest.raises(Exception, match="Start an interview first"):
        second.predict(api_name="/report")
    table, *_ = second.predict(True, api_name="/history")  # every session on this machine
    assert sid in [row[-1] for row in table["data"]]
    resumed_chat, resumed_status, *_ = second.predict(sid, api_name="/resume")
    assert f"session `{sid}`" in resumed_status and [_text(m) for m in resumed_chat] == [_text(m) for m in chat]
    after, *_ = second.predict("I would check for leakage first, then compare offline and online metrics.",
                               api_name="/send")
    assert len(after) > len(chat)


def test_grade_tab_grades_a_pasted_reference_with_full_feedback(app_url, tmp_path):
    client = _client(app_url[0], tmp_path)
    feedback = client.predict(
        "", "How do you keep training and serving features consistent?",
        "Compute features once in a shared feature store used by both training and serving, and log served features.",
        "Re-implement the features separately in the serving code.",
        "shared feature store for training and serving\nlog the features actually served",
        "I would put the features in a shared feature store that both training and serving read from.",
        api_name="/grade")
    assert feedback.startswith("**Score ")
    assert "✅ **covered**: shared feature store for training and serving" in feedback
    assert "> “" in feedback  # the covered key point quotes the answer's words


# --- LLM mode: streamed messages and a visible fallback -------------------------------------------


def test_llm_mode_streams_the_interviewer_and_shows_a_fallback(tmp_path_factory, tmp_path):
    phrased = "Good. Now tell me, step by step, how you would approach this part of the problem in practice."
    with FaultServer(default=ok(phrased)) as server:
        env = {"OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": "test", "INTERVIEWER_LLM_MODEL": "fault-model",
               "INTERVIEWER_GRADER": "semantic", "INTERVIEWER_INTERVIEWER": "llm", "INTERVIEWER_LLM_MAX_RETRIES": "0",
               "INTERVIEWER_LLM_TIMEOUT_S": "5"}
        with running_app(tmp_path_factory.mktemp("llm") / "home", env=env) as url:
            client = _client(url, tmp_path)
            chat, status, *_ = client.predict("grill", "", "", "", api_name="/start")
            assert "interviewer: **llm**" in status and "grader: **semantic (offline)**" in status
            assert _text(chat[0]) == phrased

            job = client.submit("I would start with a simple baseline model and log every prediction it makes.",
                                api_name="/send")
            final = job.result()[0]
            assert _text(final[-1]) == phrased and final[-1]["role"] == "assistant"
            partial = [_text(out[0][-1]) for out in job.outputs()
                       if out[0] and out[0][-1]["role"] == "assistant" and len(out[0]) == len(final)]
            assert any(0 < len(p) < len(phrased) and phrased.startswith(p) for p in partial), partial  # streamed

            server.default = error(500)
            chat, *_ = client.predict(api_name="/skip")
            last = _text(chat[-1])
            assert "⚠️" in last and "phrased offline" in last and phrased not in last
            assert any(r.get("stream") for r in server.requests)


# --- a spoken turn ------------------------------------------------------------------------------


def _need_voice():
    from interviewer import voice

    missing = voice.missing_reason() or ("" if shutil.which("espeak-ng") else "espeak-ng is not installed")
    if missing:
        if IN_CI:
            pytest.fail(f"the spoken-turn test cannot run in CI: {missing}")
        pytest.skip(missing)


def test_a_spoken_answer_goes_through_asr_into_the_transcript(app_url, tmp_path):
    _need_voice()
    from gradio_client import handle_file

    wav = tmp_path / "answer.wav"
    said = "I would monitor feature drift every day and retrain the model every week."
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), said], check=True, capture_output=True)
    client = _client(app_url[0], tmp_path / "dl")
    client.predict("grill", "", "", "", api_name="/start")
    chat, status, side, last_grade, clock = client.predict(handle_file(str(wav)), api_name="/send_audio")
    heard = _text(chat[1]).lower()
    assert chat[1]["role"] == "user"
    for word in ("monitor", "drift", "retrain", "week"):
        assert word in heard
    md_path, *_ = client.predict(api_name="/export")
    transcript = Path(md_path).read_text(encoding="utf-8").lower()
    assert "drift every day" in transcript

    audio = client.predict(True, api_name="/speak")  # the interviewer's reply, spoken
    with wave.open(audio) as spoken:
        assert spoken.getnframes() / spoken.getframerate() > 1.0
        samples = np.frombuffer(spoken.readframes(spoken.getnframes()), dtype=np.int16)
    assert np.abs(samples).max() > 1000  # not silence
    assert client.predict(False, api_name="/speak") is None  # speech off: nothing to play
