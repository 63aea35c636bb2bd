"""Every error the package raises on purpose. Each keeps the stdlib base it had before the
restructure, so `except ValueError` and friends written against older releases still work."""

from __future__ import annotations


class InterviewerError(Exception):
    """Base of the errors below: `except InterviewerError` catches anything the package raises on purpose."""


class AnswerError(InterviewerError, TypeError):
    """The answer is not text (bytes, a number, a file): a clear error, not a grade."""


class InterviewError(InterviewerError, ValueError):
    """A request the interview cannot take (unknown id, bad mode, interview already over)."""


class SessionNotFound(InterviewerError, KeyError):
    """No session with that id in the store."""

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return str(self.args[0])


class LLMError(InterviewerError, RuntimeError):
    """The endpoint failed after retries: down, too slow, an HTTP error, or no valid reply."""


class IndexUnavailable(InterviewerError, RuntimeError):
    """The index is missing or unreadable; the message says how to fix it."""


class CorpusEmpty(InterviewerError, RuntimeError):
    """Nothing indexable was found in the corpus folder."""


class EmbeddingModelMissing(InterviewerError, RuntimeError):
    """The packaged embedding model is not installed."""


class RubricError(InterviewerError, ValueError):
    """One or more problems in the rubric files; `problems` lists each as one line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class VoiceError(InterviewerError, RuntimeError):
    """Audio that cannot be used (unreadable, wrong shape) or speech support not installed."""


class SessionBusy(InterviewerError, RuntimeError):
    """Another request (in this process or another) is answering the same session right now."""


class StoreUnavailable(InterviewerError, RuntimeError):
    """The session database did not answer; the message says nothing of the request was saved."""


class AccessDenied(InterviewerError, PermissionError):
    """The signed-in user may not read or change that session (or do that at all)."""


class LimitExceeded(InterviewerError, RuntimeError):
    """A limit of a shared server was hit (answers per minute, answer size, an idle session); the message says which."""


class AccountError(InterviewerError, ValueError):
    """A user-management request that cannot be done (unknown user, taken name, short password, bad role)."""
