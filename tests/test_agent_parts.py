"""`Interview` with its grader and phraser passed in: scripted ones, asserting on what they were asked."""

from __future__ import annotations

import json
import sqlite3

import pytest

from interviewer import Interview, LLMError, SessionStore, Settings, Turn, chat_messages, get_bank

from .fakes import ScriptedGrader, ScriptedModel, ScriptedPhraser


def test_each_answer_is_graded_once(indexed_home):
    grader = ScriptedGrader()
    iv = Interview.start(mode="design", scenario="video-recommendation", seed=3, grader=grader)
    iv.respond("The goal is long-term watch time. I will assume hundreds of millions of users and videos.")
    answers = [h for h in grader.history if "watch time" in h[1]]
    assert len(answers) == 1 and answers[0][2] is False  # one grade, against the stage, no citations
    assert iv.turns[-1].kind == "follow-up"  # nothing covered: the interviewer probes a gap


def test_a_covering_answer_moves_on_and_the_close_grade_cites(indexed_home):
    iv = Interview.start(mode="design", scenario="video-recommendation", seed=3)
    points = {kp.id for kp in iv.target(iv.current).key_points}
    grader = ScriptedGrader(covers=points, score=4)
    iv = Interview.resume(iv.id, grader=grader)
    out = iv.respond("The objective is watch time, the scale is large, latency is tight and signals are implicit.")
    assert [t.kind for t in out] == ["answer", "slot-grade", "transition"]
    assert [cite for _, _, cite in grader.history] == [False, True]  # the answer, then the question's close


def test_a_scripted_trap_is_challenged_with_its_quote(indexed_home):
    iv = Interview.start(mode="grill", count=1, seed=2, grader=ScriptedGrader(trap_word="accuracy"))
    out = iv.respond("I would just report accuracy on the whole set.")
    assert out[-1].kind == "challenge" and "accuracy" in out[-1].text


def test_the_phraser_rewords_and_sees_the_offline_message(indexed_home):
    phraser = ScriptedPhraser("Let's start with a quick one: how would you split time-ordered data?")
    iv = Interview.start(mode="grill", count=1, seed=4, phraser=phraser)
    assert len(phraser.history) == 1 and "Rapid-fire round" in phraser.history[0][0]
    opening = iv.turns[0]
    assert opening.meta.phrased_by in ("llm", "offline")
    if opening.meta.phrased_by == "llm":
        assert opening.text == "Let's start with a quick one: how would you split time-ordered data?"


def test_a_failing_phraser_falls_back_with_the_reason_in_meta(indexed_home):
    phraser = ScriptedPhraser(LLMError("endpoint down"))
    iv = Interview.start(mode="grill", count=1, seed=4, phraser=phraser)
    opening = iv.turns[0]
    assert opening.meta.phrased_by == "offline" and opening.meta.llm_fallback == "endpoint down"
    assert "endpoint down" not in opening.text and opening.text.startswith("Rapid-fire round")
    assert "endpoint down" in chat_messages([opening])[0]["content"]


def test_i_dont_know_costs_no_llm_request_and_one_word_is_graded(settings_llm, skew):
    from interviewer.grading import LLMGrader
    from interviewer.grading.llm_judge import reply_model

    model = ScriptedModel()
    grader = LLMGrader(settings_llm, ask=model)
    g = grader.grade(skew, "I don't know.", cite=False)
    assert g.score == 0 and model.history == [] and g.backend == "llm"
    ids = tuple(kp.id for kp in skew.key_points)
    model.enqueue(reply_model(ids).model_validate(dict(
        key_points={i: {"verdict": "missing", "evidence": ""} for i in ids}, core_idea=False, notable_error=False,
        fell_into_trap=False, trap_evidence="", score=0, strengths=[], gaps=[])))
    grader.grade(skew, "skew", cite=False)
    assert len(model.history) == 1  # a one-word answer is graded, as the offline grader does


LEGACY_ROWS = [  # rows as the code before the typed record wrote them (meta a plain dict, the notice in the text)
    ("interviewer", "clarify", "question", "Opening question?", {"slot": 0, "question": "Opening question?",
                                                                "phrased_by": "offline",
                                                                "llm_fallback": "Cannot reach the LLM endpoint"}),
    ("candidate", "clarify", "clarifying-question", "What is the peak QPS?",
     {"seconds": 4.2, "fact": "qps", "fact_similarity": 0.61, "counts": True, "stage_covered": ["ask-scale"]}),
    ("interviewer", "clarify", "clarification", "About 40,000 per second.\n\n(The LLM interviewer did not answer: "
     "timed out. This message was phrased offline.)", {"slot": 0, "fact": "qps", "phrased_by": "offline",
                                                       "llm_fallback": "timed out"}),
    ("system", "clarify", "slot-grade", "", {"slot": 0, "skipped": True, "hints": 0, "follow_ups": 0, "raw": "x"}),
]


def test_rows_written_before_the_typed_record_still_load(tmp_path):
    store = SessionStore(tmp_path / "old.sqlite3")
    info = store.create("design", "Old session", {"mode": "design", "scenario": "video-recommendation", "slots": [
        {"id": "stage:clarify", "stage": "clarify"}], "seed": 1}, scenario="video-recommendation")
    with sqlite3.connect(store.path) as raw:  # rows as an older release wrote them, straight into the file
        for seq, (role, stage, kind, text, meta) in enumerate(LEGACY_ROWS, start=1):
            raw.execute("INSERT INTO turns (session_id, seq, role, stage, kind, text, item_id, grade, meta, at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                        (info.id, seq, role, stage, kind, text, "stage:clarify", json.dumps(meta), 1.0 + seq))
    raw.close()
    turns = store.turns(info.id)
    assert [t.kind for t in turns] == [row[2] for row in LEGACY_ROWS]
    assert turns[1].meta.fact == "qps" and turns[1].meta.seconds == 4.2 and turns[3].meta["raw"] == "x"
    chat = chat_messages(turns)
    assert chat[2]["content"].count("did not answer") == 1  # the old notice is shown once, from meta
    assert "timed out" in chat[2]["content"] and "About 40,000" in chat[2]["content"]
    assert isinstance(turns[0], Turn) and turns[0].meta.get("question") == "Opening question?"


@pytest.fixture
def skew():
    return get_bank().item("trap-training-serving-skew")


@pytest.fixture
def settings_llm(home):
    return Settings(home=home, openai_base_url="http://127.0.0.1:9/v1")  # never called: the model is scripted


def test_the_llm_phraser_sees_the_candidate_turn_and_the_move_and_falls_back_visibly(indexed_home, monkeypatch):
    from interviewer.config import get_settings
    from interviewer.interview import LLMPhraser, phrasing

    sent: list[list[dict]] = []
    replies = ["Let's begin: how would you split time-ordered data?", "Thanks. What would you check next?",
               LLMError("endpoint down")]

    def scripted_stream(messages, settings=None, max_tokens=0):
        sent.append(messages)
        reply = replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        yield reply

    monkeypatch.setattr(phrasing, "stream", scripted_stream)
    iv = Interview.start(mode="grill", count=2, seed=4, grader=ScriptedGrader(), phraser=LLMPhraser(get_settings()))
    assert "The candidate just said" not in sent[0][-1]["content"]  # the opening replies to nobody
    out = iv.respond("I would shuffle the rows and split them randomly, eighty twenty.")
    user = sent[1][-1]["content"]
    assert "I would shuffle the rows and split them randomly" in user and f"move: {out[-1].kind}" in user
    assert out[-1].meta.phrased_by == "llm" and out[-1].text == "Thanks. What would you check next?"
    out = iv.respond("Then I'd train a gradient-boosted model on the rest.")
    assert out[-1].meta.phrased_by == "offline" and out[-1].meta.llm_fallback == "endpoint down"
