"""Coherent Clements mesh / SVD core: layout, extracted netlist, evaluators, programming."""

from __future__ import annotations

import math

import gdsfactory as gf
import jax
import numpy as np
import pytest
from scipy.stats import unitary_group

from circuits.clements_mesh import (
    P_MAX,
    ClementsCore,
    ClementsMeshCore,
    _Builder,
    clements_mesh,
    dac_quantise,
    gaussian_field,
    loss_matched_passthrough,
    mmi_kappa_shift,
    svd_core,
)
from circuits.clements_mesh_analysis import (
    coupler_error_infidelity,
    dac_sweep,
    fidelity,
    phase_error_infidelity,
    plot_enob_vs_dac_bits,
    plot_enob_vs_nonideality,
    plot_infidelity_scaling,
    plot_realised_vs_target,
)
from circuits.core import NonIdealities, OpticalCore
from circuits.fidelity import evaluate
from components.couplers import mmi_2x2, mmi_beat_length, mmi_effective_width
from components.heaters import P_PI, thermal_crosstalk, thermo_optic_phase_shifter
from components.mzi import mzi_2x2_heater
from pdk.drc import run_drc
from pdk.params import value

WL0 = value("constants.wavelength")


@pytest.fixture(scope="module")
def mesh4() -> ClementsMeshCore:
    return ClementsMeshCore(4)


@pytest.fixture(scope="module")
def svd32() -> ClementsCore:
    return ClementsCore(3, 2)


@pytest.fixture(scope="module")
def w32() -> np.ndarray:
    return np.random.default_rng(7).normal(size=(3, 2))


# --- layout ----------------------------------------------------------------------------


def test_layouts_are_drc_clean_with_core_ports(mesh4, svd32):
    for c in (mesh4.layout(), svd32.layout()):
        assert run_drc(c).violations == 0
    c = mesh4.layout()
    optical = sorted(p.name for p in c.ports if p.port_type == "optical")
    assert optical == sorted(f"o{i}" for i in range(1, 9))
    heaters = mesh4.topology.heaters
    assert len(heaters) == 4 * 3 + 4  # theta + phi per MZI, output screen
    electrical = {p.name for p in c.ports if p.port_type == "electrical"}
    assert electrical == {f"{h.name}_{e}" for h in heaters for e in ("e1", "e2")}
    s = svd32.layout()
    assert {f"att_{m}_drop" for m in range(3)} <= {p.name for p in s.ports}


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="n=1"):
        clements_mesh(1)
    with pytest.raises(ValueError, match="rows=65"):
        svd_core(65, 2)
    with pytest.raises(ValueError, match="mode_pitch=30"):
        clements_mesh(3, mode_pitch=30.0)


def test_path_check_catches_a_mismatched_detour():
    """The builder measures every drawn path per column: a detour solved with a wrong bend
    length is refused."""
    b = _Builder(gf.Component(), 3, 40.0)
    b.bend_excess += 0.5
    with pytest.raises(RuntimeError, match="differ from the design"):
        b.mesh("", output_screen=False)


def test_passthrough_dummy_matches_two_mmis_whatever_their_imbalance(mesh4):
    """Split and recombined in phase, the 1x2 pair transmits a^2 + b^2 = 10^(-2 excess / 20)
    in field whatever its imbalance a^2 / b^2: the excess loss of the MZI it replaces."""
    dummy = mesh4.topology.sub_circuits["loss_matched_passthrough"]
    circuit = jax.jit(lambda kw: dummy(**kw))
    expected = 10 ** (-2 * value("mmi.excess_loss") / 20)
    for imbalance_db in (0.0, 0.5, 1.0):
        s = circuit({"wl": WL0, "loss_db_per_cm": 0.0, "imbalance_db": imbalance_db})
        assert abs(complex(s[("o1", "o2")])) == pytest.approx(expected, rel=1e-12)
    assert loss_matched_passthrough(length=500.0).xsize == pytest.approx(500.0, abs=1e-3)


def test_mesh_is_loss_balanced(mesh4):
    """With both losses on, every mode loses the same: the transfer stays a scaled unitary
    (the detour dummies carry the MMIs' excess loss), at the closed-form amplitude."""
    ni = NonIdealities(propagation_loss=True, excess_loss=True)
    settings = mesh4.program(np.eye(4), NonIdealities.ideal())
    sv = np.linalg.svd(mesh4.transfer(settings, ni), compute_uv=False)
    assert sv.max() / sv.min() - 1 < 1e-3
    c = mesh4.layout()
    unit = float(c.info["unit_path_length"])
    ps = float(thermo_optic_phase_shifter().info["optical_length"])
    modelled = 4 * (ps + unit - 2 * mmi_2x2().xsize) + ps  # MMI bodies carry excess loss
    db = 4 * 2 * value("mmi.excess_loss") + value("strip.loss") * modelled * 1e-4
    assert np.mean(sv) == pytest.approx(10 ** (-db / 20), rel=2e-3)


# --- extracted netlist: SAX reference vs structured evaluator ------------------------------


def test_structured_matches_sax_mesh_all_nonidealities(mesh4):
    topo = mesh4.topology
    powers = np.random.default_rng(3).uniform(0, 40, len(topo.heaters))
    ni = NonIdealities.all_on(seed=5)
    a = np.asarray(mesh4.evaluate(powers, mesh4.tables(ni)))
    b = mesh4.sax_evaluate(powers, mesh4.state(ni))
    assert np.max(np.abs(a - b)) <= 1e-9
    assert np.linalg.svd(b, compute_uv=False).max() < 1.0  # lossy and passive


def test_structured_matches_sax_svd_core(svd32, w32):
    ni = NonIdealities.all_on(seed=2, calibration=False)
    settings = svd32.program(w32, ni)
    assert np.max(np.abs(svd32.realised_matrix(settings) - svd32.sax_matrix(settings))) <= 1e-9


def test_structured_evaluator_vmaps_over_power_sets(mesh4):
    tables = mesh4.tables(NonIdealities(thermal_crosstalk=True))
    batch = np.random.default_rng(4).uniform(0, 40, (3, len(mesh4.topology.heaters)))
    together = jax.vmap(mesh4.evaluate, in_axes=(0, None))(batch, tables)
    one_by_one = np.stack([mesh4.evaluate(p, tables) for p in batch])
    np.testing.assert_allclose(together, one_by_one, atol=1e-13)


# --- programming -------------------------------------------------------------------------


def test_ideal_mesh_realises_haar_unitary(mesh4):
    u = unitary_group.rvs(4, random_state=11)
    settings = mesh4.program(u)
    f = evaluate(mesh4.realised_unitary(settings), u)
    assert f.rel_frobenius_error <= 1e-6 and f.fidelity == pytest.approx(1.0, abs=1e-12)
    assert np.all(settings.powers_mw >= 0) and np.all(settings.powers_mw <= P_MAX)


def test_identity_puts_every_theta_heater_at_p_pi(mesh4):
    """Balanced arms: the bar state (theta = pi) takes exactly P_pi (heater.p_pi)."""
    settings = mesh4.program(np.eye(4))
    theta = [i for i, h in enumerate(settings.heaters) if h.startswith("theta")]
    np.testing.assert_allclose(settings.powers_mw[theta], P_PI, rtol=1e-9)
    np.testing.assert_allclose(mesh4.realised_unitary(settings), np.eye(4), atol=1e-12)


def test_ideal_core_off_the_design_wavelength(mesh4):
    """Heater phase scales as lambda0 / lambda: programming at 1560 nm is still exact,
    and the 1550 nm settings are not."""
    core = mesh4.at_wavelength(1.56)
    u = unitary_group.rvs(4, random_state=1)
    settings = core.program(u)
    assert settings.wl == 1.56 and core.topology is mesh4.topology
    np.testing.assert_allclose(core.realised_unitary(settings), u, atol=1e-12)
    assert np.max(np.abs(mesh4.realised_unitary(settings) - u)) > 1e-3


def test_ideal_svd_core_realises_w_and_multiplies(svd32, w32):
    assert isinstance(svd32, OpticalCore)
    settings = svd32.program(w32)
    f = evaluate(svd32.realised_matrix(settings), w32)
    assert f.rel_frobenius_error <= 1e-6
    x = np.random.default_rng(8).uniform(0, 3, (2, 5))
    np.testing.assert_allclose(svd32.matmul(w32, x), w32 @ x, atol=1e-9)
    with pytest.raises(ValueError, match="nonnegative"):
        svd32.matmul(w32, -x)
    with pytest.raises(ValueError, match="shape"):
        svd32.program(w32.T)
    with pytest.raises(ValueError, match="real"):
        svd32.program(w32 * 1j)


def test_dac_quantises_the_drive_voltage():
    r = np.array([1300.0, 1300.0, 900.0])
    p = np.array([0.0, P_MAX, 13.7])
    q = dac_quantise(p, 8, r)
    assert q[0] == 0.0 and q[1] == pytest.approx(P_MAX, rel=1e-12)
    v_step = np.sqrt(P_MAX * 1e-3 * r) / 255
    assert abs(np.sqrt(q[2] * 1e-3 * r[2]) - np.sqrt(p[2] * 1e-3 * r[2])) <= v_step[2] / 2 + 1e-15
    with pytest.raises(ValueError, match="dac_bits"):
        dac_quantise(p, 0, r)


def test_thermal_crosstalk_from_geometry_and_calibrated_away(mesh4):
    """Neighbouring MZIs: the lower one's heater sits 2 pitch - arm separation below the upper
    one's bottom arm, which picks up c(d) of its phase; calibration inverts it."""
    topo = mesh4.topology
    arm_sep = float(mzi_2x2_heater().info["arm_separation"])
    piece = next(i for i, p in enumerate(topo.pieces) if p.path == ("theta_0_0", "sxb"))
    heater = topo.heater_index["theta_0_2"]
    k = topo.k_coef[(topo.k_piece == piece) & (topo.k_heater == heater)]
    assert k == pytest.approx(float(thermal_crosstalk(2 * 40.0 - arm_sep)), rel=1e-9)
    u = unitary_group.rvs(4, random_state=2)
    off = fidelity(mesh4, u, NonIdealities(thermal_crosstalk=True))
    on = fidelity(mesh4, u, NonIdealities(thermal_crosstalk=True, calibration=True))
    assert off.rel_frobenius_error > 1e-3 and on.rel_frobenius_error < 1e-6


def test_calibration_recovers_bits_with_everything_on(svd32, w32):
    raw = fidelity(svd32, w32, NonIdealities.all_on(seed=3, calibration=False))
    cal = fidelity(svd32, w32, NonIdealities.all_on(seed=3))
    assert raw.enob < 3 < 8 < cal.enob  # fabrication scrambles the static phases


def test_dac_bits_limit_enob(svd32, w32):
    results = dac_sweep(svd32, w32, bits=(6, 10))
    assert results[6].enob < results[10].enob < 12
    plot_enob_vs_dac_bits(results)


# --- fabrication -------------------------------------------------------------------------


def test_gaussian_field_has_the_pdk_sigma_and_correlation():
    xi, sigma = 100.0, 5.0
    base = np.stack([np.arange(3000) * 10 * xi, np.zeros(3000)], 1)
    pair = base + np.array([0.0, xi])
    rng = np.random.default_rng(0)
    v = gaussian_field(np.concatenate([base, pair]), sigma, xi, rng)
    a, b = v[:3000], v[3000:]
    assert np.std(a) == pytest.approx(sigma, rel=0.06)
    assert np.corrcoef(a, b)[0, 1] == pytest.approx(math.exp(-0.5), abs=0.05)


def test_mmi_width_error_detunes_the_split():
    """Two-mode picture: kappa = sin^2(pi L / (2 L_pi(W))) with L fixed at L_pi(W0) / 2."""
    w0, dw = value("mmi.width_2x2"), 2e-3
    length = mmi_beat_length(w0) / 2
    kappa = math.sin(math.pi * length / (2 * mmi_beat_length(w0 + dw))) ** 2
    expected = float(mmi_kappa_shift(dw * 1e3, mmi_effective_width(w0)))
    assert kappa - 0.5 == pytest.approx(expected, rel=0.02)


def test_fabrication_draw_is_seeded(svd32):
    from circuits.clements_mesh import device_state

    draws = [
        device_state(svd32.topology, NonIdealities(fabrication=True, seed=s)) for s in (4, 4, 5)
    ]
    assert np.array_equal(draws[0].dt_top, draws[1].dt_top)
    assert not np.array_equal(draws[0].dt_top, draws[2].dt_top)


# --- error laws and plots --------------------------------------------------------------------


def test_uncorrected_error_laws_on_the_layout(mesh4):
    sigma, n = 0.01, 4
    bs = coupler_error_infidelity(mesh4, sigma, samples=48, seed=1)
    ph = phase_error_infidelity(mesh4, sigma, samples=48, seed=1)
    assert bs[0] == pytest.approx(2 * (n - 1) * sigma**2, rel=0.25)
    assert 1 / 1.5 < bs[0] / (1.9 * n * sigma**2) < 1.5  # shared/SYSTEM.md estimate
    assert ph[0] == pytest.approx((n - 1) ** 2 / n * sigma**2, rel=0.2)
    fig = plot_infidelity_scaling([n], [bs], [ph], sigma, sigma)
    assert len(fig.axes) == 2


def test_plots_draw(svd32, w32):
    settings = svd32.program(w32, NonIdealities(dac_bits=6))
    fig = plot_realised_vs_target(w32, svd32.realised_matrix(settings), "6-bit DAC")
    assert len(fig.axes) == 6
    f = evaluate(svd32.realised_matrix(settings), w32)
    fig = plot_enob_vs_nonideality({"6-bit DAC": {"uncalibrated": f, "calibrated": f}})
    assert fig.axes[0].get_ylabel().startswith("ENOB")
