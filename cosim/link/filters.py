"""Frequency responses of the link's filters and their noise bandwidths.

All responses are complex amplitude transfer functions of the baseband frequency
``f`` (Hz) with unit gain at ``f = 0``. A bandwidth of ``None`` means an ideal
(flat) element. Noise-equivalent bandwidths are the one-sided
``B_n = integral_0^inf |H(f)|^2 df`` (Hz) so that white noise of one-sided PSD ``S``
has variance ``S * B_n`` after the filter.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

LN2 = math.log(2.0)


def gaussian_lowpass(f: jax.Array, f3db: float | None) -> jax.Array:
    """Gaussian low-pass, ``|H(f3db)|^2 = 1/2``, zero phase (no group delay)."""
    if f3db is None:
        return jnp.ones_like(f, dtype=complex)
    return jnp.exp(-0.5 * LN2 * (f / f3db) ** 2).astype(complex)


def first_order_lowpass(f: jax.Array, f3db: float | None) -> jax.Array:
    """Single-pole (RC) low-pass ``1 / (1 + j f / f3db)``."""
    if f3db is None:
        return jnp.ones_like(f, dtype=complex)
    return 1.0 / (1.0 + 1j * f / f3db)


def super_gaussian_bandpass(
    f: jax.Array, bandwidth: float | None, order: int = 1, centre: float = 0.0
) -> jax.Array:
    """Optical band-pass of full 3 dB width ``bandwidth`` (Hz), super-Gaussian ``order``.

    ``|H|^2 = exp(-ln2 (2 (f - centre) / bandwidth)^(2 order))``; order 1 is Gaussian,
    higher orders are flatter (WSS-like).
    """
    if bandwidth is None:
        return jnp.ones_like(f, dtype=complex)
    x = (2.0 * (f - centre) / bandwidth) ** (2 * order)
    return jnp.exp(-0.5 * LN2 * x).astype(complex)


def noise_bandwidth_gaussian(f3db: float) -> float:
    """B_n of :func:`gaussian_lowpass`: ``(f3db / 2) sqrt(pi / ln 2) = 1.0645 f3db`` (Hz)."""
    return 0.5 * f3db * math.sqrt(math.pi / LN2)


def noise_bandwidth_first_order(f3db: float, f_max: float = math.inf) -> float:
    """B_n of :func:`first_order_lowpass` up to ``f_max``: ``f3db atan(f_max / f3db)`` (Hz).

    ``f_max = inf`` gives the textbook ``pi/2 f3db``; on a sampled grid use Nyquist.
    """
    return f3db * math.atan(f_max / f3db)


def noise_bandwidth_on_grid(response: jax.Array, sample_rate: float) -> jax.Array:
    """B_n of a response sampled on a full FFT grid: ``(fs / 2) mean |H|^2`` (Hz)."""
    return 0.5 * sample_rate * jnp.mean(jnp.abs(response) ** 2, axis=-1)


def fractional_delay(f: jax.Array, delay: float) -> jax.Array:
    """Pure delay by ``delay`` seconds: ``exp(-j 2 pi f delay)`` (band-limited)."""
    return jnp.exp(-2j * jnp.pi * f * delay)


def filter_real(x: jax.Array, response: jax.Array) -> jax.Array:
    """Filter a real waveform along its last axis; returns a real waveform.

    ``response`` is sampled on the ``rfft`` bins (``Grid.rfrequencies``); the real
    signal's negative frequencies get its complex conjugate.
    """
    n = x.shape[-1]
    return jnp.fft.irfft(jnp.fft.rfft(x, axis=-1) * response, n=n, axis=-1)
