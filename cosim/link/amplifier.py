"""Erbium-doped fibre amplifier and optical band-pass filter.

ASE of an amplifier with gain G and noise figure F, per polarisation (Desurvire,
Erbium-Doped Fiber Amplifiers, Wiley 1994; Becker, Olsson & Simpson 1999, ch. 10):

    S_ase = n_sp h nu (G - 1)   [W/Hz],   F = 1/G + 2 n_sp (G - 1)/G,

so ``n_sp = (F G - 1) / (2 (G - 1))`` (-> F/2 at high gain; F >= 2, i.e. 3 dB, is the
quantum limit n_sp = 1). On a grid sampled at ``fs`` the ASE of one polarisation is
complex white Gaussian noise with ``E|n|^2 = S_ase fs`` per sample; both polarisations
are generated, since the photodiode detects both.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from scipy.constants import h as planck

from cosim.link.field import Grid, OpticalField, apply_spectral, mean_power
from cosim.link.filters import super_gaussian_bandpass
from cosim.link.noise import complex_normal


def spontaneous_emission_factor(noise_figure_db: float, gain: jax.Array) -> jax.Array:
    """n_sp (1) from the noise figure (dB) and linear gain (> 1)."""
    f = 10 ** (noise_figure_db / 10)
    return (f * gain - 1) / (2 * (gain - 1))


def ase_psd(noise_figure_db: float, gain: jax.Array, nu: jax.Array) -> jax.Array:
    """ASE power spectral density per polarisation (W/Hz) at frequency ``nu`` (Hz).

    Zero when the gain is 1 or below (a passive element emits no ASE).
    """
    g = jnp.asarray(gain)
    safe = jnp.where(g > 1, g, 2.0)
    s = spontaneous_emission_factor(noise_figure_db, safe) * planck * nu * (safe - 1)
    return jnp.where(g > 1, s, 0.0)


def power_control_gain(
    field: OpticalField,
    output_power: float,
    max_gain: float,
    noise_figure_db: float | None = None,
    sample_rate: float | None = None,
) -> jax.Array:
    """Gain (linear) that brings the total output of all channels to ``output_power`` (W).

    With ``noise_figure_db`` and ``sample_rate`` (Hz, the grid's) the ASE the amplifier
    adds counts too, as the output tap of a power-controlled EDFA measures it: both
    polarisations over the grid carry ``2 n_sp h nu (G-1) fs = (F G - 1) h nu fs``, so
    ``G P_in + (F G - 1) sum h nu fs = P_out`` is solved exactly for G.
    """
    total_in = jnp.sum(mean_power(field))
    if noise_figure_db is None:
        return jnp.minimum(output_power / total_in, max_gain)
    f = 10 ** (noise_figure_db / 10)
    quantum = jnp.sum(planck * field.nu * sample_rate * jnp.ones_like(total_in))
    g = (output_power + quantum) / (total_in + f * quantum)
    return jnp.minimum(g, max_gain)


def edfa(
    field: OpticalField,
    key: jax.Array,
    grid: Grid,
    gain: jax.Array | float,
    noise_figure_db: float,
    ase: bool = True,
) -> OpticalField:
    """Amplify every channel by ``gain`` (linear power) and add ASE in both polarisations."""
    g = jnp.asarray(gain, dtype=float)
    amp = jnp.sqrt(g)
    ex = field.ex * amp
    ey = None if field.ey is None else field.ey * amp
    p_inc = None if field.p_incoherent is None else field.p_incoherent * g
    if ase:
        s = ase_psd(noise_figure_db, g, field.nu)
        sigma = jnp.sqrt(0.5 * s * grid.sample_rate)[..., None]
        kx, ky = jax.random.split(key)
        ex = ex + sigma * complex_normal(kx, ex.shape)
        noise_y = sigma * complex_normal(ky, ex.shape)
        ey = noise_y if ey is None else ey + noise_y
    return field._replace(ex=ex, ey=ey, p_incoherent=p_inc)


def optical_bandpass(
    field: OpticalField, grid: Grid, bandwidth: float | None, order: int = 1
) -> OpticalField:
    """Band-pass centred on each channel: full 3 dB width ``bandwidth`` (Hz), super-Gaussian."""
    f = jnp.asarray(grid.frequencies())
    return apply_spectral(field, super_gaussian_bandpass(f, bandwidth, order))
