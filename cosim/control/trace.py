"""Recording of a plant-in-the-loop run and the figures of merit computed from it.

Weight errors are the *true* (noiseless plant) weight of a ring minus its target, in LSB
of the target code (``2^-TARGET_BITS``). Iterations are lock rounds: one visit per ring.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cosim.control.golden_lock import TRACK
from cosim.control.plant import RingBankPlant


@dataclass
class Trace:
    """One row per ring visit, plus the time span of every scenario phase."""

    n_rings: int
    target_bits: int = 8
    t: list[float] = field(default_factory=list)
    ring: list[int] = field(default_factory=list)
    round: list[int] = field(default_factory=list)
    code: list[int] = field(default_factory=list)
    mode: list[int] = field(default_factory=list)
    locked: list[bool] = field(default_factory=list)
    target: list[int] = field(default_factory=list)
    weight: list[float] = field(default_factory=list)
    detuning_pm: list[float] = field(default_factory=list)
    ambient_k: list[float] = field(default_factory=list)
    los: list[bool] = field(default_factory=list)
    phases: dict[str, list[float]] = field(default_factory=dict)  # name -> [t0, t1]
    events: dict[str, float] = field(default_factory=dict)

    def visit(
        self,
        t: float,
        ring: int,
        rnd: int,
        plant: RingBankPlant,
        *,
        code: int,
        mode: int,
        locked: bool,
        target: int,
        los: bool,
    ) -> None:
        """Record ring ``ring``'s visit at time ``t`` (s) with the plant's true state."""
        self.t.append(t)
        self.ring.append(ring)
        self.round.append(rnd)
        self.code.append(code)
        self.mode.append(mode)
        self.locked.append(locked)
        self.target.append(target)
        self.weight.append(float(plant.weight(t)[ring]))
        self.detuning_pm.append(float(plant.detuning_pm(t)[ring]))
        self.ambient_k.append(plant.ambient_k(t))
        self.los.append(los)

    def begin(self, phase: str, t: float) -> None:
        self.phases[phase] = [t, t]

    def end(self, phase: str, t: float) -> None:
        self.phases[phase][1] = t

    def arrays(self) -> dict[str, np.ndarray]:
        names = ("t", "ring", "round", "code", "mode", "locked", "target", "weight")
        out = {k: np.asarray(getattr(self, k)) for k in names}
        out.update(detuning_pm=np.asarray(self.detuning_pm), ambient_k=np.asarray(self.ambient_k))
        out["error_lsb"] = out["weight"] * 2**self.target_bits - out["target"]
        return out

    def to_dict(self) -> dict:
        return {
            "n_rings": self.n_rings,
            "target_bits": self.target_bits,
            **{k: getattr(self, k) for k in ("t", "ring", "round", "code", "mode", "locked")},
            **{k: getattr(self, k) for k in ("target", "weight", "detuning_pm", "ambient_k")},
            "los": self.los,
            "phases": self.phases,
            "events": self.events,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Trace:
        return cls(**d)


def summarize(tr: Trace) -> dict:
    """Figures of merit: per-ring lock, rounds to lock, weight errors per phase."""
    a = tr.arrays()
    n = tr.n_rings
    out: dict = {"locked": [], "iterations_to_lock": []}
    lock_t0 = tr.phases.get("lock", [0.0, 0.0])[0]
    for i in range(n):
        sel = a["ring"] == i
        locked_rounds = a["round"][sel & a["locked"] & (a["t"] >= lock_t0)]
        out["iterations_to_lock"].append(int(locked_rounds[0]) if locked_rounds.size else None)
        out["locked"].append(bool(a["locked"][sel][-1]) if sel.any() else False)

    def max_err(t0: float, t1: float, rings: list[int] | None = None) -> float | None:
        sel = (a["t"] >= t0) & (a["t"] <= t1) & (a["mode"] == TRACK)
        if rings is not None:
            sel &= np.isin(a["ring"], rings)
        return float(np.max(np.abs(a["error_lsb"][sel]))) if sel.any() else None

    errors = {}
    for name, (t0, t1) in tr.phases.items():
        if name == "lock":
            continue
        errors[name] = max_err(t0, t1)
    if "step_settled" in tr.phases:
        t0, t1 = tr.phases["step_settled"]
        ring = int(tr.events["step_ring"])
        neighbours = [j for j in (ring - 1, ring + 1) if 0 <= j < n]
        errors["step_neighbours"] = max_err(t0, t1, neighbours)
    out["max_weight_error_lsb_by_phase"] = errors
    out["max_weight_error_lsb"] = errors.get("ramp")
    return out
