"""Fuzzing with hypothesis: the grader, the answer guard and ingest take arbitrary text and bytes.

Text strategies include control characters, invisible and right-to-left characters, long runs
of whitespace or markup, and answers far past the length limit; surrogates are excluded (they
cannot be encoded and no caller can produce them from real input). Bytes must give a clear
`AnswerError` from the grader, and `None` or text from `decode_bytes`.
"""

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interviewer import AnswerError, Chunk, Grade, get_bank, grade, normalise_text
from interviewer.grading.guard import clean_answer, looks_injected
from interviewer.text import split_sentences
from interviewer.corpus.ingest import Document, read_document, split_document
from interviewer.corpus.normalise import decode_bytes

LIMIT = 8000
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GRADE = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

any_char = st.characters(exclude_categories=("Cs",))
# pieces that stress the guard's patterns: markup, template tokens, whitespace runs, look-alikes
tricky = st.sampled_from(["<", ">", "<!--", "-->", "[", "]", "#", "```", "~~~", "\n", "\r\n", "\t", " " * 300,
                          "\u200b", "\u202e", "\ufeff", "\U000e0041", "а", "ο", "ＩＧＮＯＲＥ", "score: 4", "4/4",
                          "system:", "<|im_start|>", "[INST]", "grader", "ignore", "=", "\"", "\\", ".", "\x00", "\x07"])
texts = st.one_of(
    st.text(any_char, max_size=400),
    st.lists(st.one_of(tricky, st.text(any_char, max_size=20)), max_size=60).map("".join),
    st.tuples(st.text(any_char, max_size=50), st.integers(LIMIT - 100, 3 * LIMIT)).map(
        lambda t: (t[0] or "x") * (t[1] // max(1, len(t[0] or "x")))),
)


@pytest.fixture(scope="module")
def item():
    return get_bank().item("grill-12-imbalanced-data")


@FAST
@given(texts)
def test_clean_answer_takes_any_text(text):
    clean = clean_answer(text, LIMIT)
    assert isinstance(clean.text, str) and clean.original == text
    assert len(clean.text) <= LIMIT
    assert clean.truncated == (len(text.replace("\x00", "")) > LIMIT)
    assert clean.injection == any("addressed to the grader" in w for w in clean.warnings)
    assert isinstance(looks_injected(text), bool)
    assert all(s.strip() == s and s for s in split_sentences(text))


@FAST
@given(st.one_of(st.binary(max_size=2000), st.integers(), st.floats(), st.none(), st.lists(st.text(max_size=5))))
def test_clean_answer_rejects_non_text_clearly(value):
    with pytest.raises(AnswerError, match="must be text"):
        clean_answer(value, LIMIT)


@GRADE
@given(texts)
def test_grade_takes_any_text(item, text):
    g = grade(item, text, backend="semantic", cite=False)
    assert isinstance(g, Grade)
    assert 0 <= g.score <= 4 and 0 <= g.normalised <= 1
    assert len(g.key_points) == len(item.key_points)
    for v in g.key_points:
        assert v.evidence == "" or v.evidence in text
    if any("manipulate the grader" in w for w in g.warnings):
        assert g.score == 0


@GRADE
@given(st.binary(max_size=500))
def test_grade_rejects_bytes_clearly(item, data):
    with pytest.raises(AnswerError, match="must be text"):
        grade(item, data, backend="semantic", cite=False)


@FAST
@given(st.binary(max_size=3000))
def test_decode_bytes_gives_text_or_none(data):
    text = decode_bytes(data)
    assert text is None or isinstance(text, str)
    if text is not None:
        assert normalise_text(text).endswith("\n")


@FAST
@given(st.text(any_char, max_size=3000))
def test_decode_bytes_round_trips_utf8(text):
    decoded = decode_bytes(text.encode("utf-8"))
    if decoded is not None:
        assert decoded.lstrip("\ufeff") == text.lstrip("\ufeff")


@FAST
@given(texts)
def test_normalise_text_is_idempotent(text):
    once = normalise_text(text)
    assert isinstance(once, str) and once.endswith("\n")
    assert normalise_text(once) == once


@FAST
@given(st.one_of(texts, st.lists(st.sampled_from(["# T", "## A", "### B", "text", "\n", "- item", "```", "---"]),
                                 max_size=40).map("\n".join)))
def test_split_document_takes_any_text(text):
    doc = Document(path="x.md", title="T", origin="x.md", text=normalise_text(text))
    chunks = split_document(doc, chunk_size=300, chunk_overlap=30)
    assert all(isinstance(c, Chunk) and c.text.strip() for c in chunks)
    assert len({c.id for c in chunks}) == len(chunks)


@FAST
@given(st.binary(max_size=3000))
def test_read_document_takes_any_file(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.md"
        path.write_bytes(data)
        doc = read_document(path, Path(tmp))
    assert doc is None or (doc.text.strip() and doc.title and doc.path == "doc.md")


# --- the turn classifier, the transcript store and the agent ------------------------------------


@FAST
@given(texts)
def test_classifier_takes_any_text(text):
    from interviewer import classify

    from typing import get_args

    from interviewer.models import CandidateKind

    assert classify(text) in get_args(CandidateKind)


@FAST
@given(st.lists(st.one_of(texts, st.binary(max_size=200).map(lambda b: b.decode("latin-1"))), min_size=1, max_size=4))
def test_transcript_store_keeps_any_text_exactly(turn_texts):
    from interviewer import SessionStore, Turn

    with tempfile.TemporaryDirectory() as folder:
        store = SessionStore(Path(folder) / "s.sqlite3")
        info = store.create("grill", "fuzz", {"slots": []})
        for text in turn_texts:
            store.append(info.id, Turn(role="candidate", kind="answer", text=text, meta={"raw": text[:50]}))
        assert [t.text for t in store.turns(info.id)] == turn_texts
        store.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(texts, st.binary(max_size=100)), min_size=1, max_size=3))
def test_interview_answers_any_input_and_records_it(home, turn_inputs):
    from interviewer import Interview, open_sessions

    iv = Interview.start(mode="grill", count=1, seed=1)
    for value in turn_inputs:
        if iv.finished:
            break
        out = iv.respond(value)
        assert out and out[-1].role == "interviewer"
    assert [t.seq for t in open_sessions().turns(iv.id)] == [t.seq for t in iv.turns]
