"""Feedback that cites the study material: the best corpus passage for each missed key point, and the
rubric item's own sources."""

from __future__ import annotations

import time
from collections import OrderedDict

from ..config import Settings
from ..corpus.retrieval import search, section_passage
from ..errors import IndexUnavailable
from ..models import Citation, Grade, KeyPoint, RubricItem
from .target import GradingTarget, Target

_passage_cache: OrderedDict[tuple[str, str], tuple] = OrderedDict()


def _passages_for(text: str, settings: Settings) -> tuple:
    """The best corpus passage for a missed key point, cached per index folder: the same points are missed
    again and again, and a search costs an embedding and a query."""
    key = (text, str(settings.index_dir))
    if key not in _passage_cache:
        _passage_cache[key] = tuple(search(text, k=1, settings=settings))
        if len(_passage_cache) > 2048:
            _passage_cache.popitem(last=False)
    return _passage_cache[key]


_source_cache: OrderedDict[tuple[str, str, str, str], object] = OrderedDict()


def _source_passage(origin: str, section: str, question: str, settings: Settings):
    """A rubric source's passage, cached per index folder (a question closes with the same sources each time)."""
    key = (origin, section, question, str(settings.index_dir))
    if key not in _source_cache:
        _source_cache[key] = section_passage(origin, section, question, settings)
        if len(_source_cache) > 2048:
            _source_cache.popitem(last=False)
    return _source_cache[key]


def citations(missed: list[KeyPoint], item: RubricItem | None, settings: Settings) -> list[Citation]:
    citations: list[Citation] = []
    seen = set()
    try:
        for kp in missed[:3]:
            for p in _passages_for(kp.text, settings):
                if (p.origin, p.section) not in seen:
                    seen.add((p.origin, p.section))
                    citations.append(Citation(document=p.document, section=p.section, origin=p.origin, text=p.text))
    except IndexUnavailable:
        pass
    if item is not None:
        for source in item.sources:
            if any(c.origin == source.origin and source.section in c.section for c in citations):
                continue
            try:  # the rubric's own source, resolved to its passage (its title, section and words)
                p = _source_passage(source.origin, source.section, item.question, settings)
            except IndexUnavailable:
                p = None
            if p is not None:
                citations.append(Citation(document=p.document, section=p.section, origin=p.origin, text=p.text))
            else:
                citations.append(Citation(document=source.origin, section=source.section, origin=source.origin, text=""))
    return citations


def finish(grade: Grade, started: float, t: GradingTarget, target: Target, settings: Settings, cite: bool) -> Grade:
    """Add citations for what was missed (when `cite`) and the time the grade took."""
    if cite:
        missed = [kp for kp, v in zip(t.key_points, grade.key_points, strict=True) if v.verdict != "covered"]
        grade.feedback.citations = citations(missed, target if isinstance(target, RubricItem) else None, settings)
    grade.latency_ms = round((time.perf_counter() - started) * 1000, 2)
    return grade
