"""Stacked-bar breakdown: bars add up to the boundary totals; reference lines drawn."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from cosim.power import BOUNDARIES, PowerSystem, power_breakdown
from cosim.power.plots import breakdown_figure


def test_breakdown_bars_sum_to_each_boundary_and_show_references(tmp_path):
    s = PowerSystem(
        rows=8,
        cols=8,
        symbol_rate_gbd=10.0,
        n_opus=4,
        n_edge_nodes=4,
        heater_powers_mw=(22.0,) * 256,
        control_gate_count=15293,
        control_clock_mhz=156.25,
        edfa_output_powers_dbm=(17.0,),
    )
    bd = power_breakdown(s)
    fig = breakdown_figure(bd)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    stacks = [0.0] * len(BOUNDARIES)
    for patch in ax.patches:
        stacks[round(patch.get_x() + patch.get_width() / 2)] += patch.get_height()
    assert stacks == pytest.approx([bd.mw_per_tops(b) for b in BOUNDARIES], rel=1e-12)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "weight_lasers" not in labels  # zero-power components are not drawn
    assert "heaters" in labels and "edfa_pumps" in labels
    # published optical cloud (Xing 2025) and H100 dense INT8 (700 W / 1979 TOPS)
    refs = sorted(line.get_ydata()[0] for line in ax.get_lines())
    assert refs == pytest.approx([118.6, 353.71], abs=0.01)
    path = tmp_path / "breakdown.png"
    fig.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
