# xxgk — two commands on a fresh machine:  make demo   |   make test
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# CPU build of torch (the plain PyPI wheel pulls ~3 GB of CUDA libraries)
TORCH_SPEC ?= torch==2.13.0
STAMP  := $(VENV)/.installed

.PHONY: setup demo test test-all bench train train-kinds evaluate schema clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PY) -c "import torch" 2>/dev/null || $(PIP) install -q "$(TORCH_SPEC)"
	$(PIP) install -q -e ".[dev,train]"
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/xxgk extract examples/ -o out/demo.jsonl
	$(PY) -m xxgk show out/demo.jsonl

test: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src/xxgk
	$(PY) -m pytest -q

test-all: $(STAMP)
	XXGK_SLOW=1 $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/bench.py

train: $(STAMP)
	$(VENV)/bin/xxgk train --config training/tagger.toml

# the narrative-kind classifier (scikit-learn, shipped as JSON): src/xxgk/models/kinds.json
train-kinds: $(STAMP)
	$(VENV)/bin/xxgk train-kinds annotations/

evaluate: $(STAMP)
	$(VENV)/bin/xxgk evaluate annotations/ -o reports/eval/

schema: $(STAMP)
	$(VENV)/bin/xxgk schema

clean:
	rm -rf $(VENV) out reports .pytest_cache
