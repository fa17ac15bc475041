"""AWG mux/demux/ROADM and the analytic budget against closed forms and the waveforms."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.constants import h

from cosim.link.amplifier import edfa
from cosim.link.awg import centre_transmission
from cosim.link.budget import OSNR_REFERENCE_BANDWIDTH, cascade
from cosim.link.chain import propagate
from cosim.link.config import AttenuatorStage, DemuxStage, EdfaStage, FibreStage
from cosim.link.field import Grid, OpticalField, mean_power
from cosim.link.wdm import demux, mux, roadm_express
from pdk.params import value

GRID = Grid(10e9, 16, 512)
SPACING = 100e9
NU = 193.1e12 + SPACING * np.arange(5)


def cw(powers_w) -> OpticalField:
    amp = np.sqrt(np.asarray(powers_w, dtype=float))[:, None] * np.ones(GRID.n_samples)
    return OpticalField(ex=jnp.asarray(amp, complex), nu=jnp.asarray(NU[: len(powers_w)]))


def test_awg_insertion_loss_and_express_path():
    """Each channel loses at least the router's calibrated centre loss awg.insertion_loss
    and at most that plus its loss non-uniformity (outer ports, ~3 dB for the drawn
    8-port router, components.awg.router_metrics); the express path twice as much."""
    router = DemuxStage(passband=False).router()
    nu = tuple(float(v) for v in NU[:3])
    t = centre_transmission(router, nu)
    il = value("awg.insertion_loss")  # dB, Si AWG
    assert np.all(-10 * np.log10(t) > il - 0.01)
    assert np.all(-10 * np.log10(t) < il + 3.1)
    field = cw([1e-3] * 3)
    np.testing.assert_allclose(np.asarray(mean_power(mux(field, GRID, router, nu))), 1e-3 * t)
    got = np.asarray(mean_power(roadm_express(field, GRID, router, nu)))
    np.testing.assert_allclose(got, 1e-3 * t**2, rtol=1e-12)


def test_demux_crosstalk_levels():
    """Only channel 2 lit: its neighbours' ports get about the adjacent crosstalk floor,
    the others the non-adjacent one, relative to what channel 2's own port receives."""
    router = DemuxStage().router()
    nu = tuple(float(v) for v in NU)
    out = demux(cw([0, 0, 1e-3, 0, 0]), GRID, router, nu)
    own = centre_transmission(router, nu)[2]
    leak = np.asarray(jnp.mean(out.p_incoherent, axis=-1))
    assert leak[2] == 0.0
    xt = 10 * np.log10(leak[[0, 1, 3, 4]] / (1e-3 * own))
    adj, far = value("awg.crosstalk_adjacent"), value("awg.crosstalk_nonadjacent")
    # the drawn router's own sidelobes and the outer ports' extra loss move the
    # floors by up to ~1.5 dB (components.awg.router_metrics: worst pairs)
    np.testing.assert_allclose(xt[[1, 2]], adj, atol=1.5)
    np.testing.assert_allclose(xt[[0, 3]], far, atol=2.0)


def test_osnr_of_one_amplifier_is_58_plus_pin_minus_nf():
    """Textbook rule: OSNR(0.1 nm) = 58 dB + P_in[dBm] - NF[dB] at high gain, 1550 nm."""
    p_in_dbm, nf = -20.0, 5.0
    b = cascade(
        (EdfaStage(gain_db=30.0, noise_figure_db=nf),),
        np.array([1e-3 * 10 ** (p_in_dbm / 10)]),
        np.array([NU[0]]),
        GRID,
        SPACING,
    )
    assert float(b.final.osnr_db[0]) == pytest.approx(58 + p_in_dbm - nf, abs=0.1)
    exact = 10 * math.log10(1e-5 / (10 ** (nf / 10) * h * NU[0] * OSNR_REFERENCE_BANDWIDTH))
    assert float(b.final.osnr_db[0]) == pytest.approx(exact, abs=0.01)


def test_cascaded_osnr_adds_reciprocally():
    """1/OSNR_total = sum 1/OSNR_i for spans each compensated by their amplifier."""
    span, amp = FibreStage(length_km=80.0), EdfaStage(gain_db=16.0)
    p0 = np.array([1e-3])
    one = cascade((span, amp), p0, NU[:1], GRID, SPACING).final.osnr_db[0]
    three = cascade((span, amp) * 3, p0, NU[:1], GRID, SPACING).final.osnr_db[0]
    assert three == pytest.approx(one - 10 * math.log10(3), abs=0.01)


def test_budget_matches_waveform_power_and_osnr():
    """Budget (analytic) vs waveform (sampled): received power and OSNR of a CW carrier."""
    path = (
        FibreStage(length_km=60.0, nonlinear=False),
        EdfaStage(gain_db=15.0),
        AttenuatorStage(loss_db=6.0),
        EdfaStage(output_power_dbm=3.0),
    )
    p0 = [2e-3, 1e-3]
    field = cw(p0)
    nu = tuple(float(v) for v in NU[:2])
    out, gain, powers = propagate(field, jax.random.PRNGKey(5), GRID, path, nu, SPACING)
    b = cascade(path, np.asarray(p0), np.asarray(nu), GRID, SPACING)
    # powers after each element agree (the power-controlled EDFA sees the same total)
    budget_powers = np.array([r.signal_w for r in b.rows[1:]])
    ase_total = np.array([np.asarray(powers[-1])]) - b.final.signal_w
    assert np.all(ase_total > 0)
    np.testing.assert_allclose(np.asarray(powers)[:2], budget_powers[:2], rtol=0.01)
    # total output incl. the ASE it adds = 3 dBm (up to the ASE realisation's spread)
    np.testing.assert_allclose(float(jnp.sum(powers[-1])), 1e-3 * 10**0.3, rtol=1e-3)
    np.testing.assert_allclose(
        float(np.sum(b.final.signal_w)) + float(b.ase_psd.sum()) * GRID.df,
        1e-3 * 10**0.3,
        rtol=1e-9,
    )
    # OSNR: ASE density of the sampled field, away from the carrier, in 12.5 GHz
    spec = (
        np.abs(np.fft.fft(np.asarray(out.ex), axis=-1)) ** 2
        + np.abs(np.fft.fft(np.asarray(out.ey), axis=-1)) ** 2
    )
    spec /= GRID.n_samples**2 * GRID.df  # W/Hz
    off = (np.abs(GRID.frequencies()) > 5e9) & (np.abs(GRID.frequencies()) < 60e9)
    ase_ref = spec[:, off].mean(axis=-1) * OSNR_REFERENCE_BANDWIDTH
    signal = spec[:, 0] * GRID.df
    measured = 10 * np.log10(signal / ase_ref)
    np.testing.assert_allclose(measured, b.final.osnr_db, atol=0.2)  # ~2 % spread of the PSD
    # the chain's nominal path gain (receiver calibration) is the budget's product of gains
    budget_gain_db = sum(float(np.mean(r.gain_db)) for r in b.rows[1:])
    np.testing.assert_allclose(10 * np.log10(np.asarray(gain)), budget_gain_db, atol=0.01)


def test_edfa_ase_accumulates_in_the_budget_like_in_the_field():
    out = edfa(cw([0.0]), jax.random.PRNGKey(0), GRID, 100.0, 5.0)
    b = cascade((EdfaStage(gain_db=20.0),), np.array([0.0]), NU[:1], GRID, SPACING)
    total_budget = b.ase_psd.sum() * GRID.df  # both polarisations over the grid
    assert float(mean_power(out)[0]) / total_budget == pytest.approx(1.0, abs=0.03)
