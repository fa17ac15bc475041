"""Device parameters for the control co-simulation, read without activating gdsfactory.

``import pdk.params`` runs ``pdk/__init__``, which imports gdsfactory and activates the
PDK: seconds of start-up that every simulator process would pay for numbers only. This
loads the same ``pdk/params.py`` (same YAML, same validation) as a standalone module, or
reuses it when the PDK is already imported.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from types import ModuleType


@cache
def _params_module() -> ModuleType:
    if "pdk.params" in sys.modules:
        return sys.modules["pdk.params"]
    spec = importlib.util.find_spec("pdk")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("package pdk not found")
    path = f"{next(iter(spec.submodule_search_locations))}/params.py"
    mspec = importlib.util.spec_from_file_location("_control_pdk_params", path)
    module = importlib.util.module_from_spec(mspec)
    mspec.loader.exec_module(module)
    return module


def value(name: str) -> float:
    """Numeric value of device parameter ``"group.name"`` (see ``pdk.params.value``)."""
    return _params_module().value(name)


def get(name: str):
    """The parameter with unit and source (see ``pdk.params.get``)."""
    return _params_module().get(name)
