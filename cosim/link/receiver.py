"""Receiver: photodiode (single or balanced) -> TIA -> ADC, sampled once per symbol.

Noise sources, as one-sided current PSDs at the photodiode (Agrawal, Fiber-Optic
Communication Systems, 4th ed., sec. 4.4):

* shot noise ``2 q (I(t) + I_d)``, following the instantaneous photocurrent;
* the TIA's input-referred noise density ``i_n^2`` (or ``4 k T / R_L`` for a
  resistive front end, :func:`thermal_noise_density`).

White noise of one-sided PSD ``S`` is drawn with variance ``S fs / 2`` per sample; after
the receiver filters its variance is ``S B_n`` with ``B_n`` the noise bandwidth
(:mod:`cosim.link.filters`). The photodiode's bandwidth (single pole) filters signal
and shot noise; the TIA's (Gaussian) filters everything. The ADC adds the noise that
lowers its ENOB below its bit count, then clips to [0, full scale] and quantises.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp
from scipy.constants import Boltzmann, elementary_charge

from cosim.link.field import Grid, OpticalField, instantaneous_power
from cosim.link.filters import filter_real, first_order_lowpass, gaussian_lowpass
from cosim.link.noise import standard_normal


@dataclass(frozen=True)
class RxParams:
    """Receiver in SI units (static under ``jit``).

    responsivity: A/W; dark_current: A; pd_bandwidth: Hz (None = ideal);
    shot_noise: on/off; current_noise_density: A/sqrt(Hz) input-referred (None = off);
    tia_bandwidth: Hz (None = ideal); transimpedance: ohm; adc_bits: None = ideal;
    adc_enob: bit (None = equal to adc_bits); full_scale: V; sampling_phase: symbol
    periods after the symbol start (0.5 = centre).
    """

    responsivity: float
    dark_current: float
    pd_bandwidth: float | None
    shot_noise: bool
    current_noise_density: float | None
    tia_bandwidth: float | None
    transimpedance: float
    adc_bits: int | None
    adc_enob: float | None
    full_scale: float
    sampling_phase: float = 0.5


def thermal_noise_density(load_resistance: float, temperature: float) -> float:
    """Johnson current-noise density of a load (A/sqrt(Hz)): sqrt(4 k T / R_L)."""
    return math.sqrt(4 * Boltzmann * temperature / load_resistance)


def _white(key: jax.Array, shape: tuple[int, ...], psd: jax.Array, grid: Grid) -> jax.Array:
    """Real white noise of one-sided PSD ``psd`` (unit^2/Hz) on the grid."""
    return standard_normal(key, shape) * jnp.sqrt(psd * 0.5 * grid.sample_rate)


def photocurrent(
    power: jax.Array,
    key: jax.Array,
    grid: Grid,
    responsivity: float,
    dark_current: float,
    bandwidth: float | None,
    shot_noise: bool = True,
) -> jax.Array:
    """Photocurrent (A) from incident optical power (W): R P + I_d, shot noise, PD pole."""
    i = responsivity * power + dark_current
    if shot_noise:
        i = i + _white(key, i.shape, 2 * elementary_charge * jnp.maximum(i, 0.0), grid)
    if bandwidth is None:
        return i
    return filter_real(i, first_order_lowpass(jnp.asarray(grid.rfrequencies()), bandwidth))


def balanced_photocurrent(
    power_a: jax.Array,
    power_b: jax.Array,
    key: jax.Array,
    grid: Grid,
    responsivity: float,
    dark_current: float,
    bandwidth: float | None,
    shot_noise: bool = True,
) -> jax.Array:
    """Difference current (A) of two matched photodiodes; their shot noises add."""
    ka, kb = jax.random.split(key)
    args = (grid, responsivity, dark_current, bandwidth, shot_noise)
    return photocurrent(power_a, ka, *args) - photocurrent(power_b, kb, *args)


def tia(
    current: jax.Array,
    key: jax.Array,
    grid: Grid,
    noise_density: float | None,
    bandwidth: float | None,
    transimpedance: float,
) -> jax.Array:
    """TIA output voltage (V): input-referred noise added, Gaussian bandwidth, gain."""
    if noise_density is not None:
        current = current + _white(key, current.shape, noise_density**2, grid)
    if bandwidth is not None:
        current = filter_real(
            current, gaussian_lowpass(jnp.asarray(grid.rfrequencies()), bandwidth)
        )
    return transimpedance * current


def sample(waveform: jax.Array, grid: Grid, phase: float) -> jax.Array:
    """One sample per symbol at ``phase`` symbol periods after each symbol start.

    Sub-sample phases use a band-limited (FFT) fractional delay.
    """
    pos = phase * grid.samples_per_symbol
    whole = math.floor(pos)
    frac = pos - whole
    if frac > 1e-12:
        f = jnp.asarray(grid.rfrequencies())
        waveform = filter_real(waveform, jnp.exp(2j * jnp.pi * f * frac * grid.dt))
    return jnp.roll(waveform, -whole, axis=-1)[..., :: grid.samples_per_symbol]


def adc(
    v: jax.Array, key: jax.Array, bits: int | None, enob: float | None, full_scale: float
) -> jax.Array:
    """ADC on [0, full_scale] volts: ENOB noise, clipping, ``bits`` quantisation (V).

    An ideal b-bit quantiser has error variance LSB^2/12 (LSB = FS / (2^b - 1)); a
    converter with ``enob`` effective bits has ``(LSB^2/12) 4^(b - enob)`` in total, so
    the difference is added as Gaussian noise before quantisation.
    """
    if bits is None:
        return v
    lsb = full_scale / (2**bits - 1)
    if enob is not None and enob < bits:
        extra = lsb**2 / 12 * (4.0 ** (bits - enob) - 1)
        v = v + standard_normal(key, v.shape) * jnp.sqrt(extra)
    return jnp.clip(jnp.round(v / lsb), 0, 2**bits - 1) * lsb


def detect(
    field: OpticalField, key: jax.Array, grid: Grid, rx: RxParams, gain: jax.Array | float = 1.0
) -> tuple[jax.Array, jax.Array]:
    """Field at the receiver input -> (analog waveform at the ADC input, ADC samples) in V.

    ``gain``: electrical gain between TIA and ADC (V/V), e.g. set by an AGC.
    """
    k_pd, k_tia, k_adc = jax.random.split(key, 3)
    i = photocurrent(
        instantaneous_power(field),
        k_pd,
        grid,
        rx.responsivity,
        rx.dark_current,
        rx.pd_bandwidth,
        rx.shot_noise,
    )
    g = jnp.asarray(gain)
    v = tia(i, k_tia, grid, rx.current_noise_density, rx.tia_bandwidth, rx.transimpedance)
    v = v * (g[..., None] if g.ndim else g)
    samples = adc(
        sample(v, grid, rx.sampling_phase), k_adc, rx.adc_bits, rx.adc_enob, rx.full_scale
    )
    return v, samples
