"""The `interviewer` command: a thin client of the package API."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Optional

import typer

import interviewer as api

app = typer.Typer(help="Mock interviewer for ML-system-design interviews.", no_args_is_help=True, add_completion=False)
rubrics_app = typer.Typer(help="Validate and browse the rubric bank.", no_args_is_help=True)
app.add_typer(rubrics_app, name="rubrics")


def _fail(message: str, code: int = 1) -> None:
    typer.secho(f"Error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Show debug logging.")) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s: %(message)s")


@app.command()
def index(
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="Folder of .md/.txt notes (default: the shipped corpus)."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Drop the index and build it from scratch."),
) -> None:
    """Build or update the search index of the corpus (only changed chunks are embedded)."""
    try:
        report = api.build_index(corpus_dir=corpus, rebuild=rebuild, progress=True)
    except (api.CorpusEmpty, api.IndexUnavailable, api.EmbeddingModelMissing) as exc:
        _fail(str(exc))
    for path in report.skipped:
        typer.secho(f"Skipped {path} (empty, binary or undecodable)", fg=typer.colors.YELLOW, err=True)
    typer.echo(report.summary())


@app.command()
def search(
    query: str = typer.Argument(..., help="What to look for."),
    k: int = typer.Option(5, "-k", min=1, max=50, help="How many passages."),
    stage: Optional[api.Stage] = typer.Option(None, "--stage", help="Only passages tagged with this framework stage."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Search the study notes."""
    try:
        passages = api.search(query, k=k, stage=stage)
    except (api.IndexUnavailable, api.EmbeddingModelMissing, ValueError) as exc:
        _fail(str(exc))
    if as_json:
        rows = [{"rank": p.rank, "score": p.score, "document": p.document, "origin": p.origin, "section": p.section,
                 "text": p.text} for p in passages]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for p in passages:
        typer.secho(f"{p.rank}. [{p.score:.3f}] {p.citation}", bold=True)
        typer.echo("   " + p.text[:300].replace("\n", "\n   ") + ("…" if len(p.text) > 300 else ""))


@rubrics_app.command("validate")
def rubrics_validate() -> None:
    """Check every rubric file: schema, unique ids, scenario item ids, and that sources resolve to the corpus."""
    try:
        bank = api.validate_rubrics()
    except api.RubricError as exc:
        for problem in exc.problems:
            typer.secho(problem, fg=typer.colors.RED, err=True)
        _fail(f"{len(exc.problems)} problem(s) in the rubric bank.")
    typer.echo(f"OK: {len(bank.items)} items and {len(bank.scenarios)} scenarios in {len(set(bank.files.values()))} files.")


def _bank():
    try:
        return api.get_bank()
    except api.RubricError as exc:
        _fail(f"the rubric bank does not load; run `interviewer rubrics validate`.\n{exc}")


@rubrics_app.command("list")
def rubrics_list(
    stage: Optional[api.Stage] = typer.Option(None, "--stage", help="Only items of this framework stage."),
    kind: Optional[str] = typer.Option(None, "--kind", help="trap, concept, stage or scenario."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List rubric items and scenarios."""
    bank = _bank()
    rows = [{"id": i.id, "kind": i.kind, "stage": i.stage.value, "origin": i.origin, "scenario": False,
             "question": i.question} for i in bank.select(stage=stage) if kind in (None, i.kind)]
    if kind in (None, "scenario") and stage is None:
        rows += [{"id": s.id, "kind": "scenario", "stage": None, "origin": s.sources[0].origin, "scenario": True,
                  "question": s.prompt} for s in bank.scenarios.values()]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['id']:<40} {row['kind']:<9} {row['stage'] or '-':<11} {row['origin']}")
    typer.echo(f"{len(rows)} shown")


@rubrics_app.command("show")
def rubrics_show(rubric_id: str = typer.Argument(..., help="An item or scenario id.")) -> None:
    """Show one rubric item or scenario as YAML."""
    import yaml

    bank = _bank()
    thing = bank.items.get(rubric_id) or bank.scenarios.get(rubric_id)
    if thing is None:
        valid = ", ".join(sorted([*bank.items, *bank.scenarios]))
        _fail(f"unknown id '{rubric_id}'. Valid ids: {valid}")
    typer.echo(yaml.safe_dump(thing.model_dump(mode="json", exclude_defaults=True), sort_keys=False, allow_unicode=True))


@app.command("grade")
def grade_cmd(
    rubric_id: str = typer.Argument(..., help="The rubric item to grade against (see `interviewer rubrics list`)."),
    answer: Optional[str] = typer.Option(None, "--answer", "-a", help="The answer text (default: read standard input)."),
    grader: str = typer.Option("auto", "--grader", help="semantic, llm or auto."),
    as_json: bool = typer.Option(False, "--json", help="Print the Grade as JSON."),
) -> None:
    """Grade one answer against a rubric item, with feedback citing the study notes."""
    bank = _bank()
    try:
        item = bank.item(rubric_id)
    except KeyError as exc:
        _fail(str(exc.args[0]))
    text = answer if answer is not None else sys.stdin.read()
    try:
        g = api.grade(item, text, backend=grader)
    except (api.AnswerError, NotImplementedError) as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(g.model_dump_json(indent=2))
        return
    typer.secho(f"Score {g.score:.1f} / 4  ({g.backend}, {g.latency_ms:.0f} ms)", bold=True)
    for v in g.key_points:
        typer.echo(f"  [{v.verdict:^7}] {v.text}" + (f"\n            “{v.evidence}”" if v.evidence else ""))
    if g.fell_into_trap:
        typer.secho(f"  Fell into the trap: “{g.trap_evidence}”", fg=typer.colors.RED)
    for w in g.warnings:
        typer.secho(f"  Warning: {w}", fg=typer.colors.YELLOW)
    typer.echo(f"\nCorrect approach: {g.feedback.correct_approach}")
    for c in g.feedback.citations:
        typer.echo(f"  See: {c.document} › {c.section}")


@app.command("eval")
def eval_cmd(
    dataset: Path = typer.Option(..., "--dataset", exists=True, dir_okay=False, help="A JSONL file in the grading-dataset format."),
    grader: str = typer.Option("semantic", "--grader", help="semantic, llm or auto."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as one JSON object."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write a Markdown report with plots to this folder."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N answers."),
) -> None:
    """Measure a grader against the human grades in DATASET."""
    try:
        rows = api.load_dataset(dataset)[:limit]
        preds, seconds = api.predict(rows, backend=grader, progress=True)
    except (ValueError, NotImplementedError) as exc:
        _fail(str(exc))
    result = api.metrics(rows, preds, seconds)
    if out:
        report = api.write_report(rows, preds, result, out, title=dataset.name)
        typer.echo(f"Report: {report}", err=True)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        if key != "per_tag":
            typer.echo(f"{key:>20}: {value}")


@app.command()
def serve(
    host: Optional[str] = typer.Option(None, help="Bind address (default from settings: 127.0.0.1)."),
    port: Optional[int] = typer.Option(None, help="Port (default from settings: 7860)."),
) -> None:
    """Start the web UI."""
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    import app as web  # the Gradio app lives at the top level, outside the package

    web.main(host=host, port=port)


if __name__ == "__main__":
    app()
