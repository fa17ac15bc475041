"""Figures of the power model (matplotlib, Agg; every function returns a Figure).

Reference lines: the published optical cloud's 118.6 mW/TOPS (Xing et al., Nature
Communications 16:6097, 2025) and an H100's ~354 mW/TOPS (700 W / 1979 dense INT8 TOPS,
NVIDIA H100 datasheet), from :mod:`cosim.power.references`.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cosim.power.budget import BOUNDARIES, BOUNDARY_TEXT, PowerBreakdown
from cosim.power.pareto import DesignPoint
from cosim.power.references import PLOTTED, Reference

_BAR_LABEL = {"opu": "(a) OPU only", "tx": "(b) + edge Tx", "network": "(c) + network"}


def _figure(size: tuple[float, float]) -> Figure:
    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return fig


def _reference_lines(ax, references: Sequence[Reference], horizontal: bool = True) -> None:
    for k, ref in enumerate(references):
        style = {"color": f"C{3 + k}", "ls": "--", "lw": 1.2}
        label = f"{ref.label}: {ref.mw_per_tops:.4g} mW/TOPS"
        if horizontal:
            ax.axhline(ref.mw_per_tops, label=label, **style)
        else:
            ax.axvline(ref.mw_per_tops, label=label, **style)


def breakdown_figure(
    breakdown: PowerBreakdown, references: Sequence[Reference] = PLOTTED
) -> Figure:
    """Stacked bars of mW/TOPS per component, one bar per boundary (a) <= (b) <= (c).

    Each bar stacks the components counted under its boundary; the dashed lines are the
    published reference efficiencies. Components of zero power are left out.
    """
    fig = _figure((8.0, 5.0))
    ax = fig.add_subplot()
    x = range(len(BOUNDARIES))
    names = [c for c in breakdown.components if c.power_mw > 0]
    bottoms = [0.0] * len(BOUNDARIES)
    for k, comp in enumerate(names):
        depth = BOUNDARIES.index(comp.boundary)
        heights = [
            comp.power_mw / breakdown.tops if i >= depth else 0.0 for i in range(len(BOUNDARIES))
        ]
        ax.bar(x, heights, bottom=bottoms, color=f"C{k % 10}", label=comp.name, width=0.6)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    for i, b in enumerate(BOUNDARIES):
        ax.annotate(
            f"{breakdown.mw_per_tops(b):.4g}\n({breakdown.pj_per_mac(b):.3g} pJ/MAC)",
            (i, bottoms[i]),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    _reference_lines(ax, references)
    ax.set_xticks(list(x), [_BAR_LABEL[b] for b in BOUNDARIES])
    ax.set_ylabel("mW/TOPS (= fJ per operation)")
    top = max([*bottoms, *(r.mw_per_tops for r in references)])
    ax.set_ylim(0, 1.18 * top)
    ax.set_title(f"power breakdown at {breakdown.tops:.3g} TOPS")
    ax.legend(fontsize=7, loc="upper left", ncols=2)
    fig.text(
        0.01,
        0.01,
        "; ".join(f"({'abc'[i]}) {BOUNDARY_TEXT[b]}" for i, b in enumerate(BOUNDARIES)),
        fontsize=6,
        wrap=True,
    )
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def pareto_figure(
    points: Sequence[DesignPoint],
    front: Sequence[DesignPoint],
    best: DesignPoint | None = None,
    references: Sequence[Reference] = PLOTTED,
) -> Figure:
    """All design points (mW/TOPS vs ENOB), the Pareto front as a staircase, the best
    point starred and the reference efficiencies as dashed lines."""
    fig = _figure((7.0, 5.0))
    ax = fig.add_subplot()
    sizes = sorted({p.system.rows for p in points})
    for k, n in enumerate(sizes):
        sel = [p for p in points if p.system.rows == n]
        ax.scatter(
            [p.enob for p in sel],
            [p.mw_per_tops for p in sel],
            s=14,
            color=f"C{k % 10}",
            alpha=0.6,
            label=f"{n}x{n} core",
        )
    if front:
        ax.step(
            [p.enob for p in front],
            [p.mw_per_tops for p in front],
            where="pre",  # ENOB in (x_i, x_i+1] costs y_i+1
            color="k",
            lw=1.3,
            label="Pareto front",
        )
    if best is not None:
        ax.scatter(
            [best.enob], [best.mw_per_tops], marker="*", s=220, color="gold", edgecolor="k",
            zorder=5, label=f"best: {best.label()}",
        )  # fmt: skip
    _reference_lines(ax, references)
    ax.set_yscale("log")
    ax.set_xlabel("ENOB (bits)")
    boundary = points[0].boundary if points else "network"
    ax.set_ylabel(f"mW/TOPS, boundary '{boundary}'")
    ax.set_title("efficiency vs precision over laser power, symbol rate and core size")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


__all__ = ["breakdown_figure", "pareto_figure"]
