"""MZI weight bank: layout, layout-extracted SAX circuit vs structured evaluator,
programming, non-idealities and calibration (2 x 4: the SAX reference stays small)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from circuits import mzi_bank as mb
from circuits.core import NonIdealities, OpticalCore
from circuits.wdm_common import (
    DN_DH,
    DN_DW,
    THICKNESS_SIGMA,
    WIDTH_SIGMA,
    dual_heater_drive,
    heater_crosstalk,
    index_deviation,
    quantise_power,
)
from components.awg import awgr_transmission
from components.heaters import P_PI
from components.mzi import mzi_2x2_heater_model
from pdk.drc import run_drc

M, N = 2, 4


@pytest.fixture(scope="module")
def bank() -> mb.MziBank:
    return mb.MziBank(M, N)


def test_layout_is_drc_clean_and_brings_out_every_port(bank):
    c = bank.layout()
    assert run_drc(c).violations == 0
    names = {p.name for p in c.ports}
    assert "in" in names and c.ports["in"].port_type == "optical"
    heaters = [n for n in names if n.startswith("heater_")]
    pds = [n for n in names if n.startswith("pd_")]
    assert len(heaters) == 4 * M * N and len(pds) == 3 * M * N
    assert all(c.ports[n].port_type == "electrical" for n in heaters + pds)


@pytest.mark.parametrize(("rows", "cols", "bad"), [(3, 4, "rows=3"), (2, 1, "cols=1")])
def test_sizes_are_checked(rows, cols, bad):
    with pytest.raises(ValueError, match=bad):
        mb.MziBank(rows, cols)


def test_core_protocol_and_topology(bank):
    assert isinstance(bank, OpticalCore) and bank.kind == "mzi"
    topo = bank.topology
    # channel j leaves the demux (input 0) at output q = -j mod N (components.awg routing)
    np.testing.assert_array_equal(topo.demux_output, (-np.arange(N)) % N)
    assert len(topo.splitters) == N * (M - 1)


def _random_state(topo, seed):
    rng = np.random.default_rng(seed)
    dev = mb.device(topo, NonIdealities.all_on(seed=seed), router_tuning_k=0.7)
    return mb.device_state(rng.uniform(0, 30, (M, N)), rng.uniform(0, 30, (M, N)), dev)


def _wavelengths(topo):
    """The comb and one line between two channels."""
    return np.concatenate([topo.wavelengths, [topo.wavelengths[0] + 2e-4]])


def test_structured_evaluator_matches_sax_of_the_layout_netlist(bank):
    topo = bank.topology
    state = _random_state(topo, 3)
    wl = _wavelengths(topo)
    fast = np.asarray(mb.structured_fn(M, N)(state, wl))
    ref = mb.sax_fields(topo, state, wl)
    assert np.max(np.abs(fast)) > 0.1
    np.testing.assert_allclose(fast, ref, atol=1e-9, rtol=0)


def test_mzi_transfer_is_the_mzi_model_and_its_closed_form():
    """The structured MZI (MMIs + arms from the MZI's own netlist) equals the registered
    mzi_2x2_heater model (SAX circuit of the MZI layout) and, ideal, the closed form
    T_cross - T_bar = cos(theta), theta = pi (P_top - P_bottom) / P_pi."""
    rng = np.random.default_rng(5)
    top, bottom = rng.uniform(0, 40, (1, 3)), rng.uniform(0, 40, (1, 3))
    imb = rng.normal(0, 0.3, (1, 3))
    state = {
        "power_top": jnp.asarray(top),
        "power_bottom": jnp.asarray(bottom),
        "mzi_imbalance_db": jnp.asarray(imb),
        "mzi_excess_db": jnp.full((1, 3), 0.2),
    }
    wl = jnp.asarray([1.5483, 1.55, 1.5512])
    fields = np.asarray(mb._mzi_fields(state, wl, jnp.asarray(1.5)))
    for k in range(3):
        s = mzi_2x2_heater_model(
            heater_on_both_arms=True,
            wl=np.asarray(wl),
            power_top=top[0, k],
            power_bottom=bottom[0, k],
            imbalance_db=imb[0, k],
            excess_loss_db=0.2,
            loss_db_per_cm=1.5,
        )
        np.testing.assert_allclose(fields[0, k, 0], s[("o1", "o3")], atol=1e-12)
        np.testing.assert_allclose(fields[0, k, 1], s[("o1", "o4")], atol=1e-12)
    ideal = {**state, "mzi_imbalance_db": jnp.zeros((1, 3)), "mzi_excess_db": jnp.zeros((1, 3))}
    p = np.abs(np.asarray(mb._mzi_fields(ideal, jnp.asarray([1.55]), jnp.asarray(0.0)))) ** 2
    theta = np.pi * (top - bottom) / P_PI
    np.testing.assert_allclose(p[..., 0, 0] - p[..., 1, 0], np.cos(theta), atol=1e-12)
    np.testing.assert_allclose(p[..., 0, 0] + p[..., 1, 0], 1.0, atol=1e-12)


def test_lossless_bank_conserves_the_demuxed_power(bank):
    """Ideal MMIs, lossless MZIs and routes: the power reaching the 2 M N detectors at
    each wavelength is exactly what the demux (awgr model) delivers to its N outputs."""
    topo = bank.topology
    rng = np.random.default_rng(7)
    state = mb.ideal_state(topo, rng.uniform(0, 40, (M, N)), rng.uniform(0, 40, (M, N)))
    wl = _wavelengths(topo)
    detected = np.sum(np.abs(np.asarray(mb.structured_fn(M, N)(state, wl))) ** 2, axis=(0, 1, 2))
    r = state["router"]
    a = np.asarray(
        awgr_transmission(
            wl,
            channels=N,
            temperature=r["temperature"],
            insertion_loss_db=r["insertion_loss_db"],
            crosstalk_adjacent_db=r["crosstalk_adjacent_db"],
            crosstalk_nonadjacent_db=r["crosstalk_nonadjacent_db"],
        )
    )
    np.testing.assert_allclose(detected, np.sum(np.abs(a[:, 0, :]) ** 2, axis=1), rtol=1e-12)


def test_ideal_programming_realises_the_target(bank):
    w = mb.random_target(M, N, seed=11)
    settings = bank.program(w)
    assert bank.fidelity(W=w).rel_frobenius_error <= 1e-6
    assert np.all(settings.power_top >= 0) and np.all(settings.power_bottom >= 0)
    assert np.all(settings.power_top + settings.power_bottom <= P_PI * 1.01)  # |theta| <= pi
    x = np.random.default_rng(1).uniform(0, 1, (N, 3))
    np.testing.assert_allclose(bank.matmul(w, x), w @ x, atol=1e-6)
    with pytest.raises(ValueError, match="nonnegative"):
        bank.matmul(w, -x)
    with pytest.raises(ValueError, match=r"shape \(2, 4\)"):
        bank.program(np.ones((4, 2)))


def test_sax_matrix_equals_the_structured_matrix_with_everything_on(bank):
    ni = NonIdealities.all_on(dac_bits=10, seed=2)
    settings = bank.program(mb.random_target(M, N, 2), ni)
    np.testing.assert_allclose(
        bank.sax_matrix(settings, ni), bank.realised_matrix(settings, ni), atol=1e-9, rtol=0
    )


@pytest.mark.parametrize(
    "switch",
    ["propagation_loss", "excess_loss", "coupler_imbalance", "thermal_crosstalk", "fabrication"],
)
def test_each_nonideality_costs_accuracy_and_calibration_undoes_it(bank, switch):
    w = mb.random_target(M, N, seed=4)
    raw = bank.fidelity(NonIdealities(**{switch: True}, seed=4), W=w)
    cal = bank.fidelity(NonIdealities(**{switch: True}, calibration=True, seed=4), W=w)
    assert raw.rel_frobenius_error > 1e-4
    assert cal.rel_frobenius_error <= 1e-9


def test_dac_quantisation_is_not_undone(bank):
    w = mb.random_target(M, N, seed=6)
    errs = [bank.fidelity(NonIdealities(dac_bits=b, calibration=True), W=w).enob for b in (6, 10)]
    assert 2 < errs[0] < errs[1] < 20  # finer DAC, more bits; never exact


def test_quantise_power_uses_uniform_voltage_codes():
    r = 1000.0
    p = np.array([0.0, 1.0, 22.0, 59.9])
    q = quantise_power(p, r, bits=4)
    v_fs = np.sqrt(60e-3 * r)
    codes = np.sqrt(q * 1e-3 * r) / (v_fs / 15)
    np.testing.assert_allclose(codes, np.round(codes), atol=1e-9)
    np.testing.assert_allclose(quantise_power(p, r, None), p)
    with pytest.raises(ValueError, match="heater power 61"):
        quantise_power([61.0], r, 8)


def test_dual_heater_drive_inverts_the_crosstalk():
    xy = np.array([[0, 0], [0, 8], [0, 70], [0, 78]], float)  # two MZIs: top, bottom arms
    c = heater_crosstalk(np.vstack([xy[[0, 2]], xy[[1, 3]]]))
    theta = np.array([1.2, -0.4])
    top, bottom = dual_heater_drive(theta, c)
    u = np.concatenate([top, bottom]) * np.pi / P_PI
    phases = c @ u
    np.testing.assert_allclose(phases[:2] - phases[2:], theta, atol=1e-12)
    assert np.all(top >= 0) and np.all(bottom >= 0) and top[1] == 0 and bottom[0] == 0


def test_index_deviation_statistics():
    """Variance (dn/dw sigma_w)^2 + (dn/dh sigma_h)^2 at a point; two points far apart
    (10 correlation lengths) are independent, two close ones nearly identical."""
    pts = np.array([[0.0, 0.0], [50.0, 0.0], [45000.0, 0.0]])
    draws = np.array([index_deviation(pts, np.random.default_rng(s)) for s in range(3000)])
    var = (DN_DW * WIDTH_SIGMA) ** 2 + (DN_DH * THICKNESS_SIGMA) ** 2
    assert np.var(draws[:, 0]) == pytest.approx(var, rel=0.08)
    corr = np.corrcoef(draws.T)
    assert corr[0, 1] > 0.999 and abs(corr[0, 2]) < 0.08


def test_plots_draw(bank):
    settings = bank.program(mb.random_target(M, N, 0))
    figs = [
        mb.plot_realised_vs_target(bank, NonIdealities(dac_bits=6)),
        mb.plot_enob_vs_nonideality(bank),
        mb.plot_enob_vs_dac_bits(bank, bits=(6, 10)),
        mb.plot_enob_vs_size(shapes=((M, N),)),
        mb.plot_spectra(bank, settings, points=41),
    ]
    assert all(f.axes for f in figs)
