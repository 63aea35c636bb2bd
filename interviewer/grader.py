"""Rubric grading: `grade(target, answer) -> Grade`.

The offline `semantic` backend splits the answer into sentences and clauses, embeds them with the
bundled model (one batch per answer, or one batch for many answers in `grade_semantic_many`), and
compares them with each key point, the reference, the question and the trap statements (every tempting
move the trap names). Rubric-side vectors are cached by text, so a rubric item is embedded once per
process. The comparisons become a few features (soft key-point coverage, similarity to the reference,
lexical overlap, how list-like or generic the answer is, negations near matched sentences, and, for the
sentences the candidate did not take back, the trap-versus-correct margin, the trap's own words, and how
far they lie from the correct approach toward the trap) and a small fitted scorer maps them to a 0-4 score:
one linear model for rubric items (key points and a trap) and one for bare references, each with
a monotone calibration, all in `interviewer/data/semantic_scorer.json` (refit by
`python -m evals.fit_scorer`). Rules from the grading scale sit on top: a trap caps the score at 1,
an empty answer (no content word, or "idk" / "no response") is 0, and text aimed at the grader is cut out before anything is measured and
scores the answer 0 (the scale counts an attempt to manipulate the grader as 0; the rest of the
answer is still analysed, so the feedback stays useful).
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .config import Settings, get_settings
from .embeddings import embed
from .guard import AnswerError, clean_answer, split_sentences
from .models import Citation, Feedback, Grade, KeyPoint, KeyPointVerdict, Reference, RubricItem

__all__ = ["grade", "grade_semantic", "grade_semantic_many", "AnswerError", "measure", "measure_many", "FEATURES",
           "Target"]

Target = RubricItem | Reference

FEATURES = ["coverage", "covered_frac", "kp_mean", "kp_min", "ref_sim", "ref_unit", "lexical", "lexical_precision",
            "lex_novel", "ans_novel", "question_sim", "focus", "off_target", "length", "stop_ratio", "list_like",
            "negated_credit", "trap_sim", "trap_margin", "trap_whole", "trap_whole_margin", "trap_top2", "trap_frac",
            "trap_lex", "trap_proj", "retracted", "fell"]
# Below this best similarity to every written key point an answer has nothing relevant in it. On the
# development sets no human-graded answer above 0 falls under it for rubric targets (mlsd, SAF), while
# gibberish sits near 0.13; bare references without key points (Mohler) are left to the scorer.
NO_EVIDENCE_AT = 0.20
# A strong correction cue: the candidate takes back what came just before it.
CORRECTION_CUES = re.compile(
    r"\b(actually,? no|no,? wait|wait,? no|wait\b|hmm,? no|scratch that|on second thought|i take that back|"
    r"let me (back up|correct|rethink|start again)|that'?s (wrong|not right|backwards|the wrong|not it)|"
    r"actually,? that (doesn'?t|does not|won'?t|is wrong|isn'?t)|i was wrong|correction:|but actually|on reflection)",
    re.I)
NEGATION = re.compile(r"\b(not|never|no|none|nothing|neither|nor|without|cannot|isn't|aren't|wasn't|don't|doesn't|"
                      r"didn't|won't|wouldn't|can't|shouldn't|needn't|hardly)\b|n't\b", re.I)
STOPWORDS = set("""a an the and or of to in on for with by from as at is are was were be been being it its this that
these those you your we our they their i me my not no do does did can could should would will shall may might must
than then so such if but into over under about also only just more most very via per each which who what when where
how why using use used""".split())
CLAUSE_SPLIT = re.compile(r"[;:,]|\s[-\u2013\u2014]\s|\s->\s")
TRAP_PREFIX = re.compile(r"^(the|a|an)\s+tempting\s+\w+(\s+(is|treats (this|it) as))?\s*:?\s*", re.I)
VECTOR_CACHE_SIZE = 20_000


# --- targets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    question: str
    reference: str
    trap: str | None
    key_points: tuple[KeyPoint, ...]
    max_score: float
    rubric: bool = True  # key points (and usually a trap) written for grading, not split from a reference


def _as_target(target: Target) -> _Target:
    if isinstance(target, RubricItem):
        return _Target(target.question, target.correct_approach, target.trap, tuple(target.key_points), 4.0)
    if isinstance(target, Reference):
        points = target.key_points or _reference_points(target.reference_answer)
        kps = tuple(KeyPoint(id=f"kp{i + 1}", text=t if len(t) >= 5 else t + " " * (5 - len(t)), weight=1.0)
                    for i, t in enumerate(points))
        return _Target(target.question, target.reference_answer, target.trap, kps, float(target.max_score),
                       rubric=bool(target.key_points or target.trap))
    raise TypeError(f"grade() needs a RubricItem or a Reference, not {type(target).__name__}")


def _reference_points(reference: str) -> list[str]:
    """Key points for a bare reference: its sentences and clauses (at most six)."""
    parts = [p.strip(" -•\t") for s in split_sentences(reference) for p in re.split(r";|\s-\s|\n-", s)]
    parts = [p for p in parts if len(p.split()) >= 2] or [reference.strip()]
    if len(parts) > 6:  # merge neighbours so every part of the reference still counts
        size = math.ceil(len(parts) / 6)
        parts = [" ".join(parts[i:i + size]) for i in range(0, len(parts), size)]
    return parts


def _trap_statement(trap: str) -> str:
    """The tempting answer itself: the trap text's first sentence, without "The tempting answer is" in front
    or its explanation of why it is wrong behind."""
    first = split_sentences(trap)[0] if trap.strip() else trap
    first = re.split(r"\b(because|which is wrong|this is wrong|but this|that is wrong)\b", first, maxsplit=1, flags=re.I)[0]
    bare = TRAP_PREFIX.sub("", first).strip(" \"'\u201c\u201d")
    return bare if len(bare.split()) >= 3 else first


# one tempting move among several: "X, Y, or Z" where each is a verb phrase ("ranking ..., treating ...")
TRAP_ALTERNATIVES = re.compile(r";|,?\s+or\s+(?=\w+ing\b)|,\s+(?=\w+ing\b)")


def _trap_statements(trap: str) -> list[str]:
    """What an answer that falls into the trap would say: the tempting answer, its whole first sentence
    (a "because" there is often part of the mistake: "the model is fine because AUC is unchanged"), and
    each alternative when the trap lists several tempting moves."""
    statement = _trap_statement(trap)
    first = TRAP_PREFIX.sub("", split_sentences(trap)[0] if trap.strip() else trap).strip()
    parts = [p.strip(" ,.") for p in TRAP_ALTERNATIVES.split(statement)]
    parts = [p for p in parts if len(p.split()) >= 3]
    return list(dict.fromkeys([statement, first, *(parts if len(parts) > 1 else [])]))


def _distinct_words(t: _Target) -> set[str]:
    """Content words of the tempting answer that the question, reference and key points do not use."""
    correct = _content_words(" ".join([t.question, t.reference, *(kp.text for kp in t.key_points)]))
    return _content_words(" ".join(_trap_statements(t.trap))) - correct if t.trap else set()


# --- vectors --------------------------------------------------------------------------------


class _VectorCache:
    """Embeddings by text, least recently used out first; misses are embedded in one batch."""

    def __init__(self, size: int):
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    def __call__(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        fresh = dict(zip(missing, embed(missing))) if missing else {}
        out = []
        for t in texts:
            v = fresh.get(t)
            if v is None:
                v = self._vectors[t]
                self._vectors.move_to_end(t)
            out.append(v)
        for t, v in fresh.items():
            self._vectors[t] = v
        while len(self._vectors) > self.size:
            self._vectors.popitem(last=False)
        return np.stack(out) if out else np.zeros((0, 384), dtype=np.float32)

    def put(self, texts: list[str], vectors: np.ndarray) -> None:
        for t, v in zip(texts, vectors):
            self._vectors[t] = v


_rubric_vectors = _VectorCache(VECTOR_CACHE_SIZE)  # rubric-side texts: the same few hundred again and again


@dataclass
class _TargetVectors:
    question: np.ndarray
    reference: np.ndarray
    ref_parts: np.ndarray  # the reference's sentences
    points: np.ndarray
    trap: np.ndarray | None  # one row per trap statement (`_trap_statements`)


def _target_texts(t: _Target) -> tuple[list[str], list[str]]:
    ref_parts = [s for s in split_sentences(t.reference) if len(s.split()) >= 3] or [t.reference]
    texts = [t.question, t.reference, *ref_parts, *(kp.text for kp in t.key_points)]
    if t.trap:
        texts.extend(_trap_statements(t.trap))
    return texts, ref_parts


def _target_vectors(t: _Target) -> _TargetVectors:
    texts, ref_parts = _target_texts(t)
    v = _rubric_vectors(texts)
    n, k = len(ref_parts), len(t.key_points)
    return _TargetVectors(question=v[0], reference=v[1], ref_parts=v[2:2 + n], points=v[2 + n:2 + n + k],
                          trap=v[2 + n + k:] if t.trap else None)


def prefetch(targets: list[_Target]) -> None:
    """Embed the rubric side of many targets in one batch (the cache then serves them)."""
    _rubric_vectors([text for t in targets for text in _target_texts(t)[0]])


# --- the answer -----------------------------------------------------------------------------


@dataclass
class _Units:
    units: list[str]  # sentences, then the clauses of longer sentences: all verbatim substrings of the answer
    retracted: np.ndarray  # per unit: the candidate took it back with a correction cue after it


def _split(text: str) -> _Units:
    sentences = split_sentences(text)
    units, owner = list(sentences), list(range(len(sentences)))
    for i, sentence in enumerate(sentences):
        if len(sentence.split()) > 12:
            clauses = [c.strip() for c in CLAUSE_SPLIT.split(sentence)]
            clauses = [c for c in clauses if len(c.split()) >= 3 and c != sentence]
            if len(clauses) > 1:
                units.extend(clauses)
                owner.extend([i] * len(clauses))
    retracted = np.zeros(len(units), dtype=bool)
    for i, sentence in enumerate(sentences):
        cue = CORRECTION_CUES.search(sentence)
        if not cue:
            continue
        before = sentence[:cue.start()]
        for j, (unit, o) in enumerate(zip(units, owner)):
            # what comes before the cue in its sentence; the whole previous sentence when the cue opens one
            if (o == i and (unit == sentence and len(before.split()) > 2 or unit in before)) or (
                    o == i - 1 and len(before.split()) <= 3):
                retracted[j] = True
    return _Units(units or [text], retracted if units else np.zeros(1, dtype=bool))


def _embed_answers(texts: list[str]) -> list[tuple[_Units, np.ndarray, np.ndarray]]:
    """Split every answer and embed all of their units (and the whole answers) in one batch."""
    split = [_split(t) for t in texts]
    flat = [s for t, sp in zip(texts, split) for s in (t, *sp.units)]
    vectors = embed(flat) if flat else np.zeros((0, 384), dtype=np.float32)
    out, at = [], 0
    for sp in split:
        n = 1 + len(sp.units)
        out.append((sp, vectors[at], vectors[at + 1:at + n]))
        at += n
    return out


def _content_words(text: str) -> set[str]:
    return {w[:6] for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS and len(w) > 2}


# A whole answer that says there is no answer ("idk", "No response.", "n/a", "?") is graded as empty.
# "none" and "nothing" are not in it: they can be right ("what does a constructor return?").
NON_ANSWER = re.compile(r"^\W*(i\s+)?(idk|dunno|don'?t know|do not know|not sure|no idea|no answer( given)?|no response|"
                        r"(no|empty|blank) submission|not answered|unanswered|left blank|blank|n/?a|skip|\?+)?\W*$",
                        re.I)


def _gradable(text: str) -> bool:
    """Something to grade: at least one content word, and not a statement that there is no answer. A
    one-word answer can be right ("main", to where a C++ program starts) and is graded like any other."""
    words = set(re.findall(r"[a-z0-9]+", text.lower())) - STOPWORDS
    return bool(words) and not NON_ANSWER.match(text)


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-9)


def _negated(text: str) -> bool:
    return bool(NEGATION.search(text))


# --- features -------------------------------------------------------------------------------


@dataclass
class _Measure:
    features: dict[str, float]
    point_sims: np.ndarray
    point_evidence: list[str]
    trap_sims: np.ndarray  # per unit: similarity to the trap statement (0 for units taken back)
    margins: np.ndarray  # per unit: trap similarity minus best similarity to the correct approach (-1 if taken back)
    units: list[str]

    def trap_probability(self, scorer: dict) -> float:
        """How likely the answer commits the trap: a small logistic model on answer-level trap features."""
        model = scorer.get("trap_model")
        if model is None or not len(self.trap_sims):
            return 0.0
        x = np.array([self.features[name] for name in model["features"]])
        z = float(np.dot((x - np.array(model["mean"])) / np.array(model["scale"]), model["coef"]) + model["intercept"])
        return 1.0 / (1.0 + math.exp(-z))

    def fell_into_trap(self, scorer: dict) -> bool:
        model = scorer.get("trap_model")
        return model is not None and self.trap_probability(scorer) >= model["threshold"]

    def trap_evidence(self) -> str:
        """The sentence most like the trap among those the candidate did not take back."""
        return self.units[int(np.argmax(self.margins))] if len(self.margins) else ""


def features_for(t: _Target, text: str, scorer: dict, answer: tuple | None = None) -> _Measure:
    vec = _target_vectors(t)
    sp, whole, unit_vecs = answer or _embed_answers([text])[0]
    units, kept = sp.units, ~sp.retracted
    sims = unit_vecs @ vec.points.T  # units x points
    live = np.where(kept[:, None], sims, sims - 0.15)  # a retracted sentence still counts, for less
    point_sims = np.maximum(live.max(axis=0), whole @ vec.points.T)
    best = live.argmax(axis=0)
    weights = np.array([kp.weight for kp in t.key_points])
    lo, hi = scorer["partial_at"], scorer["covered_at"]
    credit = np.clip((point_sims - lo) / (hi - lo), 0, 1)
    # a matched sentence that negates what its key point asserts (or the reverse) earns no credit
    flipped = np.array([_negated(units[b]) != _negated(kp.text) for b, kp in zip(best, t.key_points)])
    to_ref = unit_vecs @ vec.ref_parts.T
    to_correct = np.maximum(to_ref.max(axis=1), sims.max(axis=1))
    to_question = unit_vecs @ vec.question
    target_words = _content_words(t.reference + " " + " ".join(kp.text for kp in t.key_points))
    answer_words = _content_words(text)
    question_words = _content_words(t.question)
    novel = target_words - question_words  # the reference's words that the question does not give away
    words = text.split()
    n_words = max(1, len(words))
    trap_sims = margins = np.zeros(len(units))
    if vec.trap is not None:
        trap_sims = np.where(kept, (unit_vecs @ vec.trap.T).max(axis=1), 0.0)
        margins = np.where(kept, trap_sims - to_correct, -1.0)
    measure = _Measure({}, point_sims, [units[i] for i in best], trap_sims, margins, units)
    trap_whole = float((whole @ vec.trap.T).max()) if vec.trap is not None else 0.0
    trap_proj = 0.0
    if vec.trap is not None:
        # the direction from the correct approach to the trap: the topic both share cancels out, and what is
        # left is what tells them apart; the kept sentence furthest along it
        axis = _unit(vec.trap.mean(axis=0)) - _unit(np.vstack([vec.ref_parts, vec.points]).mean(axis=0))
        trap_proj = float(np.where(kept, unit_vecs @ _unit(axis), -1.0).max())
    trap_words = _distinct_words(t)
    unit_words = np.array([len(u.split()) for u in units[:len(split_sentences(text)) or 1]], dtype=float)
    measure.features = {
        "coverage": float((credit * weights).sum() / weights.sum()),
        "covered_frac": float(((point_sims >= hi) * weights).sum() / weights.sum()),
        "kp_mean": float(point_sims.mean()),
        "kp_min": float(point_sims.min()),
        "ref_sim": float(whole @ vec.reference),
        "ref_unit": float(to_ref.max()),
        "lexical": len(target_words & answer_words) / max(1, len(target_words)),
        "lexical_precision": len(answer_words & (target_words | _content_words(t.question))) / max(1, len(answer_words)),
        "lex_novel": len(novel & answer_words) / max(1, len(novel)),
        "ans_novel": len(answer_words - target_words - question_words) / max(1, len(answer_words)),
        "question_sim": float(whole @ vec.question),
        "focus": float(np.mean(to_correct - to_question)),
        "off_target": float(np.mean(to_correct < lo)),
        "length": math.log1p(len(words)) / math.log(200),
        "stop_ratio": sum(w.lower().strip(".,;:!?()") in STOPWORDS for w in words) / n_words,
        "list_like": (text.count(",") + text.count("/") + text.count(";")) / n_words + float(np.mean(unit_words < 5)),
        "negated_credit": float((credit * weights * flipped).sum() / weights.sum()),
        "trap_sim": float(trap_sims.max()) if vec.trap is not None else 0.0,
        "trap_margin": float(margins.max()) if vec.trap is not None else -0.5,
        "trap_whole": trap_whole,
        "trap_whole_margin": trap_whole - float(whole @ vec.reference) if vec.trap is not None else -0.5,
        "trap_lex": len(trap_words & answer_words) / max(1, len(trap_words)),
        "trap_proj": trap_proj,
        "trap_top2": float(np.sort(trap_sims)[-2:].mean()) if vec.trap is not None else 0.0,
        "trap_frac": float(np.mean(margins > 0)) if vec.trap is not None else 0.0,
        "retracted": float(sp.retracted.any()),
    }
    measure.features["fell"] = float(vec.trap is not None and measure.fell_into_trap(scorer))
    return measure


def measure(target: Target, answer: str, scorer: dict | None = None) -> _Measure | None:
    """The grader's raw measurements of an answer (None when it is empty): for fitting and analysis."""
    return measure_many([target], [answer], scorer)[0]


def measure_many(targets: list[Target], answers: list[str], scorer: dict | None = None) -> list[_Measure | None]:
    """`measure` for many answers, with all embeddings done in a few large batches."""
    scorer = scorer or load_scorer()
    limit = get_settings().max_answer_chars
    ts = [_as_target(t) for t in targets]
    prefetch(ts)
    texts = [clean_answer(a, limit).text for a in answers]
    usable = [i for i, text in enumerate(texts) if _gradable(text)]
    embedded = dict(zip(usable, _embed_answers([texts[i] for i in usable])))
    return [features_for(ts[i], texts[i], scorer, embedded[i]) if i in embedded else None for i in range(len(texts))]


# --- scoring --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def load_scorer() -> dict:
    return json.loads(resources.files("interviewer").joinpath("data/semantic_scorer.json").read_text())


def _predict(features: dict[str, float], model: dict) -> float:
    """A linear model on standardised features, then a monotone calibration: 0 to 1."""
    x = np.array([features[name] for name in model["features"]])
    z = (x - np.array(model["mean"])) / np.array(model["scale"])
    raw = float(np.dot(z, model["coef"]) + model["intercept"])
    if "calibration" in model:
        raw = float(np.interp(raw, model["calibration"]["x"], model["calibration"]["y"]))
    return float(np.clip(raw, 0.0, 1.0))


def _model_for(t: _Target, scorer: dict) -> dict:
    return scorer["models"]["rubric" if t.rubric else "reference"]


_passage_cache: OrderedDict[tuple[str, str], tuple] = OrderedDict()


def _passages_for(text: str, settings: Settings) -> tuple:
    """The best corpus passage for a missed key point, cached per index folder: the same points are missed
    again and again, and a search costs an embedding and a query."""
    from .retrieval import search

    key = (text, str(settings.index_dir))
    if key not in _passage_cache:
        _passage_cache[key] = tuple(search(text, k=1, settings=settings))
        if len(_passage_cache) > 2048:
            _passage_cache.popitem(last=False)
    return _passage_cache[key]


def _citations(missed: list[KeyPoint], item: RubricItem | None, settings: Settings) -> list[Citation]:
    from .store import IndexUnavailable

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
            if not any(c.origin == source.origin and source.section in c.section for c in citations):
                citations.append(Citation(document=source.origin, section=source.section, origin=source.origin, text=""))
    return citations


def _empty_grade(t: _Target, warnings: list[str]) -> Grade:
    warnings.append("The answer is empty or too short to grade.")
    return Grade(score=0, normalised=0, key_points=[KeyPointVerdict(id=kp.id, text=kp.text, verdict="missing")
                                                    for kp in t.key_points],
                 fell_into_trap=False if t.trap else None, backend="semantic", warnings=warnings,
                 feedback=Feedback(gaps=[kp.text for kp in t.key_points], correct_approach=t.reference))


def _grade_measured(t: _Target, clean, m: _Measure, scorer: dict) -> Grade:
    warnings = list(clean.warnings)
    predicted = _predict(m.features, _model_for(t, scorer)) * 4.0
    if clean.injection:
        # The scale puts an attempt to manipulate the grader at 0; the rest is still analysed for feedback.
        predicted = 0.0
        warnings.append("Score set to 0: the answer tries to manipulate the grader.")
    elif t.rubric and len(m.point_sims) and float(np.max(m.point_sims)) < NO_EVIDENCE_AT:
        # Nothing in the answer relates to any written key point (gibberish, off-topic): the scale says 0.
        predicted = 0.0
        warnings.append("Score set to 0: no part of the answer relates to any key point.")
    verdicts = []
    for kp, sim, evidence in zip(t.key_points, m.point_sims, m.point_evidence):
        verdict = "covered" if sim >= scorer["covered_at"] else "partial" if sim >= scorer["partial_at"] else "missing"
        verdicts.append(KeyPointVerdict(id=kp.id, text=kp.text, verdict=verdict, similarity=round(float(sim), 3),
                                        evidence=evidence if verdict != "missing" and evidence in clean.original else ""))
    fell = None
    trap_evidence = ""
    if t.trap:
        fell = m.fell_into_trap(scorer)
        if fell:
            trap_evidence = m.trap_evidence()
            predicted = min(predicted, 1.0)
    score = round(float(np.clip(predicted, 0, 4)), 2)
    return Grade(
        score=score, normalised=round(score / 4, 4), key_points=verdicts, fell_into_trap=fell,
        trap_evidence=trap_evidence if trap_evidence in clean.original else "", backend="semantic", warnings=warnings,
        feedback=Feedback(strengths=[v.text for v in verdicts if v.verdict == "covered"],
                          gaps=[v.text for v in verdicts if v.verdict != "covered"], correct_approach=t.reference),
    )


def grade_semantic(target: Target, answer, settings: Settings | None = None, cite: bool = True) -> Grade:
    settings = settings or get_settings()
    started = time.perf_counter()
    t = _as_target(target)
    scorer = load_scorer()
    clean = clean_answer(answer, settings.max_answer_chars)
    if not _gradable(clean.text):
        return _finish(_empty_grade(t, list(clean.warnings)), started, t, target, settings, cite)
    m = features_for(t, clean.text, scorer)
    return _finish(_grade_measured(t, clean, m, scorer), started, t, target, settings, cite)


def grade_semantic_many(targets: list[Target], answers: list, settings: Settings | None = None,
                        batch: int = 64) -> list[Grade]:
    """Grade many answers offline (no citations), embedding each batch of answers in one call.

    The same grades as `grade_semantic` one by one; each grade's `latency_ms` is its share of its batch's time.
    """
    settings = settings or get_settings()
    scorer = load_scorer()
    out: list[Grade] = []
    for at in range(0, len(answers), batch):
        started = time.perf_counter()
        ts = [_as_target(t) for t in targets[at:at + batch]]
        prefetch(ts)
        cleans = [clean_answer(a, settings.max_answer_chars) for a in answers[at:at + batch]]
        usable = [i for i, c in enumerate(cleans) if _gradable(c.text)]
        embedded = dict(zip(usable, _embed_answers([cleans[i].text for i in usable])))
        grades = [_grade_measured(ts[i], c, features_for(ts[i], c.text, scorer, embedded[i]), scorer)
                  if i in embedded else _empty_grade(ts[i], list(c.warnings)) for i, c in enumerate(cleans)]
        share = round((time.perf_counter() - started) * 1000 / max(1, len(grades)), 2)
        for g in grades:
            g.latency_ms = share
        out.extend(grades)
    return out


def _finish(grade: Grade, started: float, t: _Target, target: Target, settings: Settings, cite: bool) -> Grade:
    if cite:
        missed = [kp for kp, v in zip(t.key_points, grade.key_points) if v.verdict != "covered"]
        grade.feedback.citations = _citations(missed, target if isinstance(target, RubricItem) else None, settings)
    grade.latency_ms = round((time.perf_counter() - started) * 1000, 2)
    return grade


def grade(target: Target, answer, backend: str | None = None, settings: Settings | None = None,
          cite: bool = True) -> Grade:
    """Grade `answer` against a rubric item or a bare reference.

    `backend`: "semantic" (offline), "llm", or "auto"/None (the setting; `auto` picks `llm` only when an
    endpoint is configured). Non-text answers raise `AnswerError`.
    """
    settings = settings or get_settings()
    choice = backend or settings.grader
    if choice not in ("auto", "semantic", "llm"):
        raise ValueError(f"Unknown grader backend {choice!r}: use semantic, llm or auto.")
    if choice == "llm" or (choice == "auto" and settings.llm_configured):
        from .grader_llm import grade_llm  # imports this module; the LLM client is built on first use

        return grade_llm(target, answer, settings=settings, cite=cite)
    return grade_semantic(target, answer, settings=settings, cite=cite)
