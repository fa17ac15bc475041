"""Control tests: Verilator on PATH, one build directory per simulator and testbench."""

from __future__ import annotations

from pathlib import Path

import pytest

from cosim.control import hdl

hdl.ensure_verilator()

BUILD_ROOT = Path(__file__).resolve().parents[3] / "build" / "control-tests"
_BUILDS: dict[tuple, tuple] = {}


@pytest.fixture(scope="session")
def build_root() -> Path:
    BUILD_ROOT.mkdir(parents=True, exist_ok=True)
    return BUILD_ROOT


@pytest.fixture(scope="session")
def built(build_root: Path):
    """``built(sim, toplevel, params)``: build once per session (per xdist worker),
    returns ``(runner, build_dir)``."""

    def get(sim: str, toplevel: str, params: dict[str, int]):
        # a traced build is a different build: WAVES is part of the key
        waves = "-waves" if hdl.waves_requested() else ""
        key = (sim, toplevel, tuple(sorted(params.items())), waves)
        if key not in _BUILDS:
            tag = "-".join(f"{k.lower()}{v}" for k, v in sorted(params.items())) or "default"
            bdir = build_root / f"{toplevel}-{sim}-{tag}{waves}"
            _BUILDS[key] = (hdl.build(sim, toplevel, params, bdir), bdir)
        return _BUILDS[key]

    return get
