import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from interviewer import RubricError, STAGES, get_bank, validate_rubrics
from interviewer.cli import app
from interviewer.config import PROJECT_DIR
from interviewer.rubrics import load_bank
from interviewer.corpus.store import open_store

RUBRICS = PROJECT_DIR / "rubrics"
runner = CliRunner()


@pytest.fixture(scope="module")
def bank():
    return validate_rubrics()


def test_every_shipped_file_loads_and_validates(bank):
    files = {p.name for p in RUBRICS.glob("*.yaml")}
    assert files <= {p.name for p in set(bank.files.values())} | {"README.yaml"}
    assert len(bank.items) >= 70 and len(bank.scenarios) >= 8


def test_coverage_of_the_source_documents(bank):
    by_origin = {}
    for item in bank.items.values():
        by_origin.setdefault(item.origin, []).append(item)
    assert len([i for i in by_origin["000_121cbc3421f2791e.txt"] if i.kind == "trap"]) == 5
    grill_numbers = {int(m.group(1)) for i in bank.items.values() if (m := re.match(r"grill-(\d+)-", i.id))}
    assert grill_numbers == set(range(1, 56))
    assert sum(i.quick_fire for i in bank.items.values()) == 8
    assert len([i for i in bank.items.values() if i.id.startswith("qa-")]) == 10
    assert {"video-recommendation", "search-ranking", "fraud-detection", "ad-click-prediction", "image-moderation",
            "spam-classification", "rag-assistant", "news-feed"} <= set(bank.scenarios)


def test_trap_items_are_complete(bank):
    for item in bank.select(kind="trap"):
        assert item.trap and item.correct_approach and len(item.key_points) >= 3, item.id
        assert item.hints, item.id


def test_scenarios_have_facts_and_all_six_stages(bank):
    for scenario in bank.scenarios.values():
        assert len(scenario.facts) >= 4
        assert list(scenario.stages) == list(STAGES)
        for part in scenario.stages.values():
            assert all(item_id in bank.items for item_id in part.items)


def test_every_source_resolves_to_a_section_in_the_real_index(bank, indexed_home):
    sections = open_store().sections()
    for thing in [*bank.items.values(), *bank.scenarios.values()]:
        for source in thing.sources:
            assert (source.origin, source.section.strip().lower()) in sections, (thing.id, source)


GOOD = {
    "id": "x-one", "kind": "trap", "stage": "serving", "question": "What would you do?", "trap": "Do the wrong thing.",
    "correct_approach": "Do the right thing.",
    "key_points": [{"id": "a", "text": "first point"}, {"id": "b", "text": "second point"}, {"id": "c", "text": "third point"}],
    "sources": [{"origin": "001_4c8d6ba2189e3733.txt", "section": "23. Caching strategies?"}],
}


def _write(folder: Path, name: str, items: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump({"items": items}))
    return path


@pytest.mark.parametrize("change,needle", [
    ({"stage": "deployment"}, r"x-one'.*`stage`"),
    ({"colour": "red"}, r"x-one'.*`colour`.*Extra inputs"),
    ({"trap": None}, r"x-one'.*a trap item needs a `trap`"),
    ({"key_points": [{"id": "a", "text": "only one point"}]}, r"x-one'.*`key_points`"),
])
def test_broken_item_errors_name_file_item_and_field(tmp_path, change, needle):
    path = _write(tmp_path / "mine", "broken.yaml", [{**GOOD, **change}])
    with pytest.raises(RubricError) as info:
        load_bank([tmp_path / "mine"])
    assert str(path) in str(info.value)
    assert re.search(needle, str(info.value)), str(info.value)


def test_duplicate_ids_across_files(tmp_path):
    _write(tmp_path / "mine", "a.yaml", [GOOD])
    _write(tmp_path / "mine", "b.yaml", [GOOD])
    with pytest.raises(RubricError, match=r"b.yaml: 'x-one': duplicate id \(also in .*a.yaml\)"):
        load_bank([tmp_path / "mine"])


def test_dangling_source(tmp_path):
    bad = {**GOOD, "sources": [{"origin": "001_4c8d6ba2189e3733.txt", "section": "No Such Heading"}]}
    _write(tmp_path / "mine", "a.yaml", [bad])
    with pytest.raises(RubricError, match=r"'x-one': field `sources.0`: no section 'No Such Heading'"):
        load_bank([tmp_path / "mine"], sections={("001_4c8d6ba2189e3733.txt", "23. caching strategies?")})


def test_users_own_rubric_folder_is_loaded_and_validated(tmp_path, monkeypatch):
    _write(tmp_path / "mine", "own.yaml", [GOOD])
    monkeypatch.setenv("INTERVIEWER_USER_RUBRICS_DIR", str(tmp_path / "mine"))
    from interviewer.config import get_settings

    get_settings.cache_clear()
    bank = validate_rubrics()
    assert "x-one" in bank.items and "grill-01-six-steps" in bank.items
    assert get_bank().item("x-one").stage.value == "serving"


def test_cli_validate_fails_naming_file_item_and_field(tmp_path, monkeypatch):
    _write(tmp_path / "mine", "own.yaml", [{**GOOD, "stage": "deployment"}])
    monkeypatch.setenv("INTERVIEWER_USER_RUBRICS_DIR", str(tmp_path / "mine"))
    from interviewer.config import get_settings

    get_settings.cache_clear()
    result = runner.invoke(app, ["rubrics", "validate"])
    assert result.exit_code == 1
    assert "own.yaml: item 'x-one': field `stage`" in result.output


def test_cli_validate_passes_on_the_shipped_bank():
    result = runner.invoke(app, ["rubrics", "validate"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: ")


def test_cli_list_json_and_filters():
    rows = json.loads(runner.invoke(app, ["rubrics", "list", "--json"]).stdout)
    assert all({"id", "kind", "stage", "origin", "scenario"} <= set(r) for r in rows)
    assert any(r["scenario"] for r in rows) and any(not r["scenario"] for r in rows)
    traps = json.loads(runner.invoke(app, ["rubrics", "list", "--json", "--kind", "trap", "--stage", "serving"]).stdout)
    assert traps and all(r["kind"] == "trap" and r["stage"] == "serving" for r in traps)


def test_cli_show_and_unknown_id():
    shown = runner.invoke(app, ["rubrics", "show", "trap-training-serving-skew"])
    assert shown.exit_code == 0 and "correct_approach" in shown.output
    missing = runner.invoke(app, ["rubrics", "show", "nope"])
    assert missing.exit_code == 1 and "Valid ids" in missing.output and "grill-01-six-steps" in missing.output
