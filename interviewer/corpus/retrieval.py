"""Read-only search over the index, with citations.

Search is hybrid: the dense neighbours from Chroma (meaning) and a TF-IDF ranking over the
same chunks (exact terms such as "MFU", "PSI" or "LAMB") are merged by reciprocal-rank
fusion. Each passage's `score` is its cosine similarity to the query.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from ..config import Settings, get_settings
from .embeddings import embed_one
from ..models import Passage, Stage
from .store import Store, forget_clients, open_store

CANDIDATES = 20  # per ranking, before fusion
RRF_K = 60  # the usual reciprocal-rank-fusion constant


@dataclass
class _Lexical:
    count: int
    ids: list[str]
    stages: list[str]
    places: list[tuple[str, tuple[str, ...]]]  # each chunk's origin and its headings, lower-cased
    vectorizer: object
    matrix: object

    @classmethod
    def build(cls, store: Store) -> _Lexical:
        from sklearn.feature_extraction.text import TfidfVectorizer

        ids, texts, metas = store.all_chunks()
        docs = [f"{m['section']}\n{t}" for t, m in zip(texts, metas, strict=True)]
        vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", ngram_range=(1, 2), min_df=1)
        matrix = vectorizer.fit_transform(docs) if docs else None
        places = [(m["origin"], tuple(h.strip().lower() for h in m["section"].split(" > "))) for m in metas]
        return cls(len(ids), ids, [m.get("stage", "") for m in metas], places, vectorizer, matrix)

    def top(self, query: str, n: int, stage: Stage | None) -> list[str]:
        if self.matrix is None:
            return []
        scores = (self.matrix @ self.vectorizer.transform([query]).T).toarray().ravel()
        if stage:
            scores = np.where(np.array(self.stages) == stage.value, scores, 0.0)
        order = np.argsort(-scores)[:n]
        return [self.ids[i] for i in order if scores[i] > 0]

    def in_section(self, origin: str, section: str, query: str) -> str | None:
        """The chunk of `origin` under the heading `section` that best matches `query` (None if no such chunk)."""
        heading = section.strip().lower()
        rows = [i for i, (o, headings) in enumerate(self.places) if o == origin and heading in headings]
        if not rows:
            return None
        if self.matrix is None or not query.strip():
            return self.ids[rows[0]]
        scores = (self.matrix[rows] @ self.vectorizer.transform([query]).T).toarray().ravel()
        return self.ids[rows[int(np.argmax(scores))]]


_stores: dict[tuple, tuple[Store, _Lexical | None]] = {}
_lock = threading.Lock()


def _open(settings: Settings) -> tuple[Store, _Lexical]:
    key = (str(settings.index_dir), settings.chroma_host, settings.chroma_port, settings.collection)
    with _lock:
        store, lexical = _stores.get(key, (None, None))
        if store is None:
            store = open_store(settings)
        if lexical is None or lexical.count != store.count():
            lexical = _Lexical.build(store)
        _stores[key] = (store, lexical)
        return store, lexical


def forget_stores() -> None:
    """Drop cached handles (after a rebuild, or in tests)."""
    with _lock:
        _stores.clear()
    forget_clients()


def section_passage(origin: str, section: str, query: str = "", settings: Settings | None = None) -> Passage | None:
    """The passage a rubric source (a document and one of its headings) points at: the chunk under that
    heading that best matches `query` (the key point or question it is cited for); None if the index has none."""
    store, lexical = _open(settings or get_settings())
    cid = lexical.in_section(origin, section, query)
    if cid is None:
        return None
    return store.passages_for([cid], embed_one(query.strip() or section))[0]


def search(query: str, k: int = 5, stage: Stage | str | None = None, settings: Settings | None = None) -> list[Passage]:
    """The `k` passages that best answer `query`, optionally from one framework stage."""
    if not query or not query.strip():
        raise ValueError("The search query is empty.")
    if k < 1:
        raise ValueError("k must be at least 1.")
    settings = settings or get_settings()
    stage = Stage(stage) if isinstance(stage, str) else stage
    store, lexical = _open(settings)
    vector = embed_one(query.strip())
    n = max(k, CANDIDATES)
    dense = store.query(vector, k=min(n, max(1, lexical.count)), stage=stage)
    sparse = lexical.top(query, n, stage)
    fused: dict[str, float] = {}
    for ranking in ([cid for cid, _ in dense], sparse):
        for rank, cid in enumerate(ranking, start=1):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank)
    best = sorted(fused, key=lambda cid: -fused[cid])[:k]
    return store.passages_for(best, vector)
