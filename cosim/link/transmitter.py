"""Edge-node transmitter: DFB laser -> DAC -> driver -> MZM, one per WDM channel.

Value mapping (documented contract between edge node and receiver): a nonnegative
input ``x`` in [0, x_max] is sent as the optical power level

    P(x) = P_lo + (x / x_max) (P_hi - P_lo),

linear in ``x`` because photodiodes (and the optical core behind them) sum powers.
``P_lo``/``P_hi`` are the laser power times the MZM transmission at the two ends of the
driver swing, so the usable extinction is set by swing, bias and the modulator's
finite extinction ratio. The MZM's sinusoidal transfer is inverted in the DAC code
(``arccos`` pre-distortion), so the DAC quantises the *drive voltage*, as real
hardware does. :func:`decode` is the inverse used by the receiver.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import jax
import jax.numpy as jnp

from cosim.link.field import Grid, OpticalField
from cosim.link.filters import filter_real, gaussian_lowpass
from cosim.link.noise import standard_normal

if TYPE_CHECKING:  # the model object comes from cosim.link.config (stand-in until the SAX MZM)
    from cosim.link.standins import MzmModel


@dataclass(frozen=True)
class TxParams:
    """Transmitter in SI units (static under ``jit``).

    laser_power: W (CW, per channel); rin: 1/Hz one-sided relative intensity noise
    (None = off); linewidth: Hz Lorentzian (None = no phase noise); dac_bits: None = ideal;
    dac_bandwidth: Hz of the DAC + driver (None = ideal); swing: V peak-to-peak at the MZM;
    bias_phase: rad (pi/2 = quadrature);
    max_value: the input value sent at ``P_hi``.
    """

    laser_power: float
    rin: float | None
    linewidth: float | None
    dac_bits: int | None
    dac_bandwidth: float | None
    swing: float
    bias_phase: float
    mzm: MzmModel
    max_value: float = 1.0


class IntensityLevels(NamedTuple):
    """Optical power (W) at the transmitter output for value 0 (``lo``) and x_max (``hi``)."""

    lo: jax.Array
    hi: jax.Array


def intensity_levels(tx: TxParams) -> IntensityLevels:
    """``P_lo``, ``P_hi`` (W): laser power times the MZM transmission at -/+ swing/2."""
    half = 0.5 * tx.swing
    t_lo = tx.mzm.power_transmission(jnp.asarray(-half), tx.bias_phase)
    t_hi = tx.mzm.power_transmission(jnp.asarray(half), tx.bias_phase)
    return IntensityLevels(tx.laser_power * t_lo, tx.laser_power * t_hi)


def drive_voltage(values: jax.Array, tx: TxParams) -> jax.Array:
    """Pre-distorted, DAC-quantised drive voltage (V) for each value, one per symbol."""
    u = jnp.clip(values / tx.max_value, 0.0, 1.0)
    lv = intensity_levels(tx)
    t_target = (lv.lo + u * (lv.hi - lv.lo)) / tx.laser_power
    v = tx.mzm.voltage_for_transmission(t_target, tx.bias_phase)
    if tx.dac_bits is None:
        return v
    full = 2**tx.dac_bits - 1
    code = jnp.clip(jnp.round((v / tx.swing + 0.5) * full), 0, full)
    return tx.swing * (code / full - 0.5)


def drive_waveform(values: jax.Array, grid: Grid, tx: TxParams) -> jax.Array:
    """Drive voltage (V) on the simulation grid, (..., n_symbols) -> (..., n_samples).

    NRZ hold at the DAC rate, then the DAC/driver bandwidth and the MZM's EO response.
    """
    # a DAC at k samples per symbol repeats each NRZ symbol k times: same held waveform
    wave = jnp.repeat(drive_voltage(values, tx), grid.samples_per_symbol, axis=-1)
    if tx.dac_bandwidth is None and tx.mzm.eo_bandwidth is None:
        return wave
    f = jnp.asarray(grid.rfrequencies())
    return filter_real(wave, gaussian_lowpass(f, tx.dac_bandwidth) * tx.mzm.eo_response(f))


def laser_field(key: jax.Array, grid: Grid, tx: TxParams) -> jax.Array:
    """One DFB laser's field (sqrt(W)), shape (n_samples,).

    RIN: power ``P0 (1 + d)``, ``d`` white Gaussian with variance ``RIN fs / 2``
    (one-sided RIN over the simulated bandwidth). Phase noise: Wiener process with
    increments of variance ``2 pi linewidth dt`` (Lorentzian line of FWHM ``linewidth``).
    """
    n = grid.n_samples
    k_rin, k_phase = jax.random.split(key)
    amplitude = jnp.full(n, math.sqrt(tx.laser_power))
    if tx.rin is not None:
        d = standard_normal(k_rin, (n,)) * math.sqrt(tx.rin * 0.5 * grid.sample_rate)
        amplitude = amplitude * jnp.sqrt(jnp.maximum(1.0 + d, 0.0))
    if tx.linewidth is None:
        return amplitude.astype(complex)
    step = math.sqrt(2 * math.pi * tx.linewidth * grid.dt)
    phase = jnp.cumsum(standard_normal(k_phase, (n,)).astype(float) * step)
    return jax.lax.complex(amplitude * jnp.cos(phase), amplitude * jnp.sin(phase))


def transmit(
    values: jax.Array, nu: jax.Array, key: jax.Array, grid: Grid, tx: TxParams
) -> OpticalField:
    """Modulate ``values`` (channels, n_symbols) onto lasers at ``nu`` (Hz).

    One laser per channel (independent noise, ``jax.vmap`` over channels).
    """
    keys = jax.random.split(key, values.shape[0])
    carriers = jax.vmap(lambda k: laser_field(k, grid, tx))(keys)
    v = drive_waveform(values, grid, tx)
    return OpticalField(ex=carriers * tx.mzm.field_transmission(v, tx.bias_phase), nu=nu)


def decode(power: jax.Array, levels: IntensityLevels, max_value: float) -> jax.Array:
    """Inverse of the value mapping: estimated Tx-referred power (W) -> value."""
    return max_value * (power - levels.lo) / (levels.hi - levels.lo)
