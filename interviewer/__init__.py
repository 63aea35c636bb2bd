"""Mock interviewer for ML-system-design interviews.

The public API: `app.py`, the CLI and `evals/` import only the names in `__all__`. Importing the
package applies the offline switches first (`config` does it on import), before any library that reads
them is loaded.
"""

from . import llm, serving, voice
from .config import Settings, apply_offline_env, get_settings
from .corpus.embeddings import prepare as prepare_embeddings
from .corpus.ingest import IngestReport, build_index
from .corpus.normalise import normalise_text
from .corpus.retrieval import search
from .errors import (AccessDenied, AccountError, AnswerError, CorpusEmpty, EmbeddingModelMissing, IndexUnavailable,
                     InterviewError, InterviewerError, LimitExceeded, LLMError, RubricError, SessionBusy, SessionNotFound,
                     StoreUnavailable, VoiceError)
from .grading import FALLBACK_BACKEND, Grader, grade, grader_for
from .grading.evaluation import GradedAnswer, load_dataset, metrics, predict, write_report
from .history import accounts
from .history.accounts import User, authenticate, can_read, can_write, check_access, signed_in, visible_sessions
from .history.charts import report_figure, trend_figure
from .history.limits import check_answer
from .history.pdf import report_pdf
from .history.progress import Progress, area_name, progress
from .history.report import Report, build_report
from .history.sessions import SessionStore, open_sessions
from .interview import Event, Interview, Phraser, classify, phraser_for
from .models import (STAGES, Chunk, Fact, Grade, KeyPoint, KeyPointVerdict, Passage, Reference, RubricItem,
                     Scenario, ScenarioStage, SessionInfo, Source, Stage, Turn, TurnMeta)
from .rubrics import RubricBank, get_bank
from .rubrics import validate as validate_rubrics
from .voice import LiveTranscript, Transcript
from .views import chat_messages, clock_html, grade_markdown, side_panel, status_line

__all__ = [
    "Settings", "get_settings", "apply_offline_env",
    "InterviewerError", "AnswerError", "CorpusEmpty", "EmbeddingModelMissing", "IndexUnavailable", "InterviewError",
    "LLMError", "RubricError", "SessionNotFound", "VoiceError", "AccessDenied", "AccountError", "LimitExceeded",
    "SessionBusy", "StoreUnavailable",
    "voice", "Transcript", "LiveTranscript",
    "llm", "serving",
    "IngestReport", "build_index", "prepare_embeddings", "normalise_text", "search",
    "Chunk", "Passage", "Stage", "STAGES", "Fact", "KeyPoint", "RubricItem", "Scenario", "ScenarioStage", "Source",
    "RubricBank", "get_bank", "validate_rubrics",
    "Grade", "KeyPointVerdict", "Reference", "Grader", "grader_for", "grade", "FALLBACK_BACKEND",
    "GradedAnswer", "load_dataset", "metrics", "predict", "write_report",
    "SessionInfo", "SessionStore", "Turn", "TurnMeta", "open_sessions",
    "Event", "Interview", "Phraser", "phraser_for", "classify",
    "Report", "build_report", "Progress", "progress", "area_name", "report_figure", "trend_figure", "report_pdf",
    "accounts", "User", "authenticate", "can_read", "can_write", "check_access", "signed_in", "visible_sessions",
    "check_answer",
    "chat_messages", "grade_markdown", "side_panel", "status_line", "clock_html",
]
