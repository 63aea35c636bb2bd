"""The Gradio UI: a mock interview room over the `interviewer` package.

A thin client: every handler opens the interview named by the browser's own `gr.State` (a
session id) from the session database, checks that the signed-in user may (`_open`), calls the
package's public API, and renders what it returns. Nothing is kept between requests in this
module, so several app processes can serve the same sessions (the busy lock is in the database).

Tabs: Interview (typed or spoken, with a side panel of stage, time left and the last grade),
Report, Grade an answer, History. Named API endpoints (`start`, `send`, `send_audio`, `hint`,
`skip`, `end`, `speak`, `report`, `export`, `resume`, `history`, `grade`, `transcribe`) let
`gradio_client` drive the same handlers the buttons use. See docs/UI.md.

    python app.py                       # 127.0.0.1:7860, or INTERVIEWER_HOST / INTERVIEWER_PORT
    interviewer serve --port 7861
    http://127.0.0.1:7860/?mode=drill   # starts a drill as the page opens (also: scenario, topic, difficulty, seed)
    http://127.0.0.1:7860/?session=ID   # reopens a session (the History tab lists them)
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime

import interviewer as core  # first: importing it applies the offline switches and GRADIO_TEMP_DIR
import gradio as gr
import pandas as pd

MODES = [("Design interview (a whole scenario, stage by stage)", "design"),
         ("Trap drill (common mistakes, answer revealed)", "drill"),
         ("Grill (quick-fire questions)", "grill"),
         ("Review (your weakest items first)", "review")]
DIFFICULTIES = [("any", ""), ("easy", "easy"), ("medium", "medium"), ("hard", "hard")]


# --- opening the browser's interview --------------------------------------------------------


def _user(request: gr.Request | None) -> core.User | None:
    """The signed-in user (None with accounts off: one person, no login)."""
    try:
        return core.signed_in(getattr(request, "username", None), core.get_settings().auth)
    except core.AccessDenied as error:
        raise gr.Error(str(error)) from None


def _open(sid: str | None, request: gr.Request | None, write: bool = False) -> core.Interview:
    """The interview `sid`, if the signed-in user may read it (and change it, with write=True)."""
    if not sid:
        raise gr.Error("Start an interview first (Interview tab), or resume one from History.")
    try:
        core.check_access(_user(request), sid, write=write)
        return core.Interview.resume(sid)
    except (core.SessionNotFound, core.AccessDenied, core.StoreUnavailable) as error:
        raise gr.Error(str(error)) from None


# --- rendering (the pure renderers live in interviewer.views) --------------------------------------


def _view(iv: core.Interview, pending: str | None = None, shown: list[dict] | None = None):
    """Everything the Interview tab shows for `iv`: (session id, chat, status line, side panel, last grade)."""
    status = iv.status()
    chat = shown if shown is not None else core.chat_messages(iv.turns, pending=pending)
    return iv.id, chat, core.status_line(status), core.side_panel(status), core.grade_markdown(status["last_grade"])


# --- Interview tab handlers -----------------------------------------------------------------


def _converse(sid: str | None, text: str, request: gr.Request | None = None, kind: str | None = None):
    """Send one candidate turn and stream the chat while the interviewer writes."""
    iv = _open(sid, request, write=True)
    try:
        core.check_answer(iv.info, text)  # the shared server's limits: size, answers a minute, idle time
        with core.open_sessions().answering(iv.id):  # the busy lock, held in the database across processes
            if kind is None:
                yield *_view(iv, shown=core.chat_messages(iv.turns) + [{"role": "user", "content": text}]), ""
            pending = ""
            for event in iv.respond_stream(text, kind=kind):
                if event.type == "delta":
                    pending += event.text
                    yield *_view(iv, pending=pending), ""
                else:
                    pending = ""
            yield *_view(iv), ""
    except (core.InterviewError, core.AnswerError, core.LimitExceeded, core.SessionBusy, core.StoreUnavailable) as error:
        raise gr.Error(str(error)) from None


def on_start(mode: str, scenario: str, topic: str, difficulty: str, seed: int | None = None,
             request: gr.Request = None):
    user = _user(request)
    try:
        iv = core.Interview.start(mode=mode or "design", scenario=(scenario or None) if mode == "design" else None,
                                  topic=(topic or None) if mode != "design" else None, difficulty=difficulty or None,
                                  seed=seed, owner=user.name if user else None)
    except (core.InterviewError, core.StoreUnavailable) as error:
        raise gr.Error(str(error)) from None
    return *_view(iv), ""


def on_send(sid: str | None, text: str, request: gr.Request = None):
    yield from _converse(sid, text or "", request)


def on_send_audio(sid: str | None, audio: str | None, request: gr.Request = None):
    """Transcribe the recording; what was heard goes into the transcript as the candidate's turn."""
    if not audio:
        raise gr.Error("Record or upload an answer first.")
    try:
        heard = core.voice.transcribe(audio)
    except core.VoiceError as error:
        raise gr.Error(str(error)) from None
    if not heard.text.strip():
        raise gr.Error("I could not hear any words in that recording. Try again, closer to the microphone.")
    for out in _converse(sid, heard.text, request):
        yield *out[:-1], None


def on_hint(sid, request: gr.Request = None):
    yield from _converse(sid, "hint", request, kind="hint-request")


def on_skip(sid, request: gr.Request = None):
    yield from _converse(sid, "skip", request, kind="skip")


def on_end(sid, request: gr.Request = None):
    yield from _converse(sid, "end", request, kind="end")


def on_speak(sid: str | None, enabled: bool, request: gr.Request = None):
    """The interviewer's latest reply as speech (nothing when speech is off or unavailable)."""
    if not enabled or not sid or not core.voice.available():
        return None
    iv = _open(sid, request)
    reply: list[str] = []
    for turn in reversed(iv.turns):
        if turn.role == "candidate":
            break
        if turn.role == "interviewer":
            reply.insert(0, turn.text)
    if not reply:
        return None
    try:
        return core.voice.speak("\n".join(reply))
    except core.VoiceError as error:
        gr.Warning(str(error))
        return None


def on_page_load(request: gr.Request):
    """`?session=<id>` reopens a session as the page opens; `?mode=drill` (and scenario, topic,
    difficulty, seed) starts a new interview."""
    params = dict(request.query_params) if request is not None else {}
    if params.get("session"):
        return *_view(_open(params["session"], request)), ""
    if "mode" not in params:
        return None, [], "_Choose a mode and press **Start interview**._", "", core.grade_markdown(None), ""
    seed = params.get("seed", "")
    return on_start(params.get("mode", "design"), params.get("scenario", ""), params.get("topic", ""),
                    params.get("difficulty", ""), int(seed) if seed.isdigit() else None, request=request)


# --- Report tab -----------------------------------------------------------------------------


def on_report(sid: str | None, request: gr.Request = None):
    iv = _open(sid, request)
    report = iv.report()
    rows = [(s.title, s.score) for s in report.stages if s.score is not None]
    if not rows:
        rows = [(f"Q{q.slot + 1}", q.score) for q in report.questions]
    rows.append(("Overall", report.overall))
    chart = pd.DataFrame(rows, columns=["part", "score"])
    return report.markdown(), chart


def on_export(sid: str | None, request: gr.Request = None):
    """The transcript as Markdown and JSON files under the state folder."""
    iv = _open(sid, request)
    folder = core.get_settings().home / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt, suffix in (("md", "md"), ("json", "json")):
        path = folder / f"interview-{iv.id}.{suffix}"
        path.write_text(iv.export(fmt), encoding="utf-8")
        paths.append(str(path))
    return paths[0], paths[1]


# --- Grade-an-answer tab --------------------------------------------------------------------


def on_pick_item(item_id: str) -> str:
    if not item_id:
        return "_Paste a question and a reference answer below, or pick a question above._"
    item = core.get_bank().items[item_id]
    return f"**{item.question}**\n\n_{item.stage.title} · {item.kind} · {item.difficulty}_"


def on_transcribe(audio: str | None) -> str:
    if not audio:
        raise gr.Error("Record or upload an answer first.")
    try:
        return core.voice.transcribe(audio).text
    except core.VoiceError as error:
        raise gr.Error(str(error)) from None


def on_grade(item_id: str, question: str, reference: str, trap: str, key_points: str, answer: str) -> str:
    if item_id:
        target = core.get_bank().items[item_id]
    else:
        if not (question or "").strip() or not (reference or "").strip():
            raise gr.Error("Pick a question, or paste both a question and a reference answer.")
        target = core.Reference(question=question.strip(), reference_answer=reference.strip(),
                                trap=(trap or "").strip() or None,
                                key_points=[k.strip(" -*\t") for k in (key_points or "").splitlines() if k.strip()])
    try:
        return core.grade_markdown(core.grade(target, answer or ""), full=True)
    except core.AnswerError as error:
        raise gr.Error(str(error)) from None


# --- History tab ----------------------------------------------------------------------------


def on_history(request: gr.Request = None):
    user = _user(request)
    store = core.open_sessions()
    sessions = core.visible_sessions(user)  # a candidate's own; a coach's and their candidates'
    prog = core.progress(store, core.get_bank(), owners=None if user is None else [user.name])
    overall = {sid: score for _, sid, score in prog.trend}
    table = pd.DataFrame(
        [(datetime.fromtimestamp(s.created).strftime("%Y-%m-%d %H:%M"), s.title, s.mode, s.status, s.turns,
          f"{overall[s.id]:.1f}" if s.id in overall else "", s.id) for s in sessions],
        columns=["started", "title", "mode", "status", "turns", "overall", "session"])
    trend = pd.DataFrame([(datetime.fromtimestamp(t), score) for t, _, score in prog.trend],
                         columns=["when", "overall"])
    weak = prog.weak_areas()
    lines = ["#### Weak areas (lowest mean score)"]
    lines += ([f"- {name}: {mean:.1f} / 4 over {count} answers" for name, count, mean in weak]
              or ["_Not enough answers yet._"])
    missed: Counter = prog.missed
    if missed:
        lines += ["", "#### Key points you miss most"]
        lines += [f"- {text} ({n}×)" for text, n in missed.most_common(5)]
    unfinished = [(f"{s.title} · {datetime.fromtimestamp(s.updated):%Y-%m-%d %H:%M} · {s.id}", s.id)
                  for s in sessions if s.status == "active" and core.can_write(user, s)]
    return table, trend, "\n".join(lines), gr.Dropdown(choices=unfinished, value=None)


def on_resume(session_id: str, request: gr.Request = None):
    if not session_id:
        raise gr.Error("Pick an unfinished session to resume.")
    iv = _open(session_id, request, write=True)
    if iv.finished:
        raise gr.Error("That interview has ended; its report is in the Report tab once you open it.")
    return *_view(iv), gr.Tabs(selected="interview")


# --- layout ---------------------------------------------------------------------------------


def _topics(bank) -> list[tuple[str, str]]:
    counts = Counter(t for item in bank.items.values() for t in item.tags)
    return ([("any topic", "")] + [(f"stage: {s.title}", s.value) for s in core.STAGES]
            + [(t, t) for t in sorted(t for t, n in counts.items() if n >= 2)])


def build() -> gr.Blocks:
    bank = core.get_bank()
    voice_ok = core.voice.available()
    with gr.Blocks(title="ML System Design Mock Interviewer") as demo:
        sid = gr.State(None)  # this browser's session id: the only per-user state
        gr.Markdown("# ML System Design Mock Interviewer")
        with gr.Tabs() as tabs:
            with gr.Tab("Interview", id="interview"):
                status = gr.Markdown("_Choose a mode and press **Start interview**._", elem_id="status-line")
                with gr.Row():
                    with gr.Column(scale=1, min_width=240):
                        mode = gr.Dropdown(MODES, value="design", label="Mode")
                        scenarios = [(s.title, s.id) for s in bank.scenarios.values()]
                        scenario = gr.Dropdown([("random scenario", "")] + scenarios, value="", label="Scenario")
                        topic = gr.Dropdown(_topics(bank), value="", label="Topic", visible=False)
                        difficulty = gr.Dropdown(DIFFICULTIES, value="", label="Difficulty")
                        start = gr.Button("Start interview", variant="primary")
                        speak_on = gr.Checkbox(False, label="Speak the interviewer's messages", visible=voice_ok)
                        if not voice_ok:
                            gr.Markdown(f"🎤 _Speech is off. {core.voice.missing_reason()}_")
                    with gr.Column(scale=3):
                        chat = gr.Chatbot(label="Interview", height=520, elem_id="chat", feedback_options=None,
                                          placeholder="Your interviewer will start here.")
                        with gr.Row():
                            text = gr.Textbox(placeholder="Answer, ask a clarifying question, or type 'hint' / 'skip'",
                                              show_label=False, lines=3, scale=5)
                            send = gr.Button("Send", variant="primary", scale=1)
                        with gr.Row(visible=voice_ok):
                            mic = gr.Audio(sources=["microphone", "upload"], type="filepath", label="Speak your answer",
                                           scale=4)
                            send_audio = gr.Button("Send recording", scale=1)
                        with gr.Row():
                            hint = gr.Button("Hint")
                            skip = gr.Button("Skip question")
                            end = gr.Button("End interview", variant="stop")
                        voice_out = gr.Audio(label="Interviewer", autoplay=True, interactive=False, visible=voice_ok)
                    with gr.Column(scale=1, min_width=240):
                        side = gr.Markdown("", elem_id="side-panel")
                        with gr.Accordion("Last grade", open=False):
                            last_grade = gr.Markdown(core.grade_markdown(None))
            with gr.Tab("Report", id="report"):
                show_report = gr.Button("Show report for this interview")
                chart = gr.BarPlot(x="part", y="score", y_lim=[0, 4], label="Scores (0-4)", sort=None, height=300)
                report_md = gr.Markdown()
                export = gr.Button("Download transcript")
                with gr.Row():
                    md_file = gr.File(label="Transcript (Markdown)")
                    json_file = gr.File(label="Transcript (JSON)")
            with gr.Tab("Grade an answer", id="grade"):
                item = gr.Dropdown([("paste my own question", "")] +
                                   [(f"{i.stage.value} · {i.question[:100]}", i.id) for i in bank.items.values()],
                                   value="", label="Question")
                item_info = gr.Markdown(on_pick_item(""))
                with gr.Accordion("Your own question and reference", open=False):
                    question = gr.Textbox(label="Question", lines=2)
                    reference = gr.Textbox(label="Reference answer", lines=4)
                    trap = gr.Textbox(label="Common wrong answer (optional)", lines=2)
                    key_points = gr.Textbox(label="Key points, one a line (optional)", lines=4)
                answer = gr.Textbox(label="Your answer", lines=6)
                with gr.Row(visible=voice_ok):
                    grade_mic = gr.Audio(sources=["microphone", "upload"], type="filepath", label="Or speak it")
                    transcribe = gr.Button("Transcribe into the answer box")
                grade_btn = gr.Button("Grade", variant="primary")
                feedback = gr.Markdown()
            with gr.Tab("History", id="history"):
                refresh = gr.Button("Refresh")
                sessions = gr.Dataframe(label="Sessions", interactive=False, wrap=True)
                trend = gr.LinePlot(x="when", y="overall", y_lim=[0, 4], label="Overall score over time", height=260)
                weak = gr.Markdown()
                with gr.Row():
                    unfinished = gr.Dropdown([], label="Unfinished sessions (or paste a session id)", scale=4,
                                             allow_custom_value=True)
                    resume = gr.Button("Resume", scale=1)

        view = [sid, chat, status, side, last_grade]
        history_out = [sessions, trend, weak, unfinished]
        mode.change(lambda m: (gr.Dropdown(visible=m == "design"), gr.Dropdown(visible=m != "design")),
                    mode, [scenario, topic], api_visibility="private")

        def then_speak(event):  # the interviewer's reply spoken, after the chat shows it
            return event.then(on_speak, [sid, speak_on], voice_out, api_visibility="private")

        start.click(on_start, [mode, scenario, topic, difficulty], view + [text], api_name="start").then(
            on_speak, [sid, speak_on], voice_out, api_name="speak")
        then_speak(send.click(on_send, [sid, text], view + [text], api_name="send"))
        then_speak(text.submit(on_send, [sid, text], view + [text], api_visibility="private"))
        then_speak(send_audio.click(on_send_audio, [sid, mic], view + [mic], api_name="send_audio"))
        then_speak(mic.stop_recording(on_send_audio, [sid, mic], view + [mic], api_visibility="private"))
        then_speak(hint.click(on_hint, sid, view + [text], api_name="hint"))
        then_speak(skip.click(on_skip, sid, view + [text], api_name="skip"))
        then_speak(end.click(on_end, sid, view + [text], api_name="end")).then(
            on_report, sid, [report_md, chart], api_visibility="private").then(
            on_history, None, history_out, api_visibility="private")
        show_report.click(on_report, sid, [report_md, chart], api_name="report")
        export.click(on_export, sid, [md_file, json_file], api_name="export")
        item.change(on_pick_item, item, item_info, api_visibility="private")
        transcribe.click(on_transcribe, grade_mic, answer, api_name="transcribe")
        grade_btn.click(on_grade, [item, question, reference, trap, key_points, answer], feedback, api_name="grade")
        refresh.click(on_history, None, history_out, api_name="history")
        resume.click(on_resume, unfinished, view + [tabs], api_name="resume")
        demo.load(on_page_load, None, view + [text], api_visibility="private")
        demo.load(on_history, None, history_out, api_visibility="private")
    return demo


def warm_up() -> None:
    """Load the rubric bank and the embedding model now, so the first answer is not the slow one."""
    bank = core.get_bank()
    if bank.items:
        core.grade(next(iter(bank.items.values())), "A short answer to load the models.")


def launch(demo: gr.Blocks, host: str | None = None, port: int | None = None, **kwargs):
    """Queue on, bound to the configured host and port, serving only the export folder besides Gradio's own."""
    settings = core.get_settings()
    threading.Thread(target=warm_up, name="warm-up", daemon=True).start()
    exports = settings.home / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    demo.queue(default_concurrency_limit=4)
    if settings.auth:  # accounts on: Gradio's login page, checked against `interviewer users`
        kwargs.setdefault("auth", lambda name, password: core.authenticate(name, password) is not None)
        kwargs.setdefault("auth_message", "Sign in with the account your coach or admin made for you.")
    return demo.launch(server_name=host or settings.host, server_port=port or settings.port, show_error=True,
                       allowed_paths=[str(exports)], ssr_mode=False, footer_links=["api"], **kwargs)


def main(host: str | None = None, port: int | None = None) -> None:
    launch(build(), host, port)


if __name__ == "__main__":
    main()
