"""The common interface of every optical core (MRR bank, MZI bank, Clements mesh, AWGR).

A core is built from a layout; its simulation netlist is extracted from that
layout. ``program`` maps a target real matrix to device settings (heater powers,
voltages); ``realised_matrix`` evaluates the matrix those settings produce with
the structured (transfer-matrix / closed-form) evaluator, ``sax_matrix`` with
SAX's generic circuit of the layout netlist (the reference); ``matmul`` runs
nonnegative intensity inputs through the core.

Non-idealities are switched on one by one with :class:`NonIdealities`; their
sizes come from the PDK parameter library, never from the core's code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

import gdsfactory as gf
import numpy as np


@dataclass(frozen=True)
class NonIdealities:
    """Which physical imperfections a simulation includes (all off = ideal).

    Attributes:
        propagation_loss: waveguide loss (strip.loss, dB/cm) over drawn lengths.
        excess_loss: coupler/MMI/crossing excess loss from the PDK.
        coupler_imbalance: splitting-ratio errors of couplers/MMIs (mmi.imbalance...).
        dac_bits: heater/modulator DAC resolution in bits; None = unquantised.
        thermal_crosstalk: heater-to-neighbour phase crosstalk (heater.crosstalk_10um).
        fabrication: seeded Monte-Carlo width/gap/thickness variation -> n_eff and
            coupling shifts, sized from the PDK.
        calibration: undo what can be undone (measure the realised transfer and
            re-program), after the other imperfections are applied.
        seed: PRNG seed of every random draw in the simulation.
    """

    propagation_loss: bool = False
    excess_loss: bool = False
    coupler_imbalance: bool = False
    dac_bits: int | None = None
    thermal_crosstalk: bool = False
    fabrication: bool = False
    calibration: bool = False
    seed: int = 0

    @classmethod
    def ideal(cls, seed: int = 0) -> NonIdealities:
        return cls(seed=seed)

    @classmethod
    def all_on(cls, dac_bits: int = 12, seed: int = 0, calibration: bool = True) -> NonIdealities:
        return cls(True, True, True, dac_bits, True, True, calibration, seed)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@runtime_checkable
class OpticalCore(Protocol):
    """What every optical core offers to the CLI, the benchmarks and the co-simulation."""

    kind: str  # "mrr" | "mzi" | "clements" | "awgr"
    rows: int  # outputs M
    cols: int  # inputs N

    def layout(self) -> gf.Component:
        """The routed, DRC-clean layout the netlist is extracted from."""
        ...

    def program(self, W: np.ndarray, nonideal: NonIdealities | None = None) -> Any:
        """Device settings realising target ``W`` (rows x cols, real)."""
        ...

    def realised_matrix(self, settings: Any, nonideal: NonIdealities | None = None) -> np.ndarray:
        """Realised real matrix (rows x cols) at the channel wavelengths, structured evaluator."""
        ...

    def sax_matrix(self, settings: Any, nonideal: NonIdealities | None = None) -> np.ndarray:
        """The same matrix from SAX's circuit of the layout-extracted netlist (reference)."""
        ...

    def matmul(
        self, W: np.ndarray, X: np.ndarray, nonideal: NonIdealities | None = None
    ) -> np.ndarray:
        """Optical result of W @ X for nonnegative intensity inputs X (cols x batch)."""
        ...
