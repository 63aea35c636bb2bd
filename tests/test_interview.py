"""The interviewer agent, with the real grader, the real embedding model and a real SQLite file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from interviewer import chat_messages, Interview, InterviewError, SessionNotFound, classify, open_sessions
from interviewer.interview import MAX_FOLLOW_UPS, find_leak, replay
from interviewer.models import STAGES
from interviewer.rubrics import get_bank

STRONG_SKEW = ("Training-serving skew happens when features are computed differently offline and online. I would "
               "compute features once in a shared feature store used by both training and serving, log the features "
               "actually served and train on those logs, and monitor the distributions of online versus offline "
               "features with alerts on drift.")


@pytest.mark.parametrize("text, kind", [
    ("", "empty"), ("   ", "empty"), ("...", "empty"),
    ("skip", "skip"), ("Next question please", "skip"), ("pass", "skip"),
    ("hint", "hint-request"), ("Can I get a hint?", "hint-request"), ("I'm stuck", "hint-request"),
    ("end", "end"), ("Let's stop here.", "end"), ("end the interview", "end"),
    ("What is the peak QPS?", "clarifying-question"), ("How many daily active users are there?", "clarifying-question"),
    ("Is it mobile only? And how many users?", "clarifying-question"),
    ("I would use a two-tower model for retrieval and a gradient-boosted ranker on top.", "answer"),
    ("I'd start with logistic regression. It is simple and a strong baseline. Does that make sense? I'd then move "
     "to boosted trees once the features are stable and there is enough labelled data.", "answer"),
])
def test_classify(text, kind):
    assert classify(text) == kind


def _kinds(turns):
    return [(t.role, t.kind) for t in turns]


def test_design_interview_walks_the_stages_in_order_and_answers_from_facts():
    iv = Interview.start(mode="design", scenario="video-recommendation", seed=7)
    opening = iv.turns[0]
    assert opening.role == "interviewer" and opening.stage == "clarify"
    assert "video" in opening.text.lower()

    out = iv.respond("What is the peak QPS we need to handle?")
    assert _kinds(out) == [("candidate", "clarifying-question"), ("interviewer", "clarification")]
    assert out[0].meta["fact"] == "qps" and "40,000" in out[1].text

    out = iv.respond("Do we have to support right-to-left languages in the player UI?")
    assert out[1].kind == "clarification" and out[0].meta["fact"] is None
    assert "assum" in out[1].text.lower()  # no fact fits: the interviewer asks for a stated assumption

    # Skipping through: every stage is visited once, in framework order, and the interview ends cleanly.
    for _ in range(60):
        if iv.finished:
            break
        iv.respond("skip")
    assert iv.finished
    stages_opened = []
    for t in iv.turns:
        if t.role == "interviewer" and t.stage not in stages_opened:
            stages_opened.append(t.stage)
    assert stages_opened == [s.value for s in STAGES]
    assert iv.turns[-1].kind == "end"
    assert open_sessions().get(iv.id).status == "ended"
    with pytest.raises(InterviewError):
        iv.respond("one more")


def test_follow_ups_target_missed_points_and_stop_at_the_limit():
    # A stage opener has no trap, so a thin answer always gets follow-ups, never a challenge.
    iv = Interview.start(mode="design", scenario="fraud-detection", seed=3)
    target = iv.target(iv.current)
    thin = ["I would make sure the system is good and we build it carefully.",
            "We should think about the users and build something that works well for them.",
            "I would just start building it and then see what happens with it."]
    out = iv.respond(thin[0])
    answer, reply = out[0], out[-1]
    assert answer.grade is not None and answer.grade.score <= 1.5
    assert reply.kind == "follow-up"
    missed = {kp.id for kp in target.key_points} - set(answer.meta["covered"])
    assert reply.meta["target"] in missed
    out = iv.respond(thin[1])
    assert out[-1].kind == "follow-up" and out[-1].meta["target"] != reply.meta["target"]  # the next missed point
    # Two follow-ups at most: the third thin answer closes the question and moves to the next stage (the
    # requirements stage has no probes of its own).
    out = iv.respond(thin[2])
    assert [t.kind for t in out][-2:] == ["slot-grade", "transition"]
    follow_ups = [t for t in iv.turns if t.kind == "follow-up" and t.meta.get("slot") == 0]
    assert len(follow_ups) == MAX_FOLLOW_UPS["design"]


def test_trap_answer_is_challenged_then_graded_on_the_final_position():
    bank = get_bank()
    item = bank.item("trap-training-serving-skew")
    iv = Interview.start(mode="review", topic="skew", count=4, seed=1)  # review allows one follow-up
    while iv.current.id != item.id and not iv.finished:
        iv.respond("skip")
    assert iv.current.id == item.id
    trap_answer = ("Skew is not a real concern: as long as the offline validation accuracy is high, the model will "
                   "behave the same in production, so I would just retrain more often.")
    out = iv.respond(trap_answer)
    if out[0].grade.fell_into_trap:
        assert out[-1].kind == "challenge"
        assert "could go wrong" in out[-1].text or "risk" in out[-1].text or "sure" in out[-1].text
    out = iv.respond(STRONG_SKEW)
    closing = [t for t in iv.turns if t.kind == "slot-grade" and t.item_id == item.id]
    if closing:
        assert closing[-1].grade.score >= 2


def test_drill_reveals_the_correct_approach_after_each_answer():
    iv = Interview.start(mode="drill", count=2, seed=5)
    item = iv.target(iv.current)
    assert item.kind == "trap"
    assert item.correct_approach.strip()[:60] not in iv.turns[0].text  # not revealed before the answer
    out = iv.respond("I am not sure, I would probably just train a bigger model.")
    kinds = [t.kind for t in out]
    assert kinds[:3] == ["answer", "slot-grade", "reveal"]
    assert item.correct_approach.strip()[:60] in out[2].text
    assert out[-1].kind == "question"


def test_no_message_gives_away_an_unrevealed_key_point():
    for mode, kwargs in (("design", {"scenario": "fraud-detection"}), ("grill", {"count": 4})):
        iv = Interview.start(mode=mode, seed=11, **kwargs)
        for text in ["I would use machine learning.", "hint", "Something with a model and some data.", "skip",
                     "What is the fraud rate?", "skip", "I'm not sure.", "skip"] * 2:
            if iv.finished:
                break
            iv.respond(text)
        checked = 0
        for t in iv.turns:
            if t.role != "interviewer" or t.kind in ("clarification", "hint", "reveal", "end", "notice"):
                continue
            secrets = iv._secrets(t.meta["slot"])
            allowed = [t.meta["question"]] if "question" in t.meta else []
            assert find_leak(t.text, secrets, allowed=allowed) is None, t.text
            checked += 1
        assert checked >= 3


def test_leak_check_catches_a_key_point_said_aloud():
    kp = "Compute features once in a shared feature store used by both training and serving."
    assert find_leak("Have you considered that you should compute features once in a shared feature store?", [kp])
    assert find_leak("Use the same feature pipeline for training and for serving, via one feature store.", [kp])
    assert find_leak("How would you know the model is doing its job after launch?", [kp]) is None


def test_session_resumes_with_every_turn_after_a_restart():
    iv = Interview.start(mode="design", scenario="search-ranking", seed=2)
    iv.respond("What is the query volume?")
    iv.respond("I would ask about the business goal, the scale and latency, and what labels exist.")
    before = [(t.seq, t.role, t.kind, t.text) for t in iv.turns]
    again = Interview.resume(iv.id)
    assert [(t.seq, t.role, t.kind, t.text) for t in again.turns] == before
    assert replay(again.turns) == iv.state
    again.respond("skip")
    assert len(open_sessions().turns(iv.id)) > len(before)


def test_session_survives_kill_9_mid_interview(home):
    script = textwrap.dedent("""
        import os, signal
        from interviewer import Interview
        iv = Interview.start(mode="design", scenario="fraud-detection", seed=4)
        iv.respond("What is the fraud rate?")
        iv.respond("A missed fraud costs far more than a blocked good customer, and the volume is large.")
        print(iv.id, len(iv.turns), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = {**os.environ, "INTERVIEWER_HOME": str(home)}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    session_id, count = proc.stdout.split()
    iv = Interview.resume(session_id)
    assert len(iv.turns) == int(count)
    assert [t.kind for t in iv.turns if t.role == "candidate"] == ["clarifying-question", "answer"]
    out = iv.respond("skip")
    assert out[-1].role == "interviewer"


def test_bad_input_has_a_defined_outcome():
    iv = Interview.start(mode="grill", count=2, seed=9)
    out = iv.respond(b"\x00\x01binary")
    assert out[-1].kind == "notice" and "text" in out[-1].text
    out = iv.respond("")
    assert [t.kind for t in out] == ["empty", "notice"]
    huge = "I would monitor drift and retrain. " * 2000
    out = iv.respond(huge)
    stored = open_sessions().turns(iv.id)
    assert any(t.text == huge for t in stored)  # the transcript keeps what was said
    assert any("only the first" in w for w in out[0].grade.warnings)  # truncated for grading, with a warning
    # The same answer again and again does not loop: the third repeat moves on.
    slot = iv.state.slot
    for _ in range(4):
        if iv.state.slot != slot or iv.finished:
            break
        iv.respond("gibberish qwzx blorp")
    assert iv.state.slot != slot or iv.finished


def test_unknown_ids_and_modes_list_the_valid_ones():
    with pytest.raises(InterviewError, match="video-recommendation"):
        Interview.start(mode="design", scenario="nope")
    with pytest.raises(InterviewError, match="design, drill, grill, review"):
        Interview.start(mode="chat")
    with pytest.raises(SessionNotFound):
        Interview.resume("does-not-exist")


def test_report_and_exports():
    iv = Interview.start(mode="grill", count=2, seed=21)
    iv.respond(STRONG_SKEW)
    while not iv.finished:
        iv.respond("skip")
    report = iv.report()
    assert len(report.questions) == 2
    assert 0 <= report.overall <= 4
    assert report.questions[-1].skipped or report.questions[0].skipped
    md = iv.export("md")
    assert "# Interview report" in md and "## Transcript" in md
    data = json.loads(iv.export("json"))
    assert data["report"]["session"] == iv.id and len(data["turns"]) == len(iv.turns)


def test_weak_first_puts_low_scored_items_first():
    iv = Interview.start(mode="grill", count=2, seed=1)
    iv.respond("No idea, maybe use a database.")
    iv.respond("Still no idea.")
    while not iv.finished:
        iv.respond("skip")
    weak = {s.id for s in iv.slots}
    review = Interview.start(mode="review", count=3, seed=2)
    assert {s.id for s in review.slots[:2]} == weak  # both scored low last time: asked first
    assert review.slots[2].id not in weak


def test_llm_failure_falls_back_to_offline_wording_visibly(monkeypatch):
    monkeypatch.setenv("INTERVIEWER_OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    monkeypatch.setenv("INTERVIEWER_INTERVIEWER", "llm")
    monkeypatch.setenv("INTERVIEWER_LLM_TIMEOUT_S", "2")
    monkeypatch.setenv("INTERVIEWER_LLM_MAX_RETRIES", "0")
    from interviewer.config import get_settings

    get_settings.cache_clear()
    iv = Interview.start(mode="grill", count=1, seed=4)
    assert iv.backend == "llm"
    first = iv.turns[0]
    assert first.meta.get("llm_fallback") and first.meta.get("phrased_by") == "offline"
    assert "phrased offline" not in first.text  # the note lives in meta; the chat shows it beside the message
    assert "phrased offline" in chat_messages([first])[0]["content"]
    out = iv.respond("I would monitor drift and retrain on a schedule.")
    assert out[-1].role == "interviewer" and out[-1].meta.get("llm_fallback")


def test_cli_script_prints_the_transcript_as_json(tmp_path, home):
    script = tmp_path / "turns.jsonl"
    script.write_text("\n".join(json.dumps({"text": t}) for t in
                                ["What is the fraud rate?", "I would ask about costs of errors and volume.", "end"]))
    env = {**os.environ, "INTERVIEWER_HOME": str(home)}
    proc = subprocess.run([sys.executable, "-m", "interviewer.cli", "interview", "--mode", "design", "--scenario",
                           "fraud-detection", "--seed", "1", "--script", str(script)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["finished"] is True
    roles = [t["role"] for t in data["turns"]]
    assert roles[0] == "interviewer" and "candidate" in roles
    assert all({"role", "stage", "kind", "text"} <= set(t) for t in data["turns"])
    assert any("grade" in t for t in data["turns"] if t["kind"] == "answer")
    listed = subprocess.run([sys.executable, "-m", "interviewer.cli", "sessions", "list", "--json"], env=env,
                            capture_output=True, text=True, timeout=120)
    listed_id = json.loads(listed.stdout)[0]["id"]
    assert listed_id == data["session"]
    progress = subprocess.run([sys.executable, "-m", "interviewer.cli", "sessions", "progress", "--json"], env=env,
                              capture_output=True, text=True, timeout=120)
    data = json.loads(progress.stdout)
    assert set(data) == {"weak_areas", "most_missed", "next_items", "trend"}
    assert data["trend"] and data["trend"][0]["session"] == listed_id
