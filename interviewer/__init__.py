"""Mock interviewer for ML-system-design interviews.

The public API: `app.py`, the CLI and `evals/` import only the names in `__all__`.
"""

from .config import Settings, apply_offline_env, get_settings

apply_offline_env()

from .embeddings import EmbeddingModelMissing  # noqa: E402
from .ingest import CorpusEmpty, IngestReport, build_index  # noqa: E402
from .models import Chunk, Passage, Stage, STAGES  # noqa: E402
from .normalise import normalise_text  # noqa: E402
from .retrieval import search  # noqa: E402
from .rubrics import RubricBank, RubricError, get_bank, validate as validate_rubrics  # noqa: E402
from .grader import AnswerError, grade  # noqa: E402
from .evaluation import GradedAnswer, load_dataset, metrics, predict, write_report  # noqa: E402
from .models import Grade, KeyPointVerdict, Reference  # noqa: E402
from .models import Fact, KeyPoint, RubricItem, Scenario, ScenarioStage, Source  # noqa: E402
from .store import IndexUnavailable  # noqa: E402
from .llm import LLMError  # noqa: E402
from . import voice  # noqa: E402  (speech; heavy libraries load on first use)
from .voice import Transcript, VoiceError  # noqa: E402
from .sessions import SessionInfo, SessionNotFound, SessionStore, Turn, open_sessions  # noqa: E402
from .interview import Event, Interview, InterviewError, classify  # noqa: E402
from .report import Report, build_report  # noqa: E402
from .progress import Progress, progress  # noqa: E402
from .chat import chat_messages  # noqa: E402

__all__ = [
    "Settings",
    "get_settings",
    "voice",
    "Transcript",
    "VoiceError",
    "EmbeddingModelMissing",
    "CorpusEmpty",
    "IngestReport",
    "build_index",
    "Chunk",
    "Passage",
    "Stage",
    "STAGES",
    "normalise_text",
    "search",
    "IndexUnavailable",
    "LLMError",
    "RubricBank",
    "RubricError",
    "get_bank",
    "validate_rubrics",
    "Fact",
    "KeyPoint",
    "RubricItem",
    "Scenario",
    "ScenarioStage",
    "Source",
    "AnswerError",
    "grade",
    "Grade",
    "KeyPointVerdict",
    "Reference",
    "GradedAnswer",
    "load_dataset",
    "metrics",
    "predict",
    "write_report",
    "SessionInfo",
    "SessionNotFound",
    "SessionStore",
    "Turn",
    "open_sessions",
    "Event",
    "Interview",
    "InterviewError",
    "classify",
    "Report",
    "build_report",
    "Progress",
    "progress",
    "chat_messages",
]
