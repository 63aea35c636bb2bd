"""The room's parts without a browser: notes, the paused clock, the question's grade, the report's summary,
level, quoted feedback, resolved study passages and PDF, the history chart and the live transcript."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

import interviewer as core
from interviewer import Interview
from interviewer.interview.room import MAX_NOTES_CHARS
from interviewer.prompts import report_texts

from .fakes import ScriptedGrader

ANSWER = "I'd frame it as ranking by expected watch time with a two-tower retrieval stage, then a ranker."


def test_notes_are_kept_with_the_session_and_read_by_the_grader(indexed_home):
    grader = ScriptedGrader()
    iv = Interview.start(mode="grill", count=1, seed=2, grader=grader)
    assert iv.save_notes("## Numbers\n- 40k QPS at peak") is True
    assert iv.save_notes("## Numbers\n- 40k QPS at peak") is False  # unchanged: no new turn
    iv.respond("I would start with a simple baseline and compare offline metrics.")
    iv.skip()
    closing = [answer for _, answer, cite in grader.history if cite]
    assert closing and "40k QPS at peak" in closing[-1]  # the question is graded with the notes
    again = Interview.resume(iv.id)
    assert again.notes == "## Numbers\n- 40k QPS at peak"
    assert "40k QPS at peak" in again.report().markdown()


def test_huge_notes_are_refused_with_a_message_and_the_old_notes_kept(indexed_home):
    iv = Interview.start(mode="grill", count=1, seed=2)
    iv.save_notes("short")
    with pytest.raises(core.AnswerError, match="under"):
        iv.save_notes("x" * (MAX_NOTES_CHARS + 1))
    assert Interview.resume(iv.id).notes == "short"


def test_a_pause_is_not_charged_to_the_stage(indexed_home):
    iv = Interview.start(mode="design", scenario="video-recommendation", seed=1)
    iv.pause()
    assert iv.paused and iv.status()["paused"] and iv.status()["clock_since"] is None
    time.sleep(1.5)
    iv.unpause()
    since = iv.status()["clock_since"]
    asked = iv.turns[0].at
    assert since - asked >= 1.4  # the clock starts again where it stood
    iv.respond("What is the peak QPS?")  # speaking also starts a paused clock
    assert not Interview.resume(iv.id).paused


def test_the_question_grade_is_over_all_its_answers_and_matches_the_report(indexed_home):
    iv = Interview.start(mode="grill", count=2, seed=5)
    iv.respond("I would split by time so that no future data leaks into training.")
    iv.respond("And I would compare against a simple baseline before anything complex.")
    shown = iv.question_grade()
    iv.skip()
    report = iv.report()
    assert report.questions[0].score == pytest.approx(shown.score)


def test_the_report_states_a_level_a_three_sentence_summary_and_quotes_the_candidate(indexed_home):
    iv = Interview.start(mode="design", scenario="video-recommendation", seed=1)
    iv.respond("What is the peak QPS?")
    iv.respond(ANSWER)
    iv.end()
    report = iv.report()
    labels = [band.label for band in report_texts().levels]
    assert report.level in labels
    assert len(report.summary) == 3 and report.level in report.summary[0]
    quoted = [s for s in report.strengths if "“" in s]
    assert quoted and all(re.search("“(.+)”", s).group(1).rstrip(" …")[:40] in (ANSWER + "What is the peak QPS?")
                          for s in quoted)
    assert [r[0] for r in report.chart_rows][-1] == "Overall"
    titles = [r[0] for r in report.chart_rows[:-1]]
    order = [s.title for s in core.STAGES]
    assert titles == sorted(titles, key=order.index)  # framework order, not alphabetical


def test_every_rubric_source_resolves_to_a_passage(indexed_home):
    from interviewer.corpus.retrieval import section_passage

    bank = core.get_bank()
    for item in bank.items.values():
        for source in item.sources:
            passage = section_passage(source.origin, source.section, item.question)
            assert passage is not None and passage.text.strip(), (item.id, source)


def test_the_pdf_export_is_a_pdf_with_the_report_in_it(indexed_home):
    iv = Interview.start(mode="grill", count=1, seed=2)
    iv.respond("I would use a time-based split and watch for leakage “quotes” and accents: café.")
    iv.end()
    pdf = core.report_pdf(iv.report())
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 1


def test_the_history_chart_has_a_line_per_mode_with_markers(indexed_home):
    store = core.open_sessions()
    for mode in ("grill", "drill"):
        iv = Interview.start(mode=mode, count=1, seed=2)
        iv.respond("Use a time-based split so no future rows leak into training, and report precision and recall.")
        if not iv.finished:
            iv.skip()
    prog = core.progress(store, core.get_bank())
    figure = core.trend_figure(prog, {s.id: s.mode for s in store.list()})
    lines = figure.axes[0].get_lines()
    assert sorted(line.get_label() for line in lines) == ["Grill", "Trap drill"]
    assert all(line.get_marker() == "o" for line in lines)


def test_weak_areas_are_named_in_words():
    assert core.area_name("class-imbalance") == "Class imbalance"
    assert core.area_name("data") == "Data"


def test_the_clock_renders_what_is_left_and_stands_when_paused():
    status = {"finished": False, "time_left_s": 300.0, "clock_since": 1000.0, "paused": False}
    assert "4:00" in core.clock_html(status, now=1060.0)
    assert "paused" in core.clock_html({**status, "paused": True, "clock_since": None}, now=5000.0)
    assert "5:00" in core.clock_html({**status, "paused": True, "clock_since": None}, now=5000.0)


def test_the_live_transcript_cuts_pieces_at_quiet_moments(monkeypatch):
    from interviewer import voice

    heard: list[float] = []

    def fake(audio, **_):  # the ASR model itself is tested in test_voice.py; here: what is sent to it, when
        rate, samples = audio
        heard.append(samples.size / rate)
        return core.Transcript(text=f"piece{len(heard)}", language="en", duration_s=0, seconds=0)

    monkeypatch.setattr(voice, "transcribe", fake)
    live = core.LiveTranscript()
    rate = 48_000
    tone = (np.sin(np.arange(rate) / 5) * 8000).astype(np.int16)  # one second of sound
    for second in range(16):
        chunk = tone if second % 3 else np.zeros(rate, dtype=np.int16)
        live.feed((rate, chunk))
    assert live.spoke and live.quiet_s == pytest.approx(1.0)  # it ended on a second of quiet
    live.wait()  # pieces are transcribed in the background while the chunks keep coming
    pieces = len(heard)
    assert pieces >= 2 and live.text == " ".join(f"piece{i}" for i in range(1, pieces + 1))  # while speaking
    assert all(voice.PIECE_S - voice.QUIET_SEARCH_S <= h <= voice.PIECE_S + 1.0 for h in heard[:pieces])
    assert live.finish().endswith(f"piece{pieces + 1}") and sum(heard) == pytest.approx(16.0, abs=0.01)
    quiet = core.LiveTranscript()
    for _ in range(3):
        quiet.feed((rate, np.zeros(rate, dtype=np.int16)))
    assert not quiet.spoke and quiet.quiet_s == pytest.approx(3.0)  # a pause, and nothing said
    quiet.finish()
    late = live.feed((rate, tone))  # a chunk that arrives after Stop reopens the transcript
    assert not live.finished and live.finish().startswith(late) and live.finished
