import logging

import pytest

from interviewer import CorpusEmpty, build_index, search
from interviewer.config import PROJECT_DIR
from interviewer.corpus.ingest import load_corpus, split_document, stage_for
from interviewer.models import Stage

CORPUS = PROJECT_DIR / "corpus"


def test_shipped_corpus_loads_with_titles_and_origins():
    docs, skipped = load_corpus(CORPUS)
    assert skipped == []
    origins = sorted(d.origin for d in docs)
    assert origins == [
        "000_121cbc3421f2791e.txt", "001_4c8d6ba2189e3733.txt", "002_e9de540b1859c27c.txt",
        "003_2a2628a915f975d6.txt", "004_2c1b56f104c5f8cc.txt",
    ]
    assert all(d.title and not d.title.endswith(".md") for d in docs)


def test_chunks_carry_section_paths_and_stages():
    docs, _ = load_corpus(CORPUS)
    grill = next(d for d in docs if d.origin.startswith("001"))
    chunks = split_document(grill)
    sections = {c.section for c in chunks}
    assert "C. Data > 11. How do you split for time-series data?" in sections
    split = next(c for c in chunks if c.section.endswith("time-series data?"))
    assert "never random" in split.text.lower()
    assert split.stage == Stage.data
    quick = [s for s in sections if s.startswith("Quick fire > ")]
    assert len(quick) == 8  # items 48-55 each get their own section
    assert len({c.id for c in chunks}) == len(chunks)


def test_stage_rules_use_the_deepest_clear_heading():
    assert stage_for(["E. Serving", "23. Caching strategies?"]) == Stage.serving
    assert stage_for(["Monitoring & Evaluation", "Model Monitoring", "Data Drift"]) == Stage.monitoring
    assert stage_for(["Self-grading"]) is None


def test_bad_files_are_skipped_with_a_warning(tmp_path, caplog):
    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "good.md").write_text("# Caching\n\nPer-user caches trade staleness for latency.\n")
    (corpus / "empty.md").write_text("")
    (corpus / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (corpus / "noise.txt").write_bytes(bytes(range(1, 9)) * 400)
    (corpus / "ignored.pdf").write_bytes(b"%PDF-1.4")
    with caplog.at_level(logging.WARNING):
        docs, skipped = load_corpus(corpus)
    assert [d.path for d in docs] == ["good.md"]
    assert sorted(p.rsplit("/", 1)[-1] for p in skipped) == ["empty.md", "image.md", "noise.txt"]
    for name in ("empty.md", "image.md", "noise.txt"):
        assert name in caplog.text


def test_corpus_with_nothing_indexable_is_a_clear_error(tmp_path):
    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "empty.md").write_text("   \n")
    with pytest.raises(CorpusEmpty, match="Nothing to index"):
        build_index(corpus_dir=corpus, progress=False)
    with pytest.raises(CorpusEmpty, match="does not exist"):
        build_index(corpus_dir=tmp_path / "missing", progress=False)


def test_index_is_incremental(tmp_path):
    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "a.md").write_text("# Notes\n\n## Caching\n\nPer-user caches trade staleness for latency.\n\n"
                                 "## Drift\n\nPSI on input features flags drift before labels arrive.\n")
    (corpus / "b.txt").write_text("Shadow deployment runs a new model on live traffic without serving it.\n")
    first = build_index(corpus_dir=corpus, progress=False)
    assert (first.documents, first.added, first.removed) == (2, 3, 0)
    again = build_index(corpus_dir=corpus, progress=False)
    assert (again.added, again.removed, again.unchanged) == (0, 0, 3)
    (corpus / "a.md").write_text("# Notes\n\n## Caching\n\nPer-user caches trade staleness for latency.\n\n"
                                 "## Drift\n\nKS tests and PSI on inputs flag drift early.\n")
    (corpus / "b.txt").unlink()
    changed = build_index(corpus_dir=corpus, progress=False)
    assert (changed.added, changed.removed, changed.unchanged) == (1, 2, 1)
    top = search("how do I notice drift without labels", k=1)[0]
    assert "KS tests" in top.text and top.section == "Drift"
    assert top.document == "Notes" and top.origin == "a.md"
