"""Sampled optical fields on a WDM channel grid: the link's common currency.

Each WDM channel is a complex envelope sampled on one shared time grid, in its own
baseband around its carrier ``nu_k``, in units of sqrt(W): ``|E|^2`` is the
instantaneous power (W) in that polarisation. Sign convention (engineering):
the physical field is ``Re{E(t) exp(+j 2 pi nu_k t)}`` and the FFT frequency ``f``
of ``numpy.fft``/``jax.numpy.fft`` is the optical frequency ``nu_k + f``.

Arrays are ``(channels, samples)``; every function also works on one channel
``(samples,)`` and is ``jax.jit``/``jax.vmap`` compatible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np


@dataclass(frozen=True)
class Grid:
    """The time grid every channel field shares.

    symbol_rate: Bd; samples_per_symbol: simulation oversampling; n_symbols: record length.
    The record is periodic (FFT-based filters): choose it long compared to the
    dispersive memory of the link.
    """

    symbol_rate: float
    samples_per_symbol: int
    n_symbols: int

    @property
    def n_samples(self) -> int:
        return self.samples_per_symbol * self.n_symbols

    @property
    def sample_rate(self) -> float:
        """Hz."""
        return self.symbol_rate * self.samples_per_symbol

    @property
    def dt(self) -> float:
        """s."""
        return 1.0 / self.sample_rate

    @property
    def df(self) -> float:
        """Frequency resolution (Hz)."""
        return self.sample_rate / self.n_samples

    def frequencies(self) -> np.ndarray:
        """Baseband frequency of each FFT bin (Hz), FFT order."""
        return np.fft.fftfreq(self.n_samples, d=self.dt)

    def rfrequencies(self) -> np.ndarray:
        """Frequencies (Hz) of the ``rfft`` bins of a real waveform, 0 ... fs/2."""
        return np.fft.rfftfreq(self.n_samples, d=self.dt)

    def time(self) -> np.ndarray:
        """Sample times (s)."""
        return np.arange(self.n_samples) * self.dt


class OpticalField(NamedTuple):
    """WDM channel fields. A pytree: pass it through ``jax.jit`` and ``jax.vmap``.

    ex: (..., n) complex, sqrt(W): the signal polarisation.
    nu: (...,) Hz: carrier frequency of each channel.
    ey: (..., n) complex, sqrt(W): the orthogonal polarisation (amplifier noise only);
        ``None`` while it is empty, so ASE-free spans cost nothing for it.
    p_incoherent: (..., n) W: power from other carriers (crosstalk) that reaches this
        channel's port; it beats with nothing inside the receiver bandwidth, so a
        photodiode adds it as power. ``None`` when there is none.
    """

    ex: jax.Array
    nu: jax.Array
    ey: jax.Array | None = None
    p_incoherent: jax.Array | None = None


def instantaneous_power(field: OpticalField) -> jax.Array:
    """Total power falling on a photodiode (W), per channel and sample."""
    p = jnp.abs(field.ex) ** 2
    if field.ey is not None:
        p = p + jnp.abs(field.ey) ** 2
    if field.p_incoherent is not None:
        p = p + field.p_incoherent
    return p


def mean_power(field: OpticalField) -> jax.Array:
    """Mean total power of each channel (W)."""
    return jnp.mean(instantaneous_power(field), axis=-1)


def scale_power(field: OpticalField, gain: jax.Array | float) -> OpticalField:
    """Multiply every channel's power by ``gain`` (linear, scalar or per channel)."""
    g = jnp.asarray(gain)
    amp = jnp.sqrt(g)[..., None] if g.ndim else jnp.sqrt(g)
    pg = g[..., None] if g.ndim else g
    return field._replace(
        ex=field.ex * amp,
        ey=None if field.ey is None else field.ey * amp,
        p_incoherent=None if field.p_incoherent is None else field.p_incoherent * pg,
    )


def apply_spectral(field: OpticalField, response: jax.Array) -> OpticalField:
    """Filter both polarisations by the complex amplitude ``response`` (FFT order).

    ``response`` broadcasts against ``ex``. Incoherent crosstalk power is scaled by
    the power response at the channel centre: it sits one or more channel spacings
    away, where this model does not resolve the filter shape.
    """

    def filt(x: jax.Array) -> jax.Array:
        return jnp.fft.ifft(jnp.fft.fft(x, axis=-1) * response, axis=-1)

    p_inc = field.p_incoherent
    if p_inc is not None:
        p_inc = p_inc * jnp.abs(response[..., :1]) ** 2
    return field._replace(
        ex=filt(field.ex),
        ey=None if field.ey is None else filt(field.ey),
        p_incoherent=p_inc,
    )


def itu_frequency(index: int | np.ndarray, anchor_hz: float, spacing_hz: float) -> np.ndarray:
    """ITU-T G.694.1 grid frequency (Hz) of channel ``index``: anchor + index * spacing."""
    return anchor_hz + np.asarray(index) * spacing_hz


def grid_offset(nu_hz: float, anchor_hz: float, spacing_hz: float) -> float:
    """How far ``nu_hz`` lies from the nearest grid channel, in channel spacings."""
    k = (nu_hz - anchor_hz) / spacing_hz
    return float(abs(k - round(k)))


def shared_grid_factor(grid: Grid, nu_hz: np.ndarray) -> int:
    """Oversampling factor M so that one field at M * fs carries every channel.

    The combined field must hold the span of carriers plus one channel bandwidth,
    and every carrier offset must fall on an FFT bin (the record is periodic).
    """
    nu_hz = np.asarray(nu_hz, dtype=float)
    offsets = (nu_hz - nu_hz.mean()) / grid.df
    if np.any(np.abs(offsets - np.round(offsets)) > 1e-6):
        raise ValueError(
            f"carrier offsets are not multiples of the frequency resolution {grid.df:.6g} Hz; "
            "choose n_symbols so that spacing * n_symbols / symbol_rate is an integer"
        )
    span = float(np.ptp(nu_hz)) + grid.sample_rate
    return max(1, int(np.ceil(span / grid.sample_rate - 1e-9)))


def to_shared_grid(field: OpticalField, grid: Grid, factor: int) -> tuple[OpticalField, Grid]:
    """Merge the channel fields into one field on a ``factor``-times faster grid.

    Each channel is upsampled by spectral zero padding and shifted to its offset from
    the mean carrier; the sum is the physical WDM field, in which the Kerr effect
    produces SPM, XPM and four-wave mixing between the channels.
    """
    wide = Grid(grid.symbol_rate, grid.samples_per_symbol * factor, grid.n_symbols)
    nu_c = jnp.mean(field.nu)
    t = jnp.asarray(wide.time())

    def up(x: jax.Array) -> jax.Array:
        n = x.shape[-1]
        spec = jnp.fft.fft(x, axis=-1)
        pad = jnp.zeros((*x.shape[:-1], n * (factor - 1)), dtype=spec.dtype)
        spec = jnp.concatenate([spec[..., : n // 2], pad, spec[..., n // 2 :]], axis=-1)
        shift = jnp.exp(2j * jnp.pi * (field.nu - nu_c)[:, None] * t)
        return jnp.sum(jnp.fft.ifft(spec, axis=-1) * factor * shift, axis=0)

    return OpticalField(
        ex=up(field.ex), nu=nu_c, ey=None if field.ey is None else up(field.ey)
    ), wide


def from_shared_grid(
    wide: OpticalField, wide_grid: Grid, nu: jax.Array, grid: Grid, window_hz: float
) -> OpticalField:
    """Cut each channel back out of a shared-grid field with an ideal band-pass.

    ``window_hz``: full width of the rectangular window around each carrier (use the
    channel spacing, so that no spectrum is counted twice).
    """
    factor = wide_grid.samples_per_symbol // grid.samples_per_symbol
    n = grid.n_samples
    t = jnp.asarray(wide_grid.time())
    f = jnp.asarray(grid.frequencies())
    keep = jnp.abs(f) < 0.5 * min(window_hz, grid.sample_rate)

    def down(x: jax.Array) -> jax.Array:
        shifted = x[None, :] * jnp.exp(-2j * jnp.pi * (nu - wide.nu)[:, None] * t)
        spec = jnp.fft.fft(shifted, axis=-1)
        spec = jnp.concatenate([spec[:, : n // 2], spec[:, -(n // 2) :]], axis=-1)
        return jnp.fft.ifft(spec * keep, axis=-1) / factor

    return OpticalField(ex=down(wide.ex), nu=nu, ey=None if wide.ey is None else down(wide.ey))
