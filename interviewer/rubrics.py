"""The rubric bank: `rubrics/*.yaml` (and a user's own folder), loaded and validated.

Every error names the file, the item and the field, so a broken file is fixed in one go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from .config import Settings, get_settings
from .corpus.ingest import corpus_sections
from .errors import RubricError
from .models import RubricFile, RubricItem, Scenario, ScenarioProbes, Stage


@dataclass
class RubricBank:
    items: dict[str, RubricItem] = field(default_factory=dict)
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    probes: dict[str, ScenarioProbes] = field(default_factory=dict)  # scenario id -> its probes
    files: dict[str, Path] = field(default_factory=dict)  # id -> file it came from

    def item(self, item_id: str) -> RubricItem:
        if item_id not in self.items:
            raise KeyError(f"Unknown rubric item '{item_id}'. Valid ids: {', '.join(sorted(self.items))}")
        return self.items[item_id]

    def scenario(self, scenario_id: str) -> Scenario:
        if scenario_id not in self.scenarios:
            raise KeyError(f"Unknown scenario '{scenario_id}'. Valid ids: {', '.join(sorted(self.scenarios))}")
        return self.scenarios[scenario_id]

    def target(self, slot_id: str, scenario_id: str | None = None) -> RubricItem:
        """What a plan slot is graded against: a rubric item, a scenario's stage (`stage:<stage>`), one of its
        probes (`probe:<id>`) or constraint changes (`change:<id>`)."""
        if slot_id.startswith("stage:"):
            scenario = self.scenario(scenario_id)
            stage = Stage(slot_id.removeprefix("stage:"))
            part = scenario.stages[stage]
            return _as_item(scenario, f"{scenario.id}-{stage.value}", "stage", stage, part.question, part.key_points)
        if slot_id.startswith(("probe:", "change:")):
            scenario, probes = self.scenario(scenario_id), self.probes[scenario_id]
            wanted = slot_id.split(":", 1)[1]
            for stage, found in probes.probes.items():
                for probe in found:
                    if probe.id == wanted:
                        return _as_item(scenario, f"{scenario.id}-{probe.id}", "concept", stage, probe.question,
                                        probe.key_points, probe.follow_ups)
            for change in probes.constraint_changes:
                if change.id == wanted:
                    return _as_item(scenario, f"{scenario.id}-{change.id}", "concept", change.stage, change.question,
                                    change.key_points)
            raise KeyError(f"Unknown probe '{wanted}' in scenario '{scenario_id}'")
        return self.item(slot_id)

    def select(self, stage: Stage | None = None, kind: str | None = None) -> list[RubricItem]:
        return [i for i in self.items.values() if (stage is None or i.stage == stage) and (kind is None or i.kind == kind)]


def _as_item(scenario: Scenario, item_id: str, kind: str, stage: Stage, question: str, key_points: list,
             follow_ups: list[str] = ()) -> RubricItem:
    """A scenario's stage, probe or constraint change as a gradable target."""
    return RubricItem.model_construct(
        id=item_id, kind=kind, stage=stage, difficulty="medium", question=question, trap=None,
        correct_approach=" ".join(kp.text for kp in key_points), key_points=list(key_points), red_flags=[],
        follow_ups=list(follow_ups), hints=[], sources=list(scenario.sources), tags=list(scenario.tags), quick_fire=False)


def _describe(error: dict, raw: dict) -> tuple[str, str]:
    """(thing id, field path) for one pydantic error inside a rubric file."""
    loc = list(error["loc"])
    thing = "file"
    if len(loc) >= 2 and loc[0] in ("items", "scenarios") and isinstance(loc[1], int):
        entries = raw.get(loc[0]) or []
        entry = entries[loc[1]] if loc[1] < len(entries) else {}
        ident = entry.get("id") if isinstance(entry, dict) else None
        thing = f"{loc[0][:-1]} '{ident}'" if ident else f"{loc[0][:-1]} #{loc[1] + 1}"
        loc = loc[2:]
    return thing, ".".join(str(part) for part in loc) or "(whole entry)"


def load_file(path: Path) -> RubricFile:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError([f"{path}: cannot read: {exc}"]) from exc
    except yaml.YAMLError as exc:
        raise RubricError([f"{path}: not valid YAML: {exc}"]) from exc
    if not isinstance(raw, dict):
        raise RubricError([f"{path}: expected a mapping with `items` and/or `scenarios`"])
    try:
        return RubricFile.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            thing, where = _describe(error, raw)
            problems.append(f"{path}: {thing}: field `{where}`: {error['msg']}")
        raise RubricError(problems) from exc


def load_bank(folders: list[Path], sections: set[tuple[str, str]] | None = None) -> RubricBank:
    """Load every `*.yaml` in the folders. With `sections` ((origin, lower-cased heading) pairs),
    every source must resolve to one of them."""
    bank = RubricBank()
    problems: list[str] = []
    for folder in folders:
        if not folder.is_dir():
            problems.append(f"{folder}: rubric folder does not exist")
            continue
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            try:
                data = load_file(path)
            except RubricError as exc:
                problems.extend(exc.problems)
                continue
            for thing, store in [*((i, bank.items) for i in data.items), *((s, bank.scenarios) for s in data.scenarios)]:
                if thing.id in bank.files:
                    problems.append(f"{path}: '{thing.id}': duplicate id (also in {bank.files[thing.id]})")
                    continue
                bank.files[thing.id] = path
                store[thing.id] = thing
        for path in sorted((folder / "probes").glob("*.yaml")):
            try:
                probes = ScenarioProbes.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
            except (OSError, UnicodeDecodeError, yaml.YAMLError, ValidationError) as exc:
                problems.append(f"{path}: invalid probes: {exc}")
                continue
            bank.probes[probes.scenario] = probes
            bank.files[f"probes:{probes.scenario}"] = path
    for scenario_id in bank.probes:
        if scenario_id not in bank.scenarios:
            problems.append(f"{bank.files['probes:' + scenario_id]}: probes for unknown scenario '{scenario_id}'")
    for scenario in bank.scenarios.values():
        for stage, part in scenario.stages.items():
            for item_id in part.items:
                if item_id not in bank.items:
                    problems.append(f"{bank.files[scenario.id]}: scenario '{scenario.id}': field `stages.{stage.value}.items`: "
                                    f"unknown rubric item '{item_id}'")
    if sections is not None:
        for thing_id, path in bank.files.items():
            if thing_id.startswith("probes:"):
                continue  # probes cite their scenario's sources
            thing = bank.items.get(thing_id) or bank.scenarios[thing_id]
            for n, source in enumerate(thing.sources):
                if (source.origin, source.section.strip().lower()) not in sections:
                    problems.append(f"{path}: '{thing_id}': field `sources.{n}`: no section '{source.section}' "
                                    f"in a corpus document with origin '{source.origin}'")
    if problems:
        raise RubricError(problems)
    return bank


def rubric_folders(settings: Settings | None = None) -> list[Path]:
    settings = settings or get_settings()
    folders = [settings.rubrics_dir]
    if settings.user_rubrics_dir:
        folders.append(settings.user_rubrics_dir)
    return folders


def validate(settings: Settings | None = None) -> RubricBank:
    """Load the shipped and user rubric folders and resolve every source against the corpus."""
    settings = settings or get_settings()
    return load_bank(rubric_folders(settings), sections=corpus_sections(settings.corpus_dir))


@lru_cache(maxsize=4)
def _cached_bank(folders: tuple[Path, ...]) -> RubricBank:
    return load_bank(list(folders))


def get_bank(settings: Settings | None = None) -> RubricBank:
    """The rubric bank, loaded once per process (schema-checked; sources are checked by `validate`)."""
    return _cached_bank(tuple(rubric_folders(settings)))
