# Two commands matter: `make demo` and `make test`. Both bootstrap everything from nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# Test workers (pytest-xdist): much of the suite waits on emulators and drills, so two workers
# halve it on two cores. A lab's tests stay on one worker (--dist loadgroup). TEST_WORKERS=0: serial.
TEST_WORKERS ?= 2
XDIST = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadgroup)
# checkov pins an older botocore than MiniStack allows, so it gets a virtualenv of its own.
CHECKOV_VENV := .venv-checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov

# What each goal needs from the operating system, by command (see `system_deps` below):
#   node      MiniStack runs CloudFront Functions on Node.js: the demo and every e2e test
#   chromium  the browser tests and their screenshots
#   pdftoppm  poppler, behind pdf2image (the engine's alternative PDF renderer)
DEMO_TOOLS := node
TEST_TOOLS := node chromium pdftoppm
MAC_CHROME := /Applications/Google Chrome.app/Contents/MacOS/Google Chrome

.PHONY: demo install test test-fast sim-app bench lint clean test-deps

demo: install
	$(BIN)/p4lab demo $(DEMO_ARGS)

# The virtualenv with p4lab and what the demo needs; then `source .venv/bin/activate`.
install: $(STAMP)
	@$(call system_deps,$(DEMO_TOOLS))

test: test-deps $(STAMP) $(CHECKOV)
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# The quick loop for developers: everything except the end-to-end and browser groups.
test-fast: test-deps $(STAMP) $(CHECKOV)
	$(BIN)/python -m pytest $(XDIST) -m "not e2e and not slow and not browser" $(PYTEST_ARGS)

sim-app: install
	$(BIN)/p4lab sim-app

bench: install
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/images.py
	$(BIN)/python benchmarks/pdf.py
	$(BIN)/python benchmarks/simulator.py

lint: $(STAMP) $(CHECKOV)
	$(BIN)/ruff check .
	$(BIN)/cfn-lint reference/infra/template.yaml
	BC_SKIP_MAPPING=TRUE $(CHECKOV) -f reference/infra/template.yaml --framework cloudformation --compact --quiet

test-deps:
	@$(call system_deps,$(TEST_TOOLS))

# Install what is missing of $(1), plus Python >= 3.11 with venv: apt-get on Debian/Ubuntu
# (and WSL2), Homebrew on macOS; anywhere else, say exactly what to install. Windows runs
# this under WSL2 (docs/setup.md says why).
define system_deps
set -e; \
if [ "$(OS)" = "Windows_NT" ]; then \
  echo "p4lab runs on Linux or macOS. On Windows, use WSL2 (Ubuntu) and run make there: see docs/setup.md."; exit 1; \
fi; \
$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
  echo "p4lab needs Python 3.11 or newer ($(PYTHON) is $$($(PYTHON) --version 2>&1 || echo missing))."; \
  echo "Install it (Debian/Ubuntu: sudo apt-get install python3.11 python3.11-venv; macOS: brew install python@3.11)"; \
  echo "and run: make $(MAKECMDGOALS) PYTHON=python3.11"; exit 1; }; \
apt=""; brew=""; cask=""; \
for tool in $(1) venv; do \
  case $$tool in \
    node) found=$$(command -v node || true); a=nodejs; b=node; c=;; \
    chromium) found=$$(command -v chromium || command -v chromium-browser || echo "$${CHROMIUM:-}"); \
      [ -x "$(MAC_CHROME)" ] && found="$(MAC_CHROME)"; a=chromium; b=; c=google-chrome;; \
    pdftoppm) found=$$(command -v pdftoppm || true); a=poppler-utils; b=poppler; c=;; \
    venv) found=$$($(PYTHON) -c 'import ensurepip' 2>/dev/null && echo yes || true); a=python3-venv; b=; c=;; \
  esac; \
  if [ -z "$$found" ]; then apt="$$apt $$a"; brew="$$brew $$b"; cask="$$cask $$c"; fi; \
done; \
apt=$$(echo $$apt); brew=$$(echo $$brew); cask=$$(echo $$cask); \
if [ -z "$$apt" ]; then exit 0; fi; \
if command -v apt-get >/dev/null; then \
  echo "Installing Debian packages: $$apt"; \
  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$apt >/dev/null; \
elif [ "$$(uname -s)" = Darwin ] && command -v brew >/dev/null; then \
  if [ -n "$$brew" ]; then echo "Installing with Homebrew: $$brew"; brew install $$brew; fi; \
  if [ -n "$$cask" ]; then echo "Installing with Homebrew: $$cask (cask)"; brew install --cask $$cask; fi; \
else \
  echo "Missing: $$apt (Debian's package names)."; \
  echo "  macOS: install Homebrew (https://brew.sh), then:$${brew:+ brew install $$brew}$${cask:+; brew install --cask $$cask}"; \
  echo "  other Linux: the same packages from your package manager (Node.js, Chromium, poppler, Python venv);"; \
  echo "  any Chromium or Chrome works for the browser tests: CHROMIUM=/path/to/it make test."; \
  echo "Then run make $(MAKECMDGOALS) again."; \
  exit 1; \
fi
endef

$(STAMP): pyproject.toml
	@$(call system_deps,$(DEMO_TOOLS))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

$(CHECKOV):
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q 'checkov>=3.2,<4'

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache build *.egg-info
