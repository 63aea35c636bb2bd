"""Settings, read once from the environment (and an optional `.env`).

`INTERVIEWER_HOME` relocates every file the product writes: the index, the
sessions database, logs and Gradio's temporary files.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent

# Switches that keep third-party libraries off the network. Set before they are imported.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "TRANSFORMERS_VERBOSITY": "error",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}


def apply_offline_env() -> None:
    for key, value in OFFLINE_ENV.items():
        os.environ[key] = value


apply_offline_env()


def _default_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "interviewer"


def _default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "interviewer"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INTERVIEWER_", env_file=".env", extra="ignore")

    home: Path = Field(default_factory=_default_home)
    corpus_dir: Path = PROJECT_DIR / "corpus"
    rubrics_dir: Path = PROJECT_DIR / "rubrics"
    user_rubrics_dir: Path | None = None
    collection: str = "corpus"
    # Files made from installed packages and safe to delete (the ONNX export of the embedding model).
    cache_dir: Path = Field(default_factory=_default_cache)

    # Embeddings: "onnx" (int8 export of the packaged model, the default) or "torch" (the packaged model as is).
    embedder: Literal["onnx", "torch"] = "onnx"
    # Threads per embedding call; 0 picks (all cores for batches, and for one answer when the machine is idle).
    embed_threads: int = Field(default=0, ge=0, le=64)

    # Chunking
    chunk_size: int = Field(default=1200, ge=200, le=8000)
    chunk_overlap: int = Field(default=150, ge=0, le=1000)

    # Chroma server (the path for many users); unset means an embedded PersistentClient.
    chroma_host: str | None = Field(default=None, validation_alias=AliasChoices("CHROMA_HOST", "INTERVIEWER_CHROMA_HOST"))
    chroma_port: int = Field(default=8000, validation_alias=AliasChoices("CHROMA_PORT", "INTERVIEWER_CHROMA_PORT"))

    # LLM endpoint (any OpenAI-compatible server); unset means the offline backends.
    openai_api_key: str | None = Field(default=None,
                                       validation_alias=AliasChoices("OPENAI_API_KEY", "INTERVIEWER_OPENAI_API_KEY"))
    openai_base_url: str | None = Field(default=None,
                                        validation_alias=AliasChoices("OPENAI_BASE_URL", "INTERVIEWER_OPENAI_BASE_URL"))
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: float = 30.0
    llm_max_retries: int = 2
    grader: Literal["auto", "semantic", "llm"] = "auto"
    # Who phrases the interviewer's messages: offline templates, or the LLM ("auto": the LLM when configured).
    interviewer: Literal["auto", "offline", "llm"] = "auto"
    # A clarifying question is answered from the scenario fact at least this similar to it; else an assumption.
    # 0.50: on the fact-labelled clarifying turns of writer F (evals/data/blind/fact-asks.jsonl), precision 0.82
    # and recall 0.60 against 0.69 / 0.66 at 0.40 (a wrong fact misleads; a missing one asks to assume).
    fact_match_at: float = Field(default=0.50, ge=0, le=1)

    # Sessions in a server database (SQLAlchemy URL, e.g. postgresql+psycopg://user@127.0.0.1:5432/interviewer);
    # unset means the SQLite file under home.
    database_url: str | None = None

    # UI
    host: str = "127.0.0.1"
    port: int = 7860
    # Accounts (`interviewer users ...`): off means one person, no login, every session theirs.
    auth: bool = False

    # Limits
    max_answer_chars: int = 8000  # graded; the rest of a longer answer is cut, with a warning
    # A shared server's limits (0 turns one off): one message's size, a person's answers per minute, and the
    # minutes a session may sit untouched before it is closed.
    max_request_chars: int = Field(default=20_000, ge=0)
    answers_per_minute: int = Field(default=30, ge=0)
    idle_timeout_min: float = Field(default=0, ge=0)

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def sessions_db(self) -> Path:
        return self.home / "sessions.sqlite3"

    @property
    def llm_configured(self) -> bool:
        return bool(self.openai_api_key or self.openai_base_url)

    def wants_llm(self, choice: str) -> bool:
        """Whether a backend choice means the LLM: "llm", or "auto" while an endpoint is configured.
        The one rule for "auto", used for the grader (`grading.grader_for`) and the phraser alike."""
        return choice == "llm" or (choice == "auto" and self.llm_configured)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


# Gradio reads GRADIO_TEMP_DIR when it is imported: point it under the state folder before any client
# (app.py) imports gradio, so importing the package is all a client needs to do first.
os.environ.setdefault("GRADIO_TEMP_DIR", str(get_settings().home / "gradio-tmp"))
