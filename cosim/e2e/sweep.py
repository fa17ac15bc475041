"""Sweeps of the co-simulation: ENOB against the knobs of the link and the core, and the
Pareto front of energy per operation against precision.

Axes (each varied alone around the base scenario, every other setting held):

* ``laser_power_dbm`` -- every transmitter's laser; plotted against the resulting mean
  received power per channel at the OPU ports;
* ``fibre_scale`` -- every fibre of the network (access and metro) scaled by a factor,
  launch power fixed; amplifiers with ``gain_db: auto`` still compensate their span;
* ``symbol_rate_gbd`` -- the grid's symbol rate; the transmitter DAC's sample rate and
  bandwidth and the receiver TIA's bandwidth scale with it (the electronics are chosen
  for the rate, as a matched receiver is), the optics (MZM, rings, photodiode) do not;
  the power model keeps the TIA's power, a fixed-bandwidth part, unchanged;
* ``core_size`` -- an N x N core: ``opu.rows`` = N and N adjacent channels per edge node
  (the AWG grows to carry them, up to what the network's router grid allows: in the
  default 4-node network N <= 5; larger sizes are skipped with the reason);
* ``converter_bits`` -- DAC and ADC resolution together; the ADC keeps the base
  scenario's loss of effective bits.

Each point runs the whole co-simulation with the base scenario's seed (the same workload
and noise draws at every point: common random numbers, so trends are not buried in
sampling noise) and records the pooled simulated ENOB, the analytic noise-limited ENOB,
the received power and mW/TOPS under each power boundary. Sweeps shorten the record to
:data:`SWEEP_N_SYMBOLS` symbols per channel unless told otherwise: ENOB then carries a
sampling error of about 1/sqrt(2 n) relative in sigma, ~0.05 bit at 512 symbols.

The Pareto front (:mod:`cosim.power.pareto`) is taken over the grid of laser power x
symbol rate x core size with the simulated ENOB and mW/TOPS under the ``network``
boundary (everything counted); the best point is the lowest mW/TOPS / 2^ENOB.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cosim.e2e.pipeline import run_scenario
from cosim.e2e.report import analyse
from cosim.e2e.scenario import Scenario, ScenarioError
from cosim.power.budget import BOUNDARIES
from cosim.power.pareto import DesignPoint, best_point, pareto_front

SWEEP_N_SYMBOLS = 512
PARETO_BOUNDARY = "network"

Progress = Callable[[str], None]


# ----------------------------------------------------------------- scenario edits
def with_laser_power(sc: Scenario, dbm: float) -> Scenario:
    return sc.updated({"network.transmitter.laser.power_dbm": float(dbm)})


def with_fibre_scale(sc: Scenario, factor: float) -> Scenario:
    links = [link.model_dump(mode="json") for link in sc.network.links]
    for link in links:
        link["length_km"] = link["length_km"] * float(factor)
    return sc.updated({"network.links": links})


def with_symbol_rate(sc: Scenario, gbd: float) -> Scenario:
    grid, dac = sc.network.grid, sc.network.transmitter.dac
    k = float(gbd) / grid.symbol_rate_gbd
    changes: dict[str, Any] = {
        "network.grid.symbol_rate_gbd": float(gbd),
        "network.transmitter.dac.sample_rate_gsps": dac.sample_rate_gsps * k,
    }
    if dac.bandwidth_ghz is not None:
        changes["network.transmitter.dac.bandwidth_ghz"] = dac.bandwidth_ghz * k
    tia = sc.network.receiver.tia
    if tia.bandwidth_ghz is not None:
        changes["network.receiver.tia.bandwidth_ghz"] = tia.bandwidth_ghz * k
    return sc.updated(changes)


def with_core_size(sc: Scenario, n: int) -> Scenario:
    n = int(n)
    nodes = [node.model_dump(mode="json") for node in sc.network.nodes]
    edges = [node for node in nodes if node["kind"] == "edge"]
    first = min(min(node["channels"]) for node in edges)
    for k, node in enumerate(edges):
        node["channels"] = list(range(first + k * n, first + (k + 1) * n))
    changes: dict[str, Any] = {"network.nodes": nodes, "opu.rows": n}
    if sc.network.awg.channels < n * len(edges):
        changes["network.awg.channels"] = n * len(edges)
    if sc.opu.kind == "mrr":
        from circuits.cores import CoreSizeError, mrr_spacing_ghz

        try:
            changes["network.channels.spacing_ghz"] = mrr_spacing_ghz(n)
        except CoreSizeError as e:
            raise ScenarioError(f"core_size = {n}: {e}") from None
    return sc.updated(changes)


def with_converter_bits(sc: Scenario, bits: int) -> Scenario:
    bits = int(bits)
    adc = sc.network.receiver.adc
    changes: dict[str, Any] = {
        "network.transmitter.dac.bits": bits,
        "network.receiver.adc.bits": bits,
    }
    if adc.enob is not None and adc.bits is not None:
        changes["network.receiver.adc.enob"] = max(0.5, bits - (adc.bits - adc.enob))
    return sc.updated(changes)


EDITS: dict[str, Callable[[Scenario, Any], Scenario]] = {
    "laser_power_dbm": with_laser_power,
    "fibre_scale": with_fibre_scale,
    "symbol_rate_gbd": with_symbol_rate,
    "core_size": with_core_size,
    "converter_bits": with_converter_bits,
}
LABELS = {
    "laser_power_dbm": "laser power (dBm)",
    "fibre_scale": "fibre length (x the base network)",
    "symbol_rate_gbd": "symbol rate (GBd)",
    "core_size": "core size N (N x N)",
    "converter_bits": "DAC and ADC bits",
}


def base_value(sc: Scenario, axis: str) -> float:
    """The base scenario's own value on ``axis``."""
    net = sc.network
    return {
        "laser_power_dbm": net.transmitter.laser.power_dbm,
        "fibre_scale": 1.0,
        "symbol_rate_gbd": net.grid.symbol_rate_gbd,
        "core_size": sc.rows,
        "converter_bits": net.receiver.adc.bits or 0,
    }[axis]


@dataclass(frozen=True)
class SweepPlan:
    """Values of every axis; the Pareto grid is laser power x symbol rate x core size."""

    laser_power_dbm: tuple[float, ...] = (0.0, 5.0, 10.0)
    fibre_scale: tuple[float, ...] = (0.5, 1.0, 2.0, 3.0)
    symbol_rate_gbd: tuple[float, ...] = (5.0, 10.0, 20.0)
    core_size: tuple[int, ...] = (2, 3, 4, 5)
    converter_bits: tuple[int, ...] = (4, 6, 8, 10)

    @classmethod
    def quick(cls) -> SweepPlan:
        return cls((0.0, 10.0), (0.5, 1.0, 2.0), (10.0, 20.0), (2, 4), (4, 6, 8))

    def values(self, axis: str, sc: Scenario) -> list[float]:
        """The axis' values with the base scenario's own value included, ascending."""
        return sorted({*getattr(self, axis), base_value(sc, axis)})


# ----------------------------------------------------------------- points
@dataclass
class SweepPoint:
    """One co-simulated design: where it sits on each axis and what it gave."""

    settings: dict[str, float]
    enob: float
    enob_analytic: float
    received_power_dbm: float
    nrmse: float
    tops: float
    mw_per_tops: dict[str, float]
    pj_per_mac: dict[str, float]
    design: DesignPoint

    def row(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.settings)
        out |= {
            "enob": self.enob,
            "enob_analytic": self.enob_analytic,
            "received_power_dbm": self.received_power_dbm,
            "nrmse": self.nrmse,
            "tops": self.tops,
        }
        out |= {f"mw_per_tops_{b}": self.mw_per_tops[b] for b in BOUNDARIES}
        out |= {f"pj_per_mac_{b}": self.pj_per_mac[b] for b in BOUNDARIES}
        return out


def simulate_point(
    sc: Scenario,
    settings: dict[str, float],
    synthesis: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> SweepPoint:
    """Run ``sc`` and reduce it to a :class:`SweepPoint` labelled with ``settings``."""
    result = run_scenario(sc, progress)
    a = analyse(sc, result, synthesis, progress)
    b = a.breakdown
    return SweepPoint(
        settings=dict(settings),
        enob=float(a.summary["enob"]),
        enob_analytic=float(a.enob_analytic),
        received_power_dbm=a.received_power_dbm,
        nrmse=float(a.summary["nrmse"]),
        tops=b.tops,
        mw_per_tops={k: b.mw_per_tops(k) for k in BOUNDARIES},
        pj_per_mac={k: b.pj_per_mac(k) for k in BOUNDARIES},
        design=DesignPoint(
            a.system, float(a.summary["enob"]), b.mw_per_tops(PARETO_BOUNDARY), PARETO_BOUNDARY
        ),
    )


@dataclass
class SweepResult:
    """All points (keyed by their settings), the axes they lie on, and what was skipped."""

    base: Scenario
    plan: SweepPlan
    points: dict[tuple, SweepPoint] = field(default_factory=dict)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def axis(self, axis: str) -> list[SweepPoint]:
        """The points that differ from the base on ``axis`` alone, in axis order."""
        base = {k: base_value(self.base, k) for k in EDITS}
        out = [
            p
            for p in self.points.values()
            if all(p.settings[k] == base[k] for k in EDITS if k != axis)
        ]
        return sorted(out, key=lambda p: p.settings[axis])

    def pareto_points(self) -> list[DesignPoint]:
        """Points of the laser x rate x size grid (other axes at the base)."""
        base = {k: base_value(self.base, k) for k in EDITS}
        grid = {"laser_power_dbm", "symbol_rate_gbd", "core_size"}
        return [
            p.design
            for p in self.points.values()
            if all(p.settings[k] == base[k] for k in EDITS if k not in grid)
        ]

    def front(self) -> list[DesignPoint]:
        return pareto_front(self.pareto_points())

    def best(self) -> DesignPoint:
        return best_point(self.pareto_points())


def _settings_key(settings: dict[str, float]) -> tuple:
    return tuple(settings[k] for k in EDITS)


def planned_settings(base: Scenario, plan: SweepPlan, axes: Sequence[str]) -> list[dict]:
    """Every distinct point: the Pareto grid (when its axes are asked for) and each
    remaining axis varied alone."""
    home = {k: base_value(base, k) for k in EDITS}
    points: dict[tuple, dict] = {}
    grid_axes = ("laser_power_dbm", "symbol_rate_gbd", "core_size")
    varied = [a for a in grid_axes if a in axes]
    for combo in itertools.product(*(plan.values(a, base) for a in varied)):
        s = home | dict(zip(varied, combo, strict=True))
        points[_settings_key(s)] = s
    for a in axes:
        if a in grid_axes:
            continue
        for v in plan.values(a, base):
            s = home | {a: v}
            points[_settings_key(s)] = s
    return list(points.values())


def scenario_at(base: Scenario, settings: dict[str, float]) -> Scenario:
    """The base scenario moved to ``settings`` (axes in :data:`EDITS` order)."""
    sc = base
    for axis, edit in EDITS.items():
        if settings[axis] != base_value(base, axis):
            sc = edit(sc, settings[axis])
    return sc


def run_sweep(
    base: Scenario,
    plan: SweepPlan | None = None,
    axes: Sequence[str] = tuple(EDITS),
    n_symbols: int | None = SWEEP_N_SYMBOLS,
    synthesis: dict[str, Any] | None = None,
    on_point: Callable[[int, int, dict], None] | None = None,
    progress: Progress | None = None,
) -> SweepResult:
    """Co-simulate every planned point of ``axes`` around ``base``.

    ``n_symbols``: record length of every point (None: the base scenario's);
    ``on_point(done, total, settings)`` is called before each point. A point whose
    scenario is invalid (e.g. a core size the core kind cannot take) is skipped and
    listed with the reason in ``SweepResult.skipped``.
    """
    unknown = [a for a in axes if a not in EDITS]
    if unknown:
        raise ValueError(f"axes: unknown {unknown}; choose from {', '.join(EDITS)}")
    plan = plan or SweepPlan()
    if n_symbols is not None:
        base = base.updated({"network.grid.n_symbols": int(n_symbols)})
    if synthesis is None:
        from cosim.e2e.power import control_synthesis

        synthesis = control_synthesis(len(base.edge_nodes))
    out = SweepResult(base=base, plan=plan)
    todo = planned_settings(base, plan, axes)
    for k, settings in enumerate(todo):
        if on_point is not None:
            on_point(k, len(todo), settings)
        try:
            sc = scenario_at(base, settings)
        except ScenarioError as e:
            out.skipped.append({"settings": settings, "reason": str(e)})
            continue
        out.points[_settings_key(settings)] = simulate_point(sc, settings, synthesis, progress)
    if on_point is not None:
        on_point(len(todo), len(todo), {})
    return out


# ----------------------------------------------------------------- outputs
def sweep_record(r: SweepResult) -> dict[str, Any]:
    """JSON-ready record: points, per-axis tables, Pareto front, best point, provenance."""
    pareto = r.pareto_points()
    record: dict[str, Any] = {
        "seed": r.base.seed,
        "scenario_digest": r.base.digest(),
        "n_symbols": r.base.network.grid.n_symbols,
        "note": f"every point uses {r.base.network.grid.n_symbols} symbols per channel "
        "(shortened for speed) and the base seed (common random numbers)",
        "points": [p.row() for p in r.points.values()],
        "axes": {a: [p.row() for p in r.axis(a)] for a in EDITS},
        "skipped": r.skipped,
        "pareto_boundary": PARETO_BOUNDARY,
    }
    if pareto:
        best = r.best()
        record["pareto_front"] = [_design_row(d) for d in r.front()]
        record["best"] = _design_row(best) | {
            "label": best.label(),
            "criterion": "lowest mW/TOPS / 2^ENOB (energy per operation per effective level)",
        }
    return record


def _design_row(d: DesignPoint) -> dict[str, Any]:
    s = d.system
    return {
        "core_size": s.rows,
        "symbol_rate_gbd": s.symbol_rate_gbd,
        "laser_power_dbm": s.laser_power_dbm,
        "enob": d.enob,
        "mw_per_tops": d.mw_per_tops,
    }


def write_csv(r: SweepResult, path: Path) -> Path:
    """One row per point (axes' settings, ENOBs, power figures)."""
    rows = [p.row() for p in r.points.values()]
    with path.open("w", newline="") as fh:
        if rows:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    return path


def axes_figure(r: SweepResult):
    """Simulated and analytic ENOB against every swept axis, one panel each."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    axes = [a for a in EDITS if len(r.axis(a)) > 1]
    cols = min(3, max(1, len(axes)))
    rows = max(1, math.ceil(len(axes) / cols))
    fig = Figure(figsize=(4.2 * cols, 3.4 * rows))
    FigureCanvasAgg(fig)
    for k, a in enumerate(axes):
        ax = fig.add_subplot(rows, cols, k + 1)
        pts = r.axis(a)
        x = [p.received_power_dbm if a == "laser_power_dbm" else p.settings[a] for p in pts]
        ax.plot(x, [p.enob for p in pts], "o-", label="simulated")
        ax.plot(x, [p.enob_analytic for p in pts], "s--", label="analytic (noise only)")
        ax.set_xlabel("received power per channel (dBm)" if a == "laser_power_dbm" else LABELS[a])
        ax.set_ylabel("ENOB (bits)")
        ax.grid(alpha=0.3)
        if k == 0:
            ax.legend(fontsize=7)
    fig.suptitle(f"ENOB sweeps ({r.base.network.grid.n_symbols} symbols per point)", fontsize=10)
    fig.tight_layout()
    return fig


def write_outputs(r: SweepResult, folder: Path) -> dict[str, Path]:
    """sweep.json, sweep.csv, sweep_enob.png, pareto.png and sweep.html into ``folder``."""
    import json

    from cosim.power.plots import pareto_figure
    from cosim.report_page import Figure, Section, Table, Text, tool_versions, write_report

    folder = Path(folder)
    record = sweep_record(r)
    files = {
        "json": folder / "sweep.json",
        "csv": write_csv(r, folder / "sweep.csv"),
        "enob_png": folder / "sweep_enob.png",
        "pareto_png": folder / "pareto.png",
        "html": folder / "sweep.html",
    }
    files["json"].write_text(json.dumps(record, indent=2) + "\n")
    axes_figure(r).savefig(files["enob_png"], dpi=110)
    pareto = r.pareto_points()
    best = r.best() if pareto else None
    sections = [
        Section("what was swept", [Text("sweeps", __doc__ or ""), Text("note", record["note"])]),
        Section("ENOB", [Figure("ENOB against each axis", axes_figure(r))]),
    ]
    if pareto:
        pareto_figure(pareto, r.front(), best).savefig(files["pareto_png"], dpi=110)
        sections.append(
            Section(
                "Pareto front",
                [
                    Figure("mW/TOPS vs ENOB", pareto_figure(pareto, r.front(), best)),
                    Text("best design point", f"{best.label()}; {record['best']['criterion']}"),
                    Table(
                        "front",
                        ["core", "GBd", "laser (dBm)", "ENOB", "mW/TOPS"],
                        [
                            [
                                d["core_size"],
                                d["symbol_rate_gbd"],
                                d["laser_power_dbm"],
                                d["enob"],
                                d["mw_per_tops"],
                            ]
                            for d in record["pareto_front"]
                        ],
                    ),
                ],
            )
        )
    else:
        del files["pareto_png"]
    rows = [p.row() for p in r.points.values()]
    if rows:
        sections.append(
            Section(
                "all points", [Table("points", list(rows[0]), [list(x.values()) for x in rows])]
            )
        )
    if r.skipped:
        sections.append(
            Section(
                "skipped",
                [
                    Table(
                        "skipped points",
                        ["settings", "reason"],
                        [[str(s["settings"]), s["reason"]] for s in r.skipped],
                    )
                ],
            )
        )
    meta = {"seed": r.base.seed, "scenario digest": r.base.digest(), "versions": tool_versions()}
    write_report(files["html"], "opticloud sweep", sections, meta)
    return files


__all__ = [
    "EDITS",
    "SWEEP_N_SYMBOLS",
    "SweepPlan",
    "SweepPoint",
    "SweepResult",
    "axes_figure",
    "planned_settings",
    "run_sweep",
    "scenario_at",
    "simulate_point",
    "sweep_record",
    "with_converter_bits",
    "with_core_size",
    "with_fibre_scale",
    "with_laser_power",
    "with_symbol_rate",
    "write_csv",
    "write_outputs",
]
