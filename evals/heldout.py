"""The offline grader measured with the writer held out, and its learned verdict and trap models.

    python -m evals heldout [--out evals/reports/grading-heldout] [--json]

The verdict model (covered / partial / missing per answer and key point, from `POINT_FEATURES`) is fitted
on the blind set's per-key-point gold verdicts and the all-missing verdicts that mlsd-dev's 0s imply; the
trap model on the gold trap verdicts of mlsd-dev and the blind set. Both directions are measured: fit on
mlsd-dev plus writer C, grade writer D's answers, and the reverse. The score is never fitted: the grader
computes it from the verdicts (`verdict_score`). For each direction: QWK, Pearson, mean signed error
(bias, predicted minus gold, points of 0-4), trap F1, per-key-point verdict accuracy, and the share of
grades held back for review with the accuracy of the rest. `fit_scorer.py` calls `fit_verdicts` and
`fit_trap` for the scorer the product ships.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from interviewer import get_settings, load_dataset
from interviewer.grading import (POINT_FEATURES, as_target, clean_answer, grade_measured, measure_many,
                                 verdict_coverage)

HERE = Path(__file__).parent
BLIND = HERE / "data" / "blind" / "mlsd-blind.jsonl"
DEV = HERE / "data" / "mlsd-dev.jsonl"
OUT = HERE / "reports" / "grading-heldout"
LABELS = ("missing", "partial", "covered")
POINT_C = 0.3
CUTS = (0.3, 0.55)  # expected credit from which a point is partial, covered (held-out grids; see GRADING.md)
WRITERS = ("writer:C", "writer:D")
# What the verdict model sees: every per-point measure that padding (praise, filler, irrelevant text) cannot
# move upward; the answer's length, mean similarity and list-likeness were tried and let padding raise a verdict,
# and so did the whole answer's similarity and the anchored one (both fitted with a negative weight next to the
# best unit's: padding dilutes the whole answer, and the verdict rose).
VERDICT_FEATURES = [f for f in POINT_FEATURES
                    if f not in ("length", "answer_kp_mean", "list_like", "second", "whole", "anchored")]


def implied_verdicts(row, t) -> dict[str, str]:
    """The gold verdicts of an answer: written per key point (the blind set), or implied by the scale where
    the score leaves no doubt: a 0 that is neither the trap nor an attack on the grader covers nothing
    (mlsd-dev's keyword lists, filler, off-topic answers)."""
    if row.gold_verdicts:
        return row.gold_verdicts
    if row.gold_score == 0 and not row.gold_fell_into_trap and "prompt-injection" not in row.tags:
        return {kp.id: "missing" for kp in t.key_points}
    return {}


def point_design(pairs) -> tuple[np.ndarray, np.ndarray]:
    """Rows of POINT_FEATURES and gold labels (index into LABELS) for every graded key point."""
    X, y = [], []
    for r, m in pairs:
        if m is None:
            continue
        t = as_target(r.target())
        gold = implied_verdicts(r, t)
        for j, kp in enumerate(t.key_points):
            if kp.id in gold:
                X.append(m.point_features[j])
                y.append(LABELS.index(gold[kp.id]))
    return np.array(X).reshape(-1, len(POINT_FEATURES)), np.array(y, dtype=int)


def fit_verdicts(pairs, scorer: dict) -> dict:
    """A multinomial logistic model on standardised POINT_FEATURES."""
    from sklearn.linear_model import LogisticRegression

    X, y = point_design(pairs)
    X = X[:, [POINT_FEATURES.index(f) for f in VERDICT_FEATURES]]
    mean, scale = X.mean(axis=0), np.maximum(X.std(axis=0), 1e-3)
    lr = LogisticRegression(C=POINT_C, max_iter=3000).fit((X - mean) / scale, y)
    assert list(lr.classes_) == [0, 1, 2], lr.classes_
    model = {"features": VERDICT_FEATURES, "labels": list(LABELS), "mean": mean.round(6).tolist(),
             "scale": scale.round(6).tolist(), "coef": lr.coef_.round(6).tolist(),
             "intercept": lr.intercept_.round(6).tolist(), "cuts": list(CUTS)}
    return {**scorer, "verdict_model": model}


def set_vcov(pairs, scorer: dict) -> None:
    """The trap model's `vcov` feature follows the verdict model (measured before the model exists)."""
    for r, m in pairs:
        if m is not None:
            m.features["vcov"] = verdict_coverage(as_target(r.target()), m.point_features, scorer)


def grade_all(pairs, scorer: dict) -> list:
    """The product's own grading path (`grade_measured`) on measured answers; None for empty answers."""
    limit = get_settings().max_answer_chars
    return [grade_measured(as_target(r.target()), clean_answer(r.answer, limit), m, scorer) if m is not None else None
            for r, m in pairs]


def _score(g) -> float:
    return 0.0 if g is None else g.score


def figures(pairs, grades) -> dict:
    from scipy.stats import pearsonr
    from sklearn.metrics import cohen_kappa_score, f1_score

    gold = np.array([r.gold_score for r, _ in pairs], dtype=float)
    pred = np.array([_score(g) for g in grades], dtype=float)
    out = {"n": len(pairs), "qwk": round(float(cohen_kappa_score(np.rint(gold).astype(int), np.rint(pred).astype(int),
                                                                 weights="quadratic")), 4),
           "pearson": round(float(pearsonr(gold, pred)[0]), 4), "bias": round(float(np.mean(pred - gold)), 4),
           "exact": round(float(np.mean(np.rint(gold) == np.rint(pred))), 4)}
    trap = [(bool(r.gold_fell_into_trap), bool(g is not None and g.fell_into_trap))
            for (r, _), g in zip(pairs, grades, strict=True) if r.gold_fell_into_trap is not None]
    if trap:
        tg, tp = np.array(trap).T
        out.update(trap_n=len(trap), trap_f1=round(float(f1_score(tg, tp, zero_division=0.0)), 4),
                   trap_tp=int((tg & tp).sum()), trap_fp=int((~tg & tp).sum()), trap_fn=int((tg & ~tp).sum()))
    hits = total = 0
    confusion = np.zeros((3, 3), dtype=int)
    for (r, _), g in zip(pairs, grades, strict=True):
        if not r.gold_verdicts:
            continue
        said = {v.id: v.verdict for v in g.key_points} if g is not None else {}
        for kp_id, gold_v in r.gold_verdicts.items():
            pred_v = said.get(kp_id, "missing")
            confusion[LABELS.index(gold_v), LABELS.index(pred_v)] += 1
            hits += pred_v == gold_v
            total += 1
    if total:
        out["verdict_accuracy"] = round(hits / total, 4)
        out["verdict_n"] = total
        out["verdict_confusion"] = {"rows gold, cols predicted": list(LABELS), "counts": confusion.tolist()}
    review = np.array([g is not None and g.needs_review for g in grades])
    sure = ~review
    out["held_back"] = round(float(review.mean()), 4)
    if sure.any():
        out["confident_exact"] = round(float(np.mean(np.rint(gold[sure]) == np.rint(pred[sure]))), 4)
        out["confident_within_one"] = round(float(np.mean(np.abs(gold[sure] - pred[sure]) <= 1)), 4)
    if review.any():
        out["held_back_exact"] = round(float(np.mean(np.rint(gold[review]) == np.rint(pred[review]))), 4)
    return out


def writer_of(row) -> str:
    return next((t for t in row.tags if t.startswith("writer:")), "")


def held_out(blind: list, dev: list, scorer: dict, fit_trap) -> dict:
    """Both directions: fit on mlsd-dev plus one writer, grade the other writer's answers."""
    out = {}
    for test in WRITERS:
        train = [p for p in blind if writer_of(p[0]) != test]
        tested = [p for p in blind if writer_of(p[0]) == test]
        fitted = fit_verdicts(dev + train, scorer)
        set_vcov(blind + dev, fitted)
        fitted = fit_trap([p for p in dev + train if p[0].gold_fell_into_trap is not None and p[1] is not None], fitted)
        out[f"test {test}"] = figures(tested, grade_all(tested, fitted))
    # the team-written dev set graded by models fitted on both blind writers only
    fitted = fit_verdicts(blind, scorer)
    set_vcov(blind + dev, fitted)
    fitted = fit_trap([p for p in blind if p[0].gold_fell_into_trap is not None and p[1] is not None], fitted)
    out["test mlsd-dev (fit on the blind writers)"] = figures(dev, grade_all(dev, fitted))
    return out


def measured(path: Path, scorer: dict) -> list:
    rows = load_dataset(path)
    return list(zip(rows, measure_many([r.target() for r in rows], [r.answer for r in rows], scorer), strict=True))


def write_report(result: dict, out_dir: Path, command: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    keys = ["n", "qwk", "pearson", "bias", "exact", "trap_f1", "trap_tp", "trap_fp", "trap_fn", "verdict_accuracy",
            "held_back", "confident_exact", "held_back_exact"]
    lines = ["# The offline grader with the writer held out", "", f"`{command}`", "",
             "| test set | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for name, f in result.items():
        if isinstance(f, dict) and "n" in f:
            lines.append(f"| {name} | " + " | ".join(str(f.get(k, "")) for k in keys) + " |")
    path = out_dir / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out_dir / "metrics.json").write_text(json.dumps(result, indent=2) + "\n")
    return path


def main(out: Path = OUT, as_json: bool = False, command: str = "python -m evals heldout") -> int:
    from evals.fit_scorer import base_scorer, fit_trap

    scorer = base_scorer()
    result = held_out(measured(BLIND, scorer), measured(DEV, scorer), scorer, fit_trap)
    path = write_report(result, out, command)
    print(json.dumps(result, indent=1) if as_json else path.read_text())
    return 0
