"""The one command line of the evaluation suites and benchmarks: `python -m evals COMMAND`.

    python -m evals retrieval                      # recall@k and MRR of the search
    python -m evals grader [--dataset F --out D]   # a grader against human grades (a grading-dataset file)
    python -m evals injection [--grader semantic]  # attacks on the grader, and benign answers
    python -m evals selfplay [--out D]             # scripted personas through the offline interviewer
    python -m evals conversation [--judgments F]   # blind candidate scripts through the CLI, judged
    python -m evals fit [--cv-only]                # refit the offline grader's scorer
    python -m evals fit-acts                       # refit the dialogue-act model (held-out writer report)
    python -m evals heldout [--out D]              # the grader with the blind writer held out
    python -m evals bench [--out docs/BENCHMARKS.md] [--only grader,interview]
    python -m evals screenshots [--out docs/img]   # every tab of the UI, for docs/UI.md

Each suite is a module of its own; this file only maps options onto them. Suites use the package's
public names and never the tests.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import typer

app = typer.Typer(help="Evaluation suites and benchmarks of the mock interviewer.", no_args_is_help=True,
                  add_completion=False)
HERE = Path(__file__).parent


def _command() -> str:
    return "python -m evals " + shlex.join(sys.argv[1:])


@app.command()
def retrieval(queries: Path = typer.Option(HERE / "data" / "retrieval-queries.jsonl", help="Labelled queries (JSONL)."),
              as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Recall@1, recall@5 and MRR of the search over labelled queries."""
    from evals import retrieval as suite

    raise typer.Exit(suite.main(queries=queries, as_json=as_json))


@app.command()
def grader(dataset: Path = typer.Option(HERE / "data" / "mlsd-dev.jsonl", exists=True, dir_okay=False,
                                        help="A JSONL file in the grading-dataset format."),
           backend: str = typer.Option("semantic", "--grader", help="semantic, llm or auto."),
           out: Path | None = typer.Option(None, help="Write a Markdown report with plots to this folder."),
           as_json: bool = typer.Option(False, "--json", help="Print the metrics as one JSON object.")) -> None:
    """A grader against the human grades of DATASET."""
    import interviewer

    rows = interviewer.load_dataset(dataset)
    preds, seconds = interviewer.predict(rows, backend=backend, progress=not as_json)
    result = interviewer.metrics(rows, preds, seconds)
    if out:
        typer.echo(f"Report: {interviewer.write_report(rows, preds, result, out, title=dataset.name)}", err=True)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            if key != "per_tag":
                typer.echo(f"{key:>20}: {value}")


@app.command()
def injection(backend: str = typer.Option("semantic", "--grader", help="semantic, llm or auto."),
              data: Path = typer.Option(HERE / "data" / "injections.jsonl", help="The attack and benign rows."),
              out: Path = typer.Option(HERE / "reports" / "injection", help="Folder for report.md."),
              as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object.")) -> None:
    """Attacks on the grader (none may raise a score) and benign answers (none may be flagged)."""
    from evals import injection as suite

    raise typer.Exit(suite.main(grader=backend, data=data, as_json=as_json, out=out))


@app.command()
def selfplay(scenarios: str = typer.Option("video-recommendation,fraud-detection", help="Scenario ids, comma-separated."),
             modes: str = typer.Option("design,grill,drill", help="Modes, comma-separated."),
             personas: str = typer.Option("", help="Personas, comma-separated (default: all)."),
             seed: int = typer.Option(0, help="Plan seed."),
             out: Path | None = typer.Option(None, help="Folder for report.md."),
             as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Scripted personas through the offline interviewer; every transcript checked (a smoke test)."""
    from evals import selfplay as suite

    chosen = personas or ",".join(suite.PERSONAS)
    raise typer.Exit(suite.main(scenarios=scenarios, modes=modes, personas=chosen, seed=seed, as_json=as_json,
                                out=out, command=_command()))


@app.command()
def fit(out: Path = typer.Option(HERE.parent / "interviewer" / "data" / "semantic_scorer.json", help="Scorer file."),
        version: str = typer.Option("5", help="Version written into the scorer file."),
        cv_only: bool = typer.Option(False, "--cv-only", help="Print the cross-validated figures and stop.")) -> None:
    """Refit the offline grader's scorer on the development sets."""
    from evals import fit_scorer as suite

    raise typer.Exit(suite.main(out=out, version=version, cv_only=cv_only))


@app.command()
def conversation(scripts: Path = typer.Option(HERE / "data" / "blind" / "scripts", help="Folder of blind scripts."),
                 out: Path = typer.Option(HERE / "reports" / "conversation", help="Folder for the report."),
                 judgments: Path | None = typer.Option(None, help="A judge's verdicts per interviewer message (JSONL)."),
                 rerun: bool = typer.Option(True, help="Run the scripts again (else reuse transcripts.jsonl).")) -> None:
    """Blind candidate scripts through the CLI: automatic checks, and the judged shares when judged."""
    from evals import conversation as suite

    raise typer.Exit(suite.main(scripts=scripts, out=out, judgments=judgments, rerun=rerun))


@app.command()
def facts(threshold: float | None = typer.Option(None, help="Fact match threshold (default: the settings').")) -> None:
    """Clarifying questions matched to scenario facts, against a reader's labels (per writer)."""
    from .facts import evaluate

    typer.echo(json.dumps(evaluate(threshold=threshold), indent=1))


@app.command("fit-acts")
def fit_acts(out: Path = typer.Option(HERE.parent / "interviewer" / "data" / "acts_model.json", help="Model file."),
             report: Path = typer.Option(HERE / "reports" / "acts", help="Folder for the held-out report.")) -> None:
    """Fit the dialogue-act model on the blind utterances; report it with the writer held out."""
    from evals import fit_acts as suite

    raise typer.Exit(suite.main(out=out, report=report))


@app.command()
def heldout(out: Path = typer.Option(HERE / "reports" / "grading-heldout", help="Folder for report.md."),
            as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The offline grader with the blind writer held out (fit on mlsd-dev and one writer, test the other)."""
    from evals import heldout as suite

    raise typer.Exit(suite.main(out=out, as_json=as_json, command=_command()))


@app.command()
def bench(out: Path | None = typer.Option(Path("docs/BENCHMARKS.md"), help="The table to write."),
          only: str = typer.Option("", help="Suites, comma-separated (default: all)."),
          print_only: bool = typer.Option(False, "--print", help="Print the rows; write nothing.")) -> None:
    """Run the benchmarks and write docs/BENCHMARKS.md (machine, date and command included)."""
    from evals import bench as suite

    raise typer.Exit(suite.main(out=None if print_only else out, only=only or ",".join(suite.SUITES)))


@app.command()
def screenshots(out: Path = typer.Option(Path("docs/img"), help="Folder for the PNG files.")) -> None:
    """Screenshots of every tab (real app, Playwright on the system Chromium) for docs/UI.md."""
    from evals import screenshots as suite

    raise typer.Exit(suite.main(out=out))


if __name__ == "__main__":
    app()
