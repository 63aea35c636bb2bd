"""The fact matcher against a reader's labels (evals/facts.py): a floor under the figures GRADING-style reports
quote, so a change that makes the interviewer answer clarifying questions with the wrong facts fails here."""

from evals.facts import evaluate


def test_clarifying_questions_get_the_facts_a_reader_says_they_ask_for(indexed_home):
    scores = evaluate()
    assert set(scores) == {"F", "G"}
    assert scores["F"]["precision"] >= 0.75 and scores["F"]["recall"] >= 0.5  # the writer looked at (dev)
    assert scores["G"]["f1"] >= 0.5  # the writer held out
