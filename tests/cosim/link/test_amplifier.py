"""EDFA and optical filter against the ASE formula, the quantum limit and filter shapes."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.constants import h

from cosim.link.amplifier import (
    ase_psd,
    edfa,
    optical_bandpass,
    power_control_gain,
    spontaneous_emission_factor,
)
from cosim.link.field import Grid, OpticalField, mean_power

GRID = Grid(10e9, 16, 1024)  # fs = 160 GHz, 16384 samples, df = 9.8 MHz
NU = 193.1e12 + 100e9 * jnp.arange(16)


def dark(channels: int = 16) -> OpticalField:
    return OpticalField(ex=jnp.zeros((channels, GRID.n_samples), complex), nu=NU[:channels])


def band_power(x: jax.Array, bandwidth: float) -> np.ndarray:
    """Power (W) per channel within |f| < B/2 of the channel centre (Parseval)."""
    spec = np.abs(np.fft.fft(np.asarray(x), axis=-1)) ** 2 / GRID.n_samples**2
    return spec[:, np.abs(GRID.frequencies()) < bandwidth / 2].sum(axis=-1)


def test_nsp_from_noise_figure():
    # F = 1/G + 2 n_sp (G-1)/G (Desurvire 1994): 3 dB at high gain is n_sp ~ 1
    assert float(spontaneous_emission_factor(10 * math.log10(2), 1e4)) == pytest.approx(
        1.0, rel=1e-4
    )
    g, nf = 100.0, 5.0
    nsp = float(spontaneous_emission_factor(nf, g))
    assert 1 / g + 2 * nsp * (g - 1) / g == pytest.approx(10 ** (nf / 10), rel=1e-12)


def test_ase_power_in_band_is_nsp_h_nu_g_minus_1_b():
    """16 channels x 2048 bins of 9.8 MHz in B = 20 GHz: the estimate's relative
    spread is 1/sqrt(32768) = 0.55 %, so 3 % is a 5-sigma bound."""
    gain, nf, bandwidth = 10**2.0, 5.0, 20e9
    out = edfa(dark(), jax.random.PRNGKey(7), GRID, gain, nf)
    nsp = (10 ** (nf / 10) * gain - 1) / (2 * (gain - 1))
    expected = nsp * h * np.asarray(NU) * (gain - 1) * bandwidth  # per polarisation
    for pol in (out.ex, out.ey):
        measured = band_power(pol, bandwidth)
        assert measured.sum() / expected.sum() == pytest.approx(1.0, abs=0.03)
    np.testing.assert_allclose(np.asarray(ase_psd(nf, gain, NU)) * bandwidth, expected, rtol=1e-12)


def test_amplifier_gain_and_no_ase_when_passive():
    cw = OpticalField(ex=jnp.full((1, GRID.n_samples), 1e-2, complex), nu=NU[:1])
    out = edfa(cw, jax.random.PRNGKey(0), GRID, 10.0, 5.0, ase=False)
    assert float(mean_power(out)[0]) == pytest.approx(10 * 1e-4, rel=1e-12)
    att = edfa(cw, jax.random.PRNGKey(0), GRID, 0.5, 5.0)  # G <= 1 emits no ASE
    assert float(jnp.max(jnp.abs(att.ey))) == 0.0


def test_output_power_control_reaches_target():
    k = jax.random.split(jax.random.PRNGKey(2), 2)
    ex = (jax.random.normal(k[0], (4, GRID.n_samples)) + 0j) * 1e-3
    field = OpticalField(ex=ex, nu=NU[:4])
    target = 10 ** (17 / 10) * 1e-3
    g = power_control_gain(field, target, max_gain=1e6)
    out = edfa(field, k[1], GRID, g, 5.0, ase=False)
    assert float(jnp.sum(mean_power(out))) == pytest.approx(target, rel=1e-12)
    assert float(power_control_gain(field, target, max_gain=10.0)) == 10.0


def test_optical_bandpass_shape():
    bw = 50e9
    f = GRID.frequencies()
    tones = []
    for offset in (0.0, bw / 2, bw):
        k = round(offset / GRID.df)
        tones.append(np.exp(2j * np.pi * f[k] * GRID.time()))
    field = OpticalField(ex=jnp.asarray(np.stack(tones)), nu=NU[:3])
    out = optical_bandpass(field, GRID, bw, order=1)
    t = np.asarray(mean_power(out))
    assert t[0] == pytest.approx(1.0, rel=1e-12)
    assert t[1] == pytest.approx(0.5, rel=1e-9)  # 3 dB at +-B/2
    assert t[2] == pytest.approx(0.5**4, rel=1e-9)  # Gaussian: |H|^2 = 2^-(2f/B)^2
    flat = optical_bandpass(field, GRID, bw, order=4)
    assert float(mean_power(flat)[1]) == pytest.approx(0.5, rel=1e-9)
