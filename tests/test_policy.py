"""Each conversational move gets its own reply, is never graded, and keeps the question in play."""

from __future__ import annotations

import pytest

from interviewer import Interview
from interviewer.history.report import covered_elsewhere
from interviewer.interview.acts import asks_in, in_other_language
from interviewer.interview.policy import (
    ack_tone,
    after_answer,
    asked_stage,
    asked_term,
    classic_mistake,
    asking_part,
    contradicted,
    defined_term,
    direct_question,
    ends_with_answer,
    entry_slot,
    fact_scores,
    figures,
    gloss,
    language_move,
    move_cue,
    next_slot,
    pick_facts,
    rephrase,
    says_goodbye,
    signs_off_at_end,
    small_talk_kind,
    stage_header,
    topic_stage,
    topic_words,
)
from interviewer.prompts import interviewer_templates

from .fakes import LEADING_SERVING_TURN, ScriptedGrader

def _design(grader: ScriptedGrader) -> Interview:
    """The design interview most tests here start (video recommendations, seed 3) with the scripted grader."""
    return Interview.start(mode="design", scenario="video-recommendation", seed=3, grader=grader)


MOVES = [
    ("Hi, how are you?", "small-talk", "well, thank"),
    ("sorry, can you repeat that?", "repeat-request", "what would you like to know"),
    ("what do you mean by framing?", "meaning-question", "I mean"),
    ("how much time is left?", "progress-question", "minutes left"),
    ("what would you do?", "what-would-you-do", "your approach first"),
    ("give me a sec", "thinking-pause", "ready"),
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
    iv = _design(ScriptedGrader())
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
    iv = _design(ScriptedGrader())
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
    iv = _design(ScriptedGrader())
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
    iv = _design(ScriptedGrader())
    out = iv.respond("Sorry, what do you mean by framing?")
    assert out[0].kind == "meaning-question" and "By framing I mean" in out[-1].text


def test_a_rhetorical_question_inside_an_answer_gets_no_assumption_request(indexed_home):
    iv = _design(ScriptedGrader())
    out = iv.respond("I'd start with logistic regression, then gradient-boosted trees over user and video "
                     "features. Would a deeper network be worth it later, once that works?")
    assert out[0].kind == "answer" and all(t.kind != "clarification" for t in out)


def test_nothing_more_to_ask_moves_on(indexed_home):
    iv = _design(ScriptedGrader())
    out = iv.respond("Nothing more to ask, the assumptions above are fine.")
    assert out[0].kind == "skip" and iv.current.id != "stage:clarify"


# --- the policy's rules as pure functions ---------------------------------------------------------------

ORDER = ["clarify", "framing", "data", "modeling", "serving", "monitoring"]
# A design plan: each stage an opener then two deep dives.
STAGES_OF = [s for s in ORDER for _ in range(3)]
OPENERS = [i % 3 == 0 for i in range(len(STAGES_OF))]


def test_no_praise_for_a_trap_or_a_weak_answer():
    assert ack_tone(4.0, fell_into_trap=False) == "strong"
    assert ack_tone(4.0, fell_into_trap=True) == "trap"  # a clear mistake is never "That's solid"
    assert ack_tone(0.5, fell_into_trap=False) == "weak"
    assert ack_tone(3.5, fell_into_trap=False, followed=True) == "neutral"
    assert ack_tone(None, fell_into_trap=False) == "neutral"
    t = interviewer_templates().ack
    assert not {"Good.", "That's solid."} & set(t.trap + t.weak + t.neutral)


def test_a_trap_is_challenged_once_and_pushback_ends_the_probing():
    assert after_answer(True, False, 0, 2, ["a"]) == "challenge"
    assert after_answer(True, True, 1, 2, ["a"]) == "follow-up"
    assert after_answer(False, False, 0, 2, ["a"], pushback=True) == "advance"
    assert after_answer(False, False, 2, 2, ["a"]) == "advance"


def test_the_candidate_is_followed_to_the_later_stage_the_turn_is_about():
    assert topic_stage({"data": 1.0}, "clarify", ORDER) == "data"
    assert topic_stage({"framing": 0.5, "clarify": 0.5}, "clarify", ORDER) is None  # not more than the current
    assert topic_stage({"modeling": 0.33, "data": 0.2}, "data", ORDER) is None  # a side remark stays put
    assert topic_stage({"clarify": 1.0}, "data", ORDER) is None  # earlier stages are not "ahead"
    assert topic_stage({"monitoring": 1.0}, "monitoring", ORDER) is None


def test_a_stage_already_covered_starts_with_a_deep_dive_not_its_opener():
    assert entry_slot("data", STAGES_OF, OPENERS, set(), share=0.0) == 6
    assert entry_slot("data", STAGES_OF, OPENERS, set(), share=0.5) == 7  # never ask again what was given
    assert entry_slot("data", STAGES_OF, OPENERS, {6, 7, 8}, share=0.0) is None
    # The deep dive whose points the candidate has said least about comes first.
    assert entry_slot("data", STAGES_OF, OPENERS, set(), share=1.0, answered={7: 0.8, 8: 0.0}) == 8


def test_a_skipped_stage_is_come_back_to_explicitly():
    # The candidate was followed from clarify (slot 0) to data (slot 7); data is now done: framing was skipped.
    nxt, revisit = next_slot(7, STAGES_OF, OPENERS, {0, 7}, done={"data"}, visited={"clarify", "data"},
                             shares={}, order=ORDER)
    assert (nxt, revisit) == (3, True)
    # Framing is done from the coverage map: nothing to come back to, on to modeling.
    nxt, revisit = next_slot(7, STAGES_OF, OPENERS, {0, 7}, done={"data", "framing"}, visited={"clarify", "data"},
                             shares={}, order=ORDER)
    assert (nxt, revisit) == (9, False)


def test_one_deep_dive_is_enough_once_half_the_stage_is_covered():
    assert next_slot(7, STAGES_OF, OPENERS, {6, 7}, set(), set(ORDER[:3]), {"data": 0.6}, ORDER) == (9, False)
    assert next_slot(7, STAGES_OF, OPENERS, {6, 7}, set(), set(ORDER[:3]), {"data": 0.2}, ORDER) == (8, False)


def test_an_answer_that_wraps_up_ends():
    assert signs_off_at_end("Cold start: creative features plus exploration. That's the design, thanks.")
    assert signs_off_at_end("Offline NDCG on a later window. Otherwise I think we're done.")
    assert signs_off_at_end("Monitorear drift. Eso es todo, gracias!")
    assert not signs_off_at_end("Thanks. I'd start with logistic regression on user features.")
    assert not signs_off_at_end("Is that all you need, thanks?")


def test_small_talk_is_met_in_kind():
    assert small_talk_kind("I'm a bit nervous honestly, this is my first mock.") == "nervous"
    assert small_talk_kind("Hi, how are you?") == "how-are-you"
    assert small_talk_kind("Sorry, I'm a bit late, the link wasn't working.") == "late"
    assert small_talk_kind("Good, good. Ok, let's do it.") == "ready"
    replies = interviewer_templates().replies.small_talk
    assert all(len(options) >= 2 for options in replies.values())  # variants: never the same words twice


def test_another_language_is_raised_once_only():
    assert language_move(asked_before=False) == "ask" and language_move(asked_before=True) == "proceed"


def test_a_repeated_question_is_rephrased_not_read_out_again():
    q = "You log 40 billion impressions a day. How do you turn them into training data?"
    said = rephrase(q)
    assert said != q and said.startswith("In short, how do you turn") and "40 billion" in said
    assert rephrase("How would you split the data?") == "How would you split the data?"


def test_each_part_is_matched_to_its_fact_by_meaning_or_topic_words():
    overlaps = [len(topic_words(part) & topic_words("peak QPS, queries per day, traffic")) for part in
                ("the traffic", "latencia")]
    assert overlaps == [1, 0]
    assert topic_words("¿cuántos usuarios?") & topic_words("daily active users")
    scores = [fact_scores([0.30, 0.35], [1, 0]), fact_scores([0.2, 0.1], [0, 0])]
    assert pick_facts(scores, 0.40) == [0, None]  # the topic word lifts a short part over the line


def test_a_wrap_up_ends_an_answer_late_in_the_interview_not_a_design_given_up_front():
    assert ends_with_answer(True, signed_off=False, visited=5)
    assert ends_with_answer(True, signed_off=True, visited=1)
    assert not ends_with_answer(True, signed_off=False, visited=1)  # "here's the whole design... that's it"
    assert not ends_with_answer(False, signed_off=False, visited=6)


def test_the_candidate_is_followed_back_to_a_skipped_stage_and_assumptions_stay_in_requirements():
    assert topic_stage({"framing": 1.0}, "data", ORDER, skipped=["framing"]) == "framing"
    assert topic_stage({"framing": 1.0}, "data", ORDER, skipped=[]) is None  # visited already: stay
    assert topic_stage({"monitoring": 0.67}, "clarify", ORDER, assuming=True) is None


def test_a_short_thanks_ends_and_stages_visited_are_not_followed_into_again():
    assert ends_with_answer(True, signed_off=False, visited=2, short=True)  # "Bas, mera design itna hi hai. Thank you!"
    assert topic_stage({"modeling": 1.0}, "data", ORDER, visited=["modeling"]) is None


def test_the_candidate_can_ask_for_the_stage_to_go_to():
    assert asked_stage("I'd like to start with the model, if that's ok.") == "modeling"
    assert asked_stage("Can we move on to serving?") == "serving"
    assert asked_stage("Data first, then the rest.") == "data"
    assert asked_stage("Let's go.") is None and asked_stage("I think the model is fine.") is None


def test_a_wrap_up_in_other_languages_and_a_plain_done_are_heard():
    assert signs_off_at_end("Ich glaube, das war's. Vielen Dank!")
    assert signs_off_at_end("How much time is left? ok. done then.")
    assert not signs_off_at_end("I'm done with the data part, now the model.")


def test_the_stage_a_candidate_announces_decides_where_they_are():
    assert stage_header("Data. Sources: the documentation, past tickets and macros.") == "data"
    assert stage_header("For the ML framing, this is multi-stage ranking.") == "framing"
    assert stage_header("Let me state the goals then. - Primary: deflection.") == "clarify"
    assert stage_header("Serving... search has to be fast.") == "serving"
    assert stage_header("Offline evaluation: NDCG@10 on the judged set.") == "monitoring"
    assert stage_header("Labels. Implicit feedback from the logs.") == "data"  # not "a/b"
    assert stage_header("I'd use a two-tower model with sampled softmax.") is None  # content, no announcement
    assert stage_header("Latency matters a lot for this product.") is None


def test_a_question_asking_the_interviewers_view_is_told_apart_from_a_request_for_a_fact():
    assert direct_question("Am I on the right track?") == "check-in"
    assert direct_question("Is that enough or should I think of more?") == "check-in"
    assert direct_question("Sorry, how long should the A/B test run?") == "opinion"
    assert direct_question("Would a deeper network be worth it later?") == "opinion"
    assert direct_question("What is the latency budget?") is None
    assert direct_question("Do we have GPUs at serving?") is None
    assert direct_question("I'd like to know the latency budget.") is None  # a statement is no question


def test_requests_without_a_question_mark_are_asks():
    bullets = ("Before designing anything I'd like to understand a few things:\n- who the users are\n"
               "- the size and format of the documentation\n- the latency budget for an answer")
    assert asks_in(bullets) == ["who the users are", "the size and format of the documentation",
                                "the latency budget for an answer"]
    assert asks_in("I'd also like the numbers behind 'overwhelmed': ticket volume per day.")
    assert asks_in("I guess the first thing I'm thinking is what kind of rules, because nudity differs.") == \
        ["I guess the first thing I'm thinking is what kind of rules"]
    assert asks_in("I'd use gradient-boosted trees because they work well on tabular features.") == []
    assert asks_in("Two-tower retrieval. Does that make sense?") == []  # a check-in asks nothing


def test_what_the_candidate_already_said_is_never_asked_and_a_covered_stage_is_not_revisited():
    # Slot 7 (a data deep dive) was already said: the next data question is slot 8.
    assert next_slot(6, STAGES_OF, OPENERS, {6}, set(), set(ORDER[:3]), {"data": 0.1}, ORDER,
                     answered={7: 0.8, 8: 0.1}) == (8, False)
    # Both data deep dives said: on to modeling's opener.
    assert next_slot(6, STAGES_OF, OPENERS, {6}, set(), set(ORDER[:3]), {"data": 0.1}, ORDER,
                     answered={7: 0.8, 8: 0.7}) == (9, False)
    # Framing was never asked about, but the candidate talked about it, or covered a part: no "come back" to it.
    nxt, revisit = next_slot(7, STAGES_OF, OPENERS, {0, 7}, done={"data"}, visited={"clarify", "data"},
                             shares={}, order=ORDER, talked={"framing"})
    assert not revisit
    nxt, revisit = next_slot(7, STAGES_OF, OPENERS, {0, 7}, done={"data"}, visited={"clarify", "data"},
                             shares={"framing": 0.3}, order=ORDER)
    assert not revisit


def test_a_bulleted_list_of_requests_is_answered_part_by_part(indexed_home):
    iv = _design(ScriptedGrader())
    facts = {f.id: f.answer.strip() for f in iv.scenario.facts}
    out = iv.respond("Before I design anything, I'd like to understand a few things:\n- how many daily active users\n"
                     "- how big the video catalogue is\n- what the business wants to optimise")
    reply = out[-1]
    assert reply.kind == "clarification"
    assert sum(answer in reply.text for answer in facts.values()) >= 2  # several parts, each with its fact


def test_a_check_in_inside_an_answer_is_answered_in_the_tone_of_its_grade(indexed_home):
    iv = _design(ScriptedGrader(score=0.5))
    out = iv.respond("I'd predict whether the user clicks a video and sort the feed by that probability. "
                     "Am I on the right track?")
    weak = interviewer_templates().replies.check_in["weak"]
    assert any(out[-1].text.startswith(option) for option in weak)
    strong = interviewer_templates().replies.check_in["strong"]
    assert not any(option in out[-1].text for option in strong)  # no praise for a weak answer


def test_once_every_question_is_covered_one_open_question_comes_before_the_end(indexed_home):
    iv = _design(ScriptedGrader())
    for _ in range(len(iv.slots) + len(interviewer_templates().open_questions) + 2):
        out = iv.respond("skip")
        if any(t.meta.get("wrap_up") for t in out):
            break
    asked = [t for t in iv.turns if t.role == "interviewer"]
    assert any(t.meta.get("open") for t in asked)  # the interview was young: open questions on the design first
    assert asked[-1].meta.get("wrap_up") and not iv.finished  # then the last open question, not the end
    out = iv.respond("I'd invest in better cold-start handling for new uploads.")
    assert iv.finished and out[-1].kind == "end"
    assert "Thanks for walking me through your design" in out[-1].text


def test_a_time_question_or_a_hint_request_inside_a_turn_is_not_ignored(indexed_home):
    iv = _design(ScriptedGrader())
    out = iv.respond("I'd log impressions, clicks and watch time and train on those. How much time do we have left?")
    assert "minutes left" in out[-1].text
    out = iv.respond("Honestly I'm stuck on this part. Could you give me a hint?")
    assert out[0].kind == "hint-request" and out[-1].kind == "hint"


def test_a_canned_reply_to_a_question_in_an_answer_is_never_said_twice(indexed_home):
    iv = _design(ScriptedGrader(score=3.5))
    opinion = interviewer_templates().replies.opinion
    said = []
    for _ in range(len(opinion) + 2):
        out = iv.respond("I'd rank by predicted watch time with a two-tower retrieval stage. Which one is better?")
        said += [o for o in opinion if o in out[-1].text]
    assert len(said) == len(set(said))


def test_a_stage_mentioned_in_passing_is_not_reached_in_the_report():
    assert covered_elsewhere(0.1) is None  # a passing mention: "not reached", not scored on almost nothing
    assert covered_elsewhere(0.3) == 2.0 and covered_elsewhere(0.6) == 3.0 and covered_elsewhere(0.9) == 4.0


def test_time_repeat_hint_and_steering_are_heard_in_the_languages_candidates_use():
    assert move_cue("¿Cuánto tiempo nos queda? Si hay tiempo, hablo de cold start.") == "time"
    assert move_cue("残り時間はどのくらいでしょうか？") == "time"
    assert move_cue("Perdona, se me ha cortado el audio. ¿Puedes repetir lo último?") == "repeat"
    assert move_cue("Could you give me another hint? I'm not sure how to pick the threshold.") == "hint"
    assert move_cue("That's the pipeline. Where should I go deeper?") == "steer"
    assert move_cue("I would repeat the training weekly on fresh data.") is None  # content, not a request
    assert signs_off_at_end("Va bene, allora chiudo qui. Grazie mille, è stata una bella conversazione. Buona giornata!")
    assert signs_off_at_end("本日はありがとうございました。")


def test_a_short_turn_asking_the_time_in_another_language_gets_the_time(indexed_home):
    iv = _design(ScriptedGrader())
    out = iv.respond("¿Cuánto tiempo nos queda?")
    assert out[0].kind == "progress-question" and "minutes left" in out[-1].text


def test_questions_about_the_interview_itself_get_answers_not_assumption_requests(indexed_home):
    iv = _design(ScriptedGrader())
    out = iv.respond("Hi! May I ask a few questions first?")
    assert out[-1].text == interviewer_templates().replies.permission
    out = iv.respond("Where should I start?")
    assert out[-1].text.startswith("Wherever you think matters most")
    assume = interviewer_templates().clarification_assume
    assert not any(a in t.text for t in iv.turns for a in assume)


def test_a_goodbye_with_a_last_question_still_ends():
    assert signs_off_at_end("I think that's everything. Thank you for the hints. Anything you'd recommend I read?")
    assert signs_off_at_end("本日はありがとうございました。とても楽しかったです。")
    assert not signs_off_at_end("Thanks. Sure.")  # small talk at the start is no goodbye
    assert not signs_off_at_end("Thank you! I would now move to the model.")


def test_a_long_summary_that_announces_the_end_and_thanks_is_a_goodbye_and_more_languages_are_heard():
    assert signs_off_at_end("Okay, I'll wrap up then. So: time-based split, XGBoost on velocity features, cost-based "
                            "thresholds. Thanks so much, this was really useful!")
    assert signs_off_at_end("Prima, ik rond af. Samengevat: hashing, een vision backbone. Bedankt, dit was fijn!")
    assert not signs_off_at_end("To summarize the requirements: 100M users, 200 ms. Thanks for the numbers. Now the "
                                "framing: I'd predict watch time. Then rank.")  # thanks in passing, and it goes on
    assert move_cue("Сколько у нас осталось времени?") == "time"
    assert move_cue("Hoeveel tijd hebben we nog?") == "time"
    assert move_cue("Sure, yeah, what's the question?") == "repeat"
    assert move_cue("Извините, связь пропала. Можете повторить последний вопрос?") == "repeat"


def test_an_answer_that_does_not_take_up_the_question_gets_no_follow_up_presuming_it():
    assert after_answer(False, False, 0, 2, ["kp"], engaged=False, reasks=0) == "reask"  # once more
    assert after_answer(False, False, 0, 2, ["kp"], engaged=False, reasks=1) == "advance"  # then left
    assert after_answer(True, False, 0, 2, ["kp"], engaged=False) == "challenge"  # a trap is still a trap
    assert after_answer(False, False, 0, 2, ["kp"], engaged=True) == "follow-up"


def _to_deep_dive(iv: Interview) -> None:
    for _ in range(len(iv.slots)):
        if not iv.current.is_stage:
            return
        iv.respond("skip")
    raise AssertionError("no deep dive in the plan")


def test_a_deep_dive_answered_with_something_else_is_asked_again_once_then_left(indexed_home):
    iv = _design(ScriptedGrader())  # covers no key point: the answers below take up nothing
    _to_deep_dive(iv)
    probe = iv.current.id
    asked = iv.question(iv.current)
    out = iv.respond("I would host everything on Kubernetes with autoscaling.")
    assert out[-1].kind == "question" and out[-1].meta.get("reask") and asking_part(asked) in out[-1].text
    assert asked not in out[-1].text or asking_part(asked) == asked  # the detail it was asked with is not recited
    assert iv.current.id == probe
    out = iv.respond("I would cache the results in Redis for a day and batch the writes.")
    assert not out[-1].meta.get("reask") and out[-1].kind != "follow-up"
    assert iv.current.id != probe  # left, not drilled
    assert any(lead in out[-1].text for lead in interviewer_templates().replies.reask_dropped)


def test_a_deep_dive_answer_that_takes_it_up_may_be_followed_up(indexed_home):
    iv = _design(ScriptedGrader())
    _to_deep_dive(iv)
    points = iv.target(iv.current).key_points
    iv.grader = ScriptedGrader(covers={points[0].id})
    out = iv.respond("Here is how I would handle it, with the first thing that matters most.")
    assert not out[-1].meta.get("reask")


def test_a_long_answer_driving_elsewhere_is_followed_not_asked_again(indexed_home):
    iv = _design(ScriptedGrader())
    _to_deep_dive(iv)
    out = iv.respond("Let me lay out the whole thing my way. " + "I would build a candidate generator, a ranker, "
                     "a re-ranker for diversity and a feature store, each with its own service and its own owner. " * 3)
    assert not out[-1].meta.get("reask")


def test_goodbyes_in_the_languages_candidates_use_are_heard():
    for text in ("Vielen Dank für das Gespräch, es hat mir Spaß gemacht!", "好的，谢谢您！今天的面试很有收获。",
                 "Je pense que c'est tout. Merci beaucoup pour l'entretien !",
                 "I think that's my design. Thanks for steering me earlier. Any feedback?",
                 "Thanks for your time today, this was useful.", "Спасибо за интервью!",
                 "Obrigada pela entrevista, foi ótimo."):
        assert says_goodbye(text), text
    for text in ("Thanks for the hint. So I would use velocity features.", "Great, thanks.",
                 "Thanks. I'd add canary deployment and shadow mode.", "Hi, thanks for having me!",
                 "Thanks for the interview question. " + "I would shard the index by region and replicate it. " * 12):
        assert not says_goodbye(text), text


def test_a_goodbye_ends_the_interview_once_it_is_under_way_but_not_at_the_start(indexed_home):
    iv = _design(ScriptedGrader())
    out = iv.respond("Hi! Thanks for your time today, I'm excited.")
    assert not iv.finished and out[-1].kind != "end"
    for _ in range(6):
        iv.respond("skip")
    out = iv.respond("Vielen Dank für das Gespräch!")
    assert iv.finished and out[-1].kind == "end"


def test_a_term_in_the_question_is_defined_and_one_never_said_is_pointed_out(indexed_home):
    assert asked_term("What do you mean by 'interleaving'?") == "interleaving"
    assert asked_term("Sorry, what does 'uplift' mean exactly in this context?") == "uplift"
    assert defined_term("Sorry, what does prevalence mean here?")[0] == "prevalence"
    assert asked_term("What do you mean by the second part?") == "second part"
    iv = _design(ScriptedGrader())
    out = iv.respond("What do you mean by prevalence?")  # a term the interviewer never used: said so, and defined
    assert "prevalence" in out[-1].text and "didn't use" in out[-1].text
    assert defined_term("prevalence")[1].means in out[-1].text
    for _ in range(len(iv.slots)):  # on to a question that uses a term of the glossary
        said = [t.text for t in iv.turns if t.role == "interviewer"][-1]
        if defined_term(said):
            break
        iv.respond("skip")
    form, entry = defined_term(said)
    out = iv.respond(f"Sorry, what do you mean by {form}?")
    assert out[-1].kind == "reply" and entry.means in out[-1].text
    out = iv.respond("What do you mean by zorbification?")
    assert "zorbification" in out[-1].text and iv.question(iv.current) in out[-1].text
    out = iv.respond("What do you mean by the second part?")
    assert "didn't mean" not in out[-1].text  # that points at the question, not at a term


def test_a_repeat_with_nothing_to_say_another_way_does_not_claim_to_rephrase(indexed_home):
    iv = _design(ScriptedGrader())
    iv.respond("skip")  # a stage question with no detail to reorder
    question = iv.question(iv.current)
    out = iv.respond("Sorry, could you say that again?")
    assert question in out[-1].text
    assert interviewer_templates().replies.meaning[iv.current.stage] in out[-1].text  # said another way: its meaning
    out = iv.respond("Sorry, could you say that again?")  # the second time, as it was
    assert out[-1].text.endswith(question) and "another way" not in out[-1].text


def test_other_language_questions_reach_their_facts_through_their_english_words(indexed_home):
    assert "users" in gloss("combien d'utilisateurs a l'application")
    assert "catalogue" in gloss("¿cuántos productos tiene el catálogo?")
    iv = _design(ScriptedGrader())
    facts = {f.id: f.answer.strip() for f in iv.scenario.facts}
    out = iv.respond("Bonjour ! Est-ce que je peux répondre en français ? D'abord : combien d'utilisateurs a "
                     "l'application ?")
    assert out[-1].kind == "reply" and any(answer in out[-1].text for answer in facts.values())


def test_the_close_names_no_gap_the_grader_may_have_misread(indexed_home):
    iv = _design(ScriptedGrader())  # every point graded missing
    iv.respond("I'd log every impression with the features as served and join watch events to it afterwards.")
    report = iv.report()
    missed = report.model_copy(update={"not_reached": [], "summary": report.summary[:2] + [
        "Work on requirements next (0.0/4): log every impression"]})
    assert iv._advice(missed) == ""  # a missed point is the grader's reading: the report has it, the close does not
    unreached = [s for s in report.stages if s.covered == 0 and s.stage not in iv._talked()][-1]
    gap = report.model_copy(update={"not_reached": [unreached.title], "summary": report.summary[:2] + [
        f"Work on {unreached.title} next, which was not reached."]})
    assert iv._advice(gap) == gap.summary[2]  # a stage never talked about is named
    talked = report.model_copy(update={"not_reached": [report.stages[0].title]})
    iv.respond("Hola, ahora hablo de los datos: registraría cada impresión con sus características.")
    assert iv._advice(talked) == ""  # a turn in another language: the coverage may be wrong, so no claim


def test_asking_the_interviewers_view_is_heard_in_other_languages_and_a_detail_check_in_too():
    for text in ("¿Ustedes qué opinan?", "Qu'en pensez-vous ?", "Was denken Sie?", "你觉得呢？", "Как вы думаете?"):
        assert direct_question(text) == "opinion", text
    assert direct_question("Sorry about going deep early - was the level of detail right?") == "check-in"


def test_a_candidate_leading_their_own_design_at_length_is_let_go_on_once_with_no_follow_up(indexed_home):
    iv = _design(ScriptedGrader(score=3.5))
    iv.respond("skip")
    long_turn = LEADING_SERVING_TURN
    out = iv.respond(long_turn)
    assert out[-1].meta.get("go_on") and "?" not in out[-1].text
    out = iv.respond(long_turn.replace("Serving:", "Monitoring and serving together:"))
    assert not out[-1].meta.get("go_on") and out[-1].kind != "follow-up"  # never twice in a row; nothing presumed
    assert in_other_language("Ich würde Gradient Boosted Trees nehmen, für die strukturierten Features.")
    assert not in_other_language("Features: - BM25 per field - embedding cosine - CTR by position")


def test_late_in_the_interview_a_short_turn_of_thanks_without_content_ends(indexed_home):
    iv = _design(ScriptedGrader())
    out = iv.respond("Thanks for the hint, that helps. Could you give me another hint?")
    assert not iv.finished  # early on, thanks for a hint is just that
    for _ in range(12):
        if len(iv._visited()) >= 5:
            break
        iv.respond("skip")
    out = iv.respond("Thanks for the hints, that really helped. Is there anything else you'd expect in a good answer?")
    assert iv.finished and out[-1].kind == "end"


def test_the_figures_a_turn_states_are_read_with_their_period_and_clause():
    got = figures("So: on the order of 200M daily users, a corpus in the low billions, 5,000 QPS at peak, p99 200 ms, "
                  "95% recall and the top 500 candidates.")
    values = {(v, p) for v, p, _ in got}
    assert (2e8, "day") in values and (1.5e9, "") in values and (5000.0, "second") in values
    assert not any(v in (200.0, 95.0) and p not in ("ms", "%") for v, p, _ in got)  # not counts, but read apart
    assert (200.0, "ms") in values and (95.0, "%") in values
    assert figures("the ranker takes about 20 ms.") == []  # a duration in a clause not about answering in time
    budget = [(200.0, "ms", "200 ms at p99 for the home page")]
    assert contradicted([(300.0, "ms", "render in roughly 300 ms")], budget, [[0.7]]) == [0]  # a budget loosened
    assert contradicted([(50.0, "ms", "retrieval within 50 ms")], budget, [[0.7]]) == []  # a part of it, by right
    assert contradicted([(5.0, "%", "about 5 percent cancel a month")], [(3.0, "%", "About 3% cancel")], [[0.8]]) == [0]
    said = [(2e7, "day", "around 20 million uploads a day")]
    facts = [(8e7, "day", "About 80 million images a day"), (3000.0, "second", "3,000 per second at peak")]
    assert contradicted(said, facts, [[0.8, 0.3]]) == [0]  # four times off, same topic and period: corrected
    assert contradicted([(7.5e7, "day", "about 75 million a day")], facts, [[0.8, 0.3]]) == []  # a rounding
    assert contradicted(said, facts, [[0.3, 0.2]]) == []  # another topic: no claim
    assert contradicted([(2e7, "second", "20 million a second")], facts, [[0.9, 0.1]]) == []  # another period
    ads = [(1e7, "", "About 10 million active ads from a million advertisers"),
           (1500.0, "", "Targeting leaves a few thousand eligible ads per request")]
    few = [(1500.0, "", "That leaves maybe a few thousand ads")]
    assert contradicted(few, ads, [[0.7, 0.6]]) == []  # another fact of the same topic says it: it agrees
    assert contradicted(few, ads[:1], [[0.7]]) == [0]  # ... and without that fact it is a figure to correct
    events = [(1e6, "", "Around a million upcoming events are listed at any time")]
    assert contradicted([(3000.0, "", "a mid-size city has maybe 3,000 upcoming events")], events, [[0.8]]) == []
    assert contradicted([(3000.0, "", "we list maybe 3,000 upcoming events")], events, [[0.8]]) == [0]  # no scope


def test_a_sizing_figure_restated_wrongly_is_corrected_once_with_the_facts_sentence(indexed_home):
    iv = _design(ScriptedGrader())
    out = iv.respond("How many daily active users do we have?")
    assert "200 million daily active users" in out[-1].text
    out = iv.respond("OK, so about 20 million daily active users. I'd start with the objective: long-term watch time.")
    assert "One correction" in out[-1].text and "200 million daily active users" in out[-1].text
    out = iv.respond("With 20 million daily active users, I would precompute candidates every hour.")
    assert "One correction" not in out[-1].text  # said once


def test_a_short_question_on_what_a_term_means_is_answered_whatever_the_act_model_hears(indexed_home):
    iv = _design(ScriptedGrader())
    out = iv.respond("Sorry, what does eCPM mean? I've heard it but I'm not sure.")
    assert out[0].kind == "meaning-question" and defined_term("ecpm")[1].means in out[-1].text
    assert direct_question("Am I doing OK?") == "check-in"


def test_what_would_you_do_never_reads_the_question_just_put_again_and_follows_the_part_named(indexed_home):
    iv = _design(ScriptedGrader())
    question = [t.text for t in iv.turns if t.role == "interviewer"][-1]
    out = iv.respond("What would you do?")
    assert out[-1].kind == "reply" and iv.question(iv.current) not in out[-1].text  # it was just asked
    assert out[-1].text in interviewer_templates().replies.own_approach_try and question
    out = iv.respond("What would you do for monitoring? I really don't know this part.")
    assert interviewer_templates().replies.meaning["monitoring"] in out[-1].text


def test_a_classic_mistake_is_challenged_where_it_comes_once_and_not_when_taken_back():
    fraud = ["fraud-rate", "latency"]
    assert classic_mistake("For evaluation I'd look at accuracy. 99% accuracy would be really good.", fraud).id == \
        "accuracy-on-imbalance"
    assert classic_mistake("I'd use accuracy... actually no, with 0.1% fraud I'd use precision and recall.", fraud) is None
    assert classic_mistake("I'd use accuracy.", ["latency"]) is None  # no rare class in this scenario
    assert classic_mistake("I'd use accuracy.", fraud, challenged=["accuracy-on-imbalance"]) is None  # once
    assert classic_mistake("Then a random 80/20 split for train and test.", []).id == "random-split-over-time"
    assert classic_mistake("Not a random split: I'd split by time, train on weeks 1-8.", []) is None


def test_accuracy_on_a_rare_class_is_challenged_in_the_interview_with_the_scenarios_rate(indexed_home):
    iv = Interview.start(mode="design", scenario="fraud-detection", seed=0, grader=ScriptedGrader())
    fact = next(f.answer.strip() for f in iv.scenario.facts if f.id == "fraud-rate")
    out = iv.respond("I'd train gradient boosted trees and evaluate with accuracy; 99% accuracy would be great.")
    assert out[-1].kind == "challenge" and fact in out[-1].text
    out = iv.respond("And accuracy again for the dashboard, 99% accuracy.")
    assert out[-1].kind != "challenge" or "accuracy" not in out[-1].text.lower()  # once per interview


def test_a_random_sample_for_labelling_is_not_a_random_split():
    assert classic_mistake("I'd have reviewers label a random sample of uploads every day.", []) is None
    assert classic_mistake("Pool the snapshots, do a random 80/20 split and report AUC.", []).id == "random-split-over-time"
