# Two commands matter: `make demo` and `make test`. Both bootstrap everything from nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages: poppler-utils (pdf2image backend), nodejs (MiniStack runs CloudFront
# Functions on Node), chromium (browser tests and screenshots).
APT_PACKAGES := poppler-utils nodejs chromium python3-venv
PYTEST_ARGS ?=
# checkov pins an older botocore than MiniStack allows, so it gets a virtualenv of its own.
CHECKOV_VENV := .venv-checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov

.PHONY: demo test test-fast system-deps sim-app bench lint clean

demo: $(STAMP)
	$(BIN)/p4lab demo $(DEMO_ARGS)

test: $(STAMP) $(CHECKOV)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The quick loop for developers: everything except the end-to-end and browser groups.
test-fast: $(STAMP) $(CHECKOV)
	$(BIN)/python -m pytest -m "not e2e and not slow and not browser" $(PYTEST_ARGS)

sim-app: $(STAMP)
	$(BIN)/p4lab sim-app

bench: $(STAMP)
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/images.py
	$(BIN)/python benchmarks/pdf.py
	$(BIN)/python benchmarks/simulator.py

lint: $(STAMP) $(CHECKOV)
	$(BIN)/ruff check .
	$(BIN)/cfn-lint reference/infra/template.yaml
	BC_SKIP_MAPPING=TRUE $(CHECKOV) -f reference/infra/template.yaml --framework cloudformation --compact --quiet

system-deps:
	@missing=""; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	$(PYTHON) -c "import ensurepip" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

$(CHECKOV):
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q 'checkov>=3.2,<4'

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache build *.egg-info
