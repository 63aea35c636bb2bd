"""What the offline grader measures in an answer: its sentences and clauses embedded and compared with
each key point, the reference, the question and the trap statements, as a few named features
(soft key-point coverage, similarity to the reference, lexical overlap, how list-like or generic the
answer is, negations near matched sentences, and, for the sentences the candidate did not take back,
the trap-versus-correct margin, the trap's own words, and how far they lie from the correct approach
toward the trap). `scorer.py` turns them into a score.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ..config import get_settings
from ..corpus.embeddings import DIMENSION, embed
from ..text import STOPWORDS, content_words, split_sentences
from .guard import clean_answer
from .rules import is_gradable
from .scorer import load_scorer, probability
from .negation import negates
from .target import GradingTarget, Target, as_target, distinct_words, target_texts, trap_statements
from .verdicts import expected_credit, point_probabilities

FEATURES = ["coverage", "covered_frac", "kp_mean", "kp_min", "ref_sim", "ref_unit", "lexical", "lexical_precision",
            "lex_novel", "ans_novel", "question_sim", "focus", "off_target", "length", "stop_ratio", "list_like",
            "negated_credit", "trap_sim", "trap_margin", "trap_whole", "trap_whole_margin", "trap_top2", "trap_frac",
            "trap_lex", "trap_proj", "retracted", "trap_affirmed", "trap_denied", "vcov", "fell"]
# A sentence this like the trap that denies it ("never a random k-fold") is evidence against the trap.
TRAP_DENIED_AT = 0.40
# Below this best similarity to every written key point an answer has nothing relevant in it. On the
# development sets no human-graded answer above 0 falls under it for rubric targets (mlsd, SAF), while
# gibberish sits near 0.13; bare references without key points (Mohler) are left to the scorer.
NO_EVIDENCE_AT = 0.20
RELATED_UNIT_AT = 0.20  # a unit this like a key point may lend the point its words (`lex_answer`)
# A strong correction cue: the candidate takes back what came just before it.
CORRECTION_CUES = re.compile(
    r"\b(actually,? no|no,? wait|wait,? no|wait\b|hmm,? no|scratch that|on second thought|i take that back|"
    r"let me (back up|correct|rethink|start again)|that'?s (wrong|not right|backwards|the wrong|not it)|"
    r"actually,? that (doesn'?t|does not|won'?t|is wrong|isn'?t)|i was wrong|correction:|but actually|on reflection)",
    re.I)
# Per (answer, key point): what the verdict model (`verdicts.py`) sees. Similarities are also given relative
# to the item's own anchors (what the reference answer and a bare restatement of the question score against
# the point), so that a point whose wording sits close to the question does not look covered by any answer.
POINT_FEATURES = ["best", "whole", "second", "rank", "margin_others", "anchored", "over_question", "lex_answer",
                  "lex_unit", "flip", "retracted", "answer_kp_mean", "length", "n_points", "unit_length", "list_like",
                  "local_negation"]
NEGATION = re.compile(r"\b(not|never|no|none|nothing|neither|nor|without|cannot|isn't|aren't|wasn't|don't|doesn't|"
                      r"didn't|won't|wouldn't|can't|shouldn't|needn't|hardly)\b|n't\b", re.I)
CLAUSE_SPLIT = re.compile(r"[;:,]|\s[-\u2013\u2014]\s|\s->\s")


@dataclass
class TargetVectors:
    question: np.ndarray
    reference: np.ndarray
    ref_parts: np.ndarray  # the reference's sentences
    points: np.ndarray
    trap: np.ndarray | None  # one row per trap statement (`trap_statements`)


def target_vectors(t: GradingTarget) -> TargetVectors:
    texts, ref_parts = target_texts(t)
    v = embed(texts)
    n, k = len(ref_parts), len(t.key_points)
    return TargetVectors(question=v[0], reference=v[1], ref_parts=v[2:2 + n], points=v[2 + n:2 + n + k],
                          trap=v[2 + n + k:] if t.trap else None)


@dataclass
class Units:
    units: list[str]  # sentences, then the clauses of longer sentences: all verbatim substrings of the answer
    retracted: np.ndarray  # per unit: the candidate took it back with a correction cue after it


def split_units(text: str) -> Units:
    sentences = list(dict.fromkeys(split_sentences(text)))  # a repeated sentence counts once (`distinct_text`)
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
        for j, (unit, o) in enumerate(zip(units, owner, strict=True)):
            # what comes before the cue in its sentence; the whole previous sentence when the cue opens one
            if (o == i and (unit == sentence and len(before.split()) > 2 or unit in before)) or (
                    o == i - 1 and len(before.split()) <= 3):
                retracted[j] = True
    return Units(units or [text], retracted if units else np.zeros(1, dtype=bool))


def distinct_text(text: str) -> str:
    """The answer as its distinct sentences, one a line: a pasted repeat neither dilutes nor adds to it."""
    return "\n".join(dict.fromkeys(split_sentences(text))) or text


def embed_answers(texts: list[str]) -> list[tuple[Units, np.ndarray, np.ndarray]]:
    """Split every answer and embed all of their units (and the whole answers) in one batch."""
    texts = [distinct_text(t) for t in texts]
    split = [split_units(t) for t in texts]
    flat = [s for t, sp in zip(texts, split, strict=True) for s in (t, *sp.units)]
    vectors = embed(flat) if flat else np.zeros((0, DIMENSION), dtype=np.float32)
    out, at = [], 0
    for sp in split:
        n = 1 + len(sp.units)
        out.append((sp, vectors[at], vectors[at + 1:at + n]))
        at += n
    return out


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-9)


def _negated(text: str) -> bool:
    return bool(NEGATION.search(text))


@dataclass
class Measure:
    features: dict[str, float]
    point_sims: np.ndarray
    point_evidence: list[str]
    trap_sims: np.ndarray  # per unit: similarity to the trap statement (0 for units taken back)
    margins: np.ndarray  # per unit: trap similarity minus best similarity to the correct approach (-1 if taken back)
    units: list[str]
    point_features: np.ndarray | None = None  # key points x POINT_FEATURES
    evidence_sims: np.ndarray | None = None  # per key point: the quoted unit's own similarity to the point
    unit_sims: np.ndarray | None = None  # units x key points: each unit's similarity to each point
    trap_denials: np.ndarray | None = None  # per unit: it denies a trap statement (`negation.negates`)

    def trap_probability(self, scorer: dict) -> float:
        """How likely the answer commits the trap: a small logistic model on answer-level trap features."""
        model = scorer.get("trap_model")
        if model is None or not len(self.trap_sims):
            return 0.0
        return probability(self.features, model)

    def fell_into_trap(self, scorer: dict) -> bool:
        model = scorer.get("trap_model")
        return model is not None and self.trap_probability(scorer) >= model["threshold"]

    def trap_evidence(self) -> str:
        """The sentence most like the trap among those the candidate did not take back."""
        if not len(self.margins):
            return ""
        denied = self.trap_denials if self.trap_denials is not None else np.zeros(len(self.margins), dtype=bool)
        return self.units[int(np.argmax(np.where(denied, self.margins - 2.0, self.margins)))]


def features_for(t: GradingTarget, text: str, scorer: dict, answer: tuple | None = None) -> Measure:
    vec = target_vectors(t)
    sp, whole, unit_vecs = answer or embed_answers([text])[0]
    text = distinct_text(text)
    units, kept = sp.units, ~sp.retracted
    sims = unit_vecs @ vec.points.T  # units x points
    live = np.where(kept[:, None], sims, sims - 0.15)  # a retracted sentence still counts, for less
    point_sims = np.maximum(live.max(axis=0), whole @ vec.points.T)
    best = live.argmax(axis=0)
    weights = np.array([kp.weight for kp in t.key_points])
    lo, hi = scorer["partial_at"], scorer["covered_at"]
    credit = np.clip((point_sims - lo) / (hi - lo), 0, 1)
    # a matched sentence that negates what its key point asserts (or the reverse) earns no credit
    flipped = np.array([_negated(units[b]) != _negated(kp.text) for b, kp in zip(best, t.key_points, strict=True)])
    to_ref = unit_vecs @ vec.ref_parts.T
    to_correct = np.maximum(to_ref.max(axis=1), sims.max(axis=1))
    to_question = unit_vecs @ vec.question
    target_words = content_words(t.reference + " " + " ".join(kp.text for kp in t.key_points))
    question_words = content_words(t.question)
    novel = target_words - question_words  # the reference's words that the question does not give away
    words = text.split()
    n_words = max(1, len(words))
    trap_sims = margins = np.zeros(len(units))
    denials = np.zeros(len(units), dtype=bool)
    if vec.trap is not None:
        trap_sims = np.where(kept, (unit_vecs @ vec.trap.T).max(axis=1), 0.0)
        statements = trap_statements(t.trap)
        denials = np.array([any(negates(u, st) for st in statements) for u in units], dtype=bool)
        margins = np.where(kept, trap_sims - to_correct, -1.0)
    answer_words = content_words(text)
    measure = Measure({}, point_sims, [units[i] for i in best], trap_sims, margins, units)
    measure.evidence_sims = sims[best, np.arange(len(t.key_points))]
    measure.unit_sims = sims
    measure.trap_denials = denials
    trap_whole = float((whole @ vec.trap.T).max()) if vec.trap is not None else 0.0
    trap_proj = 0.0
    if vec.trap is not None:
        # the direction from the correct approach to the trap: the topic both share cancels out, and what is
        # left is what tells them apart; the kept sentence furthest along it
        axis = _unit(vec.trap.mean(axis=0)) - _unit(np.vstack([vec.ref_parts, vec.points]).mean(axis=0))
        trap_proj = float(np.where(kept, unit_vecs @ _unit(axis), -1.0).max())
    trap_words = distinct_words(t)
    unit_words = np.array([len(u.split()) for u in units[:len(split_sentences(text)) or 1]], dtype=float)
    measure.features = {
        "coverage": float((credit * weights).sum() / weights.sum()),
        "covered_frac": float(((point_sims >= hi) * weights).sum() / weights.sum()),
        "kp_mean": float(point_sims.mean()),
        "kp_min": float(point_sims.min()),
        "ref_sim": float(whole @ vec.reference),
        "ref_unit": float(to_ref.max()),
        "lexical": len(target_words & answer_words) / max(1, len(target_words)),
        "lexical_precision": len(answer_words & (target_words | content_words(t.question))) / max(1, len(answer_words)),
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
        # the trap similarity of the sentences that do not deny the trap, and whether one that does is near it
        "trap_affirmed": float(np.where(denials, 0.0, trap_sims).max()) if vec.trap is not None else 0.0,
        "trap_denied": float((denials & (trap_sims >= TRAP_DENIED_AT)).any()),
        "retracted": float(sp.retracted.any()),
    }
    measure.point_features = _point_features(t, vec, sims, live, whole, units, best, answer_words, sp.retracted,
                                             len(text.split()), measure.features["list_like"])
    measure.features["vcov"] = verdict_coverage(t, measure.point_features, scorer)
    measure.features["fell"] = float(vec.trap is not None and measure.fell_into_trap(scorer))
    return measure


def verdict_coverage(t: GradingTarget, point_features: np.ndarray, scorer: dict) -> float:
    """The weighted expected credit of the key points under the verdict model (a trap-model feature: an
    answer that falls into the trap seldom covers much); 0 without a verdict model."""
    model = scorer.get("verdict_model")
    if model is None:
        return 0.0
    weights = np.array([kp.weight for kp in t.key_points])
    return float((expected_credit(point_probabilities(point_features, model, POINT_FEATURES)) * weights).sum() / weights.sum())


_NEGATOR = re.compile(r"^(not|never|no|without|cannot|nor|instead|rather)$|n't$")


def negates_point(unit: str, point: str) -> bool:
    """The unit puts a negation right before the point's own words ("I would not bother making training and
    serving share ...") while the point itself asserts."""
    if _negated(point):
        return False
    wanted = content_words(point)
    tokens = re.findall(r"[a-z0-9']+", unit.lower())
    return any(_NEGATOR.search(tok) and any(w[:6] in wanted for w in tokens[i + 1:i + 6] if len(w) > 2)
               for i, tok in enumerate(tokens))


def term_list(unit: str) -> bool:
    """A bare list of terms: five or more comma-separated parts, all but one of three words or fewer."""
    parts = [p for p in re.split(r"[,;/]", unit) if p.strip()]
    return len(parts) >= 5 and sum(len(p.split()) <= 3 for p in parts) >= len(parts) - 1


def list_share(text: str) -> float:
    """The share of the answer's words that sit in bare term lists (`term_list`)."""
    sentences = split_sentences(distinct_text(text))
    total = sum(len(s.split()) for s in sentences) or 1
    return sum(len(s.split()) for s in sentences if term_list(s)) / total


def unit_length(unit: str) -> float:
    """The quoted unit's length (a bare term from a keyword list is short)."""
    return math.log1p(len(unit.split())) / math.log(40)


def _point_features(t: GradingTarget, vec: TargetVectors, sims: np.ndarray, live: np.ndarray, whole: np.ndarray,
                    units: list[str], best: np.ndarray, answer_words: set[str], retracted: np.ndarray,
                    n_words: int, list_like: float) -> np.ndarray:
    """One row of POINT_FEATURES per key point."""
    k = len(t.key_points)
    best_sim = live.max(axis=0)
    whole_sim = whole @ vec.points.T
    ordered = np.sort(live, axis=0)
    second = ordered[-2] if len(units) > 1 else ordered[-1] - 0.1
    # the point's rank among all points for its own best unit (0 = that unit is closest to this point)
    rank = np.array([(sims[b] > sims[b, j]).sum() for j, b in enumerate(best)], dtype=float) / max(1, k - 1)
    others = np.array([np.max(np.delete(sims[b], j)) if k > 1 else 0.0 for j, b in enumerate(best)])
    ref_anchor = vec.reference @ vec.points.T
    if len(vec.ref_parts):
        ref_anchor = np.maximum(ref_anchor, (vec.ref_parts @ vec.points.T).max(axis=0))
    q_anchor = vec.question @ vec.points.T
    top = np.maximum(best_sim, whole_sim)
    anchored = (top - q_anchor) / np.maximum(ref_anchor - q_anchor, 0.05)
    unit_sets = [content_words(u) for u in units]
    rows = []
    for j, kp in enumerate(t.key_points):
        kp_words = content_words(kp.text) - content_words(t.question) or content_words(kp.text)
        unit_words = unit_sets[best[j]]
        # the point's words said anywhere in the answer, but only in units related to the point: a word of padding
        # ("I spent last weekend hiking" for "the last known-good model") is not evidence
        related = set().union(*(w for u, w in enumerate(unit_sets) if sims[u, j] >= RELATED_UNIT_AT)) if units \
            else answer_words
        rows.append([best_sim[j], whole_sim[j], second[j], rank[j], sims[best[j], j] - others[j],
                     float(np.clip(anchored[j], -2, 3)), top[j] - q_anchor[j],
                     len(kp_words & (answer_words & (related | unit_words))) / max(1, len(kp_words)),
                     len(kp_words & unit_words) / max(1, len(kp_words)),
                     float(_negated(units[best[j]]) != _negated(kp.text)), float(retracted[best[j]]),
                     float(top.mean()), math.log1p(n_words) / math.log(200), math.log(k + 1),
                     unit_length(units[best[j]]), list_like, float(negates_point(units[best[j]], kp.text))])
    return np.array(rows, dtype=float).reshape(k, len(POINT_FEATURES))


def measure(target: Target, answer: str, scorer: dict | None = None) -> Measure | None:
    """The grader's raw measurements of an answer (None when it is empty): for fitting and analysis."""
    return measure_many([target], [answer], scorer)[0]


def measure_many(targets: list[Target], answers: list[str], scorer: dict | None = None) -> list[Measure | None]:
    """`measure` for many answers, with all embeddings done in a few large batches."""
    scorer = scorer or load_scorer()
    limit = get_settings().max_answer_chars
    ts = [as_target(t) for t in targets]
    prefetch(ts)
    texts = [clean_answer(a, limit).text for a in answers]
    usable = [i for i, text in enumerate(texts) if is_gradable(text)]
    embedded = dict(zip(usable, embed_answers([texts[i] for i in usable]), strict=True))
    return [features_for(ts[i], texts[i], scorer, embedded[i]) if i in embedded else None for i in range(len(texts))]


def prefetch(targets: list[GradingTarget]) -> None:
    """Embed the rubric side of many targets in one batch (the vector cache then serves them)."""
    embed([text for t in targets for text in target_texts(t)[0]])
