"""Fit the dialogue-act model on the blind utterances and report it with the writer held out.

    python -m evals fit-acts [--out interviewer/data/acts_model.json] [--report evals/reports/acts]

The utterances (`evals/data/blind/utterances.jsonl`) come from two writers, A and B. The figures that count
are trained on one writer and measured on the other (both directions); the model shipped is then fitted on
both. One logistic model per act on the turn's embedding and form features; each act's threshold is chosen
by cross-validation inside the training writer's turns, never on the held-out writer.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import KFold

from interviewer.interview import ACTS, act_features, decide_acts

HERE = Path(__file__).parent
DATA = HERE / "data" / "blind" / "utterances.jsonl"
MODEL_FILE = HERE.parent / "interviewer" / "data" / "acts_model.json"
REPORT = HERE / "reports" / "acts"
C = 0.2


def load(path: Path = DATA) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _labels(rows: list[dict]) -> np.ndarray:
    return np.array([[act in r["acts"] for act in ACTS] for r in rows], dtype=int)


def _fit_raw(x: np.ndarray, y: np.ndarray) -> dict:
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / scale
    coef, intercept = [], []
    for j in range(y.shape[1]):
        if y[:, j].min() == y[:, j].max():  # an act absent from the training turns: never predicted
            coef.append(np.zeros(x.shape[1]))
            intercept.append(-20.0)
            continue
        model = LogisticRegression(C=C, class_weight="balanced", max_iter=2000).fit(z, y[:, j])
        coef.append(model.coef_[0])
        intercept.append(float(model.intercept_[0]))
    return {"acts": list(ACTS), "mean": mean.tolist(), "scale": scale.tolist(), "coef": np.array(coef).tolist(),
            "intercept": intercept}


def _probs(model: dict, x: np.ndarray) -> np.ndarray:
    z = (x - np.array(model["mean"])) / np.array(model["scale"])
    return 1.0 / (1.0 + np.exp(-(z @ np.array(model["coef"]).T + np.array(model["intercept"]))))


def fit(x: np.ndarray, y: np.ndarray) -> dict:
    """A model with per-act thresholds chosen on out-of-fold probabilities of the same training turns."""
    oof = np.zeros(y.shape, dtype=float)
    for train, test in KFold(5, shuffle=True, random_state=0).split(x):
        oof[test] = _probs(_fit_raw(x[train], y[train]), x[test])
    thresholds = {}
    for j, act in enumerate(ACTS):
        grid = np.linspace(0.2, 0.9, 15)
        scores = [f1_score(y[:, j], oof[:, j] >= t, zero_division=0.0) for t in grid]
        thresholds[act] = round(float(grid[int(np.argmax(scores))]), 3)
    return {**_fit_raw(x, y), "thresholds": thresholds}


def predict(model: dict, texts: list[str], x: np.ndarray) -> np.ndarray:
    probs = _probs(model, x)
    return np.array([[act in decide_acts(t, p, model) for act in ACTS] for t, p in zip(texts, probs, strict=True)],
                    dtype=int)


def scores(y: np.ndarray, pred: np.ndarray) -> dict:
    p, r, f, n = precision_recall_fscore_support(y, pred, zero_division=0.0)
    per_act = {act: {"precision": round(float(p[j]), 3), "recall": round(float(r[j]), 3), "f1": round(float(f[j]), 3),
                     "n": int(n[j])} for j, act in enumerate(ACTS)}
    return {"macro_f1": round(float(np.mean(f)), 4), "exact_set": round(float(np.mean((y == pred).all(axis=1))), 4),
            "per_act": per_act}


def human_agreement(rows: list[dict]) -> dict:
    double = [r for r in rows if "second_acts" in r]
    y = _labels(double)
    second = np.array([[act in r["second_acts"] for act in ACTS] for r in double], dtype=int)
    return {"n": len(double), **scores(y, second)}


def main(out: Path = MODEL_FILE, report: Path = REPORT) -> int:
    rows = load()
    texts = [r["text"] for r in rows]
    x, y = act_features(texts), _labels(rows)
    writer = np.array([r["writer"] for r in rows])
    held_out = {}
    for train_w, test_w in (("A", "B"), ("B", "A")):
        tr, te = writer == train_w, writer == test_w
        model = fit(x[tr], y[tr])
        held_out[f"train {train_w}, test {test_w}"] = scores(y[te], predict(model, [t for t, k in zip(texts, te, strict=True)
                                                                                     if k], x[te]))
    model = fit(x, y)
    out.write_text(json.dumps({"version": 1, **model}, separators=(",", ":")) + "\n", encoding="utf-8")
    result = {"n": len(rows), "held_out_writer": held_out, "human_agreement": human_agreement(rows)}
    report.mkdir(parents=True, exist_ok=True)
    (report / "metrics.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    (report / "report.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return 0


def markdown(result: dict) -> str:
    lines = ["# Dialogue acts: held-out writer", "",
             "Command: `python -m evals fit-acts`; data: `evals/data/blind/utterances.jsonl` "
             f"({result['n']} candidate turns by two blind writers, labelled by others).", "",
             "| trained on | macro-F1 | exact act set |", "|---|---|---|"]
    for name, s in result["held_out_writer"].items():
        lines.append(f"| {name} | {s['macro_f1']} | {s['exact_set']} |")
    h = result["human_agreement"]
    lines += [f"| two labellers on {h['n']} double-labelled turns | {h['macro_f1']} | {h['exact_set']} |", ""]
    for name, s in result["held_out_writer"].items():
        lines += [f"## {name}", "", "| act | precision | recall | F1 | n |", "|---|---|---|---|---|"]
        lines += [f"| {a} | {v['precision']} | {v['recall']} | {v['f1']} | {v['n']} |" for a, v in s["per_act"].items()]
        lines.append("")
    return "\n".join(lines)
