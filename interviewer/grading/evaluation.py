"""Measure a grader against human grades on a file in the grading-dataset format.

The format is `../shared/specs/grading-dataset.md`: one JSON object per line with the question,
reference answer, optional trap and key points, the answer, and the gold grade on the item's
own scale. The grader sees only the target fields and the answer, never the gold fields.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from tqdm import tqdm

from ..config import Settings, get_settings
from ..models import Reference, RubricItem
from ..rubrics import get_bank
from . import grader_for


class GradedAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    question: str
    reference_answer: str
    trap: str | None = None
    key_points: list[str] = Field(default_factory=list)
    answer: str
    gold_score: float
    max_score: float = Field(gt=0)
    gold_fell_into_trap: bool | None = None
    rubric_id: str | None = None
    tags: list[str] = Field(default_factory=list)
    gold_verdicts: dict[str, str] | None = None  # key point id -> covered / partial / missing (blind data)

    def target(self) -> Reference | RubricItem:
        """The rubric item itself (its key-point ids and weights) when the row names one of the bank's items
        with the same key points, as the product grades it; else a bare reference built from the row."""
        if self.rubric_id and self.max_score == 4:
            item = get_bank().items.get(self.rubric_id)
            if item is not None and [kp.text.strip() for kp in item.key_points] == [k.strip() for k in self.key_points]:
                return item
        return Reference(question=self.question, reference_answer=self.reference_answer, trap=self.trap,
                         key_points=self.key_points, max_score=self.max_score)


class Prediction(BaseModel):
    id: str
    score: float  # on the item's own scale
    fell_into_trap: bool | None
    latency_ms: float
    warnings: list[str] = Field(default_factory=list)


def load_dataset(path: Path) -> list[GradedAnswer]:
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(GradedAnswer.model_validate_json(line))
            except ValueError as exc:
                raise ValueError(f"{path}, line {n}: not a graded answer ({exc})") from exc
    if not rows:
        raise ValueError(f"{path} holds no graded answers.")
    return rows


def predict(rows: list[GradedAnswer], backend: str = "semantic", settings: Settings | None = None,
            progress: bool = True, batch: int = 64) -> tuple[list[Prediction], float]:
    """Grade every row (in file order); returns the predictions and the wall-clock seconds.

    The offline grader works in batches of `batch` answers, each embedded in one call; its per-answer
    `latency_ms` is then the answer's share of its batch. The LLM grader goes one answer at a time.
    """
    settings = settings or get_settings()
    started = time.perf_counter()
    grader = grader_for(settings, backend)
    out = []
    with tqdm(total=len(rows), desc="Grading", unit="answer", disable=not progress) as bar:
        step = batch if grader.batched else 1
        for at in range(0, len(rows), step):
            chunk = rows[at:at + step]
            grades = grader.grade_many([r.target() for r in chunk], [r.answer for r in chunk])
            for row, g in zip(chunk, grades, strict=True):
                out.append(Prediction(id=row.id, score=g.normalised * row.max_score, fell_into_trap=g.fell_into_trap,
                                      latency_ms=g.latency_ms, warnings=g.warnings))
            bar.update(len(chunk))
    return out, time.perf_counter() - started


def _agreement(gold: np.ndarray, pred: np.ndarray, scale: np.ndarray) -> dict:
    from scipy.stats import pearsonr, spearmanr
    from sklearn.metrics import cohen_kappa_score

    gold_pts, pred_pts = np.rint(gold).astype(int), np.rint(pred).astype(int)
    same = len(gold) > 1 and np.ptp(gold) > 0 and np.ptp(pred) > 0
    qwk = float(cohen_kappa_score(gold_pts, pred_pts, weights="quadratic")) if len(set(gold_pts) | set(pred_pts)) > 1 else None
    return {
        "n": int(len(gold)),
        "pearson": round(float(pearsonr(gold, pred)[0]), 4) if same else None,
        "spearman": round(float(spearmanr(gold, pred)[0]), 4) if same else None,
        "qwk": round(qwk, 4) if qwk is not None and not np.isnan(qwk) else None,
        "mae_norm": round(float(np.mean(np.abs(gold - pred) / scale)), 4),
        "exact": round(float(np.mean(gold_pts == pred_pts)), 4),
        "within_one": round(float(np.mean(np.abs(gold_pts - pred_pts) <= 1)), 4),
    }


def _rounded(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 4)


def _trap_metrics(rows: list[GradedAnswer], preds: list[Prediction]) -> dict:
    from sklearn.metrics import f1_score, precision_score, recall_score

    pairs = [(bool(r.gold_fell_into_trap), bool(p.fell_into_trap)) for r, p in zip(rows, preds, strict=True)
             if r.gold_fell_into_trap is not None]
    if not pairs:
        return {"trap_n": 0, "trap_precision": None, "trap_recall": None, "trap_f1": None}
    gold, pred = np.array(pairs).T
    return {"trap_n": len(pairs),
            "trap_precision": _rounded(precision_score(gold, pred, zero_division=np.nan)),
            "trap_recall": _rounded(recall_score(gold, pred, zero_division=np.nan)),
            "trap_f1": _rounded(f1_score(gold, pred, zero_division=0.0))}


def metrics(rows: list[GradedAnswer], preds: list[Prediction], seconds: float | None = None) -> dict:
    gold = np.array([r.gold_score for r in rows], dtype=float)
    pred = np.array([p.score for p in preds], dtype=float)
    scale = np.array([r.max_score for r in rows], dtype=float)
    result = _agreement(gold, pred, scale)
    result.update(_trap_metrics(rows, preds))
    injected = [(r, p) for r, p in zip(rows, preds, strict=True) if "prompt-injection" in r.tags]
    result["inflated_injections"] = sum(round(p.score) > r.gold_score for r, p in injected)
    latencies = np.array([p.latency_ms for p in preds])
    result["latency_ms_p50"] = round(float(np.percentile(latencies, 50)), 2)
    result["latency_ms_p95"] = round(float(np.percentile(latencies, 95)), 2)
    if seconds:
        result["answers_per_s"] = round(len(rows) / seconds, 1)
    per_tag: dict[str, dict] = {}
    for tag in sorted({t for r in rows for t in r.tags}):
        idx = [i for i, r in enumerate(rows) if tag in r.tags]
        sub = _agreement(gold[idx], pred[idx], scale[idx])
        sub.update(_trap_metrics([rows[i] for i in idx], [preds[i] for i in idx]))
        per_tag[tag] = sub
    result["per_tag"] = per_tag
    return result


def write_report(rows: list[GradedAnswer], preds: list[Prediction], result: dict, out_dir: Path, title: str) -> Path:
    """A Markdown report with a confusion matrix and a gold-versus-predicted scatter (PNGs)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    gold = np.array([r.gold_score for r in rows])
    pred = np.array([p.score for p in preds])
    top = int(max(r.max_score for r in rows))
    labels = list(range(top + 1))
    cm = confusion_matrix(np.rint(gold).astype(int), np.rint(pred).astype(int), labels=labels)
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.imshow(cm, cmap="Blues")
    for i in labels:
        for j in labels:
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8)
    ax.set_xlabel("predicted (rounded)")
    ax.set_ylabel("gold (rounded)")
    ax.set_xticks(labels)
    ax.set_yticks(labels)
    ax.set_title("Confusion matrix")
    fig.tight_layout()
    fig.savefig(out_dir / "confusion.png", dpi=120)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(4.5, 4))
    jitter = np.random.default_rng(0).uniform(-0.12, 0.12, len(gold))
    ax.scatter(gold + jitter, pred, s=8, alpha=0.5)
    ax.plot([0, top], [0, top], color="grey", lw=1)
    ax.set_xlabel("gold")
    ax.set_ylabel("predicted")
    ax.set_title("Gold vs predicted")
    fig.tight_layout()
    fig.savefig(out_dir / "scatter.png", dpi=120)
    plt.close(fig)
    headline = {k: v for k, v in result.items() if k != "per_tag"}
    lines = [f"# Grader evaluation: {title}", "", "| metric | value |", "|---|---|",
             *[f"| {k} | {v} |" for k, v in headline.items()], "", "![confusion matrix](confusion.png)",
             "![gold vs predicted](scatter.png)", "", "## Per tag", "",
             "| tag | n | pearson | qwk | exact | within_one | trap_f1 |", "|---|---|---|---|---|---|---|"]
    for tag, m in result["per_tag"].items():
        lines.append(f"| {tag} | {m['n']} | {m['pearson']} | {m['qwk']} | {m['exact']} | {m['within_one']} | {m['trap_f1']} |")
    path = out_dir / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out_dir / "metrics.json").write_text(json.dumps(result, indent=2))
    return path
