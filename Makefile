# Two commands on a fresh machine: `make run` (UI) and `make test` (the test suite).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run index test bench eval-retrieval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

index: install
	$(BIN)/interviewer index

run: index
	$(BIN)/python app.py

test: install
	$(BIN)/python -m pytest

bench: index
	$(BIN)/python -m evals.bench --out docs/BENCHMARKS.md

eval-retrieval: index
	$(BIN)/python -m evals.retrieval

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
