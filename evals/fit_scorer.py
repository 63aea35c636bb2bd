"""Refit the offline grader's scorer on the development data (deterministic).

    python -m evals.fit_scorer [--out interviewer/data/semantic_scorer.json]

Features come from the grader's own measurements (`interviewer.grader.measure`); a ridge
regression maps them to the normalised gold score, with each data set weighted equally so the
2,000-odd outside answers do not drown the ML-system-design ones. Trap thresholds are picked by
grid search for trap F1 on the ML-system-design answers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from interviewer.evaluation import load_dataset
from interviewer.grader import FEATURES, load_scorer, measure

HERE = Path(__file__).parent
SHARED = HERE.parent.parent / "shared" / "data"
DATASETS = {"mlsd": HERE / "data" / "mlsd-dev.jsonl", "mohler": SHARED / "mohler-dev.jsonl", "saf": SHARED / "saf-dev.jsonl"}


def collect(scorer: dict) -> list[tuple[str, object, object]]:
    out = []
    for name, path in DATASETS.items():
        if not path.exists():
            print(f"skipping {name}: {path} not found", file=sys.stderr)
            continue
        for row in tqdm(load_dataset(path), desc=f"Measuring {name}", unit="answer"):
            out.append((name, row, measure(row.target(), row.answer, scorer)))
    return out


def fit(samples, scorer: dict, alpha: float = 1.0) -> dict:
    from sklearn.linear_model import Ridge

    usable = [(n, r, m) for n, r, m in samples if m is not None]
    X = np.array([[m.features[f] for f in FEATURES] for _, _, m in usable])
    y = np.array([r.gold_score / r.max_score for _, r, _ in usable])
    counts = {n: sum(1 for s in usable if s[0] == n) for n in {s[0] for s in usable}}
    w = np.array([1.0 / counts[n] for n, _, _ in usable])
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
    model = Ridge(alpha=alpha).fit((X - mean) / scale, y, sample_weight=w / w.mean())
    return {**scorer, "features": FEATURES, "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
            "coef": model.coef_.round(6).tolist(), "intercept": round(float(model.intercept_), 6)}


def tune_trap(samples, scorer: dict) -> dict:
    rows = [(r, m) for n, r, m in samples if n == "mlsd" and r.gold_fell_into_trap is not None and m is not None]
    best = (-1.0, scorer["trap_at"], scorer["trap_margin"])
    for at in np.arange(0.30, 0.75, 0.025):
        for margin in np.arange(-0.10, 0.20, 0.02):
            trial = {**scorer, "trap_at": float(at), "trap_margin": float(margin)}
            tp = fp = fn = 0
            for r, m in rows:
                p = m.fell_into_trap(trial)
                tp += p and r.gold_fell_into_trap
                fp += p and not r.gold_fell_into_trap
                fn += (not p) and r.gold_fell_into_trap
            f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
            if f1 > best[0]:
                best = (f1, float(at), float(margin))
    print(f"trap thresholds: trap_at={best[1]:.3f} margin={best[2]:.3f} (dev F1 {best[0]:.3f})")
    return {**scorer, "trap_at": round(best[1], 3), "trap_margin": round(best[2], 3)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Refit the semantic grader's scorer.")
    parser.add_argument("--out", type=Path, default=HERE.parent / "interviewer" / "data" / "semantic_scorer.json")
    parser.add_argument("--version", default="1")
    args = parser.parse_args(argv)
    scorer = dict(load_scorer())
    samples = collect(scorer)
    scorer = tune_trap(samples, scorer)
    scorer = fit(samples, scorer)
    scorer["version"] = args.version
    args.out.write_text(json.dumps(scorer, indent=1) + "\n")
    print(f"wrote {args.out}: " + ", ".join(f"{f}={c:+.3f}" for f, c in zip(scorer["features"], scorer["coef"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
