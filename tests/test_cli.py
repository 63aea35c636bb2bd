import json

from typer.testing import CliRunner

from interviewer.cli import app

runner = CliRunner()


def test_search_json_has_the_documented_fields(indexed_home):
    result = runner.invoke(app, ["search", "how should I split time series data", "-k", "3", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 3
    assert set(rows[0]) == {"rank", "score", "document", "origin", "section", "text"}
    assert "time-series" in rows[0]["section"].lower()


def test_search_without_index_fails_with_advice():
    result = runner.invoke(app, ["search", "anything"])
    assert result.exit_code == 1
    assert "interviewer index" in result.output


def test_index_prints_a_summary(tmp_path):
    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "a.md").write_text("# A\n\nCanary releases send a small share of traffic to the new model.\n")
    (corpus / "bad.md").write_bytes(b"\x00\x01\x02binary")
    result = runner.invoke(app, ["index", "--corpus", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 documents into 1 chunks: 1 added, 0 removed, 0 unchanged, 1 file(s) skipped" in result.output
    assert "bad.md" in result.output


def test_index_on_empty_corpus_is_an_error(tmp_path):
    result = runner.invoke(app, ["index", "--corpus", str(tmp_path)])
    assert result.exit_code == 1
    assert "Nothing to index" in result.output
