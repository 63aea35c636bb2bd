"""The learned verdicts of the offline grader: per (answer, key point) covered / partial / missing from
`features.POINT_FEATURES`, a multinomial logistic model fitted on per-key-point gold verdicts
(`python -m evals fit`), and how sure it is. The score is not learned: `rules.verdict_score` computes it
from these verdicts."""

from __future__ import annotations

import numpy as np

LABELS = ("missing", "partial", "covered")


def point_probabilities(point_features: np.ndarray, model: dict, names: list[str] | None = None) -> np.ndarray:
    """Key points x LABELS probabilities; `names` are the columns of `point_features` (the model uses those
    of its own `features`)."""
    if names is not None:
        point_features = point_features[:, [names.index(f) for f in model["features"]]]
    z = (point_features - np.array(model["mean"])) / np.array(model["scale"])
    logits = z @ np.array(model["coef"]).T + np.array(model["intercept"])
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


def decide(probabilities: np.ndarray, model: dict) -> list[str]:
    """The verdict per key point from its expected credit (P(covered) + P(partial) / 2): covered from the
    model's `cuts[1]`, partial from `cuts[0]` (cuts fitted on the training writers, so that the coverage the
    verdicts add up to is not biased), else missing."""
    low, high = model.get("cuts", (0.25, 0.75))
    credit = expected_credit(probabilities)
    return ["covered" if c >= high else "partial" if c >= low else "missing" for c in credit]


def expected_credit(probabilities: np.ndarray) -> np.ndarray:
    """Per key point: P(covered) + P(partial) / 2."""
    return probabilities[:, 2] + 0.5 * probabilities[:, 1]
