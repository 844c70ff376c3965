# Quick start: `make run` and `make test`. Both set everything up on a fresh Debian
# machine (Python 3.11, root, no display) and are fast the second time.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# Debian packages the Qt/GIS stack, the virtual screen, CJK text and the PostgreSQL tests need.
DEB_PKGS := libgl1 libegl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3 \
	xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 \
	fonts-wqy-microhei postgresql
SYS_STAMP := $(VENV)/.system-packages
PY_STAMP := $(VENV)/.installed
# `cityledger` on PATH: a link to the venv's script in ~/.local/bin, the per-user folder
# Debian's ~/.profile puts on PATH (at the next login once the folder exists).
BIN_DIR ?= $(HOME)/.local/bin
CLI := $(abspath $(VENV))/bin/cityledger

.PHONY: setup run test lint bench soak clean sysdeps i18n

setup: $(SYS_STAMP) $(PY_STAMP)
	@mkdir -p $(BIN_DIR) && ln -sfn $(CLI) $(BIN_DIR)/cityledger
	@case ":$$PATH:" in *":$(BIN_DIR):"*) ;; *) echo "cityledger is linked in $(BIN_DIR), which is not on PATH in this shell: export PATH=\"$(BIN_DIR):\$$PATH\"";; esac

$(SYS_STAMP): Makefile
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages: $$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@mkdir -p $(VENV) && touch $@

$(PY_STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev,demo,postgres]'
	@touch $@

run: setup
	$(PY) -m app demo

# Lint, format and types are checked before the tests, so a finding fails CI early.
# mypy: strict on app/core and app/ledger, default level on the rest of app (pyproject.toml).
lint: setup
	$(VENV)/bin/ruff check app tests bench
	$(VENV)/bin/ruff format --check app tests bench
	$(VENV)/bin/mypy

test: lint
	$(PY) -m pytest -q

# After changing UI texts: Qt's lupdate refreshes resources/i18n/*.ts (then translate the
# new entries) and lrelease rebuilds the committed .qm files; tests/ui/test_i18n.py checks both.
i18n: setup
	$(PY) -m app.ui.i18n_catalog update

bench: setup
	$(PY) bench/core.py

# Issue 10's attacks against real node processes on loopback (a few minutes; not in `test`).
soak: setup
	$(PY) bench/adversarial.py

clean:
	rm -rf $(VENV) build dist *.egg-info
	@if [ "$$(readlink $(BIN_DIR)/cityledger)" = "$(CLI)" ]; then rm -f $(BIN_DIR)/cityledger; fi
