"""The one place chromadb is imported: the vector index of corpus chunks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import chromadb
from chromadb.config import Settings as ChromaSettings

from ..config import Settings, get_settings
from ..errors import IndexUnavailable
from .embeddings import ChromaEmbeddingFunction, engine_name
from ..models import Chunk, Passage, Stage


FIX_HINT = "Run `interviewer index --rebuild` to build it again."


@dataclass
class Store:
    collection: chromadb.Collection
    location: str

    # --- writing -----------------------------------------------------------------
    def ids(self) -> set[str]:
        result = self.collection.get(include=[])
        return set(result["ids"])

    def add(self, chunks: list[Chunk], embeddings=None) -> None:
        if not chunks:
            return
        self.collection.upsert(
            ids=[c.id for c in chunks],
            documents=[c.text for c in chunks],
            metadatas=[_metadata(c) for c in chunks],
            embeddings=embeddings,
        )

    def delete(self, ids: list[str]) -> None:
        if ids:
            self.collection.delete(ids=list(ids))

    def count(self) -> int:
        return self.collection.count()

    def embedder(self) -> str | None:
        """The embedding engine the vectors were made with (None for an index made before it was recorded)."""
        return (self.collection.metadata or {}).get("embedder")

    # --- reading -----------------------------------------------------------------
    def query(self, embedding, k: int, stage: Stage | None = None) -> list[tuple[str, Passage]]:
        """The `k` nearest chunks as (id, passage) pairs, nearest first."""
        where = {"stage": stage.value} if stage else None
        try:
            result = self.collection.query(
                query_embeddings=[embedding], n_results=k, where=where, include=["documents", "metadatas", "distances"]
            )
        except Exception as exc:  # chroma raises many types for a damaged index
            raise IndexUnavailable(f"The index at {self.location} could not be searched ({exc}). {FIX_HINT}") from exc
        rows = zip(result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0], strict=True)
        return [(cid, _passage(rank, 1.0 - float(distance), text, meta))
                for rank, (cid, text, meta, distance) in enumerate(rows, start=1)]

    def all_chunks(self) -> tuple[list[str], list[str], list[dict]]:
        """Every chunk's id, text and metadata (for the lexical side of search)."""
        try:
            result = self.collection.get(include=["documents", "metadatas"])
        except Exception as exc:
            raise IndexUnavailable(f"The index at {self.location} could not be read ({exc}). {FIX_HINT}") from exc
        return result["ids"], result["documents"], result["metadatas"]

    def passages_for(self, ids: list[str], embedding, scores: dict[str, float] | None = None) -> list[Passage]:
        """Passages for chunk ids, in the given order, scored by cosine similarity to `embedding`."""
        import numpy as np

        if not ids:
            return []
        result = self.collection.get(ids=ids, include=["documents", "metadatas", "embeddings"])
        by_id = {i: (d, m, e) for i, d, m, e in zip(result["ids"], result["documents"], result["metadatas"],
                                                    result["embeddings"], strict=True)}
        passages = []
        for rank, cid in enumerate(ids, start=1):
            text, meta, vector = by_id[cid]
            score = float(np.dot(np.asarray(vector, dtype=np.float32), embedding))
            passages.append(_passage(rank, score, text, meta))
        return passages

    def sections(self) -> set[tuple[str, str]]:
        """Every (origin, heading) pair in the index, headings lower-cased: for resolving rubric sources."""
        result = self.collection.get(include=["metadatas"])
        pairs = set()
        for meta in result["metadatas"]:
            for heading in meta["section"].split(" > "):
                pairs.add((meta["origin"], heading.strip().lower()))
        return pairs


def _passage(rank: int, score: float, text: str, meta: dict) -> Passage:
    return Passage(rank=rank, score=round(score, 4), document=meta["document"], origin=meta["origin"],
                   section=meta["section"], text=text, stage=meta.get("stage") or None)


def _metadata(chunk: Chunk) -> dict:
    return {
        "document": chunk.document,
        "origin": chunk.origin,
        "path": chunk.path,
        "section": chunk.section,
        "stage": chunk.stage.value if chunk.stage else "",
    }


def _client(settings: Settings, create: bool):
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings), (
            f"chroma server {settings.chroma_host}:{settings.chroma_port}"
        )
    path: Path = settings.index_dir
    if not create and not (path / "chroma.sqlite3").exists():
        raise IndexUnavailable(f"No index found at {path}. Run `interviewer index` to build it.")
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings), str(path)


def open_store(settings: Settings | None = None, create: bool = False, rebuild: bool = False) -> Store:
    """Open the corpus collection. `create` makes it if missing; `rebuild` starts it empty."""
    settings = settings or get_settings()
    try:
        client, location = _client(settings, create or rebuild)
        if rebuild:
            try:
                client.delete_collection(settings.collection)
            except Exception:
                pass
        ef = ChromaEmbeddingFunction()
        if create or rebuild:
            collection = client.get_or_create_collection(
                settings.collection, embedding_function=ef, configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedder": engine_name()},
            )
        else:
            collection = client.get_collection(settings.collection, embedding_function=ef)
    except IndexUnavailable:
        raise
    except Exception as exc:
        where = settings.chroma_host or settings.index_dir
        raise IndexUnavailable(f"The index at {where} is missing or unreadable ({exc}). {FIX_HINT}") from exc
    return Store(collection=collection, location=location)


def wipe_local_index(settings: Settings | None = None) -> None:
    """Remove a local index folder entirely (used by --rebuild when the files are corrupt)."""
    import shutil

    settings = settings or get_settings()
    if settings.chroma_host:
        return
    forget_clients()
    shutil.rmtree(settings.index_dir, ignore_errors=True)


def forget_clients() -> None:
    """Chroma caches one client per path in-process; a broken one must be dropped before reopening."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
