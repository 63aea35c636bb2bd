"""The embedding engines: the int8 ONNX export agrees with the packaged model, is made offline, and
an index made with another engine is rebuilt rather than mixed."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from evals.support.resilience import NETGUARD_DIR
from interviewer import build_index
from interviewer.config import get_settings
from interviewer.corpus.embeddings import _encoder, _TorchEncoder, embed, engine_name, threads_for

TEXTS = [
    "Use a feature store so training and serving compute features the same way.",
    "Compute the features once and share them between the offline pipeline and the online service.",
    "Monitor the input distributions with PSI because labels arrive weeks late.",
    "The weather in Lisbon was sunny all week.",
    "p99 latency matters more than the mean when a request fans out to many backends.",
    "Split by time, not at random, so the model never trains on the future.",
]


def test_the_default_engine_is_the_onnx_export():
    assert engine_name() == "all-minilm-l6-v2/onnx-int8-v1"
    assert _encoder().name == "onnx-int8-v1"


def test_onnx_vectors_agree_with_the_packaged_torch_model():
    fast = embed(TEXTS * 6)  # a batch of 36: the batched path
    exact = _TorchEncoder().encode(TEXTS, threads=1)
    agreement = (fast[:len(TEXTS)] * exact).sum(axis=1)
    assert agreement.min() > 0.96 and agreement.mean() > 0.98, agreement
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-4)
    # what the grader relies on: a paraphrase is nearer than an unrelated sentence, in both engines
    for vectors in (fast[:len(TEXTS)], exact):
        sims = vectors @ vectors.T
        assert sims[0, 1] > sims[0, 3] + 0.3


def test_a_text_gets_the_same_vector_alone_and_in_any_batch():
    """Dynamic quantisation scales activations per run: batching texts together would make a vector
    depend on its neighbours (measured: cosine 0.99), and grades with it."""
    alone = _encoder().encode([TEXTS[2]], threads=1)[0]
    for batch in (TEXTS * 6, TEXTS[2:4], [TEXTS[5], TEXTS[2]] * 20):
        for threads in (1, 2):
            vectors = _encoder().encode(batch, threads=threads)
            assert np.array_equal(vectors[batch.index(TEXTS[2])], alone)


def test_thread_count_follows_the_setting_and_the_load(monkeypatch):
    monkeypatch.setattr("interviewer.corpus.embeddings._cores", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.3, 0.3, 0.3))
    assert threads_for(5) == 2 and threads_for(500) == 2
    monkeypatch.setattr(os, "getloadavg", lambda: (3.0, 3.0, 3.0))
    assert threads_for(5) == 1  # busy machine: one thread for an interactive call
    assert threads_for(500) == 2  # a batch still uses both
    monkeypatch.setenv("INTERVIEWER_EMBED_THREADS", "1")
    get_settings.cache_clear()
    assert threads_for(500) == 1


def test_an_index_made_by_another_engine_is_rebuilt(indexed_home):
    from interviewer.corpus.store import open_store

    store = open_store()
    assert store.embedder() == engine_name()
    store.collection.modify(metadata={"embedder": "some-other-model"})
    report = build_index(progress=False)
    assert report.added == report.chunks > 100
    assert open_store().embedder() == engine_name()
    assert build_index(progress=False).added == 0  # and then it is up to date


@pytest.mark.slow
def test_a_damaged_onnx_file_is_made_again_offline(tmp_path):
    """A fresh process with a fresh cache folder makes the file again (under the socket guard): a damaged
    file is replaced rather than failing or silently falling back to the slower engine."""
    log = tmp_path / "netguard.log"
    script = textwrap.dedent("""
        from interviewer.corpus.embeddings import embed, engine_name, onnx_file
        path = onnx_file()
        path.parent.mkdir(parents=True)
        path.write_bytes(b"not an onnx model" * 100)
        assert embed(["a feature store keeps features consistent"]).shape == (1, 384)
        print("ENGINE", engine_name(), path.stat().st_size > 10_000_000)
    """)
    guard = str(NETGUARD_DIR)
    env = {**os.environ, "INTERVIEWER_CACHE_DIR": str(tmp_path / "cache"), "NETGUARD_LOG": str(log),
           "PYTHONPATH": os.pathsep.join(filter(None, [guard, os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "ENGINE all-minilm-l6-v2/onnx-int8-v1 True" in out.stdout
    assert "unreadable" in out.stderr  # said, not silent
    assert (tmp_path / "netguard.log.loaded").exists()
    assert not log.exists() or not log.read_text().strip()
