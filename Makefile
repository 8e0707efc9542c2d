# make demo / make test work on a fresh machine with only Python >= 3.11 and pip.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench clean install browser lock test-latest lint docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list or the pins change. constraints.txt pins every
# package, so a newcomer and CI get the versions main was tested with; a new release of a
# dependency is tried on purpose with 'make test-latest' and adopted with 'make lock'.
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# The documentation (issue 18): Sphinx with its pinned extensions in the 'docs' extra, a stamp
# of its own so 'make test' does not reinstall them. Offline, warnings are errors, and the
# tutorials execute, so a broken example or docstring fails the build.
DOCS_STAMP := $(VENV)/.installed-docs

$(DOCS_STAMP): $(STAMP) pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test,docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	MPLBACKEND=Agg $(BIN)/python -m sphinx -b html -W --keep-going -q -j 1 docs docs/_build/html
	@echo "docs: docs/_build/html/index.html"

demo: $(STAMP)
	MPLBACKEND=Agg $(BIN)/dackit demo --out demo_output

# The report.html test renders the page in headless Chromium (issue 7). Install Chromium when it
# is missing and we can (root with apt-get: ~35 s); otherwise say why. Without a browser that
# test fails with instructions, unless DACKIT_NO_BROWSER=1 asks to skip it.
browser:
	@if [ "$$DACKIT_NO_BROWSER" = 1 ] || [ -n "$$DACKIT_CHROMIUM" ] || command -v chromium >/dev/null 2>&1 \
	  || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" != 0 ]; then \
	  echo "make: Chromium is missing and installing it needs root: run 'sudo apt-get install chromium'," \
	       "set DACKIT_CHROMIUM=/path/to/chrome, or DACKIT_NO_BROWSER=1 to skip the browser test"; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "make: Chromium is missing and there is no apt-get: install Chromium or set DACKIT_CHROMIUM"; \
	else \
	  echo "make: installing Chromium (apt-get) for the report.html browser test"; \
	  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } >/dev/null \
	    || echo "make: apt-get could not install chromium; the browser test will fail"; \
	fi

# The habits of issue 11: lint and type-check before the suite, so a red line is cheap.
lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy src/dackit

test: $(STAMP) browser lint docs
	MPLBACKEND=Agg $(BIN)/python -m pytest -q

# Newest releases, unpinned, in a venv of their own: what 'make lock' would adopt.
test-latest: browser
	$(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install --quiet --upgrade pip
	.venv-latest/bin/python -m pip install --quiet --upgrade -e ".[test]"
	MPLBACKEND=Agg .venv-latest/bin/python -m pytest -q

# Re-pin to what the newest releases resolve to (run test-latest first).
lock:
	$(PYTHON) -m venv .venv-lock && .venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet --upgrade -e ".[test,docs]"
	{ echo "# Pinned versions for 'make test' and 'make demo' (pip -c). Refresh on purpose with 'make lock';"; \
	  echo "# 'make test-latest' tries the newest releases in a separate venv."; \
	  .venv-lock/bin/python -m pip freeze --exclude-editable; } > constraints.txt
	rm -rf .venv-lock

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; MPLBACKEND=Agg $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) .venv-latest .venv-lock demo_output .pytest_cache docs/_build docs/api docs/registries docs/auto_tutorials
