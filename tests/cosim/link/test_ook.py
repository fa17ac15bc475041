"""OOK Q-factor and BER versus received power against Gaussian noise theory.

Receiver: Ge PD (shot noise, dark current) + TIA (12.5 pA/sqrt(Hz), Gaussian 10 GHz).
Theory (Agrawal, Fiber-Optic Communication Systems, 4th ed., eqs. 4.5.10-4.5.11):
``Q = (I1 - I0) / (sigma1 + sigma0)``, ``sigma_i^2 = (2 q (I_i + I_d) + i_n^2) B_n``,
``BER = erfc(Q / sqrt 2) / 2``. 2^15 symbols: the Q estimate spreads by ~0.6 %, the
3 % tolerance is 5 sigma; counted errors are checked against a 4-sigma Poisson band.
"""

from __future__ import annotations

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.constants import elementary_charge
from scipy.special import erfc

from cosim.link.config import MzmConfig
from cosim.link.field import Grid, scale_power
from cosim.link.filters import noise_bandwidth_gaussian
from cosim.link.metrics import ber_from_q, counted_errors, q_factor
from cosim.link.receiver import RxParams, detect
from cosim.link.transmitter import TxParams, intensity_levels, transmit
from pdk.params import value

GRID = Grid(10e9, 16, 1 << 15)
TX = TxParams(1e-3, None, None, None, None, value("driver.swing"), math.pi / 2, MzmConfig().model())
NU = jnp.asarray([193.1e12])
RX = RxParams(
    responsivity=value("photodetector.responsivity"),
    dark_current=value("photodetector.dark_current") * 1e-9,
    pd_bandwidth=None,
    shot_noise=True,
    current_noise_density=value("tia.noise_density") * 1e-12,
    tia_bandwidth=10e9,
    transimpedance=value("tia.transimpedance"),
    adc_bits=None,
    adc_enob=None,
    full_scale=1.0,
)


@jax.jit
def _received(values, attenuation, key):
    k_tx, k_rx = jax.random.split(key)
    field = transmit(values, NU, k_tx, GRID, TX)
    _, samples = detect(scale_power(field, attenuation), k_rx, GRID, RX)
    return samples


def test_q_and_ber_follow_gaussian_theory():
    values = jax.random.randint(jax.random.PRNGKey(0), (1, GRID.n_symbols), 0, 2).astype(float)
    lv = intensity_levels(TX, NU)
    p_mean = 0.5 * float((lv.lo + lv.hi)[0])
    bn = noise_bandwidth_gaussian(RX.tia_bandwidth)
    q_meas, q_theory = [], []
    for i, dbm in enumerate((-26.0, -24.0, -22.0, -19.0)):
        att = 1e-3 * 10 ** (dbm / 10) / p_mean
        samples = np.asarray(_received(values, att, jax.random.PRNGKey(10 + i)))[0]
        currents = [
            RX.responsivity * float(p) * att + RX.dark_current for p in (lv.lo[0], lv.hi[0])
        ]
        sig = [
            math.sqrt((2 * elementary_charge * c + RX.current_noise_density**2) * bn)
            for c in currents
        ]
        q_t = (currents[1] - currents[0]) / (sig[0] + sig[1])
        x = np.asarray(values[0])
        q = q_factor(samples / RX.transimpedance, x)
        assert q == pytest.approx(q_t, rel=0.03), dbm
        errors, n = counted_errors(samples, x)
        expected = n * 0.5 * erfc(q_t / math.sqrt(2))
        if expected >= 30:
            assert abs(errors - expected) <= 4 * math.sqrt(expected) + 3, (dbm, errors, expected)
        else:
            assert errors <= expected + 4 * math.sqrt(expected) + 3
        assert ber_from_q(q_t) == pytest.approx(0.5 * erfc(q_t / math.sqrt(2)), rel=1e-12)
        q_meas.append(q)
        q_theory.append(q_t)
    # the sweep spans BER 1e-2 ... 1e-9 and Q grows with power
    assert q_theory[0] < 2.5 and q_theory[-1] > 6
    assert all(a < b for a, b in itertools.pairwise(q_meas))
