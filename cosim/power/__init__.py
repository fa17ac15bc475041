"""Power model of the optical cloud: per-device electrical power from the device library,
a breakdown under three boundaries (OPU only, + edge transmitters, + network
amplifiers), mW/TOPS and pJ/MAC, and the Pareto front of mW/TOPS against ENOB.

Figures live in :mod:`cosim.power.plots` (imported on demand: it loads matplotlib).
"""

from cosim.power.budget import BOUNDARIES, BOUNDARY_TEXT, Component, PowerBreakdown, power_breakdown
from cosim.power.pareto import DesignPoint, best_point, design_grid, evaluate, pareto_front
from cosim.power.system import (
    PowerConfigError,
    PowerSystem,
    load_power_system,
    validate_power_system,
)

__all__ = [
    "BOUNDARIES",
    "BOUNDARY_TEXT",
    "Component",
    "DesignPoint",
    "PowerBreakdown",
    "PowerConfigError",
    "PowerSystem",
    "best_point",
    "design_grid",
    "evaluate",
    "load_power_system",
    "pareto_front",
    "power_breakdown",
    "validate_power_system",
]
