"""The many-users path: a real Chroma server started by the test, on 127.0.0.1."""

import pytest

from interviewer import build_index, search

from evals.support.chromaserver import running_chroma


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    try:
        with running_chroma(tmp_path_factory.mktemp("chroma-server")) as port:
            yield port
    except RuntimeError as error:
        pytest.fail(str(error))


def test_index_and_search_through_a_chroma_server(chroma_server, monkeypatch, tmp_path, home):
    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("CHROMA_PORT", str(chroma_server))
    from interviewer.config import get_settings

    get_settings.cache_clear()
    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "serving.md").write_text("# Serving\n\n## Canary\n\nSend five percent of traffic to the new model first.\n\n"
                                       "## Shadow\n\nRun the new model on live requests but discard its answers.\n")
    report = build_index(corpus_dir=corpus, progress=False)
    assert report.added == 2
    assert build_index(corpus_dir=corpus, progress=False).unchanged == 2
    top = search("test a model on real traffic without users seeing its output", k=1)[0]
    assert top.section == "Shadow"
    assert not (home / "index").exists()  # nothing was written locally
