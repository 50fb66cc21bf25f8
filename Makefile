# Every target sets up .venv first and reuses it; `make preview`, `make serve` and `make test` are the quick start.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup check build serve preview test lint bench schema dist clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

check: setup
	$(BIN)/handbook check .

build: setup
	$(BIN)/handbook build .

serve: setup
	$(BIN)/handbook serve .

preview: setup
	$(BIN)/handbook preview .

lint: setup
	$(BIN)/ruff check handbook tests benchmarks
	$(BIN)/mypy

# Two workers (pytest-xdist), a test module each at a time: the browser suites run on both engines'
# sites, and one worker leaves the second core idle while Chromium renders.
test: setup lint
	$(BIN)/pytest -n 2 --dist loadscope

bench: setup
	$(BIN)/python -m benchmarks

schema: setup
	$(BIN)/handbook schema --out schemas

# The wheel and the sdist into dist/, as a user installs them (README, "Install").
dist: setup
	$(BIN)/python -m build --outdir dist .

clean:
	rm -rf site .handbook .pytest_cache
