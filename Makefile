# The two commands a learner needs:  make lab  (start the course)   make test  (run every test)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test install bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's dependency list changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --progress-bar off -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## make lab: JupyterLab on notebooks/, local backend, no AWS account needed
lab: $(STAMP)
	cd notebooks && ../$(BIN)/jupyter lab

## make test: the whole suite, notebooks included (pytest exit 5, "no tests", counts as a failure)
test: $(STAMP)
	$(BIN)/python -m pytest

## make bench: the benchmark tables (ratios measured side by side in one run)
bench: $(STAMP)
	$(BIN)/python benchmarks/runtime.py
	$(BIN)/python benchmarks/endpoint.py
	$(BIN)/python benchmarks/triggers.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
