"""The plant-in-the-loop scenario shared by the cocotb co-simulation and the golden loop.

Phases: (1) lock from random resonance offsets (anywhere within one FSR of each laser line)
at ambient ``-drift_k``; (2) ambient ramps to ``+drift_k``; (3) one ring gets a new target
(its neighbours must compensate the heater crosstalk); (4) the laser goes dark, then comes
back. Ring visits are recorded with the true (noiseless) weight of every ring.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from cosim.control import host
from cosim.control.params import value
from cosim.control.plant import PlantParams, ring_cavity

TARGET_BITS = 8


@dataclass
class Scenario:
    """Everything a run depends on; results carry it (with the seed)."""

    n_rings: int = 4
    seed: int = 1
    drift_k: float = 5.0
    ramp_k_per_ms: float = 0.1
    targets: list[int] = field(default_factory=list)  # empty: random in 0.2 .. 0.9
    settle_us: float = 300.0  # tracking before the ramp starts
    step_us: float = 600.0  # after the crosstalk step
    los_off_us: float = 150.0
    relock_us: float = 600.0
    lock_timeout_rounds: int = 0  # 0: host.acquisition_rounds + 200
    conv_us: float = 0.0  # 0: adc.monitor_conversion_time
    phases: tuple[str, ...] = ("lock", "ramp", "step", "los")
    ring: dict[str, float] = field(default_factory=dict)  # empty: plant.ring_cavity()

    def __post_init__(self) -> None:
        if not 1 <= self.n_rings <= 16:
            raise ValueError(f"n_rings must be 1..16, got {self.n_rings}")
        if self.drift_k < 0:
            raise ValueError(f"drift_k must be >= 0, got {self.drift_k}")
        if self.ramp_k_per_ms <= 0:
            raise ValueError(f"ramp_k_per_ms must be > 0, got {self.ramp_k_per_ms}")
        unknown = set(self.phases) - {"lock", "ramp", "step", "los"}
        if unknown:
            raise ValueError(f"phases: unknown {sorted(unknown)}")
        if not self.ring:  # the circuit library's drawn ring (builds the cell once)
            self.ring = ring_cavity()
        rng = np.random.default_rng(self.seed)
        self._phase0 = rng.uniform(0, 2 * math.pi, self.n_rings)
        if not self.targets:
            self.targets = [int(t) for t in rng.integers(51, 231, self.n_rings)]
        if len(self.targets) != self.n_rings:
            raise ValueError(f"targets: need {self.n_rings} values, got {len(self.targets)}")
        if self.conv_us == 0.0:
            self.conv_us = value("adc.monitor_conversion_time")
        if self.lock_timeout_rounds == 0:
            self.lock_timeout_rounds = host.acquisition_rounds(self.design(), self.n_rings) + 200

    @property
    def phase0(self) -> np.ndarray:
        """Cold round-trip phase of every ring at its laser line, rad."""
        return self._phase0

    @property
    def step_ring(self) -> int:
        return self.n_rings // 2

    def step_target(self) -> int:
        """New target of the step ring: far from the old one, inside 0.2 .. 0.9."""
        old = self.targets[self.step_ring]
        return 64 if old > 140 else 215

    def params(self) -> PlantParams:
        return PlantParams.from_pdk(self.n_rings, self.ring)

    def design(self) -> host.LoopDesign:
        """Registers the host programs; the sweep window and the loss-of-signal check also
        cover the target the crosstalk step sets later."""
        targets = list(self.targets)
        if "step" in self.phases:
            targets[self.step_ring] = min(targets[self.step_ring], self.step_target())
        d = host.design(self.params(), targets, self.drift_k, self.conv_us, TARGET_BITS)
        return _with(d, targets=list(self.targets))

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}


def _with(d: host.LoopDesign, **changes) -> host.LoopDesign:
    return host.LoopDesign(**{**asdict(d), **changes})


class RampAmbient:
    """Ambient offset (K): ``-drift`` until :meth:`start`, then a linear ramp to ``+drift``."""

    def __init__(self, drift_k: float, k_per_ms: float) -> None:
        self.drift = drift_k
        self.rate = k_per_ms * 1e3  # K/s
        self.t0: float | None = None

    def start(self, t: float) -> None:
        self.t0 = t

    @property
    def duration_s(self) -> float:
        return 2 * self.drift / self.rate

    def __call__(self, t: float) -> float:
        if self.t0 is None or t <= self.t0:
            return -self.drift
        return min(-self.drift + self.rate * (t - self.t0), self.drift)


def criteria_failures(summary: dict, scn: Scenario) -> list[str]:
    """What a run of ``scn`` failed of the pass criteria (empty: passed). Every ring
    locks within :func:`host.acquisition_rounds`; the held weight error stays within
    +-1 LSB before and during the ambient ramp, on the crosstalk step's neighbours and
    the stepped ring once settled, and after re-locking."""
    bound = host.acquisition_rounds(scn.design(), scn.n_rings)
    out = []
    if not all(summary["locked"]):
        out.append(f"rings locked: {summary['locked']}")
    its = summary["iterations_to_lock"]
    if any(it is None or it > bound for it in its):
        out.append(f"iterations to lock {its} exceed the bound {bound}")
    errors = summary["max_weight_error_lsb_by_phase"]
    wanted = {"lock": ("hold",), "ramp": ("ramp",), "step": ("step_neighbours", "step_settled")}
    wanted["los"] = ("relock",)
    for phase in scn.phases:
        for name in wanted.get(phase, ()):
            if "ramp" not in scn.phases and name == "hold":
                continue
            e = errors.get(name)
            if e is None or e > 1.0:
                out.append(f"max |weight error| {name}: {e} LSB (limit 1)")
    return out
