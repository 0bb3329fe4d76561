# Two entry points for a fresh machine (see README.md):
#   make book   set up, then build the book with warnings as errors (output: _build/html)
#   make test   set up, then run every test (the browser tests need Debian's chromium and
#               the grader Debian's bubblewrap and libseccomp2, the shared-gradebook tests
#               Debian's postgresql: apt-get install chromium bubblewrap libseccomp2
#               postgresql;
#               .ci/run installs them)
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup book test lint clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml tests/browser/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	npm ci --prefix tests/browser --no-audit --no-fund --silent
	touch $@

book: setup
	$(BIN)/jupyter-book build . -W -n --keep-going

test: setup
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: setup
	$(BIN)/ruff check learner_tools autograder datasets tests scripts book/_ext

clean:
	rm -rf _build build
