"""Self-play in CI: every scripted persona runs a whole design interview offline and passes every check."""

from __future__ import annotations

import pytest

from evals.selfplay import PERSONAS, run


# A whole design interview for the personas whose path depends on the scenario (facts, stages, traps);
# the rapid-fire grill (5 questions) for the others, to keep the suite short. `python -m evals selfplay`
# runs every persona in every mode.
MODE = {"strong": "design", "clarifier": "design", "trap-prone": "design"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_persona_passes_every_transcript_check(persona):
    [result] = run(["fraud-detection"], [MODE.get(persona, "grill")], [persona], seed=3, progress=False)
    failed = [name for name, ok in result.checks.items() if not ok]
    assert not failed, f"{persona}: {failed}: {result.notes[:5]}"
    assert result.finished


def test_personas_are_ranked_by_the_grader():
    results = {r.persona: r for r in run(["video-recommendation"], ["grill"], ["strong", "weak", "injection"],
                                         seed=5, progress=False)}
    assert results["strong"].overall > results["weak"].overall
    assert results["injection"].overall <= results["weak"].overall  # manipulation earns nothing
