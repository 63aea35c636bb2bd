"""What the interview room adds around the conversation: the candidate's design notes, a paused clock,
and the current question's grade over all its answers (the number the side panel and the report share).

A mixin of `Interview`: each action is a system turn in the transcript, so notes and pauses survive a
reload or a crash like every answer does, and `state.replay` folds them.
"""

from __future__ import annotations

from ..errors import AnswerError, InterviewError
from ..models import Grade, Turn

MAX_NOTES_CHARS = 20_000  # a whiteboard's worth; more is refused with a message (the text stays in the box)


class RoomControls:
    """Needs `state`, `turns`, `current`, `finished`, `grader`, `target()` and `_record()` from the agent."""

    @property
    def notes(self) -> str:
        return self.state.notes

    @property
    def paused(self) -> bool:
        return self.state.paused_at is not None

    def save_notes(self, text: str) -> bool:
        """Keep the candidate's design notes (Markdown, Mermaid allowed) with the session, filed under the
        current stage. Returns False when nothing changed."""
        if not isinstance(text, str):
            raise AnswerError("Notes must be text.")
        text = text.replace("\x00", "")
        if len(text) > MAX_NOTES_CHARS:
            raise AnswerError(f"The notes are {len(text):,} characters; keep them under {MAX_NOTES_CHARS:,} "
                              "(they were not saved, and nothing was lost from the box).")
        if text == self.notes:
            return False
        self._record(Turn(role="system", stage=self.current.stage.value, kind="notes", text=text))
        return True

    def pause(self) -> bool:
        """Stop the stage clock (a break); returns False if it was already paused."""
        if self.finished:
            raise InterviewError("This interview has ended.")
        if self.paused:
            return False
        self._record(Turn(role="system", stage=self.current.stage.value, kind="pause", text="pause"))
        return True

    def unpause(self) -> bool:
        """Start the stage clock again; the paused time is not charged to the stage."""
        if not self.paused:
            return False
        self._record(Turn(role="system", stage=self.current.stage.value, kind="resume", text="resume"))
        return True

    def question_grade(self) -> Grade | None:
        """The current question graded on all its answers so far (with the notes), as it will be when it
        closes; after it closed, or at the end, the last closed question's grade."""
        index = self.state.slot
        ss = self.state.at(index)
        if not ss.closed and ss.answers and not self.finished:
            return self.grader.grade(self.target(self.current), graded_text(ss.answers, self.notes), cite=False)
        for turn in reversed(self.turns):
            if turn.kind == "slot-grade":
                return turn.grade
        return None


def graded_text(answers: list[str], notes: str) -> str:
    """What a question is graded on: the candidate's answers, then their design notes."""
    text = "\n".join(answers)
    return f"{text}\n\nDesign notes:\n{notes}" if notes.strip() else text
