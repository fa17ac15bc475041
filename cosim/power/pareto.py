"""Design-space sweep and the Pareto front of efficiency (mW/TOPS) against precision (ENOB).

A design point pairs a :class:`~cosim.power.system.PowerSystem` with the ENOB the
caller's ``enob_fn`` gives it (the co-simulation, or an analytic noise model) and its
mW/TOPS from :func:`~cosim.power.budget.power_breakdown` under one boundary. Point a
dominates point b when a needs no more power and gives no fewer bits, and is strictly
better in one of the two. The front is the set of points no other point dominates.

Best point, two stated criteria:

* ``enob_target`` given: the lowest mW/TOPS among points reaching the target ENOB
  (ties: higher ENOB); if none reaches it, the highest-ENOB point.
* otherwise: the lowest energy per operation per effective level, mW/TOPS / 2^ENOB -- the
  Walden figure of merit applied to the whole processor (J per op per distinguishable
  level), which trades one bit for a factor 2 in energy. It always lies on the front.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rich.progress import track

from cosim.power.budget import Boundary, power_breakdown
from cosim.power.system import PowerSystem


@dataclass(frozen=True)
class DesignPoint:
    """One evaluated design: its system, ENOB (bits) and mW/TOPS under ``boundary``."""

    system: PowerSystem
    enob: float
    mw_per_tops: float
    boundary: Boundary

    @property
    def walden_fom(self) -> float:
        """mW/TOPS / 2^ENOB: fJ per operation per effective level."""
        return self.mw_per_tops / 2.0**self.enob

    def label(self) -> str:
        s = self.system
        return (
            f"{s.rows}x{s.cols}, {s.symbol_rate_gbd:g} GBd, {s.laser_power_dbm:g} dBm: "
            f"{self.enob:.2f} bit, {self.mw_per_tops:.4g} mW/TOPS ({self.boundary})"
        )


def pareto_mask(cost: Sequence[float], benefit: Sequence[float]) -> np.ndarray:
    """Boolean mask of the non-dominated points (minimise ``cost``, maximise ``benefit``).

    Sorted by cost, then by descending benefit, a point is on the front iff its benefit
    beats every cheaper-or-equal point's; exact duplicates of a front point stay on it
    (neither dominates the other). O(n log n).
    """
    c = np.asarray(cost, dtype=float)
    b = np.asarray(benefit, dtype=float)
    if c.shape != b.shape or c.ndim != 1:
        raise ValueError(f"cost and benefit must be 1-D of equal length, got {c.shape}, {b.shape}")
    if not (np.all(np.isfinite(c)) and np.all(np.isfinite(b))):
        raise ValueError("cost and benefit must be finite (a NaN ENOB or power is a failed run)")
    order = np.lexsort((-b, c))
    mask = np.zeros(c.size, dtype=bool)
    best = -math.inf
    last: tuple[float, float] | None = None
    for i in order:
        if b[i] > best:
            mask[i] = True
            best = b[i]
            last = (c[i], b[i])
        elif last is not None and (c[i], b[i]) == last:
            mask[i] = True
    return mask


def pareto_front(points: Sequence[DesignPoint]) -> list[DesignPoint]:
    """The non-dominated points, by increasing mW/TOPS."""
    if not points:
        return []
    mask = pareto_mask([p.mw_per_tops for p in points], [p.enob for p in points])
    front = [p for p, keep in zip(points, mask, strict=True) if keep]
    return sorted(front, key=lambda p: (p.mw_per_tops, -p.enob))


def best_point(points: Sequence[DesignPoint], enob_target: float | None = None) -> DesignPoint:
    """The best design by the criterion stated in the module docstring."""
    if not points:
        raise ValueError("best_point: no design points")
    if enob_target is None:
        return min(points, key=lambda p: (p.walden_fom, -p.enob))
    reaching = [p for p in points if p.enob >= enob_target]
    if not reaching:
        return max(points, key=lambda p: (p.enob, -p.mw_per_tops))
    return min(reaching, key=lambda p: (p.mw_per_tops, -p.enob))


def evaluate(
    systems: Iterable[PowerSystem],
    enob_fn: Callable[[PowerSystem], float],
    boundary: Boundary = "network",
    progress: bool = False,
) -> list[DesignPoint]:
    """Design points of ``systems``: ENOB from ``enob_fn``, mW/TOPS from the power model."""
    systems = list(systems)
    it = track(systems, description="power/ENOB sweep") if progress else systems
    points = []
    for s in it:
        enob = float(enob_fn(s))
        if not math.isfinite(enob):
            raise ValueError(f"enob_fn returned {enob!r} for {s.rows}x{s.cols} design")
        points.append(DesignPoint(s, enob, power_breakdown(s).mw_per_tops(boundary), boundary))
    return points


def design_grid(
    base: PowerSystem,
    laser_powers_dbm: Sequence[float],
    symbol_rates_gbd: Sequence[float],
    core_sizes: Sequence[int],
    heater_powers_mw: Callable[[int], Sequence[float]] | None = None,
) -> list[PowerSystem]:
    """Square-core variants of ``base`` over laser power, symbol rate and core size N.

    Each variant has rows = cols = N; with ``channels_per_node`` left ``None`` in
    ``base`` its edge transmitters follow the core. ``heater_powers_mw(N)`` gives the
    holding powers for an N x N core on all OPUs; by default every weight keeps
    ``base``'s mean holding power per weight (one heater per weight, as in an MRR bank).
    """
    per_weight = sum(base.heater_powers_mw) / (base.rows * base.cols * base.n_opus)

    def default_heaters(n: int) -> tuple[float, ...]:
        return (per_weight,) * (n * n * base.n_opus)

    heaters = heater_powers_mw or default_heaters
    return [
        base.replace(
            rows=n,
            cols=n,
            laser_power_dbm=p,
            symbol_rate_gbd=r,
            heater_powers_mw=tuple(heaters(n)),
        )
        for n in core_sizes
        for r in symbol_rates_gbd
        for p in laser_powers_dbm
    ]


__all__ = [
    "DesignPoint",
    "best_point",
    "design_grid",
    "evaluate",
    "pareto_front",
    "pareto_mask",
]
