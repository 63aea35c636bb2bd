"""What a test needs from the machine: missing on a developer machine, it is skipped; under CI=true it fails."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def need(missing: str | None) -> None:
    """Skip (or, in CI, fail) with `missing` as the reason, when there is one."""
    if missing:
        if IN_CI:
            pytest.fail(missing)
        pytest.skip(missing)
