"""S-parameters of one library cell from its compact model.

Cell parameters and model inputs (heater power, voltage, temperature) are
validated separately: cell parameters against the cell's ranges, model inputs
against the model's signature, so a misspelt input is an error rather than a
setting SAX silently ignores.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from components.registry import MODELS, CellParameterError, cell_parameters, coerce_settings

C_UM_PER_S = 299_792_458.0e6


@dataclass(frozen=True)
class SParameters:
    """S-matrix ``s[k, i, j]`` (output i, input j) at wavelengths ``wl_um[k]``."""

    cell: str
    ports: tuple[str, ...]
    wl_um: np.ndarray
    s: np.ndarray
    settings: dict[str, Any]

    @property
    def frequency_hz(self) -> np.ndarray:
        return C_UM_PER_S / self.wl_um


def model_inputs(cell: str) -> dict[str, inspect.Parameter]:
    """Model arguments that are not cell parameters (wl excluded): physical inputs."""
    if cell not in MODELS:
        raise CellParameterError(
            cell, "cell", cell, f"a cell with a model: {', '.join(sorted(MODELS))}"
        )
    sig = inspect.signature(MODELS[cell])
    cell_names = {p.name for p in cell_parameters(cell)}
    return {k: p for k, p in sig.parameters.items() if k not in cell_names and k != "wl"}


def split_settings(cell: str, raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, float]]:
    """Separate ``raw`` into validated cell parameters and numeric model inputs."""
    inputs = model_inputs(cell)
    cell_names = {p.name for p in cell_parameters(cell)}
    cell_raw = {k: v for k, v in raw.items() if k in cell_names}
    model_raw: dict[str, float] = {}
    for k, v in raw.items():
        if k in cell_names:
            continue
        if k not in inputs:
            allowed = ", ".join([*sorted(cell_names), *sorted(inputs)])
            raise CellParameterError(cell, k, v, f"one of {allowed}")
        try:
            model_raw[k] = float(v)
        except (TypeError, ValueError):
            raise CellParameterError(cell, k, v, "a number") from None
    return coerce_settings(cell, cell_raw), model_raw


def s_parameters(
    cell: str, wl_um: np.ndarray, settings: Mapping[str, Any] | None = None
) -> SParameters:
    """Evaluate the model of ``cell`` at wavelengths ``wl_um`` (um) with ``settings``."""
    cell_settings, inputs = split_settings(cell, settings or {})
    wl = np.asarray(wl_um, dtype=float)
    sdict = MODELS[cell](wl=wl, **cell_settings, **inputs)
    ports = tuple(sorted({p for pair in sdict for p in pair}, key=_port_key))
    s = np.zeros((wl.size, len(ports), len(ports)), dtype=complex)
    for (p_in, p_out), val in sdict.items():
        s[:, ports.index(p_out), ports.index(p_in)] = np.broadcast_to(np.asarray(val), wl.shape)
    return SParameters(cell, ports, wl, s, {**cell_settings, **inputs})


def _port_key(name: str) -> tuple[str, int]:
    head = name.rstrip("0123456789")
    tail = name[len(head) :]
    return head, int(tail) if tail else -1
