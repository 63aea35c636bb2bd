"""The negation scope (`grading/negation.py`): which words a cue denies, and when a sentence denies a point."""

from __future__ import annotations

import pytest

from interviewer.grading.negation import denied_words, negates

POINT = "Uses one shared feature library for training and serving."


@pytest.mark.parametrize("sentence", [
    "I would not use a shared feature library for training and serving.",
    "We never share the feature library between training and serving.",
    "A shared feature library for training and serving isn't needed.",  # the cue after the point's words
    "Keep separate code paths rather than a shared feature library for training and serving.",
])
def test_a_sentence_that_denies_the_point_negates_it(sentence):
    assert negates(sentence, POINT)


@pytest.mark.parametrize("sentence", [
    "I'd use one shared feature library for training and serving.",
    "Not just retraining: a shared feature library for training and serving.",  # the scope ends at the colon
    "I wouldn't retrain, but I'd share the feature library between training and serving.",
    "You don't know whether training and serving share the feature library, so check it first.",
    "Don't forget a shared feature library for training and serving.",
])
def test_a_sentence_that_says_the_point_does_not_negate_it(sentence):
    assert not negates(sentence, POINT)


def test_a_point_that_itself_denies_is_never_negated():
    assert not negates("Don't start with the model.", "Puts the model choice after framing, not at the start.")


def test_the_scope_ends_at_a_turn():
    assert denied_words("not the model but the features") == {"model"}
    assert denied_words("The model is fine.") == set()
