"""Corpus ingest: load, repair, split by structure, tag, and index incrementally."""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter
from tqdm import tqdm

from ..config import Settings, get_settings
from ..errors import CorpusEmpty
from ..models import Chunk, Stage
from .embeddings import embed, engine_name
from .normalise import decode_bytes, normalise_text
from .store import open_store, wipe_local_index

log = logging.getLogger(__name__)

SUFFIXES = {".md", ".markdown", ".txt"}
HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4"), ("#####", "h5"), ("######", "h6")]
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)

# Heading words that make a section's framework stage clear. The deepest heading that
# matches decides; sections matching nothing are left untagged.
STAGE_RULES: list[tuple[Stage, re.Pattern]] = [
    (Stage.clarify, re.compile(r"clarif|requirement|scope|first step")),
    (Stage.framing, re.compile(r"fram|ml objective|input and output|ml category|problem setup")),
    (Stage.monitoring, re.compile(r"monitor|drift|retrain|failure|a/b|online evaluation|experiment|rollback|runbook")),
    (Stage.serving, re.compile(r"serving|deploy|inference|latency|cach|quantiz|distill|batch vs|pre-compute|capacity|cost")),
    (Stage.data, re.compile(r"\bdata\b|label|feature|imbalanc|split|etl|sampling")),
    (Stage.modeling, re.compile(r"model|training|architecture|loss|ranking|retrieval|tower|cold start|gbdt|deep learning|llm")),
]


@dataclass
class Document:
    path: str
    title: str
    origin: str
    text: str


@dataclass
class IngestReport:
    documents: int = 0
    chunks: int = 0
    added: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        skipped = f", {len(self.skipped)} file(s) skipped" if self.skipped else ""
        return (
            f"Indexed {self.documents} documents into {self.chunks} chunks: {self.added} added, "
            f"{self.removed} removed, {self.unchanged} unchanged{skipped} ({self.seconds:.1f} s)"
        )


def read_document(path: Path, root: Path) -> Document | None:
    """Read one corpus file, or return None (with a warning) when it holds no usable text."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        log.warning("Skipping %s: cannot read it (%s)", path, exc)
        return None
    decoded = decode_bytes(raw)
    if decoded is None:
        log.warning("Skipping %s: empty, binary or not decodable as text", path)
        return None
    text = normalise_text(decoded)
    meta: dict = {}
    if m := FRONT_MATTER.match(text):
        try:
            meta = yaml.safe_load(m.group(1)) or {}
        except yaml.YAMLError:
            meta = {}
        meta = meta if isinstance(meta, dict) else {}
        text = text[m.end():]
    if not text.strip():
        log.warning("Skipping %s: no text after its front matter", path)
        return None
    title = str(meta.get("title") or _first_heading(text) or path.stem.replace("-", " ").replace("_", " "))
    return Document(
        path=str(path.relative_to(root)), title=title, origin=str(meta.get("origin") or path.name), text=text
    )


def _first_heading(text: str) -> str | None:
    m = re.search(r"^#\s+(.+)$", text, re.M)
    return m.group(1).strip() if m else None


def load_corpus(corpus_dir: Path) -> tuple[list[Document], list[str]]:
    if not corpus_dir.is_dir():
        raise CorpusEmpty(f"The corpus folder {corpus_dir} does not exist.")
    documents, skipped = [], []
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES):
        if path.name.lower() == "readme.md":
            continue
        doc = read_document(path, corpus_dir)
        if doc is None:
            skipped.append(str(path))
        else:
            documents.append(doc)
    return documents, skipped


def stage_for(section_path: list[str]) -> Stage | None:
    for heading in reversed(section_path):
        lowered = heading.lower()
        for stage, pattern in STAGE_RULES:
            if pattern.search(lowered):
                return stage
    return None


def chunk_id(origin: str, section: str, text: str) -> str:
    return hashlib.sha256(f"{origin}\x1f{section}\x1f{text}".encode()).hexdigest()[:24]


def split_document(doc: Document, chunk_size: int = 1200, chunk_overlap: int = 150) -> list[Chunk]:
    header_splitter = MarkdownHeaderTextSplitter(HEADERS, strip_headers=True)
    size_splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for part in header_splitter.split_text(doc.text):
        headings = [part.metadata[key] for _, key in HEADERS if key in part.metadata]
        # The document title (h1) is the document, not a section.
        if headings and headings[0] == doc.title:
            headings = headings[1:]
        section = " > ".join(headings)
        for piece in size_splitter.split_text(part.page_content):
            piece = piece.strip()
            if not piece:
                continue
            cid = chunk_id(doc.origin, section, piece)
            if cid in seen:
                continue
            seen.add(cid)
            chunks.append(
                Chunk(id=cid, text=piece, document=doc.title, origin=doc.origin, path=doc.path, section=section,
                      stage=stage_for(headings))
            )
    return chunks


def embedding_text(chunk: Chunk) -> str:
    """What is embedded: the heading path gives a short chunk its context."""
    context = f"{chunk.document}: {chunk.section}" if chunk.section else chunk.document
    return f"{context}\n{chunk.text}"


def build_index(
    corpus_dir: Path | None = None,
    rebuild: bool = False,
    settings: Settings | None = None,
    progress: bool = True,
) -> IngestReport:
    """Bring the index in line with the corpus folder; only new chunks are embedded."""

    settings = settings or get_settings()
    corpus_dir = Path(corpus_dir or settings.corpus_dir)
    started = time.perf_counter()
    documents, skipped = load_corpus(corpus_dir)
    chunks = [c for doc in documents for c in split_document(doc, settings.chunk_size, settings.chunk_overlap)]
    if not chunks:
        raise CorpusEmpty(
            f"Nothing to index in {corpus_dir}: no readable .md, .markdown or .txt files with text"
            + (f" ({len(skipped)} skipped)." if skipped else ".")
        )
    if rebuild:
        wipe_local_index(settings)
    store = open_store(settings, create=True, rebuild=rebuild)
    if store.embedder() != engine_name():  # vectors from another engine do not mix with ours: start again
        store = open_store(settings, create=True, rebuild=True)
    existing = store.ids()
    wanted = {c.id: c for c in chunks}
    new = [c for c in chunks if c.id not in existing]
    stale = sorted(existing - wanted.keys())
    store.delete(stale)
    batch = 64
    with tqdm(total=len(new), desc="Embedding chunks", unit="chunk", disable=not progress or not new) as bar:
        for start in range(0, len(new), batch):
            part = new[start:start + batch]
            store.add(part, embeddings=embed([embedding_text(c) for c in part]))
            bar.update(len(part))
    return IngestReport(
        documents=len(documents), chunks=len(chunks), added=len(new), removed=len(stale),
        unchanged=len(chunks) - len(new), skipped=skipped, seconds=time.perf_counter() - started,
    )


def corpus_sections(corpus_dir: Path) -> set[tuple[str, str]]:
    """Every (origin, lower-cased heading) pair the corpus folder yields: what rubric sources resolve to.

    The same splitting as `build_index`, so a section found here is a section in the index."""
    documents, _ = load_corpus(Path(corpus_dir))
    pairs = set()
    for doc in documents:
        for chunk in split_document(doc):
            for heading in chunk.section.split(" > "):
                pairs.add((chunk.origin, heading.strip().lower()))
    return pairs
