"""Read-only search over the index, with citations."""

from __future__ import annotations

import threading

from .config import Settings, get_settings
from .embeddings import embed_one
from .models import Passage, Stage
from .store import Store, open_store

_stores: dict[tuple, Store] = {}
_lock = threading.Lock()


def _store(settings: Settings) -> Store:
    key = (str(settings.index_dir), settings.chroma_host, settings.chroma_port, settings.collection)
    with _lock:
        if key not in _stores:
            _stores[key] = open_store(settings)
        return _stores[key]


def forget_stores() -> None:
    """Drop cached handles (after a rebuild, or in tests)."""
    with _lock:
        _stores.clear()


def search(query: str, k: int = 5, stage: Stage | str | None = None, settings: Settings | None = None) -> list[Passage]:
    """The `k` passages nearest in meaning to `query`, optionally from one framework stage."""
    if not query or not query.strip():
        raise ValueError("The search query is empty.")
    if k < 1:
        raise ValueError("k must be at least 1.")
    settings = settings or get_settings()
    stage = Stage(stage) if isinstance(stage, str) else stage
    return _store(settings).query(embed_one(query.strip()), k=k, stage=stage)
