"""Refit the offline grader's scorer on the development data (deterministic).

    python -m evals fit [--out interviewer/data/semantic_scorer.json] [--cv-only]

Features come from the grader's own measurements (`interviewer.grading.features.measure_many`, all answers
embedded in large batches). Two models are fitted, each a ridge regression on standardised
features followed by an isotonic (monotone) calibration to the normalised gold score:

- `rubric`: targets with written key points and a trap (the ML-system-design answers);
- `reference`: bare references (Mohler and SAF), each data set weighted equally.

The trap verdict is a logistic model on answer-level trap features, fitted on the gold trap verdicts of
the ML-system-design answers; the score models then see its verdict as a feature. Before the
final fit, the script prints cross-validated figures with folds grouped by question (rubric item or
outside question tag), so no question is in both the fitted and the measured part: those are the
figures to quote, not the in-sample ones.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from interviewer import load_dataset
from interviewer.grading import clean_answer, load_scorer, measure_many

HERE = Path(__file__).parent
SHARED = HERE.parent.parent / "shared" / "data"
DATASETS = {"mlsd": HERE / "data" / "mlsd-dev.jsonl", "mohler": SHARED / "mohler-dev.jsonl", "saf": SHARED / "saf-dev.jsonl"}
MODELS = {
    "rubric": (["mlsd"], ["coverage", "covered_frac", "kp_mean", "kp_min", "ref_sim", "ref_unit", "lexical",
                          "lexical_precision", "question_sim", "focus", "off_target", "length", "stop_ratio",
                          "list_like", "negated_credit", "trap_sim", "trap_margin", "trap_whole_margin", "fell", "retracted"]),
    "reference": (["mohler", "saf"], ["coverage", "kp_mean", "kp_min", "ref_sim", "ref_unit", "lexical",
                                      "lexical_precision", "lex_novel", "ans_novel", "question_sim", "focus",
                                      "off_target", "length"]),
}
ALPHA = 3.0
FOLDS = 5


def collect(scorer: dict) -> dict[str, list]:
    out = {}
    for name, path in DATASETS.items():
        if not path.exists():
            print(f"skipping {name}: {path} not found", file=sys.stderr)
            continue
        rows = load_dataset(path)
        print(f"measuring {name} ({len(rows)} answers)", file=sys.stderr)
        out[name] = list(zip(rows, measure_many([r.target() for r in rows], [r.answer for r in rows], scorer), strict=True))
    return out


def _group(row) -> str:
    return row.rubric_id or (row.tags[0] if row.tags else row.question)


def _design(samples: dict, names: list[str], features: list[str]):
    X, y, w, groups, index = [], [], [], [], []
    for name in names:
        usable = [(i, r, m) for i, (r, m) in enumerate(samples.get(name, [])) if m is not None]
        for i, r, m in usable:
            X.append([m.features[f] for f in features])
            y.append(r.gold_score / r.max_score)
            w.append(1.0 / len(usable))
            groups.append(f"{name}:{_group(r)}")
            index.append((name, i))
    return np.array(X), np.array(y), np.array(w) / np.mean(w), np.array(groups), index


def fit_model(X, y, w, features: list[str]) -> dict:
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import Ridge

    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
    ridge = Ridge(alpha=ALPHA).fit((X - mean) / scale, y, sample_weight=w)
    raw = ridge.predict((X - mean) / scale)
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y, sample_weight=w)
    return {"features": features, "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
            "coef": ridge.coef_.round(6).tolist(), "intercept": round(float(ridge.intercept_), 6),
            "calibration": {"x": np.round(iso.X_thresholds_, 6).tolist(), "y": np.round(iso.y_thresholds_, 6).tolist()}}


def apply_model(model: dict, X) -> np.ndarray:
    z = (X - np.array(model["mean"])) / np.array(model["scale"])
    raw = z @ np.array(model["coef"]) + model["intercept"]
    return np.clip(np.interp(raw, model["calibration"]["x"], model["calibration"]["y"]), 0, 1)


TRAP_FEATURES = ["trap_sim", "trap_margin", "trap_whole_margin", "trap_lex", "trap_proj", "coverage", "kp_mean",
                 "lexical", "retracted", "negated_credit"]
TRAP_C = 0.3
TRAP_THRESHOLD = 0.6  # above the balanced model's 0.5: a false trap verdict caps a good answer at 1


def _trap_counts(pairs, scorer: dict) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for r, m in pairs:
        p = m is not None and m.fell_into_trap(scorer)
        tp += p and r.gold_fell_into_trap
        fp += p and not r.gold_fell_into_trap
        fn += (not p) and r.gold_fell_into_trap
    return tp, fp, fn


def _f1(tp, fp, fn) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def fit_trap(pairs, scorer: dict) -> dict:
    """A logistic model (balanced classes) on answer-level trap features; gold trap verdicts of mlsd."""
    from sklearn.linear_model import LogisticRegression

    usable = [(r, m) for r, m in pairs if m is not None]
    X = np.array([[m.features[f] for f in TRAP_FEATURES] for _, m in usable])
    y = np.array([bool(r.gold_fell_into_trap) for r, _ in usable]).astype(int)
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
    lr = LogisticRegression(C=TRAP_C, class_weight="balanced", max_iter=1000).fit((X - mean) / scale, y)
    model = {"features": TRAP_FEATURES, "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
             "coef": lr.coef_[0].round(6).tolist(), "intercept": round(float(lr.intercept_[0]), 6),
             "threshold": TRAP_THRESHOLD}
    return {**scorer, "trap_model": model}


def _set_fell(samples: dict, scorer: dict, keys=None) -> None:
    """The `fell` feature follows the trap model (it is measured before the model exists)."""
    for name, pairs in samples.items():
        for i, (r, m) in enumerate(pairs):
            if m is not None and (keys is None or (name, i) in keys):
                m.features["fell"] = float(bool(r.trap) and m.fell_into_trap(scorer))


def _folds(groups: np.ndarray):
    from sklearn.model_selection import GroupKFold

    return GroupKFold(n_splits=FOLDS).split(groups, groups=groups)


def _final_scores(samples: dict, name: str, normalised: dict, scorer: dict, fell: dict) -> tuple[np.ndarray, np.ndarray]:
    """Gold and predicted scores on each item's scale, with the grader's rules (injection 0, trap cap) applied."""
    gold, pred = [], []
    for i, (r, m) in enumerate(samples[name]):
        p = normalised.get((name, i), 0.0) * r.max_score
        if m is not None and clean_answer(r.answer, 10**9).injection:
            p = 0.0
        if fell.get((name, i)):
            p = min(p, r.max_score / 4)
        gold.append(r.gold_score)
        pred.append(p)
    return np.array(gold), np.array(pred)


def report(samples: dict, normalised: dict, scorer: dict, fell: dict, label: str) -> dict:
    from scipy.stats import pearsonr
    from sklearn.metrics import cohen_kappa_score

    out = {}
    for name in samples:
        gold, pred = _final_scores(samples, name, normalised, scorer, fell)
        out[name] = {"pearson": round(float(pearsonr(gold, pred)[0]), 4)}
        if name == "mlsd":
            out[name]["qwk"] = round(float(cohen_kappa_score(np.rint(gold).astype(int), np.rint(pred).astype(int),
                                                             weights="quadratic")), 4)
    print(f"{label}: " + json.dumps(out))
    return out


def cross_validate(samples: dict, scorer: dict) -> dict:
    normalised, fell = {}, {}
    trap_pairs = [(i, r, m) for i, (r, m) in enumerate(samples.get("mlsd", [])) if r.gold_fell_into_trap is not None]
    if trap_pairs:
        groups = np.array([_group(r) for _, r, _ in trap_pairs])
        counts = np.zeros(3, dtype=int)
        for train, test in _folds(groups):
            tuned = fit_trap([trap_pairs[j][1:] for j in train], scorer)
            counts += _trap_counts([trap_pairs[j][1:] for j in test], tuned)
            _set_fell(samples, tuned, {("mlsd", trap_pairs[j][0]) for j in test})
        print(f"cross-validated trap F1 (mlsd, grouped by item): {_f1(*counts):.4f} (tp, fp, fn = {tuple(counts)})")
    fell = {(n, i): bool(m is not None and m.features["fell"]) for n in samples for i, (_, m) in enumerate(samples[n])}
    for names, features in MODELS.values():
        X, y, w, groups, index = _design(samples, names, features)
        if not len(y):
            continue
        for train, test in _folds(groups):
            model = fit_model(X[train], y[train], w[train], features)
            normalised.update(zip([index[j] for j in test], apply_model(model, X[test]), strict=True))
    return report(samples, normalised, scorer, fell, f"cross-validated ({FOLDS} folds grouped by question)")


def fit(samples: dict, scorer: dict) -> dict:
    trap_pairs = [(r, m) for r, m in samples.get("mlsd", []) if r.gold_fell_into_trap is not None]
    if trap_pairs:
        scorer = fit_trap(trap_pairs, scorer)
        print(f"trap model: in-sample F1 {_f1(*_trap_counts(trap_pairs, scorer)):.4f}")
    _set_fell(samples, scorer)
    models, normalised = {}, {}
    for kind, (names, features) in MODELS.items():
        X, y, w, _, index = _design(samples, names, features)
        models[kind] = fit_model(X, y, w, features)
        normalised.update(zip(index, apply_model(models[kind], X), strict=True))
    fell = {(n, i): bool(m is not None and m.features["fell"]) for n in samples for i, (_, m) in enumerate(samples[n])}
    report(samples, normalised, scorer, fell, "in-sample")
    return {**scorer, "models": models}


SCORER_FILE = HERE.parent / "interviewer" / "data" / "semantic_scorer.json"


def main(out: Path = SCORER_FILE, version: str = "2", cv_only: bool = False) -> int:
    """`python -m evals fit`: refit the semantic grader's scorer (grouped CV figures first)."""
    scorer = {k: v for k, v in load_scorer().items() if k in ("partial_at", "covered_at")}
    samples = collect(scorer)
    cross_validate(samples, scorer)
    if cv_only:
        return 0
    scorer = {"version": version, **fit(samples, scorer)}
    out.write_text(json.dumps(scorer, indent=1) + "\n")
    print(f"wrote {out}")
    return 0
