"""Each conversational move gets its own reply, is never graded, and keeps the question in play."""

from __future__ import annotations

import pytest

from interviewer import Interview

from .fakes import ScriptedGrader

MOVES = [
    ("Hi, how are you?", "small-talk", "Whenever you're ready"),
    ("sorry, can you repeat that?", "repeat-request", "Here it is again"),
    ("what do you mean by framing?", "meaning-question", "I mean"),
    ("how much time is left?", "progress-question", "minutes left"),
    ("what would you do?", "what-would-you-do", "your approach first"),
    ("give me a sec", "thinking-pause", "Take your time"),
    ("What's the salary range for this role?", "off-topic", "keep to the interview"),
    ("¿Podemos hacerlo en español, por favor?", "other-language", "in English"),
]


@pytest.mark.parametrize("text, kind, says", MOVES, ids=[m[1] for m in MOVES])
def test_a_conversational_move_is_answered_in_kind_and_not_graded(indexed_home, text, kind, says):
    grader = ScriptedGrader()
    iv = Interview.start(mode="design", scenario="video-recommendation", seed=3, grader=grader)
    out = iv.respond(text)
    assert [t.role for t in out] == ["candidate", "interviewer"]
    assert out[0].kind == kind and out[1].kind == "reply" and says in out[1].text
    assert grader.history == []  # nothing graded
    assert iv.current.id == "stage:clarify"  # the question stays in play


def test_repeat_restates_the_question_in_play(indexed_home):
    iv = Interview.start(mode="design", scenario="video-recommendation", seed=3)
    out = iv.respond("sorry, can you repeat that?")
    assert iv.question(iv.current) in out[-1].text


def test_dont_know_offers_a_hint_then_moves_on_when_none_is_left(indexed_home):
    iv = Interview.start(mode="design", scenario="video-recommendation", seed=3, grader=ScriptedGrader())
    hints = iv._hints(iv.current)
    for i in range(len(hints)):
        out = iv.respond("I don't know, honestly.")
        assert out[0].kind == "dont-know" and out[-1].kind == "hint" and hints[i] in out[-1].text
    out = iv.respond("I don't know, honestly.")
    assert "slot-grade" in [t.kind for t in out] and iv.current.id != "stage:clarify"


def test_pushback_moves_on(indexed_home):
    iv = Interview.start(mode="grill", count=2, seed=4, grader=ScriptedGrader())
    first = iv.current.id
    out = iv.respond("I already covered that, I don't think it's relevant here.")
    assert out[0].kind == "pushback" and iv.current.id != first


def test_sign_off_ends_the_interview(indexed_home):
    iv = Interview.start(mode="design", scenario="video-recommendation", seed=3, grader=ScriptedGrader())
    out = iv.respond("Thanks, I think that's all I have. Let's wrap up.")
    assert out[-1].kind == "end" and iv.finished


def test_every_part_of_a_clarifying_question_is_answered(indexed_home):
    iv = Interview.start(mode="design", scenario="video-recommendation", seed=3)
    out = iv.respond("Two things: what's the peak QPS? And what's the latency budget?")
    reply = out[-1].text
    assert out[0].kind == "clarifying-question" and "40,000" in reply and "200 ms" in reply
    assert set(out[0].meta.facts) == {"qps", "latency"}


def test_a_question_without_a_question_mark_is_answered(indexed_home):
    iv = Interview.start(mode="design", scenario="video-recommendation", seed=3)
    out = iv.respond("I'd like to know the latency budget.")
    assert out[0].kind == "clarifying-question" and "200 ms" in out[-1].text


def test_content_with_a_question_is_graded_and_the_question_answered_without_a_probe(indexed_home):
    grader = ScriptedGrader()
    iv = Interview.start(mode="design", scenario="video-recommendation", seed=3, grader=grader)
    out = iv.respond("I'd optimise long-term watch time and retention rather than clicks, across all the users. "
                     "What's the peak QPS we need to handle?")
    answer_grades = [h for h in grader.history if not h[2]]  # the close of a question grades with citations
    assert out[0].kind == "answer" and len(answer_grades) == 1
    replies = [t for t in out if t.kind == "clarification"]
    assert replies and "40,000" in replies[0].text and "follow-up" not in [t.kind for t in out]


def test_no_message_is_repeated_word_for_word(indexed_home):
    iv = Interview.start(mode="design", scenario="video-recommendation", seed=3, grader=ScriptedGrader())
    for text in ["give me a sec", "give me a sec", "Do we support TV apps?", "Do we support TV apps?",
                 "It should be good.", "It should be good and fast.", "It should be good, fast and cheap."]:
        iv.respond(text)
    said = [t.text for t in iv.turns if t.role == "interviewer"]
    assert len(said) == len(set(said))


def test_another_language_is_raised_once_then_the_turn_is_taken_for_what_it_does(indexed_home):
    iv = Interview.start(mode="design", scenario="video-recommendation", seed=3)
    first = iv.respond("Hola, ¿cuántos usuarios activos diarios tiene la plataforma?")
    assert first[0].kind == "other-language" and "English" in first[-1].text
    second = iv.respond("Quisiera saber cuál es el presupuesto de latencia y cuántas peticiones por segundo hay.")
    assert second[0].kind != "other-language" and "English" not in second[-1].text


def test_a_whole_design_up_front_is_credited_for_the_stages_it_covers(indexed_home):
    iv = Interview.start(mode="design", scenario="video-recommendation", seed=3)
    design = ("Goal: long-term watch time and 7-day retention, not clicks. Framing: rank candidate videos per user "
              "from implicit feedback, with retrieval and a ranking stage; the ranker predicts watch time. "
              "Data: positives are videos watched past half their length, negatives skipped impressions; log "
              "impressions with position and the served features; split by time. Modelling: popular videos as a "
              "baseline, a two-tower model for retrieval, a deep ranker. Serving: approximate nearest neighbours, a "
              "feature store, cached user embeddings, within the 200 ms budget. Monitoring: watch time in A/B tests, "
              "feature drift, retraining daily.")
    iv.respond(design)
    covered = {stage: got for stage, (got, _) in iv.coverage().items()}
    assert sum(got > 0 for stage, got in covered.items() if stage != "clarify") >= 3  # later stages credited too


def test_a_question_about_a_term_explains_that_term_not_the_current_stage(indexed_home):
    iv = Interview.start(mode="design", scenario="video-recommendation", seed=3, grader=ScriptedGrader())
    out = iv.respond("Sorry, what do you mean by framing?")
    assert out[0].kind == "meaning-question" and "By framing I mean" in out[-1].text


def test_a_rhetorical_question_inside_an_answer_gets_no_assumption_request(indexed_home):
    iv = Interview.start(mode="design", scenario="video-recommendation", seed=3, grader=ScriptedGrader())
    out = iv.respond("I'd start with logistic regression, then gradient-boosted trees over user and video "
                     "features. Would a deeper network be worth it later, once that works?")
    assert out[0].kind == "answer" and all(t.kind != "clarification" for t in out)


def test_nothing_more_to_ask_moves_on(indexed_home):
    iv = Interview.start(mode="design", scenario="video-recommendation", seed=3, grader=ScriptedGrader())
    out = iv.respond("Nothing more to ask, the assumptions above are fine.")
    assert out[0].kind == "skip" and iv.current.id != "stage:clarify"
