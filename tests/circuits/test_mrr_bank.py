"""MRR broadcast-and-weight bank: layout, extracted netlist, evaluators, programming.

References independent of the code under test: SAX's generic KLU circuit of the layout
netlist, the closed-form add-drop (Airy) response, energy conservation, the ITU grid
arithmetic, the FSR formula, numerical quadrature of the crosstalk average, Gaussian-field
statistics, and exactness after calibration.
"""

from __future__ import annotations

import math

import gdsfactory as gf
import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy import constants
from scipy.integrate import quad

from circuits import mrr_bank as mb
from circuits import mrr_bank_layout as ml
from circuits.core import NonIdealities, OpticalCore
from components.heaters import thermal_crosstalk
from components.rings import add_drop_cavity, fsr_nm, heater_delta
from pdk.drc import run_drc
from pdk.params import value

CHANNEL_TOL = 1e-6  # relative Frobenius error allowed for exact programming


@pytest.fixture(scope="module")
def bank() -> mb.MrrWeightBank:
    return mb.MrrWeightBank(2, 4)


@pytest.fixture(scope="module")
def single() -> mb.MrrWeightBank:
    return mb.MrrWeightBank(1, 1)


def test_channels_on_itu_grid():
    wl = np.array(ml.channel_wavelengths(5))
    f_ghz = constants.c / (wl * 1e-6) / 1e9
    anchor = value("laser.grid_anchor") * 1e3
    spacing = value("laser.grid_spacing")
    steps = (f_ghz - anchor) / spacing
    assert np.allclose(steps, np.round(steps), atol=1e-6)
    assert np.allclose(np.diff(f_ghz), -spacing, atol=1e-6)  # ascending wavelength
    assert abs(wl.mean() - value("constants.wavelength")) < 1e-3  # centred near 1550 nm


def test_ring_design_interleaves_resonances():
    design = ml.ring_design(8)
    # the drawn rings, read back through the ring model's cavity
    for k, (r, w, wl) in enumerate(
        zip(design.radii, design.widths, design.wavelengths, strict=True)
    ):
        cav = add_drop_cavity(r, design.gap, w)
        res = cav.resonances(wl - 0.0045, wl)
        assert len(res) == 1, f"ring {k}: one resonance within half an FSR below its channel"
        park = (wl - res[0]) * 1e3
        step = 0.8  # nm, one 2 nm width step moves the resonance by less than this
        assert design.margin_nm - 1e-9 <= park <= design.margin_nm + step, (k, park)
    # FSR beyond the N channels (closed form lambda^2 / (n_g L)), one order for all rings
    cav0 = add_drop_cavity(design.radii[0], design.gap, design.widths[0])
    fsr = fsr_nm(cav0.circumference, value("strip.n_g"), design.wavelengths[0])
    assert fsr > 8 * design.spacing_nm
    # radius + width fixed: every drawn ring has its drop bus at the same height
    heights = {
        round(c.ports["o3"].y - c.ports["o1"].y, 4)
        for c in (
            ml.ring_add_drop_heater(radius=r, gap=design.gap, width=w)
            for r, w in zip(design.radii, design.widths, strict=True)
        )
    }
    assert len(heights) == 1


def test_channel_count_limited_by_fsr():
    n = ml.max_channels()
    assert 15 <= n <= 25
    with pytest.raises(ValueError, match=f"cols={n + 1}"):
        ml.ring_design(n + 1)


def test_layout_is_drc_clean_with_ports(bank):
    c = bank.layout()
    assert run_drc(c).violations == 0
    names = {p.name for p in c.ports}
    for r in range(bank.rows):
        assert {f"pd{r}_e1", f"pd{r}_e2", f"pd{r}_e3"} <= names
        for k in range(bank.cols):
            assert {f"h{r}_{k}_e1", f"h{r}_{k}_e2"} <= names
    assert "o1" in names
    # neighbouring heater rings keep heater.crosstalk_distance between them
    centres = bank.topology.centres
    gap = np.diff(centres[..., 0], axis=1) - 2 * (
        max(bank.design.radii) + max(bank.design.widths) / 2 + value("heater.width") / 2
    )
    assert gap.min() >= value("heater.crosstalk_distance") - 1e-6


def test_unbalanced_tree_layout_and_shares():
    b3 = mb.MrrWeightBank(3, 2)
    assert run_drc(b3.layout()).violations == 0
    topo = b3.topology
    assert len(topo.splitters) == 2
    assert not any(n.startswith("bpd") for n in topo.netlist["instances"])
    assert tuple(b3.depths) == (2, 2, 1)
    # lossless bank, every ring anti-resonant: each row's detectors get its splitter share
    st = b3.state(NonIdealities.ideal())
    far = b3.resonance_offsets(st) + b3.wavelengths / 2
    power = np.abs(np.asarray(b3.fields(st, far, b3.wavelengths))) ** 2
    share = power.sum(axis=-1)  # drop + through per row and channel
    assert np.allclose(share, 2.0 ** -b3.depths[:, None], atol=1e-3)
    assert np.allclose(share.sum(axis=0), 1.0, atol=1e-12)  # lossless: nothing else leaves


def test_structured_matches_sax_with_nonidealities(bank):
    ni = NonIdealities.all_on(seed=5)
    rng = np.random.default_rng(11)
    powers = rng.uniform(0.0, 20.0, (bank.rows, bank.cols))
    wl = np.concatenate([bank.wavelengths, bank.wavelengths + 2.5e-5, [1.5472]])
    fast = np.asarray(mb.structured_fn(bank, ni)(powers, wl))
    ref = mb.sax_fn(bank, ni)(powers, wl)
    assert fast.shape == ref.shape == (bank.rows, wl.size, 2)
    assert np.max(np.abs(fast - ref)) <= 1e-9
    assert np.max(np.abs(ref)) > 0.1  # a live circuit, not zeros on both sides


def test_single_ring_matches_closed_form(single):
    """Lossless single ring: P_drop - P_through from the add-drop (Airy) formula."""
    st = single.state(NonIdealities.ideal())
    cav = add_drop_cavity(single.design.radii[0], single.design.gap, single.design.widths[0])
    wl = single.wavelengths
    on = float(single.resonance_offsets(st)[0, 0] / heater_delta(1.0))  # mW onto the channel
    powers = on + np.linspace(-2.0, 0.5, 26)
    (t1, k1), (t2, k2) = ((float(a[0]), float(b[0])) for a, b in cav.couplings(wl))
    path = float(cav.index(wl, value("constants.temperature"))[0]) * cav.circumference
    expect = []
    for p in powers:
        phi = 2 * np.pi * (path + float(heater_delta(p))) / wl[0]
        den = 1 - 2 * t1 * t2 * np.cos(phi) + (t1 * t2) ** 2
        drop = k1**2 * k2**2 / den
        thr = (t1**2 - 2 * t1 * t2 * np.cos(phi) + t2**2) / den
        expect.append(drop - thr)
    got = [
        float(single.balanced(st, np.full((1, 1), float(heater_delta(p))))[0, 0]) for p in powers
    ]
    assert np.allclose(got, expect, atol=1e-12)
    assert max(expect) > 0.99 and min(expect) < -0.9  # the sweep crosses the resonance


def test_closed_form_inversion_exact_for_one_ring(single):
    st = single.state(NonIdealities.ideal())
    for w in (-0.9, -0.3, 0.0, 0.4, 0.95):
        delta = single.isolated_offsets(st, np.full((1, 1), w))
        assert float(single.balanced(st, delta)[0, 0]) == pytest.approx(w, abs=1e-11)


def test_lossless_row_conserves_energy(bank):
    st = bank.state(NonIdealities.ideal())
    rng = np.random.default_rng(3)
    delta = heater_delta(rng.uniform(0.0, 10.0, (bank.rows, bank.cols)))
    wl = np.linspace(bank.wavelengths[0] - 0.001, bank.wavelengths[-1] + 0.001, 15)
    p = np.abs(np.asarray(bank.fields(st, delta, wl))) ** 2
    assert np.allclose(p.sum(axis=(0, 2)), 1.0, atol=1e-12)
    lossy = bank.state(NonIdealities(propagation_loss=True, excess_loss=True))
    p = np.abs(np.asarray(bank.fields(lossy, delta, wl))) ** 2
    assert np.all(p.sum(axis=(0, 2)) < 1.0)


def test_program_ideal_exact_and_confirmed_by_sax(bank):
    W = bank.random_target(0)
    s = bank.program(W)
    realised = bank.realised_matrix(s)
    err = np.linalg.norm(realised - W) / np.linalg.norm(W)
    assert err <= CHANNEL_TOL
    assert s.residual <= 1e-9
    assert np.all(s.powers_mw >= 0) and np.all(s.powers_mw <= value("heater.max_power"))
    assert np.linalg.norm(bank.sax_matrix(s) - W) / np.linalg.norm(W) <= CHANNEL_TOL
    assert 0.5 < bank.full_scale_derating() < 1.0


def test_joint_solve_removes_interchannel_crosstalk(bank):
    """Programming each ring as if alone leaves percent-level errors; the joint solve none."""
    W = bank.random_target(1)
    st = bank.state(NonIdealities.ideal())
    target = W * bank._row_norm(NonIdealities.ideal())[:, None]
    alone = np.asarray(bank.balanced(st, bank.isolated_offsets(st, target)))
    joint, residual, _ = bank.solve_offsets(st, target)
    assert np.max(np.abs(alone - target)) > 1e-3
    assert np.max(np.abs(np.asarray(bank.balanced(st, joint)) - target)) < 1e-10
    assert residual < 1e-10


def test_crosstalk_matrix_against_quadrature(bank):
    c = bank.row_crosstalk
    assert np.allclose(c, c.T, atol=1e-4)  # near-equal radii
    assert np.allclose(np.diag(c), 1.0)
    centres = bank.topology.centres[0]
    d = float(np.linalg.norm(centres[1] - centres[0]))
    r0, r1 = bank.design.radii[0], bank.design.radii[1]

    def integrand(theta: float) -> float:
        p = np.array([r0 * math.cos(theta), r0 * math.sin(theta)])
        return float(thermal_crosstalk(abs(np.linalg.norm(p - np.array([d, 0.0])) - r1)))

    expect = quad(integrand, 0, 2 * math.pi, limit=200)[0] / (2 * math.pi)
    assert c[0, 1] == pytest.approx(expect, rel=1e-3)
    assert c[0, 2] < c[0, 1] and 1e-4 < c[0, 1] < 0.1
    assert bank.inter_row_crosstalk() < 1e-5  # why rows are treated as independent


def test_thermal_crosstalk_undone_by_calibration(bank):
    W = bank.random_target(2)
    raw = bank.program(W, NonIdealities(thermal_crosstalk=True))
    cal = bank.program(W, NonIdealities(thermal_crosstalk=True, calibration=True))
    err = [np.linalg.norm(bank.realised_matrix(s) - W) / np.linalg.norm(W) for s in (raw, cal)]
    assert err[0] > 1e-2
    assert err[1] <= CHANNEL_TOL


def test_fabrication_seeded_and_calibrated(bank):
    W = bank.random_target(3)
    ni = NonIdealities(fabrication=True, seed=7)
    raw = bank.realised_matrix(bank.program(W, ni))
    again = bank.realised_matrix(bank.program(W, ni))
    other = bank.realised_matrix(bank.program(W, NonIdealities(fabrication=True, seed=8)))
    assert np.array_equal(raw, again)
    assert not np.allclose(raw, other)
    assert np.linalg.norm(raw - W) / np.linalg.norm(W) > 0.1
    cal = bank.program(W, NonIdealities(fabrication=True, calibration=True, seed=7))
    assert np.linalg.norm(bank.realised_matrix(cal) - W) / np.linalg.norm(W) <= CHANNEL_TOL
    assert np.all(cal.powers_mw <= value("heater.max_power"))


def test_gaussian_field_statistics():
    """Variance sigma^2 and correlation exp(-d^2 / (2 xi^2)) of the fabrication field."""
    pts = np.array([[0.0, 0.0], [300.0, 0.0], [3000.0, 0.0]])
    rng = np.random.default_rng(0)
    xi = 1000.0
    draws = np.array([mb.gaussian_field(pts, 2.0, xi, rng) for _ in range(4000)])
    assert np.allclose(draws.std(axis=0), 2.0, rtol=0.05)
    corr = np.corrcoef(draws.T)
    for j in (1, 2):
        assert corr[0, j] == pytest.approx(math.exp(-(pts[j, 0] ** 2) / (2 * xi**2)), abs=0.05)


def test_splitter_imbalance_trimmed_by_calibration(bank):
    W = bank.random_target(4)
    ni = NonIdealities(coupler_imbalance=True, seed=1)
    raw = bank.realised_matrix(bank.program(W, ni))
    assert np.linalg.norm(raw - W) / np.linalg.norm(W) > 1e-4
    cal = bank.program(W, NonIdealities(coupler_imbalance=True, calibration=True, seed=1))
    assert np.linalg.norm(bank.realised_matrix(cal) - W) / np.linalg.norm(W) <= CHANNEL_TOL


def test_dac_quantisation(bank):
    r = bank.topology.heater_resistance
    volts = np.linspace(0.0, math.sqrt(value("heater.max_power") * 1e-3 * r[0]), 7)[:, None]
    q = mb.quantise_voltage(volts, r[:1], 4)
    lsb = math.sqrt(value("heater.max_power") * 1e-3 * r[0]) / 15
    assert np.all(np.abs(q - volts) <= lsb / 2 + 1e-12)
    assert np.allclose(q / lsb, np.round(q / lsb))
    with pytest.raises(ValueError, match="dac_bits"):
        mb.quantise_voltage(volts, r[:1], 0)
    enob = [
        bank.fidelity(NonIdealities(dac_bits=b, calibration=True), seed=0).enob for b in (8, 16)
    ]
    assert enob[0] < enob[1]
    assert 1.0 < enob[0] < 8.0


def test_matmul_signed_outputs_and_input_checks(bank):
    W = bank.random_target(5)
    W[0] = -np.abs(W[0])
    X = np.random.default_rng(0).uniform(0.0, 1.0, (bank.cols, 3))
    y = bank.matmul(W, X)
    assert np.allclose(y, W @ X, atol=1e-9)
    assert np.all(y[0] < 0)
    s = bank.program(W)
    current = bank.photocurrents(s, X)  # mA for mW inputs
    assert np.allclose(current, value("photodetector.responsivity") * s.row_norm[:, None] * y)
    with pytest.raises(ValueError, match="nonnegative"):
        bank.matmul(W, -X)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        bank.matmul(2 * np.ones_like(W), X)
    with pytest.raises(ValueError, match="shape"):
        bank.program(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="rows"):
        mb.MrrWeightBank(0, 4)


def test_heater_budget_favours_interleaved_rings(bank):
    budget = bank.heater_budget()
    assert 0 < budget["mean_mw"] < budget["equal_rings_mean_mw"]
    assert budget["max_mw"] <= value("heater.max_power")


def test_core_protocol_and_plots(bank):
    assert isinstance(bank, OpticalCore)
    s = bank.program(bank.random_target(6))
    figs = [
        mb.plot_spectra(bank, s, points=16),
        mb.plot_matrices(s.target, bank.realised_matrix(s)),
        mb.plot_enob_by_nonideality(
            {
                "ideal": {"uncalibrated": 30.0, "calibrated": 30.0},
                "all": {"uncalibrated": -1.0, "calibrated": 5.0},
            },
            {8: 2.0, 12: 6.0},
        ),
        mb.plot_enob_vs_size({2: 9.0, 4: 8.5}),
    ]
    assert all(isinstance(f, Figure) and f.axes for f in figs)
    results = mb.enob_by_nonideality(bank, seeds=(0,), dac_bits=12)
    assert results["ideal"]["uncalibrated"] == mb.ENOB_CAP
    assert results["fabrication"]["uncalibrated"] < 2 < results["fabrication"]["calibrated"]


def test_topology_refuses_a_netlist_without_the_rings():
    c = gf.Component()
    c.info["rows"], c.info["cols"] = 1, 1
    with pytest.raises(ValueError, match="no add-drop ring instance ring_0_0"):
        mb.bank_topology(c)
