"""Pareto front of mW/TOPS vs ENOB: non-domination, the best point, a sweep and its plot."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from scipy.constants import e as Q_E

from cosim.power import (
    DesignPoint,
    PowerSystem,
    best_point,
    design_grid,
    evaluate,
    pareto_front,
)
from cosim.power.devices import dbm_to_w
from cosim.power.pareto import pareto_mask
from cosim.power.plots import pareto_figure
from pdk.params import value

BASE = PowerSystem(
    rows=8,
    cols=8,
    symbol_rate_gbd=10.0,
    n_opus=4,
    n_edge_nodes=4,
    heater_powers_mw=(value("heater.p_pi_undercut"),) * 256,
    control_gate_count=15293,
    control_flipflop_count=2312,
    control_clock_mhz=156.25,
    edfa_output_powers_dbm=(17.0, 17.0),
)

# ---- analytic ENOB stand-in, local to this test (the real ENOB comes from the co-simulation)
LINK_LOSS_DB = 20.0  # assumed laser-to-detector loss: fibre, mux/demux, core insertion
RING_LOSS_DB = 0.05  # assumed through loss per ring on a bus of cols rings


def enob_shot_thermal(s: PowerSystem) -> float:
    """ENOB of one output from shot + TIA noise at the full-scale photocurrent, combined
    with the ADC's quantisation SNR (6.02 b + 1.76 dB); Nyquist bandwidth R/2."""
    p = dbm_to_w(s.laser_power_dbm - LINK_LOSS_DB - RING_LOSS_DB * s.cols)
    i = value("photodetector.responsivity") * p
    bw = s.symbol_rate / 2
    noise = 2 * Q_E * i * bw + (value("tia.noise_density") * 1e-12) ** 2 * bw
    snr = i**2 / noise
    snr_q = 10 ** ((6.02 * s.adc_bits + 1.76) / 10)
    snr_total = 1 / (1 / snr + 1 / snr_q)
    return (10 * math.log10(snr_total) - 1.76) / 6.02


def dominates(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """(cost, benefit): a no worse in both and strictly better in one."""
    return a[0] <= b[0] and a[1] >= b[1] and (a[0] < b[0] or a[1] > b[1])


# small value sets force ties and exact duplicates
values = st.one_of(st.integers(0, 6).map(float), st.floats(-1e3, 1e3))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.tuples(values, values), min_size=1, max_size=40))
def test_front_is_exactly_the_non_dominated_set(pts):
    cost, benefit = zip(*pts, strict=True)
    mask = pareto_mask(cost, benefit)
    for i, p in enumerate(pts):
        dominated = any(dominates(q, p) for q in pts)
        assert mask[i] == (not dominated)
    front = [p for p, m in zip(pts, mask, strict=True) if m]
    assert front  # a finite set always has a non-dominated point
    assert not any(dominates(q, p) for p in front for q in front)


def test_front_drops_a_dominated_point_and_keeps_ties():
    cost = [1.0, 2.0, 2.0, 3.0, 1.0, 4.0]
    benefit = [5.0, 6.0, 5.5, 6.0, 5.0, 7.0]
    # (2, 5.5) loses to (2, 6); (3, 6) loses to (2, 6); the duplicate (1, 5) stays
    assert pareto_mask(cost, benefit).tolist() == [True, True, False, False, True, True]
    with pytest.raises(ValueError, match="finite"):
        pareto_mask([1.0, math.nan], [1.0, 2.0])


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.floats(1.0, 1e4), st.floats(0.0, 12.0)), min_size=1, max_size=30))
def test_walden_best_point_lies_on_the_front(pts):
    points = [DesignPoint(BASE, enob, mw, "network") for mw, enob in pts]
    best = best_point(points)
    front = pareto_front(points)
    assert any(p.mw_per_tops == best.mw_per_tops and p.enob == best.enob for p in front)
    assert best.walden_fom == min(p.mw_per_tops / 2**p.enob for p in points)


def test_sweep_front_and_best_design():
    systems = design_grid(
        BASE,
        laser_powers_dbm=[0.0, 5.0, 10.0, 15.0],
        symbol_rates_gbd=[2.5, 10.0, 40.0],
        core_sizes=[4, 8, 16, 32],
    )
    assert len(systems) == 48
    # default heaters keep the base's holding power per weight, one heater per weight
    assert all(len(s.heater_powers_mw) == s.rows * s.cols * s.n_opus for s in systems)
    points = evaluate(systems, enob_shot_thermal, boundary="network")
    front = pareto_front(points)
    assert 1 < len(front) < len(points)
    assert not any(dominates((q.mw_per_tops, q.enob), (p.mw_per_tops, p.enob))
                   for p in front for q in points)  # fmt: skip
    # along the front, paying more buys bits
    assert np.all(np.diff([p.mw_per_tops for p in front]) >= 0)
    assert np.all(np.diff([p.enob for p in front]) > 0)

    target = 5.5
    best = best_point(points, enob_target=target)
    reaching = [p for p in points if p.enob >= target]
    assert best.enob >= target
    assert best.mw_per_tops == min(p.mw_per_tops for p in reaching)
    assert best in front
    # unreachable target: the most precise point
    assert best_point(points, enob_target=99).enob == max(p.enob for p in points)

    fig = pareto_figure(points, front, best)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    refs = sorted(line.get_ydata()[0] for line in ax.get_lines() if line.get_linestyle() == "--")
    assert refs == pytest.approx([118.6, 700 / 1979 * 1e3])
    assert any("best" in t.get_text() for t in ax.get_legend().get_texts())
