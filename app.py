"""The Gradio UI: a mock interview room over the `interviewer` package.

A thin client: every handler opens the interview named by the browser's own `gr.State` (a session
id) from the session database, checks that the signed-in user may (`_open`), calls the package's
public API, and renders what it returns. Nothing is kept between requests in this module, so several
app processes can serve the same sessions (the busy lock is in the database). The page's
address carries the session (`?session=ID`) once an interview starts, so a reload reopens it; the
browser's local storage remembers which sessions it started, to offer the last unfinished one again
and to list them in History.

Tabs: Interview (typed or spoken, a design-notes pane, a side panel with a ticking stage clock,
coverage per stage and the current question's grade), Report, Grade an answer, History. Named API
endpoints (`start`, `send`, `send_audio`, `hint`, `skip`, `end`, `pause`, `notes`, `speak`, `report`,
`export`, `resume`, `history`, `delete`, `grade`, `transcribe`) let `gradio_client` drive the
same handlers the buttons use. See docs/UI.md.

    python app.py                       # 127.0.0.1:7860, or INTERVIEWER_HOST / INTERVIEWER_PORT
    http://127.0.0.1:7860/?mode=drill   # starts a drill as the page opens (also: scenario, topic, difficulty, seed)
    http://127.0.0.1:7860/?session=ID   # reopens a session (a finished one opens on its report)
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from datetime import datetime
from importlib import resources

import interviewer as core  # first: importing it applies the offline switches and GRADIO_TEMP_DIR
import gradio as gr
import pandas as pd

MODES = [("Design interview", "design"), ("Trap drill", "drill"), ("Grill", "grill"), ("Review", "review")]
MODE_INFO = ("Design: one scenario, stage by stage. Drill: common mistakes, answer revealed. Grill: quick-fire "
             "questions. Review: your weakest items first.")
DIFFICULTIES = [("any", ""), ("easy", "easy"), ("medium", "medium"), ("hard", "hard")]
PLACEHOLDER = "Answer or ask the interviewer. Enter sends, Shift+Enter starts a new line."
NO_INTERVIEW = "_Choose a mode and press **Start interview**._"

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


def _may_open(sid: str | None, request: gr.Request | None) -> core.Interview | None:
    """`_open` for the page's own bookkeeping (controls, offers): None instead of an error."""
    if not sid:
        return None
    try:
        core.check_access(_user(request), sid)
        return core.Interview.resume(sid)
    except (core.SessionNotFound, core.AccessDenied, core.StoreUnavailable, gr.Error):
        return None


# --- rendering (the pure renderers live in interviewer.views) --------------------------------------


def _view(iv: core.Interview, pending: str | None = None, shown: list[dict] | None = None, grade=None):
    """What the Interview tab shows for `iv`: (session id, chat, status line, side panel, question grade, clock)."""
    status = iv.status()
    grade = iv.question_grade() if grade is None else grade
    chat = shown if shown is not None else core.chat_messages(iv.turns, pending=pending)
    return (iv.id, chat, core.status_line(status), core.side_panel(status, grade), core.grade_markdown(grade),
            core.clock_html(status, time.time()))


def _empty_view():
    return None, [], NO_INTERVIEW, "", core.grade_markdown(None), core.clock_html(None, time.time())


def _controls(sid: str | None, request: gr.Request = None):
    """Buttons that need an interview are live only while one is open and not finished."""
    iv = _may_open(sid, request)
    live, paused = (not iv.finished, iv.paused) if iv is not None else (False, False)
    update = gr.update(interactive=live)
    clock = gr.update(interactive=live, value="Start the clock again" if paused else "Pause the clock")
    opened = gr.update(interactive=bool(sid))
    return update, update, update, update, clock, update, update, opened, opened


# --- Interview tab handlers -----------------------------------------------------------------


def _converse(sid: str | None, text: str, request: gr.Request | None = None, kind: str | None = None):
    """Send one candidate turn and stream the chat while the interviewer writes."""
    iv = _open(sid, request, write=True)
    try:
        core.check_answer(iv.info, text)  # the shared server's limits: size, answers a minute, idle time
        with core.open_sessions().answering(iv.id):  # the busy lock, held in the database across processes
            grade = iv.question_grade()
            if kind is None:
                yield _view(iv, shown=core.chat_messages(iv.turns) + [{"role": "user", "content": text}], grade=grade)
            pending = ""
            for event in iv.respond_stream(text, kind=kind):
                if event.type == "delta":
                    pending += event.text
                    yield _view(iv, pending=pending, grade=grade)
                else:
                    pending = ""
            yield _view(iv)
    except core.SessionBusy:  # a second message while the interviewer is still answering: ignored, with a note
        gr.Warning("The interviewer is still answering your last message.")
        yield gr.skip()
    except (core.InterviewError, core.AnswerError, core.LimitExceeded, core.StoreUnavailable) as error:
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


def take_message(sid: str | None, text: str):
    """The text box's message moves to the outbox and the box clears at once; an empty box sends nothing, so
    a double click or an empty Enter cannot make an empty turn."""
    text = text or ""
    if not sid or not text.strip():
        return "", gr.skip()
    return text, ""


def on_send(sid: str | None, text: str, request: gr.Request = None):
    if not (text or "").strip():  # nothing to send: the chat stays as it is
        yield gr.skip()
        return
    yield from _converse(sid, text, request)


def on_send_audio(sid: str | None, audio: str | None, request: gr.Request = None):
    """Transcribe a recording or an uploaded file; what was heard goes into the transcript as the candidate's turn."""
    if not audio:
        raise gr.Error("Record or upload an answer first.")
    try:
        heard = core.voice.transcribe(audio)
    except core.VoiceError as error:
        raise gr.Error(str(error)) from None
    if not heard.text.strip():
        raise gr.Error("I could not hear any words in that recording. Try again, closer to the microphone.")
    yield from _converse(sid, heard.text, request)


def on_hint(sid, request: gr.Request = None):
    yield from _converse(sid, "hint", request, kind="hint-request")


def on_skip(sid, request: gr.Request = None):
    yield from _converse(sid, "skip", request, kind="skip")


def on_end(sid, request: gr.Request = None):
    yield from _converse(sid, "end", request, kind="end")


def on_pause(sid: str | None, request: gr.Request = None):
    """Pause the stage clock, or start it again."""
    iv = _open(sid, request, write=True)
    if not iv.unpause():
        iv.pause()
    return _view(iv)


def on_notes(sid: str | None, notes: str, request: gr.Request = None):
    """Save the design notes with the session; the preview renders their Markdown and Mermaid."""
    iv = _open(sid, request, write=True)
    try:
        iv.save_notes(notes or "")
    except core.AnswerError as error:
        gr.Warning(str(error))
        return gr.skip()
    return notes or "_Your notes will appear here, rendered (Markdown, and Mermaid in a ```mermaid block)._"


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


# --- live transcription ---------------------------------------------------------------------


PAUSE_TO_SEND_S = 3.0  # with "send when I pause" ticked: this much quiet after speech sends the transcript
LATE_CHUNK_S = 2.0  # a chunk this long after Stop starts a new recording; sooner, it was recorded before Stop


def on_stream(live: core.LiveTranscript | None, chunk, send_on_pause: bool, shown: str):
    """A chunk of microphone audio while the candidate speaks: transcribed in pieces, shown as it grows; after a
    pause (when asked) the transcript goes to the outbox as the candidate's turn. A new recording adds to what
    the box holds; audio recorded before Stop that arrives just after it is added to the same transcript."""
    if chunk is None:
        return live, gr.skip(), gr.skip()
    try:
        if live is None or (live.finished and time.monotonic() - live.finished_at > LATE_CHUNK_S):
            live = core.LiveTranscript(prefix=shown or "")
        elif live.finished:
            live.feed(chunk)
            return live, live.finish(), gr.skip()
        live.feed(chunk)
        if send_on_pause and live.spoke and live.quiet_s >= PAUSE_TO_SEND_S:
            text = live.finish()
            return core.LiveTranscript(), "", text  # sent; the microphone goes on into a fresh transcript
    except core.VoiceError as error:
        gr.Warning(str(error))
    return live, live.text, gr.skip()


def on_stream_end(live: core.LiveTranscript | None, shown: str):
    """The candidate stopped recording: the last piece is transcribed; the text stays for review and editing."""
    if live is None or live.finished:
        return live, shown
    try:
        text = live.finish()
    except core.VoiceError as error:
        gr.Warning(str(error))
        return live, shown
    return live, text


def take_transcript(sid: str | None, transcript: str):
    return take_message(sid, transcript)


# --- opening sessions: page load, resume offers, History ------------------------------------------


def _remember(sid: str | None, known: list | None):
    """The browser keeps the ids of the sessions it opened (local storage); the page's address gets this one."""
    known = [k for k in (known or []) if isinstance(k, str)]
    if sid and sid not in known:
        known.append(sid)
    return known[-200:], sid or ""


def _opened(iv: core.Interview):
    """An opened session: its view, its notes, the offer banner hidden, the box cleared."""
    return (*_view(iv), iv.notes, iv.notes or "", gr.update(visible=False), "")


def _last_unfinished(known: list | None, request: gr.Request | None) -> core.SessionInfo | None:
    for sid in reversed(known or []):
        iv = _may_open(sid, request)
        if iv is not None and not iv.finished and core.can_write(_user(request), iv.info):
            return iv.info
    return None


def on_page_load(known: list | None, request: gr.Request):
    """`?session=<id>` reopens a session as the page opens (a finished one on its report); `?mode=drill` (and
    scenario, topic, difficulty, seed) starts one; otherwise the last unfinished interview is offered."""
    params = dict(request.query_params) if request is not None else {}
    nothing = (*_empty_view(), "", "", gr.update(visible=False), "")
    keep = (gr.skip(), gr.skip(), gr.skip())  # tabs, report, chart
    if params.get("session"):
        iv = _may_open(params["session"], request)
        if iv is None:
            gr.Warning(f"No session '{params['session']}' that you can open. See History.")
            return *nothing, None, *keep
        if iv.finished:
            report_md, chart = on_report(iv.id, request)
            return *_opened(iv), None, gr.Tabs(selected="report"), report_md, chart
        return *_opened(iv), None, *keep
    if "mode" in params:
        seed = params.get("seed", "")
        out = on_start(params.get("mode", "design"), params.get("scenario", ""), params.get("topic", ""),
                       params.get("difficulty", ""), int(seed) if seed.isdigit() else None, request=request)
        return *out[:-1], "", "", gr.update(visible=False), "", None, *keep
    info = _last_unfinished(known, request)
    if info is None:
        return *nothing, None, *keep
    offer = (f"**Resume your interview?** {info.title} ({info.mode}), started "
             f"{datetime.fromtimestamp(info.created):%Y-%m-%d %H:%M}, {info.turns} turns so far.")
    banner = gr.update(visible=True)
    return (*_empty_view()[:2], offer, *_empty_view()[3:], "", "", banner, "", info.id, *keep)


def on_resume(session_id: str, request: gr.Request = None):
    """Open a session in the Interview tab (an unfinished one), or on its report (a finished one or, for a
    coach, a candidate's)."""
    if not session_id:
        raise gr.Error("Pick a session first.")
    iv = _open(session_id, request)
    if iv.finished or not core.can_write(_user(request), iv.info):
        report_md, chart = on_report(iv.id, request)
        return *_opened(iv), gr.Tabs(selected="report"), report_md, chart
    return *_opened(iv), gr.Tabs(selected="interview"), gr.skip(), gr.skip()


# --- Report tab -----------------------------------------------------------------------------


def on_report(sid: str | None, request: gr.Request = None):
    iv = _open(sid, request)
    report = iv.report()
    return report.markdown(), core.report_figure(report)


def on_export(sid: str | None, request: gr.Request = None):
    """The report and transcript as Markdown, JSON and PDF files under the state folder, each export in a folder
    of its own with an unguessable name: the files are served by path, so knowing a session id is not enough
    to fetch another user's export."""
    iv = _open(sid, request)
    folder = core.get_settings().home / "exports" / secrets.token_urlsafe(16)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in ("md", "json", "pdf"):
        path = folder / f"interview-{iv.id}.{fmt}"
        if fmt == "pdf":
            report = iv.report()
            path.write_bytes(core.report_pdf(report))
        else:
            path.write_text(iv.export(fmt), encoding="utf-8")
        paths.append(str(path))
    return tuple(paths)


# --- Grade-an-answer tab --------------------------------------------------------------------


def on_pick_item(item_id: str) -> str:
    if not item_id:
        return "_Paste a question and a reference answer below, or pick a question above._"
    item = core.get_bank().items[item_id]
    return f"**{item.question}**\n\n_{item.stage.title} · {item.kind} · {item.difficulty}_"


def on_transcribe(audio: str | None, typed: str) -> str:
    """What was said, added after what is already typed (never over it)."""
    if not audio:
        raise gr.Error("Record or upload an answer first.")
    try:
        heard = core.voice.transcribe(audio).text
    except core.VoiceError as error:
        raise gr.Error(str(error)) from None
    typed = (typed or "").rstrip()
    return f"{typed}\n{heard}".strip() if typed else heard


def on_grade(item_id: str, question: str, reference: str, trap: str, key_points: str, answer: str) -> str:
    if item_id:
        target = core.get_bank().items[item_id]
    else:
        if not (question or "").strip() or not (reference or "").strip():
            return "⚠️ _Pick a question, or paste both a question and a reference answer._"
        target = core.Reference(question=question.strip(), reference_answer=reference.strip(),
                                trap=(trap or "").strip() or None,
                                key_points=[k.strip(" -*\t") for k in (key_points or "").splitlines() if k.strip()])
    try:
        return core.grade_markdown(core.grade(target, answer or ""), full=True)
    except core.AnswerError as error:
        return f"⚠️ _{error}_"


# --- History tab ----------------------------------------------------------------------------


def on_history(everything: bool = True, known: list | None = None, request: gr.Request = None):
    """Sessions (this browser's, or all the user may see), the trend per mode, weak areas in words.
    With accounts on: a candidate's own sessions; a coach's and their candidates'."""
    user = _user(request)
    store = core.open_sessions()
    mine = set(known or [])
    sessions = [s for s in core.visible_sessions(user) if everything or s.id in mine]
    prog = core.progress(store, core.get_bank(), owners=None if user is None else [user.name])
    overall = {sid: score for _, sid, score in prog.trend}
    table = pd.DataFrame(
        [(datetime.fromtimestamp(s.created).strftime("%Y-%m-%d %H:%M"), s.title, s.mode, s.status, s.turns,
          f"{overall[s.id]:.1f}" if s.id in overall else "", s.id) for s in sessions],
        columns=["started", "title", "mode", "status", "turns", "overall", "session"])
    shown = {s.id for s in sessions}
    prog.trend = [t for t in prog.trend if t[1] in shown]
    figure = core.trend_figure(prog, {s.id: s.mode for s in sessions})
    keys = prog.weak_keys()
    lines = ["#### Weak areas (lowest mean score)"]
    lines += ([f"- {core.area_name(key)}: {mean:.1f} / 4 over {count} answers" for key, count, mean in keys]
              or ["_Not enough answers yet._"])
    missed: Counter = prog.missed
    if missed:
        lines += ["", "#### Key points you miss most"]
        lines += [f"- {text} ({n}×)" for text, n in missed.most_common(5)]
    choices = [(f"{s.title} · {s.status} · {datetime.fromtimestamp(s.updated):%Y-%m-%d %H:%M} · {s.id}", s.id)
               for s in sessions]
    drill = ",".join(key for key, _, _ in keys[:3])
    return (table, figure, "\n".join(lines), gr.Dropdown(choices=choices, value=None),
            gr.update(interactive=bool(drill)), drill)


def on_delete(session_id: str, request: gr.Request = None):
    if not session_id:
        raise gr.Error("Pick a session first.")
    try:
        core.check_access(_user(request), session_id, write=True)
        core.open_sessions().delete(session_id)
    except (core.SessionNotFound, core.AccessDenied, core.StoreUnavailable) as error:
        raise gr.Error(str(error)) from None
    gr.Info("Session deleted.")
    return session_id


def on_drill(topics: str, request: gr.Request = None):
    """A drill over the weakest areas."""
    return on_start("drill", "", topics, "", request=request)


# --- layout ---------------------------------------------------------------------------------


def _topics(bank) -> list[tuple[str, str]]:
    counts = Counter(t for item in bank.items.values() for t in item.tags)
    return ([("any topic", "")] + [(f"stage: {s.title}", s.value) for s in core.STAGES]
            + [(core.area_name(t), t) for t in sorted(t for t, n in counts.items() if n >= 2)])


def _asset(name: str) -> str:
    return resources.files("interviewer").joinpath(f"data/ui/{name}").read_text(encoding="utf-8")


def _browser_secret() -> str:
    """One key per state folder for the browser's stored session list, so every app process reads it."""
    path = core.get_settings().home / "browser-secret"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


SET_URL = "(sid) => { if (window.roomSetSession) window.roomSetSession(sid); }"
FOCUS = "() => { if (window.roomFocusAnswer) window.roomFocusAnswer(); }"


def build() -> gr.Blocks:
    bank = core.get_bank()
    voice_ok = core.voice.available()
    with gr.Blocks(title="ML System Design Mock Interviewer") as demo:
        sid = gr.State(None)  # this browser's session id: the only per-user state on the server
        offered = gr.State(None)  # the unfinished session offered for resuming
        live = gr.State(None)  # the live transcript while the candidate speaks
        known = gr.BrowserState([], storage_key="interviewer-sessions", secret=_browser_secret())
        gr.Markdown("# ML System Design Mock Interviewer")
        with gr.Tabs() as tabs:
            with gr.Tab("Interview", id="interview"):
                status = gr.Markdown(NO_INTERVIEW, elem_id="status-line")
                with gr.Row(visible=False, elem_id="resume-offer") as offer_row:
                    resume_offer = gr.Button("Resume", variant="primary", scale=0, elem_id="resume-offered")
                    dismiss_offer = gr.Button("Start something new", scale=0)
                with gr.Row(elem_id="room-main"):
                    with gr.Column(scale=1, min_width=220, elem_id="room-setup"):
                        mode = gr.Dropdown(MODES, value="design", label="Mode", info=MODE_INFO)
                        scenarios = [(s.title, s.id) for s in bank.scenarios.values()]
                        scenario = gr.Dropdown([("random scenario", "")] + scenarios, value="", label="Scenario")
                        topic = gr.Dropdown(_topics(bank), value="", label="Topic", visible=False)
                        difficulty = gr.Dropdown(DIFFICULTIES, value="", label="Difficulty")
                        start = gr.Button("Start interview", variant="primary", elem_id="start")
                        speak_on = gr.Checkbox(False, label="Speak the interviewer's messages", visible=voice_ok)
                        if not voice_ok:
                            gr.Markdown(f"🎤 _Speech is off. {core.voice.missing_reason()}_")
                    with gr.Column(scale=3, min_width=320, elem_id="room-chat"):
                        chat = gr.Chatbot(label="Interview", height=480, elem_id="chat", feedback_options=None,
                                          placeholder="Your interviewer will start here.")
                        voice_out = gr.Audio(label="Interviewer (spoken)", autoplay=True, interactive=False,
                                             visible=voice_ok, elem_id="voice-out")
                        with gr.Row():
                            text = gr.Textbox(placeholder=PLACEHOLDER, show_label=False, lines=1, max_lines=8, scale=5,
                                              elem_id="answer")
                            send = gr.Button("Send", variant="primary", scale=1, interactive=False, elem_id="send")
                        send_audio_api = gr.Button(visible="hidden")  # /send_audio: a recording sent as the turn at once (API)
                        outbox = gr.Textbox(visible="hidden")  # the message being sent (the box itself clears at once)
                        sid_box = gr.Textbox(visible="hidden", elem_id="sid")  # the session id, for the address
                        with gr.Row():
                            hint = gr.Button("Hint", interactive=False, elem_id="hint")
                            skip = gr.Button("Skip question", interactive=False, elem_id="skip")
                            end = gr.Button("End interview", variant="stop", interactive=False, elem_id="end")
                        with gr.Accordion("Speak your answer", open=False, visible=voice_ok):
                            mic = gr.Audio(sources=["microphone"], streaming=True, type="numpy",
                                           label="Microphone: transcribed while you speak")
                            transcript = gr.Textbox(label="What I heard (check and edit it, then send)", lines=3,
                                                    elem_id="transcript")
                            send_on_pause = gr.Checkbox(False, label="Send when I pause for 3 seconds")
                            spoken = gr.Textbox(visible="hidden")  # a transcript sent by the pause
                            send_transcript = gr.Button("Send what I said", interactive=False)
                            upload = gr.Audio(sources=["upload"], type="filepath", label="Or upload a recording")
                            send_audio = gr.Button("Transcribe the upload (then check it and send)")
                    with gr.Column(scale=1, min_width=240, elem_id="room-side"):
                        clock = gr.HTML(core.clock_html(None, time.time()), elem_id="clock-box")
                        pause = gr.Button("Pause the clock", size="sm", interactive=False, elem_id="pause")
                        side = gr.Markdown("", elem_id="side-panel")
                        with gr.Accordion("This question's grade", open=False, elem_classes="side-details"):
                            last_grade = gr.Markdown(core.grade_markdown(None), elem_id="question-grade")
                        with gr.Accordion("Design notes (your whiteboard)", open=False, elem_classes="side-details"):
                            notes = gr.Textbox(lines=8, max_lines=30, show_label=False, elem_id="notes",
                                               placeholder="Requirements, numbers, the architecture (Markdown, or a "
                                                           "```mermaid diagram). Saved with the interview.")
                            save_notes = gr.Button("Save notes", size="sm", interactive=False, elem_id="save-notes")
                            notes_view = gr.Markdown("", elem_id="notes-view")
            with gr.Tab("Report", id="report"):
                show_report = gr.Button("Show report for this interview", interactive=False, elem_id="show-report")
                chart = gr.Plot(label="Scores by stage (0-4), Overall apart", elem_id="report-chart")
                report_md = gr.Markdown(elem_id="report")
                export = gr.Button("Download report and transcript", interactive=False)
                with gr.Row():
                    md_file = gr.File(label="Markdown")
                    json_file = gr.File(label="JSON")
                    pdf_file = gr.File(label="PDF")
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
                    grade_mic = gr.Audio(sources=["upload", "microphone"], type="filepath", label="Or speak it")
                    transcribe = gr.Button("Add what I said to the answer")
                grade_btn = gr.Button("Grade", variant="primary", elem_id="grade-button")
                feedback = gr.Markdown(elem_id="feedback")
            with gr.Tab("History", id="history"):
                with gr.Row():
                    refresh = gr.Button("Refresh", scale=0)
                    everything = gr.Checkbox(False, label="Include sessions from other browsers and the CLI")
                sessions = gr.Dataframe(label="Sessions", interactive=False, wrap=True, elem_id="sessions")
                trend = gr.Plot(label="Overall score over time, per mode")
                weak = gr.Markdown()
                drill_topics = gr.Textbox(visible="hidden")
                drill = gr.Button("Drill these weak areas", interactive=False)
                with gr.Row():
                    picked = gr.Dropdown([], label="Session (or paste a session id)", scale=4, allow_custom_value=True,
                                         elem_id="picked")
                    open_btn = gr.Button("Open", scale=1, elem_id="open-session")
                    delete = gr.Button("Delete", scale=1, variant="stop")
                    export_one = gr.Button("Export", scale=1)
                with gr.Row():
                    h_md, h_json, h_pdf = gr.File(label="Markdown"), gr.File(label="JSON"), gr.File(label="PDF")

        view = [sid, chat, status, side, last_grade, clock]
        opened = view + [notes, notes_view, offer_row, text]
        controls = [send, hint, skip, end, pause, save_notes, send_transcript, show_report, export]
        history_out = [sessions, trend, weak, picked, drill, drill_topics]
        report_out = [report_md, chart]
        private = {"api_visibility": "private"}
        mode.change(lambda m: (gr.Dropdown(visible=m == "design"), gr.Dropdown(visible=m != "design")),
                    mode, [scenario, topic], **private)

        def after(event, speak: bool = True, speak_api: dict = private):
            """What follows every event that changes the interview: live controls, then the reply spoken."""
            event = event.then(_controls, sid, controls, **private)
            if speak:
                event = event.then(on_speak, [sid, speak_on], voice_out, **speak_api)
            return event

        def opened_session(event, speak_api: dict = private):
            """After a session opens: live controls, remembered by the browser, in the address, spoken."""
            event = event.then(_controls, sid, controls, **private)
            return after(event.then(_remember, [sid, known], [known, sid_box], **private)
                         .then(None, sid_box, None, js=SET_URL), speak_api=speak_api)

        opened_session(start.click(on_start, [mode, scenario, topic, difficulty], view + [text], api_name="start"),
                       speak_api={"api_name": "speak"})
        for trigger, api in ((send.click, {"api_name": "send"}), (text.submit, private)):
            after(trigger(take_message, [sid, text], [outbox, text], queue=False, show_progress="hidden", **private)
                  .then(on_send, [sid, outbox], view, **api)).then(None, None, None, js=FOCUS)
        after(send_transcript.click(take_transcript, [sid, transcript], [outbox, transcript], queue=False,
                                    show_progress="hidden", **private).then(on_send, [sid, outbox], view, **private))
        send_audio.click(on_transcribe, [upload, transcript], transcript, **private)
        after(send_audio_api.click(on_send_audio, [sid, upload], view, api_name="send_audio"))
        # One chunk at a time, in order: each chunk's handler reads the live transcript the last one left.
        mic.stream(on_stream, [live, mic, send_on_pause, transcript], [live, transcript, spoken], stream_every=1.0,
                   time_limit=600, concurrency_limit=1, **private)
        after(spoken.change(take_message, [sid, spoken], [outbox, spoken], queue=False, show_progress="hidden",
                            **private).then(on_send, [sid, outbox], view, **private))
        mic.stop_recording(on_stream_end, [live, transcript], [live, transcript], **private)
        after(hint.click(on_hint, sid, view, api_name="hint"))
        after(skip.click(on_skip, sid, view, api_name="skip"))
        after(end.click(on_end, sid, view, api_name="end")).then(on_report, sid, report_out, **private)
        after(pause.click(on_pause, sid, view, api_name="pause"), speak=False)
        save_notes.click(on_notes, [sid, notes], notes_view, api_name="notes")
        notes.blur(on_notes, [sid, notes], notes_view, **private)
        show_report.click(on_report, sid, report_out, api_name="report")
        export.click(on_export, sid, [md_file, json_file, pdf_file], api_name="export")
        item.change(on_pick_item, item, item_info, **private)
        transcribe.click(on_transcribe, [grade_mic, answer], answer, api_name="transcribe")
        grade_btn.click(on_grade, [item, question, reference, trap, key_points, answer], feedback, api_name="grade")
        refresh.click(on_history, [everything, known], history_out, api_name="history")
        everything.change(on_history, [everything, known], history_out, **private)
        opened_session(open_btn.click(on_resume, picked, opened + [tabs] + report_out, api_name="resume"))
        opened_session(resume_offer.click(on_resume, offered, opened + [tabs] + report_out, **private))
        dismiss_offer.click(lambda: gr.update(visible=False), None, offer_row, **private)
        delete.click(on_delete, picked, None, api_name="delete").then(
            on_history, [everything, known], history_out, **private)
        export_one.click(on_export, picked, [h_md, h_json, h_pdf], **private)
        opened_session(drill.click(on_drill, drill_topics, view + [text], **private).then(
            lambda: gr.Tabs(selected="interview"), None, tabs, **private))
        after(demo.load(on_page_load, known, opened + [offered, tabs] + report_out, **private)
              .then(_remember, [sid, known], [known, sid_box], **private).then(None, sid_box, None, js=SET_URL),
              speak=False)
        demo.load(on_history, [everything, known], history_out, **private)
    return demo


def warm_up() -> None:
    """Load the rubric bank and the embedding model now, so the first answer is not the slow one."""
    bank = core.get_bank()
    if bank.items:
        core.grade(next(iter(bank.items.values())), "A short answer to load the models.")
    if core.voice.available():  # the first spoken answer should not wait for the speech models either
        core.voice.warm_up()


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
                       allowed_paths=[str(exports)], ssr_mode=False, footer_links=["api"],
                       head=f"<script>{_asset('room.js')}</script>", css=_asset("room.css"), **kwargs)


def main(host: str | None = None, port: int | None = None) -> None:
    launch(build(), host, port)


if __name__ == "__main__":
    main()
