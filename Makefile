# The two commands a learner needs:  make lab  (start the course)   make test  (run every test)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test install stress bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's dependency list changes.
$(STAMP): pyproject.toml Makefile | $(BIN)/python
	$(BIN)/python -m pip install --quiet --progress-bar off -e ".[dev]"
	@# AWS's durable execution conformance requirements (tests/durable/conformance) declare
	@# Python >= 3.14 and run on 3.11; their own dependencies (boto3, pyyaml, packaging) are above.
	$(BIN)/python -m pip install --quiet --progress-bar off --no-deps --ignore-requires-python \
		aws-durable-execution-conformance-tests==1.0.0
	@# Workshops are often offline and on a projector: JupyterLab should not ask to fetch news.
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' \
		> $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $(STAMP)

install: $(STAMP)

## make lab: JupyterLab opens the course (notebooks/), local backend, no AWS account needed
# JupyterLab refuses to start as root unless told; containers and lab VMs often run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# Served from the repository's root, so the notebooks' links to exercises/ and solutions/ open
# (JupyterLab cannot reach above the folder it serves); it opens on the first notebook.
lab: $(STAMP)
	$(BIN)/jupyter lab $(ROOT_FLAG) --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks/01_welcome.ipynb

## make test: the whole suite, notebooks included (pytest exit 5, "no tests", counts as a failure)
test: $(STAMP)
	$(BIN)/python -m pytest

## make stress: load and soak tests (minutes; CI runs them after make test)
stress: $(STAMP)
	$(BIN)/python -m pytest -m stress -s tests/stress

## make bench: the benchmark tables (ratios measured side by side in one run)
bench: $(STAMP)
	$(BIN)/python benchmarks/runtime.py
	$(BIN)/python benchmarks/endpoint.py
	$(BIN)/python benchmarks/triggers.py
	$(BIN)/python benchmarks/experiments.py
	$(BIN)/python benchmarks/durable.py
	$(BIN)/python benchmarks/snapstart.py
	$(BIN)/python benchmarks/managed.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
