# make demo / make test work on a fresh machine with only Python >= 3.11 and pip.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench clean install

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

test: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; MPLBACKEND=Agg $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) demo_output .pytest_cache
