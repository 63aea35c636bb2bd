"""The fitted scorer (`interviewer/data/semantic_scorer.json`, refit by `python -m evals fit`): thresholds,
a linear model with monotone calibration per kind of target, and the logistic trap model."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources

import numpy as np

from .target import GradingTarget


@lru_cache(maxsize=1)
def load_scorer() -> dict:
    return json.loads(resources.files("interviewer").joinpath("data/semantic_scorer.json").read_text())


def _standardised(features: dict[str, float], model: dict) -> np.ndarray:
    x = np.array([features[name] for name in model["features"]])
    return (x - np.array(model["mean"])) / np.array(model["scale"])


def predict(features: dict[str, float], model: dict) -> float:
    """A linear model on standardised features, then a monotone calibration: 0 to 1."""
    raw = float(np.dot(_standardised(features, model), model["coef"]) + model["intercept"])
    if "calibration" in model:
        raw = float(np.interp(raw, model["calibration"]["x"], model["calibration"]["y"]))
    return float(np.clip(raw, 0.0, 1.0))


def probability(features: dict[str, float], model: dict) -> float:
    """A logistic model on standardised features."""
    z = float(np.dot(_standardised(features, model), model["coef"]) + model["intercept"])
    return 1.0 / (1.0 + math.exp(-z))


def model_for(t: GradingTarget, scorer: dict) -> dict:
    return scorer["models"]["rubric" if t.rubric else "reference"]
