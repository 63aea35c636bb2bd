"""The coverage map of a design interview (a part of `Interview`, kept apart by size): every stage's key
points covered so far, across the whole interview, from every content turn; the share of each stage's
weight covered; and what the side panel shows per stage."""

from __future__ import annotations

import numpy as np

from ..corpus.embeddings import embed
from ..models import STAGES, Grade, Stage
from ..text import split_sentences
from .plan import stage_target
from .policy import stage_done


# Over the whole interview a partial point counts a quarter: older, vaguer mentions only order the questions.
HISTORY_CREDIT = {1.0: 1.0, 0.5: 0.25}
TOPIC_AT = 0.45  # a sentence this near a stage's key point is about that stage
SAID_AT = 0.55  # ... and this near, it says that point


class CoverageMap:
    """The coverage map helpers of `Interview` (see agent.py for the state they read)."""

    def coverage(self) -> dict[str, tuple[int, int]]:
        """Design interviews: per stage, (key points covered so far, key points), from the coverage map."""
        if self.scenario is None:
            return {}
        return {s.value: (len(set(self.state.stage_covered.get(s.value, []))
                              & {kp.id for kp in self.scenario.stages[s].key_points}),
                          len(self.scenario.stages[s].key_points)) for s in STAGES}

    def stage_coverage(self) -> dict[str, dict]:
        """Design interviews: per stage, the share of its key-point weight covered so far, the key points
        covered and in all, and whether the interview has reached it (asked a question there or covered any of
        it); the side panel and the report read this."""
        if self.scenario is None:
            return {}
        visited = self._visited()
        counts = self.coverage()
        return {s.value: {"share": round(self._share(s, self.state.stage_covered.get(s.value, [])), 3),
                          "covered": counts[s.value][0], "key_points": counts[s.value][1],
                          "reached": s.value in visited or counts[s.value][0] > 0} for s in STAGES}

    def _visited(self) -> set[str]:
        """The stages the interviewer has asked a question in."""
        return {self.slots[t.meta.slot].stage.value for t in self.turns
                if t.role == "interviewer" and t.meta.slot is not None and t.kind in ("question", "transition",
                                                                                     "follow-up", "challenge")}

    def _stage_coverage(self, stage: Stage, extra: str, graded: Grade | None = None) -> list[str]:
        """Stage key points covered so far: those covered before, plus those the new turn covers (`graded`:
        the turn's grade against the stage, when it has one already)."""
        before = set(self.state.stage_covered.get(stage.value, []))
        g = graded or self.grader.grade(stage_target(self.bank, self.scenario, stage), extra, cite=False)
        return sorted(before | {v.id for v in g.key_points if v.verdict == "covered"})

    def _coverage_map(self, text: str, stage: Stage, stage_covered: list[str]) -> dict[str, list[str]]:
        """Every stage's key points covered so far, this turn included: a candidate who gives the whole design
        up front is credited for every stage it covers (the other stages are graded offline, in one batch)."""
        others = [s for s in STAGES if s != stage]
        grades = self.coverage_grader.grade_many([stage_target(self.bank, self.scenario, s) for s in others],
                                                 [text] * len(others))
        coverage = {s.value: list(self.state.stage_covered.get(s.value, [])) for s in STAGES}
        for s, g in zip(others, grades, strict=True):
            coverage[s.value] = sorted(set(coverage[s.value]) | {v.id for v in g.key_points if v.verdict == "covered"})
        coverage[stage.value] = list(stage_covered)
        return coverage

    def _probe_coverage(self, text: str) -> dict[str, dict[str, float]]:
        """Per deep-dive question still open (by slot), the credit this turn gives each of its key points (1
        covered, 0.5 partial), graded offline in one batch: what the candidate has already said there, wherever
        in the interview they said it, so the interviewer never asks for it."""
        open_slots = [j for j, slot in enumerate(self.slots) if not slot.is_stage
                      and not self.state.at(j).closed and j != self.state.slot]
        if not open_slots:
            return {}
        grades = self.coverage_grader.grade_many([self.target(self.slots[j]) for j in open_slots], [text] * len(open_slots))
        credit = {"covered": 1.0, "partial": 0.5}
        return {str(j): {v.id: credit[v.verdict] for v in g.key_points if v.verdict in credit}
                for j, g in zip(open_slots, grades, strict=True)}

    def _probe_credit(self) -> dict[int, float]:
        """Per deep-dive question, the share of its key points' weight the candidate has said so far (each point's
        best credit over the turns, `_probe_points`)."""
        shares = {}
        for j, got in self._probe_points().items():
            points = self.target(self.slots[j]).key_points
            shares[j] = sum(kp.weight * HISTORY_CREDIT.get(got.get(kp.id, 0.0), 0.0) for kp in points) / \
                sum(kp.weight for kp in points)
        return shares

    def _probe_points(self) -> dict[int, dict[str, float]]:
        """Per deep-dive question, each key point's best credit over the candidate's turns (`_probe_coverage`,
        kept on each turn)."""
        best: dict[int, dict[str, float]] = {}
        for turn in self.turns:
            if turn.role != "candidate" or not turn.meta.get("probes"):
                continue
            for j, points in turn.meta.get("probes").items():
                got = best.setdefault(int(j), {})
                for k, c in points.items():
                    got[k] = max(got.get(k, 0.0), c)
        return best

    def _share(self, stage: Stage, covered) -> float:
        points = self.scenario.stages[stage].key_points
        return sum(kp.weight for kp in points if kp.id in set(covered)) / sum(kp.weight for kp in points)

    def _shares(self, coverage: dict[str, list[str]] | None = None) -> dict[str, float]:
        """Per stage, the share of its key-point weight covered (in `coverage`, or the map so far)."""
        coverage = self.state.stage_covered if coverage is None else coverage
        return {s.value: self._share(s, coverage.get(s.value, [])) for s in STAGES}

    def _stage_done(self, stage: Stage) -> bool:
        points = self.scenario.stages[stage].key_points
        return stage_done(self.state.stage_covered.get(stage.value, []), {kp.id: kp.weight for kp in points},
                          self.state.seconds.get(stage.value, 0.0), self.stage_budget_s(stage))

    def _topic_shares(self, text: str) -> dict[str, float]:
        """Per stage, the share of the turn's sentences that are about it: each sentence goes to the stage whose
        key points (its own and its deep-dive questions') it is nearest to, when near enough. Where the
        candidate is, as opposed to what they covered (the grader's verdicts are strict by design); questions are
        asks, not content, and do not count."""
        sentences = [s for s in split_sentences(text) if len(s.split()) >= 3 and not s.rstrip().endswith("?")]
        if not sentences:
            return {}
        stages, texts = self._topic_points()
        sims = embed(sentences) @ embed(texts).T
        shares = dict.fromkeys((s.value for s in STAGES), 0.0)
        for row in sims:
            best = int(np.argmax(row))
            if row[best] >= TOPIC_AT:
                shares[stages[best]] += 1 / len(sentences)
        return shares

    def _answered(self, stage: str | None, text: str) -> dict[int, float]:
        """Per deep-dive question of `stage` (None: of every stage), the share of its key points' weight the
        candidate already said: graded on every turn so far (`_probe_credit`), or, for a question no turn was
        graded against, a sentence of `text` near enough to a point says it."""
        credit = self._probe_credit()
        sentences = [s for s in split_sentences(text) if len(s.split()) >= 3] or [text]
        vectors = None
        answered = {}
        for j, slot in enumerate(self.slots):
            if (stage is not None and slot.stage.value != stage) or slot.is_stage:
                continue
            if j in credit:
                share = credit[j]
            else:
                vectors = embed(sentences) if vectors is None else vectors
                points = self.target(slot).key_points
                near = (vectors @ embed([kp.text for kp in points]).T).max(axis=0)
                share = sum(kp.weight for kp, sim in zip(points, near, strict=True) if sim >= SAID_AT) / \
                    sum(kp.weight for kp in points)
            answered[j] = share
        return answered

    def _topic_points(self) -> tuple[list[str], list[str]]:
        """Every key-point text of the scenario (stages and deep-dive questions), with the stage of each."""
        stages, texts = [], []
        probes = self.bank.probes.get(self.scenario.id)
        for s in STAGES:
            points = [kp.text for kp in self.scenario.stages[s].key_points]
            if probes is not None:
                points += [kp.text for p in probes.probes.get(s, []) for kp in p.key_points]
            stages += [s.value] * len(points)
            texts += points
        return stages, texts
