"""The shape of the code, checked where a unit test can (the layer and SDK contracts are import-linter's,
run by `make check`): app.py is a thin client of the public names, and every prompt file validates."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

import interviewer
from interviewer import prompts

from .conftest import ROOT


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module or ""


def test_app_imports_only_the_public_face_and_uses_only_public_names():
    app = ROOT / "app.py"
    modules = set(_imports(app))
    assert not {m for m in modules if m.startswith("interviewer.")}, "app.py imports package internals"
    used = {node.attr for node in ast.walk(ast.parse(app.read_text(encoding="utf-8")))
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "core"}
    assert used and used <= set(interviewer.__all__), sorted(used - set(interviewer.__all__))


def test_gradio_is_imported_by_app_py_alone():
    out = subprocess.run(["git", "grep", "-l", "-E", r"^\s*(import gradio|from gradio )", "--", "*.py"], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.stdout.split() == ["app.py"]


@pytest.mark.parametrize("name", sorted(prompts.SPECS))
def test_every_prompt_file_validates_against_its_spec(name):
    spec = prompts.load(name)
    assert isinstance(spec, prompts.SPECS[name])


def test_the_ui_is_importable_as_an_installed_module_from_anywhere(tmp_path):
    code = "import app, interviewer.cli; print(app.__name__, callable(app.main))"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["app", "True"]
