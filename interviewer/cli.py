"""The `interviewer` command: a thin client of the package API."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

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
    corpus: Path | None = typer.Option(None, "--corpus", help="Folder of .md/.txt notes (default: the shipped corpus)."),
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
    stage: api.Stage | None = typer.Option(None, "--stage", help="Only passages tagged with this framework stage."),
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
    stage: api.Stage | None = typer.Option(None, "--stage", help="Only items of this framework stage."),
    kind: str | None = typer.Option(None, "--kind", help="trap, concept, stage or scenario."),
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
    answer: str | None = typer.Option(None, "--answer", "-a", help="The answer text (default: read standard input)."),
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
    dataset: Path = typer.Option(..., "--dataset", exists=True, dir_okay=False,
                                 help="A JSONL file in the grading-dataset format."),
    grader: str = typer.Option("semantic", "--grader", help="semantic, llm or auto."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as one JSON object."),
    out: Path | None = typer.Option(None, "--out", help="Write a Markdown report with plots to this folder."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N answers."),
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
    host: str | None = typer.Option(None, help="Bind address (default from settings: 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default from settings: 7860)."),
    replicas: int = typer.Option(1, "--replicas", min=1, max=64,
                                 help="App processes behind nginx: nginx on PORT, the processes on PORT+1.. "
                                      "(share INTERVIEWER_DATABASE_URL and CHROMA_HOST between them)."),
) -> None:
    """Start the web UI (one process, or several behind nginx)."""
    if replicas > 1:
        settings = api.get_settings()
        try:
            api.serving.serve_replicas(replicas, port or settings.port, settings.home, host or settings.host, say=typer.echo)
        except RuntimeError as exc:
            _fail(str(exc))
        return
    import app as web  # the Gradio UI: a top-level module installed with the package (`py-modules`)

    web.main(host=host, port=port)


sessions_app = typer.Typer(help="Past and unfinished interview sessions.", no_args_is_help=True)
app.add_typer(sessions_app, name="sessions")


def _turn_json(turn) -> dict:
    row = {"seq": turn.seq, "role": turn.role, "stage": turn.stage, "kind": turn.kind, "text": turn.text,
           "item_id": turn.item_id}
    if turn.grade is not None:
        row["grade"] = turn.grade.model_dump(mode="json")
    if turn.meta.get("llm_fallback"):
        row["llm_fallback"] = turn.meta["llm_fallback"]
    return row


def _print_turn(turn) -> None:
    if turn.role == "system":
        return
    if turn.role == "interviewer":
        typer.secho(f"\nInterviewer ({turn.stage}): ", fg=typer.colors.CYAN, bold=True, nl=False)
        typer.echo(turn.text)
    elif turn.grade is not None:
        g = turn.grade
        verdicts = " ".join(f"[{v.verdict[0].upper()}]" for v in g.key_points)
        trap = " · fell into the trap" if g.fell_into_trap else ""
        typer.secho(f"  score {g.score:.1f}/4 {verdicts}{trap}", fg=typer.colors.YELLOW)
        for w in g.warnings:
            typer.secho(f"  ! {w}", fg=typer.colors.RED)


@app.command()
def interview(
    mode: str = typer.Option("design", "--mode", help="design | drill | grill | review (weak areas first)."),
    scenario: str | None = typer.Option(None, "--scenario", help="Scenario id for design mode (default: random)."),
    topic: str | None = typer.Option(None, "--topic", help="Stage or tag to draw drill/grill items from."),
    difficulty: str | None = typer.Option(None, "--difficulty", help="easy | medium | hard."),
    count: int | None = typer.Option(None, "--count", min=1, max=50, help="Questions in drill/grill/review."),
    weak_first: bool = typer.Option(False, "--weak-first", help="Pick items from your weak areas first."),
    seed: int | None = typer.Option(None, "--seed", help="Fix the question order."),
    script: Path | None = typer.Option(None, "--script", help="Candidate turns from a JSONL file ({\"text\": ...} "
                                          "per line); runs without a terminal and prints the transcript as JSON."),
    resume: str | None = typer.Option(None, "--resume", help="Continue an unfinished session by id."),
) -> None:
    """Run a mock interview in the terminal (type 'hint', 'skip' or 'end' at any time)."""
    try:
        if resume:
            session = api.Interview.resume(resume)
        else:
            session = api.Interview.start(mode=mode, scenario=scenario, topic=topic, difficulty=difficulty,
                                          count=count, weak_first=weak_first, seed=seed)
    except (api.InterviewError, api.SessionNotFound) as exc:
        _fail(str(exc))
    if script is not None:
        try:
            lines = [json.loads(line) for line in script.read_text(encoding="utf-8").splitlines() if line.strip()]
            texts = [row["text"] for row in lines]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            _fail(f"{script}: expected one JSON object with a \"text\" field per line ({exc})")
        for text in texts:
            if session.finished:
                break
            session.respond(text)
        report = session.report()
        typer.echo(json.dumps({"session": session.id, "finished": session.finished,
                               "turns": [_turn_json(t) for t in session.turns],
                               "report": report.model_dump(mode="json")}, ensure_ascii=False, indent=2))
        return
    typer.secho(f"Session {session.id}: {session.info.title} (interviewer: {session.backend}, "
                f"grader: {session.status()['grader']}). Resume later with --resume {session.id}.", dim=True)
    for turn in session.turns:
        _print_turn(turn)
    while not session.finished:
        try:
            text = typer.prompt("\nYou", default="", show_default=False)
        except (EOFError, KeyboardInterrupt, typer.Abort):
            typer.echo(f"\nPaused. Resume with: interviewer interview --resume {session.id}")
            return
        for turn in session.respond(text):
            _print_turn(turn)
    typer.echo("")
    typer.echo(session.report().markdown())


@sessions_app.command("list")
def sessions_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Past sessions, newest first."""
    _print_rows(api.open_sessions().list(), as_json, "No sessions yet. Start one with `interviewer interview`.",
                lambda r: f"{r.id}  {r.status:<6}  {r.mode:<6}  {r.turns:>3} turns  {r.title}")


def _print_rows(rows: list, as_json: bool, empty: str, line) -> None:
    """Models as a JSON list, or one `line(row)` each (`empty` when there are none)."""
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    if not rows:
        typer.echo(empty)
    for r in rows:
        typer.echo(line(r))


@sessions_app.command("show")
def sessions_show(session_id: str = typer.Argument(...)) -> None:
    """A session's transcript and report."""
    try:
        session = api.Interview.resume(session_id)
    except api.SessionNotFound as exc:
        _fail(str(exc))
    for turn in session.turns:
        _print_turn(turn)
        if turn.role == "candidate":
            typer.echo(f"\nYou: {turn.text}")
    typer.echo("\n" + session.report().markdown())


@sessions_app.command("export")
def sessions_export(
    session_id: str | None = typer.Argument(None, help="The session (or --all)."),
    fmt: str = typer.Option("md", "--format", help="md | json"),
    out: Path | None = typer.Option(None, "--out", help="File to write (default: standard output)."),
    every: bool = typer.Option(False, "--all", help="Every session with its turns, one JSON object a line: a backup "
                                                    "that `interviewer sessions import` reads back."),
) -> None:
    """Export a session's report and transcript as Markdown or JSON, or back up every session (--all)."""
    if every:
        store = api.open_sessions()
        lines = [json.dumps(store.dump(info.id), ensure_ascii=False) for info in reversed(store.list())]
        text = "".join(line + "\n" for line in lines)
        if out:
            out.write_text(text, encoding="utf-8")
            typer.echo(f"Wrote {len(lines)} sessions to {out}", err=True)
        else:
            typer.echo(text, nl=False)
        return
    if session_id is None:
        _fail("name a session id, or pass --all")
    if fmt not in ("md", "json"):
        _fail("--format must be md or json")
    try:
        session = api.Interview.resume(session_id)
    except api.SessionNotFound as exc:
        _fail(str(exc))
    text = session.export(fmt)
    if out:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {out}")
    else:
        typer.echo(text)


@sessions_app.command("import")
def sessions_import(backup: Path = typer.Argument(..., exists=True, dir_okay=False,
                                                 help="A file written by `interviewer sessions export --all`.")) -> None:
    """Restore sessions from a backup into the configured database (sessions already there are left as they are)."""
    store = api.open_sessions()
    added = kept = 0
    for number, line in enumerate(backup.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            fresh = store.load(json.loads(line))
        except (ValueError, KeyError, TypeError) as exc:
            _fail(f"{backup}:{number}: not a session from `interviewer sessions export --all` ({exc})")
        added, kept = added + fresh, kept + (not fresh)
    typer.echo(f"Imported {added} sessions; {kept} were already there.")


@sessions_app.command("progress")
def sessions_progress(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """What you keep missing across sessions: weak stages and topics, most-missed key points."""
    p = api.progress(api.open_sessions(), api.get_bank())
    data = {"weak_areas": [{"area": a, "answers": n, "mean_score": round(m, 2)} for a, n, m in p.weak_areas(8)],
            "most_missed": [{"key_point": k, "times": n} for k, n in p.missed.most_common(8)],
            "next_items": p.weak_items()[:8],
            "trend": [{"session": s, "overall": o} for _, s, o in p.trend]}
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if not p.items and not p.by_stage:
        typer.echo("No graded answers yet. Start with `interviewer interview`.")
        return
    typer.echo("Weakest areas (mean score out of 4):")
    for row in data["weak_areas"]:
        typer.echo(f"  {row['mean_score']:.1f}  {row['area']} ({row['answers']} answers)")
    typer.echo("Key points you miss most:")
    for row in data["most_missed"]:
        typer.echo(f"  {row['times']}x  {row['key_point']}")
    typer.echo("Next in weak-first practice (`interviewer interview --mode review`): " + ", ".join(data["next_items"]))


users_app = typer.Typer(help="Accounts for a shared server (used when INTERVIEWER_AUTH=on).", no_args_is_help=True)
app.add_typer(users_app, name="users")


def _account(action, *args, done: str, **kwargs) -> None:
    """Run one `api.accounts` change; print `done`, or the reason it cannot be done."""
    try:
        action(*args, **kwargs)
    except api.AccountError as exc:
        _fail(str(exc))
    typer.echo(done)


def _password(stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def users_add(
    name: str = typer.Argument(...),
    role: str = typer.Option("candidate", "--role", help="candidate | coach"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
) -> None:
    """Add a user (the password is asked for, or read from standard input)."""
    _account(api.accounts.add_user, name, _password(password_stdin), role, done=f"Added {role} '{name}'.")


@users_app.command("list")
def users_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Users, their roles and (for coaches) their candidates."""
    _print_rows(api.accounts.list_users(), as_json, "No users yet. Add one with `interviewer users add NAME`.",
                lambda u: f"{u.name:<24} {u.role:<9}" + (f"  coaches: {', '.join(u.candidates)}" if u.candidates else ""))


@users_app.command("remove")
def users_remove(name: str = typer.Argument(...)) -> None:
    """Remove a user and their coach assignments (their sessions stay, for export)."""
    _account(api.accounts.remove_user, name, done=f"Removed '{name}'.")


@users_app.command("passwd")
def users_passwd(
    name: str = typer.Argument(...),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
) -> None:
    """Set a user's password."""
    _account(api.accounts.set_password, name, _password(password_stdin), done=f"Password of '{name}' changed.")


@users_app.command("assign")
def users_assign(
    coach: str = typer.Argument(...),
    candidate: str = typer.Argument(...),
    remove: bool = typer.Option(False, "--remove", help="Take the assignment away instead."),
) -> None:
    """Let COACH read CANDIDATE's sessions and reports (read-only)."""
    _account(api.accounts.assign, coach, candidate, remove=remove,
             done=f"'{coach}' {'no longer coaches' if remove else 'now coaches'} '{candidate}'.")


if __name__ == "__main__":
    app()
