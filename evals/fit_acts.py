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
from interviewer.interview import act_ngram_probabilities as ngram_probabilities
from interviewer.interview import act_ngram_vectorizer as ngram_vectorizer

HERE = Path(__file__).parent
DATA = HERE / "data" / "blind" / "utterances.jsonl"
MODEL_FILE = HERE.parent / "interviewer" / "data" / "acts_model.json"
REPORT = HERE / "reports" / "acts"
C_DEFAULT = 0.2
C_GRID = (C_DEFAULT,)  # each act's regularisation, chosen by cross-validation inside the training turns


def load(path: Path = DATA) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _labels(rows: list[dict]) -> np.ndarray:
    return np.array([[act in r["acts"] for act in ACTS] for r in rows], dtype=int)


def _fit_raw(x: np.ndarray, y: np.ndarray, cs: list[float] | None = None) -> dict:
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / scale
    coef, intercept = [], []
    for j in range(y.shape[1]):
        if y[:, j].min() == y[:, j].max():  # an act absent from the training turns: never predicted
            coef.append(np.zeros(x.shape[1]))
            intercept.append(-20.0)
            continue
        c = cs[j] if cs is not None else C_DEFAULT
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(z, y[:, j])
        coef.append(model.coef_[0])
        intercept.append(float(model.intercept_[0]))
    return {"acts": list(ACTS), "mean": mean.tolist(), "scale": scale.tolist(), "coef": np.array(coef).tolist(),
            "intercept": intercept}


def _probs(model: dict, x: np.ndarray) -> np.ndarray:
    z = (x - np.array(model["mean"])) / np.array(model["scale"])
    return 1.0 / (1.0 + np.exp(-(z @ np.array(model["coef"]).T + np.array(model["intercept"]))))


ALPHAS = (0.3, 0.5, 0.7)  # the n-gram model's share of the blend, chosen inside the training turns
NGRAM_C = 5.0


def _fit_ngrams(texts: list[str], y: np.ndarray) -> dict:
    """A character n-gram TF-IDF logistic model per act (its vocabulary, idf and coefficients, for the JSON)."""
    vec = ngram_vectorizer()
    z = vec.fit_transform(texts)
    coef, intercept = [], []
    for j in range(y.shape[1]):
        if y[:, j].min() == y[:, j].max():
            coef.append(np.zeros(z.shape[1]))
            intercept.append(-20.0)
            continue
        model = LogisticRegression(C=NGRAM_C, class_weight="balanced", max_iter=2000).fit(z, y[:, j])
        coef.append(model.coef_[0])
        intercept.append(float(model.intercept_[0]))
    vocabulary = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
    return {"vocabulary": vocabulary, "idf": np.round(vec.idf_, 5).tolist(),
            "coef": np.round(np.array(coef), 5).tolist(), "intercept": intercept}


def fit(x: np.ndarray, y: np.ndarray, texts: list[str] | None = None) -> dict:
    """The act model: the embedding model, blended with a character n-gram model when `texts` are given; the
    blend weight, each act's regularisation and threshold chosen on out-of-fold probabilities of the same
    training turns (never on the held-out writer)."""
    if texts is None:
        return fit_dense(x, y)
    texts = list(texts)
    folds = list(KFold(5, shuffle=True, random_state=0).split(x))
    dense, grams = np.zeros(y.shape), np.zeros(y.shape)
    for train, test in folds:
        dense[test] = _probs(_fit_raw(x[train], y[train]), x[test])
        grams[test] = ngram_probabilities([texts[i] for i in test],
                                          {**_fit_ngrams([texts[i] for i in train], y[train]), "alpha": 1.0})
    grid = np.linspace(0.2, 0.9, 15)
    best = (-1.0, ALPHAS[0], {})
    for alpha in ALPHAS:
        oof = (1 - alpha) * dense + alpha * grams
        thresholds = {}
        for j, act in enumerate(ACTS):
            scores = [f1_score(y[:, j], oof[:, j] >= t, zero_division=0.0) for t in grid]
            thresholds[act] = round(float(grid[int(np.argmax(scores))]), 3)
        macro = np.mean([f1_score(y[:, j], oof[:, j] >= thresholds[act], zero_division=0.0)
                         for j, act in enumerate(ACTS)])
        if macro > best[0]:
            best = (macro, alpha, thresholds)
    return {**_fit_raw(x, y), "thresholds": best[2], "ngrams": {**_fit_ngrams(texts, y), "alpha": best[1]}}


def fit_dense(x: np.ndarray, y: np.ndarray) -> dict:
    """A model with each act's regularisation and threshold chosen on out-of-fold probabilities of the same
    training turns (never on the held-out writer)."""
    grid = np.linspace(0.2, 0.9, 15)
    best: list[tuple[float, float, float]] = [(-1.0, C_DEFAULT, 0.5)] * len(ACTS)  # (F1, C, threshold) per act
    for c in C_GRID:
        oof = np.zeros(y.shape, dtype=float)
        for train, test in KFold(5, shuffle=True, random_state=0).split(x):
            oof[test] = _probs(_fit_raw(x[train], y[train], [c] * len(ACTS)), x[test])
        for j in range(len(ACTS)):
            scores = [f1_score(y[:, j], oof[:, j] >= t, zero_division=0.0) for t in grid]
            k = int(np.argmax(scores))
            if scores[k] > best[j][0]:
                best[j] = (scores[k], c, float(grid[k]))
    thresholds = {act: round(best[j][2], 3) for j, act in enumerate(ACTS)}
    return {**_fit_raw(x, y, [b[1] for b in best]), "thresholds": thresholds,
            "c": {act: best[j][1] for j, act in enumerate(ACTS)}}


def predict(model: dict, texts: list[str], x: np.ndarray) -> np.ndarray:
    probs = _probs(model, x)
    grams = model.get("ngrams")
    if grams:
        probs = (1 - grams["alpha"]) * probs + grams["alpha"] * ngram_probabilities(texts, grams)
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
        model = fit(x[tr], y[tr], [t for t, k in zip(texts, tr, strict=True) if k])
        held_out[f"train {train_w}, test {test_w}"] = scores(y[te], predict(model, [t for t, k in zip(texts, te, strict=True)
                                                                                     if k], x[te]))
    model = fit(x, y, texts)
    model = {k: v for k, v in model.items() if not k.startswith("_")}
    model["ngrams"] = {k: v for k, v in model["ngrams"].items() if not k.startswith("_")}
    out.write_text(json.dumps({"version": 2, **model}, separators=(",", ":")) + "\n", encoding="utf-8")
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
             "Model: per act, a logistic model on the turn's sentence embedding and form features, blended with a "
             "logistic model on character 2-4-gram TF-IDF (which catches short formulaic turns and other languages "
             "that the English-only embedder blurs). The blend weight and each act's threshold are chosen by 5-fold "
             "cross-validation inside the training writer's turns only; the figures below are on the other writer. "
             "Decision rules in `acts.decide` (gates for meaning-question, what-would-you-do and pushback; no "
             "clarifying-question beside a question about the interview itself) apply to both.", "",
             "Goal: macro-F1 >= 0.90 on the held-out writer (not met).", "",
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
