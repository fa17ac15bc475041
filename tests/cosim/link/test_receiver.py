"""Receiver noise against the textbook formulas; ADC, sampling, laser noise.

Statistical checks: 4 x 2^16 filtered samples; with the Gaussian 10 GHz filter on a
160 GS/s grid the noise has B_n / (fs/2) = 0.13 of the grid's bandwidth, i.e. about
35,000 independent samples, so a variance estimate spreads by sqrt(2/35000) = 0.8 %
and 3 % is a 4-sigma bound.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.constants import Boltzmann, elementary_charge

from cosim.link.config import MzmConfig
from cosim.link.field import Grid, OpticalField
from cosim.link.filters import noise_bandwidth_gaussian
from cosim.link.receiver import (
    adc,
    balanced_photocurrent,
    photocurrent,
    sample,
    thermal_noise_density,
    tia,
)
from cosim.link.transmitter import TxParams, laser_field
from pdk.params import value

GRID = Grid(10e9, 16, 4096)
F3 = 10e9
BN = noise_bandwidth_gaussian(F3)
SHAPE = (4, GRID.n_samples)
R = value("photodetector.responsivity")
ID = value("photodetector.dark_current") * 1e-9


def filtered_variance(current: jax.Array) -> float:
    v = tia(current, jax.random.PRNGKey(99), GRID, None, F3, 1.0)
    return float(jnp.var(v))


def test_noise_bandwidth_of_gaussian_filter():
    # integral of exp(-ln2 (f/f3)^2) over f > 0 = (f3/2) sqrt(pi/ln2)
    assert pytest.approx(1.0645 * F3, rel=1e-4) == BN


def test_shot_noise_variance_is_2q_i_b():
    p = 1e-3
    i = photocurrent(jnp.full(SHAPE, p), jax.random.PRNGKey(1), GRID, R, ID, None)
    expected = 2 * elementary_charge * (R * p + ID) * BN
    assert filtered_variance(i) / expected == pytest.approx(1.0, abs=0.03)
    assert float(jnp.mean(i)) == pytest.approx(R * p + ID, rel=1e-3)


def test_thermal_noise_variance_is_4ktb_over_rl():
    density = thermal_noise_density(50.0, 300.0)
    assert density == pytest.approx(math.sqrt(4 * Boltzmann * 300 / 50), rel=1e-12)
    v = tia(jnp.zeros(SHAPE), jax.random.PRNGKey(2), GRID, density, F3, 1.0)
    assert float(jnp.var(v)) / (4 * Boltzmann * 300 / 50 * BN) == pytest.approx(1.0, abs=0.03)


def test_tia_input_noise_density():
    i_n = value("tia.noise_density") * 1e-12  # 12.5 pA/sqrt(Hz)
    z = value("tia.transimpedance")
    v = tia(jnp.zeros(SHAPE), jax.random.PRNGKey(3), GRID, i_n, F3, z)
    assert float(jnp.var(v)) / (z**2 * i_n**2 * BN) == pytest.approx(1.0, abs=0.03)


def test_balanced_photodiode_cancels_signal_and_adds_shot_noise():
    p = jnp.full(SHAPE, 0.5e-3)
    i = balanced_photocurrent(p, p, jax.random.PRNGKey(4), GRID, R, ID, None)
    expected = 2 * elementary_charge * (2 * R * 0.5e-3 + 2 * ID) * BN
    assert filtered_variance(i) / expected == pytest.approx(1.0, abs=0.03)
    assert abs(float(jnp.mean(i))) < 5 * math.sqrt(expected / 35_000)
    diff = balanced_photocurrent(p, 0.5 * p, jax.random.PRNGKey(5), GRID, R, ID, None, False)
    assert float(jnp.mean(diff)) == pytest.approx(R * 0.25e-3, rel=1e-12)


def test_photodiode_single_pole_bandwidth():
    f = GRID.frequencies()
    k = round(20e9 / GRID.df)
    tone = 1e-3 * (1 + 0.1 * np.cos(2 * np.pi * f[k] * GRID.time()))
    i = photocurrent(jnp.asarray(tone)[None], None, GRID, 1.0, 0.0, 20e9, shot_noise=False)
    ac = np.asarray(i[0]) - 1e-3
    assert np.sqrt(2 * np.mean(ac**2)) / 1e-4 == pytest.approx(1 / math.sqrt(2), rel=1e-9)


def test_adc_quantisation_noise_and_clipping():
    """A uniform ramp over full scale: error variance LSB^2/12 * 4^(bits - ENOB)."""
    bits, fs = 8, 1.0
    lsb = fs / (2**bits - 1)
    v = jnp.linspace(0.0, fs, 2**18)
    ideal = adc(v, jax.random.PRNGKey(0), bits, None, fs)
    assert float(jnp.var(ideal - v)) / (lsb**2 / 12) == pytest.approx(1.0, abs=0.01)
    noisy = adc(v, jax.random.PRNGKey(0), bits, 6.0, fs)
    core = slice(2**14, -(2**14))  # away from the clipped ends
    err = float(jnp.var((noisy - v)[core]))
    assert err / (lsb**2 / 12 * 4.0**2) == pytest.approx(1.0, abs=0.03)
    clipped = adc(jnp.asarray([-0.3, 0.5 * fs, 1.7 * fs]), None, bits, None, fs)
    assert float(clipped[0]) == 0.0 and float(clipped[2]) == pytest.approx(fs)


def test_sampling_phase_picks_the_right_instant():
    k = 3  # a band-limited sine with 3 cycles in the record
    w = np.sin(2 * np.pi * k * np.arange(GRID.n_samples) / GRID.n_samples)
    for phase in (0.0, 0.5, 0.3):
        got = np.asarray(sample(jnp.asarray(w)[None], GRID, phase))[0]
        want = np.sin(2 * np.pi * k * (np.arange(GRID.n_symbols) + phase) / GRID.n_symbols)
        np.testing.assert_allclose(got, want, atol=1e-9)


def test_laser_rin_and_linewidth():
    """Detected RIN variance = RIN (P R)^2 B_n; phase diffusion variance 2 pi dnu tau."""
    rin = 10 ** (-140 / 10)
    tx = TxParams(1e-3, rin, 1e6, None, None, 5.0, math.pi / 2, MzmConfig().model())
    fields = jax.vmap(lambda k: laser_field(k, GRID, tx))(
        jax.random.split(jax.random.PRNGKey(6), 4)
    )
    power = jnp.abs(fields) ** 2
    assert filtered_variance(power) / (rin * 1e-6 * BN) == pytest.approx(1.0, abs=0.03)
    for lag, tol in ((1, 0.03), (16, 0.05)):  # N / lag independent increments
        dphi = np.angle(np.asarray(fields[:, lag:] * jnp.conj(fields[:, :-lag])))
        assert np.var(dphi) / (2 * np.pi * 1e6 * lag * GRID.dt) == pytest.approx(1.0, abs=tol)


def test_receiver_with_optical_field_input():
    """The receiver consumes the per-channel fields an OPU port delivers."""
    field = OpticalField(
        ex=jnp.full((2, GRID.n_samples), math.sqrt(1e-3), complex),
        nu=jnp.asarray([193.1e12, 193.2e12]),
    )
    from cosim.link.field import instantaneous_power

    i = photocurrent(instantaneous_power(field), None, GRID, R, ID, None, shot_noise=False)
    assert float(i[1, 0]) == pytest.approx(R * 1e-3 + ID, rel=1e-12)
