# make demo / make test work on a fresh machine with only Python >= 3.11 and pip.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench clean install browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

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

test: $(STAMP) browser
	MPLBACKEND=Agg $(BIN)/python -m pytest -q

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; MPLBACKEND=Agg $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) demo_output .pytest_cache
