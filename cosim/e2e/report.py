"""What one co-simulation run means: its figures, metrics.json and the report page.

:func:`analyse` turns a :class:`~cosim.e2e.pipeline.RunResult` into everything the
report shows: the fidelity of ``Y`` against ``W X`` (:mod:`cosim.e2e.metrics`), the
closed-form noise budget of every node (:mod:`cosim.e2e.analytic`) and the electrical
power of the run (:mod:`cosim.e2e.power`, :mod:`cosim.power`). :func:`run_metrics` is
the machine-readable summary (``metrics.json``, keys in :data:`METRIC_KEYS`);
:func:`run_sections` the page (:mod:`cosim.report_page`).

Pooled figures treat every node's outputs alike: the pooled analytic ENOB uses the
range of all ideal outputs and the mean of the nodes' noise variances, as the pooled
simulated ENOB does with the errors (every node has the same number of outputs).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure

from cosim.e2e.analytic import NoiseBudget, analytic_enob
from cosim.e2e.metrics import errors, summary
from cosim.e2e.pipeline import RunResult
from cosim.e2e.power import edfa_output_powers_dbm, power_system
from cosim.e2e.scenario import Scenario
from cosim.power.budget import BOUNDARIES, BOUNDARY_TEXT, PowerBreakdown, power_breakdown
from cosim.power.references import H100_INT8, XING_2025
from cosim.power.system import PowerSystem
from cosim.report_page import Code, Figure, Section, Table, Text

METRIC_KEYS = (
    "enob",
    "nrmse",
    "snr_db",
    "enob_analytic",
    "tops",
    "mw_per_tops",
    "pj_per_mac",
    "nodes",
    "drc_violations",
    "seed",
    "scenario_digest",
    "versions",
)
NODE_KEYS = ("received_power_dbm", "osnr_db", "enob", "nrmse", "snr_db", "enob_analytic")
NOISE_TERMS = ("shot", "tia", "rin", "signal_ase", "ase_ase", "adc", "dac")


@dataclass
class Analysis:
    """A run and what it means: fidelity, noise budget, power."""

    scenario: Scenario
    result: RunResult
    summary: dict[str, Any]  # cosim.e2e.metrics.summary
    analytic: dict[str, NoiseBudget]  # per node
    enob_analytic: float  # pooled
    system: PowerSystem
    breakdown: PowerBreakdown
    synthesis: dict[str, Any]

    @property
    def received_power_dbm(self) -> float:
        """Mean power per channel at the OPU ports over all nodes (dBm)."""
        p = [10 ** (n["received_power_dbm"] / 10) for n in self.summary["nodes"].values()]
        return 10 * math.log10(float(np.mean(p)))


def pooled_analytic_enob(result: RunResult, budgets: Mapping[str, NoiseBudget]) -> float:
    """Closed-form ENOB over all nodes' outputs (bits); see the module docstring."""
    rng = float(np.ptp(np.concatenate([n.Y_ideal for n in result.nodes])))
    var = float(np.mean([budgets[n.node].sigma ** 2 for n in result.nodes]))
    return math.log2(rng / (math.sqrt(12) * max(math.sqrt(var), 1e-300)))


def analyse(
    sc: Scenario,
    result: RunResult,
    synthesis: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Analysis:
    """Fidelity, analytic noise budget and power of ``result`` (a run of ``sc``).

    ``synthesis``: the control logic's Yosys counts (:func:`cosim.e2e.power.control_synthesis`,
    run when None).
    """
    say = progress or (lambda _msg: None)
    say("fidelity")
    fid = summary(result)
    say("analytic noise budget")
    budgets = {n.node: analytic_enob(n, sc) for n in result.nodes}
    for name, b in budgets.items():
        fid["nodes"][name]["enob_analytic"] = b.enob
    say("power")
    if synthesis is None:
        from cosim.e2e.power import control_synthesis

        synthesis = control_synthesis(len(sc.edge_nodes))
    system = power_system(sc, result, synthesis, edfa_output_powers_dbm(sc))
    return Analysis(
        scenario=sc,
        result=result,
        summary=fid,
        analytic=budgets,
        enob_analytic=pooled_analytic_enob(result, budgets),
        system=system,
        breakdown=power_breakdown(system),
        synthesis=synthesis,
    )


def run_metrics(
    a: Analysis, drc_violations: int | None, versions: Mapping[str, str]
) -> dict[str, Any]:
    """The ``metrics.json`` record (keys: :data:`METRIC_KEYS`, per node :data:`NODE_KEYS`)."""
    s, b, sc = a.summary, a.breakdown, a.scenario
    return {
        "enob": s["enob"],
        "nrmse": s["nrmse"],
        "snr_db": s["snr_db"],
        "enob_analytic": a.enob_analytic,
        "tops": b.tops,
        "mw_per_tops": {k: b.mw_per_tops(k) for k in BOUNDARIES},
        "pj_per_mac": {k: b.pj_per_mac(k) for k in BOUNDARIES},
        "nodes": {
            name: {k: _finite_or_none(node[k]) for k in NODE_KEYS}
            for name, node in s["nodes"].items()
        },
        "drc_violations": drc_violations,
        "seed": sc.seed,
        "scenario_digest": sc.digest(),
        "versions": dict(versions),
        "total_mw": {k: b.total_mw(k) for k in BOUNDARIES},
        "n_symbols": a.result.n_symbols,
    }


def _finite_or_none(x: float) -> float | None:
    """JSON has no infinity: an OSNR without any ASE (amplifiers noiseless) is null."""
    return float(x) if math.isfinite(x) else None


# ------------------------------------------------------------------------- figures
def _figure(size: tuple[float, float]) -> MplFigure:
    fig = MplFigure(figsize=size)
    FigureCanvasAgg(fig)
    return fig


def error_histogram(a: Analysis) -> MplFigure:
    """Histogram of all output errors Y - W X with the Gaussian of the same mean and RMS."""
    e = errors(a.result)
    fig = _figure((6.5, 4.0))
    ax = fig.add_subplot()
    ax.hist(e, bins=80, density=True, color="C0", alpha=0.75, label="Y - W X, all outputs")
    mu, sd = float(np.mean(e)), float(np.std(e))
    x = np.linspace(e.min(), e.max(), 400)
    pdf = np.exp(-0.5 * ((x - mu) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
    ax.plot(x, pdf, "k--", lw=1.2, label=f"Gaussian, mean {mu:.3g}, sd {sd:.3g}")
    ax.set_xlabel(f"error (output units; the ideal range is {a.summary['range']:.3g})")
    ax.set_ylabel("probability density")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def realised_vs_ideal(a: Analysis, max_points: int = 4000) -> MplFigure:
    """Scatter of realised Y against ideal W X, one colour per node."""
    fig = _figure((5.5, 5.0))
    ax = fig.add_subplot()
    rng = np.random.default_rng(0)  # which points are drawn, not the data
    lo, hi = math.inf, -math.inf
    for k, n in enumerate(a.result.nodes):
        y0, y = n.Y_ideal.ravel(), n.Y.ravel()
        pick = rng.permutation(y0.size)[: max_points // len(a.result.nodes)]
        ax.scatter(y0[pick], y[pick], s=3, alpha=0.4, color=f"C{k}", label=n.node)
        lo, hi = min(lo, y0.min(), y.min()), max(hi, y0.max(), y.max())
    ax.plot([lo, hi], [lo, hi], "k-", lw=0.8, label="Y = W X")
    ax.set_xlabel("ideal W X")
    ax.set_ylabel("realised Y")
    ax.set_aspect("equal")
    ax.legend(fontsize=8, markerscale=3)
    fig.tight_layout()
    return fig


def bias_bars(a: Analysis) -> MplFigure:
    """Mean error (bias) of every output of every node, with +-1 sigma whiskers."""
    fig = _figure((7.0, 3.8))
    ax = fig.add_subplot()
    nodes = a.result.nodes
    width = 0.8 / len(nodes)
    for k, n in enumerate(nodes):
        e = n.Y - n.Y_ideal
        x = np.arange(e.shape[0]) + (k - (len(nodes) - 1) / 2) * width
        ax.bar(
            x,
            e.mean(axis=1),
            width,
            yerr=e.std(axis=1),
            color=f"C{k}",
            label=n.node,
            error_kw={"lw": 0.8},
        )
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xticks(range(nodes[0].Y.shape[0]))
    ax.set_xlabel("output (row of W)")
    ax.set_ylabel("bias (output units)")
    ax.legend(fontsize=8, ncols=min(4, len(nodes)))
    fig.tight_layout()
    return fig


def core_spectrum(a: Analysis) -> MplFigure:
    """|h|^2 of the first node's first tile across each channel, output 0, every detector."""
    sc = a.scenario
    run = a.result.nodes[0]
    resp = run.tiles[0].response
    f = np.fft.fftshift(resp.offsets_hz) / 1e9
    half = 0.5 * sc.network.channels.spacing_ghz
    keep = np.abs(f) <= half
    fig = _figure((8.5, 4.2))
    ax = fig.add_subplot()
    styles = ("-", "--", ":", "-.")
    for j in range(resp.h.shape[1]):
        for d in range(resp.h.shape[2]):
            p = np.fft.fftshift(np.abs(resp.h[0, j, d]) ** 2)
            sign = "+" if resp.sign[d] > 0 else "-"
            ax.plot(
                f[keep],
                10 * np.log10(np.maximum(p[keep], 1e-12)),
                styles[d % 4],
                color=f"C{j % 10}",
                lw=1.0,
                label=f"ch {j}, detector {d} ({sign})" if d < 4 else None,
            )
    r = sc.network.grid.symbol_rate_gbd
    ax.axvspan(-r / 2, r / 2, color="0.85", zorder=0, label=f"+-R/2 = +-{r / 2:g} GHz")
    ax.set_xlabel("offset from the channel's carrier (GHz)")
    ax.set_ylabel("|h|^2 (dB)")
    flat = " (held flat: evaluated at the carrier)" if resp.flat else ""
    ax.set_title(f"{sc.opu.kind} core, {run.node}, output 0{flat}", fontsize=9)
    ax.legend(fontsize=6, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return fig


def enob_figure(a: Analysis) -> MplFigure:
    """Simulated vs analytic ENOB per node, and the analytic noise terms stacked."""
    nodes = [n.node for n in a.result.nodes]
    x = np.arange(len(nodes))
    fig = _figure((11.0, 4.0))
    ax, bx = fig.subplots(1, 2)
    sim = [a.summary["nodes"][n]["enob"] for n in nodes]
    ana = [a.analytic[n].enob for n in nodes]
    ax.bar(x - 0.2, sim, 0.4, label="simulated")
    ax.bar(x + 0.2, ana, 0.4, label="analytic, noise only")
    ax.set_xticks(x, nodes)
    ax.set_ylabel("ENOB (bits)")
    ax.set_title("ENOB per node", fontsize=9)
    ax.legend(fontsize=8)
    bottom = np.zeros(len(nodes))
    for k, term in enumerate(NOISE_TERMS):
        v = np.array([a.analytic[n].terms.get(term, 0.0) for n in nodes])
        bx.bar(x, v, 0.6, bottom=bottom, color=f"C{k}", label=term)
        bottom += v
    bx.set_xticks(x, nodes)
    bx.set_ylabel("noise variance (output units^2)")
    bx.set_title("analytic noise terms", fontsize=9)
    bx.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return fig


def image_figure(png: Path) -> MplFigure:
    """A PNG (the chip's KLayout rendering) as a figure."""
    import matplotlib.image as mpimg

    img = mpimg.imread(str(png))
    ink = np.argwhere(np.any(img[..., :3] < 0.98, axis=-1))  # crop the white margin
    if ink.size:
        (r0, c0), (r1, c1) = ink.min(axis=0), ink.max(axis=0) + 1
        img = img[r0:r1, c0:c1]
    h, w = img.shape[:2]
    fig = _figure((9.0, 9.0 * h / w))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(img)
    ax.set_axis_off()
    return fig


# ------------------------------------------------------------------------- page
_FIDELITY_COLUMNS = {
    "received_power_dbm": "received (dBm/ch)",
    "osnr_db": "OSNR (dB, 0.1 nm)",
    "enob": "ENOB",
    "enob_analytic": "ENOB analytic",
    "nrmse": "NRMSE",
    "snr_db": "SNR (dB)",
}


def _fidelity_table(a: Analysis) -> Table:
    rows = [[name, *(n[k] for k in _FIDELITY_COLUMNS)] for name, n in a.summary["nodes"].items()]
    pooled = a.summary | {
        "received_power_dbm": a.received_power_dbm,
        "osnr_db": None,
        "enob_analytic": a.enob_analytic,
    }
    rows.append(["pooled", *(pooled[k] for k in _FIDELITY_COLUMNS)])
    return Table(
        "fidelity per node and pooled",
        ["node", *_FIDELITY_COLUMNS.values()],
        rows,
        caption="ENOB = log2(R / (sqrt(12) sigma)), R the range of W X and sigma the RMS error "
        "about each output's mean (the bias is calibratable; see the bias figure); "
        "NRMSE = rms(Y - W X) / R; SNR = mean((W X)^2) / mean((Y - W X)^2). The analytic "
        "ENOB counts noise only (shot, TIA, RIN, signal-ASE, ASE-ASE, ADC, DAC); the gap "
        "to the simulated one is what is not noise: the cores' static weight errors, "
        "dispersion and filtering ISI, crosstalk, fibre nonlinearity.",
    )


def _power_tables(a: Analysis) -> list[Table]:
    b = a.breakdown
    per = Table(
        "efficiency per boundary",
        ["boundary", "counts", "power (mW)", "mW/TOPS", "pJ/MAC"],
        [
            [k, BOUNDARY_TEXT[k], b.total_mw(k), b.mw_per_tops(k), b.pj_per_mac(k)]
            for k in BOUNDARIES
        ],
        caption=f"Throughput {b.tops:.4g} TOPS = 2 x {a.system.rows} rows x {a.system.cols} "
        f"cols x {a.system.symbol_rate_gbd:g} GBd x {a.system.n_opus} OPUs / 1e12 (2 "
        f"operations per MAC). References: {XING_2025.label} {XING_2025.mw_per_tops:g} "
        f"mW/TOPS ({XING_2025.counts}); {H100_INT8.label} {H100_INT8.mw_per_tops:.0f} "
        f"mW/TOPS ({H100_INT8.counts}).",
    )
    total = b.total_mw("network")
    parts = Table(
        "components",
        ["component", "boundary", "count", "power (mW)", "share of (c)", "how"],
        [
            [c.name, c.boundary, c.count, c.power_mw, c.power_mw / total, c.formula]
            for c in b.components
            if c.count or c.power_mw
        ],
        caption="Heater holding powers are those the cores were programmed with; EDFA "
        "outputs come from the link budget (each amplifier once); control logic from "
        f"Yosys: {a.synthesis['cells']} cells ({a.synthesis['flipflops']} flip-flops) per "
        f"controller of {a.synthesis['parameters']['N_RINGS']} heaters.",
    )
    return [per, parts]


def run_sections(
    a: Analysis,
    chip: Mapping[str, Any] | None = None,
    versions: Mapping[str, str] | None = None,
    extra: Sequence[Section] = (),
) -> list[Section]:
    """The report page's sections.

    ``chip``: ``png`` (path), ``drc_violations``, ``kind``/``rows``/``cols`` and
    ``specs`` (list of (cell, passed)) of the OPU die, or None when none was drawn.
    """
    from cosim.power.plots import breakdown_figure

    sc = a.scenario
    intro = Text(
        "what was run",
        f"{len(sc.edge_nodes)} edge nodes send {sc.cols} channels each at "
        f"{sc.network.grid.symbol_rate_gbd:g} GBd over the edge-metro network to "
        f"{sc.n_opus} {sc.opu.kind.upper()} OPUs of {sc.rows} x {sc.cols} at the centre; "
        f"workload {sc.matrix_shape[0]} x {sc.matrix_shape[1]} per node, "
        f"{a.result.n_symbols} symbols per channel, seed {sc.seed}. Every impairment and "
        "device imperfection is as the scenario below sets it.",
    )
    sections = [
        Section("summary", [intro, _fidelity_table(a)]),
        Section(
            "fidelity",
            [
                Figure("error histogram", error_histogram(a)),
                Figure("realised vs ideal", realised_vs_ideal(a)),
                Figure(
                    "per-output bias",
                    bias_bars(a),
                    "bars: mean error of each output; whiskers: its RMS spread",
                ),
                Figure(
                    "core response across the channel",
                    core_spectrum(a),
                    "the programmed core's power transfer to each detector of output 0 "
                    "against the offset from each input channel's carrier; grey: the "
                    "signal band",
                ),
            ],
        ),
        Section(
            "noise: simulated vs analytic",
            [
                Figure("ENOB and noise terms", enob_figure(a)),
                Table(
                    "analytic noise terms (output units^2)",
                    ["node", *NOISE_TERMS, "ENOB"],
                    [
                        [n, *(b.terms.get(t, 0.0) for t in NOISE_TERMS), b.enob]
                        for n, b in a.analytic.items()
                    ],
                ),
            ],
        ),
        Section(
            "power",
            [
                Figure(
                    "power breakdown",
                    breakdown_figure(a.breakdown),
                    "stacked mW/TOPS per component under the three boundaries; dashed: "
                    "published references",
                ),
                *_power_tables(a),
            ],
        ),
    ]
    if chip is not None:
        items: list[Any] = [
            Text(
                "the die",
                f"{chip['kind']} {chip['rows']} x {chip['cols']} OPU: DRC "
                f"{chip['drc_violations']} violations; spec sheets of the library cells it "
                "instantiates checked below.",
            ),
            Figure("OPU chip", image_figure(Path(chip["png"]))),
        ]
        if chip.get("specs"):
            items.append(Table("spec checks", ["cell", "passed"], list(chip["specs"])))
        sections.append(Section("chip", items))
    else:
        sections.append(
            Section("chip", [Text("the die", f"no die layout for a {sc.opu.kind} OPU")])
        )
    sections.extend(extra)
    sections.append(
        Section(
            "scenario",
            [
                Code("scenario.yaml", sc.to_yaml()),
                Table("tool versions", ["tool", "version"], sorted((versions or {}).items())),
            ],
        )
    )
    return sections
