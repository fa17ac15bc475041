"""Edge-node transmitter: DFB laser -> DAC -> driver -> MZM, one per WDM channel.

Value mapping (documented contract between edge node and receiver): a nonnegative
input ``x`` in [0, x_max] is sent as the optical power level

    P(x) = P_lo + (x / x_max) (P_hi - P_lo),

linear in ``x`` because photodiodes (and the optical core behind them) sum powers.
``P_lo``/``P_hi`` are the laser power times the MZM transmission at the two ends of the
driver swing (clipped to the transfer's monotonic branch, :class:`~cosim.link.mzm.Modulator`),
so the usable extinction is set by swing, bias and the modulator's finite extinction
ratio, per channel (V_pi scales with the wavelength). The MZM's sinusoidal transfer is
inverted in the DAC code (pre-distortion by the model's own inverse), so the DAC
quantises the *drive voltage*, as real hardware does. :func:`decode` is the inverse
used by the receiver.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp

from cosim.link.field import Grid, OpticalField
from cosim.link.filters import filter_real, gaussian_lowpass
from cosim.link.mzm import Modulator
from cosim.link.noise import standard_normal


@dataclass(frozen=True)
class TxParams:
    """Transmitter in SI units (static under ``jit``).

    laser_power: W (CW, per channel); rin: 1/Hz one-sided relative intensity noise
    (None = off); linewidth: Hz Lorentzian (None = no phase noise); dac_bits: None = ideal;
    dac_bandwidth: Hz of the DAC + driver (None = ideal); swing: V peak-to-peak at the MZM;
    bias_phase: rad of each channel's V_pi (pi/2 = quadrature); mzm: the modulator model;
    max_value: the input value sent at ``P_hi``.
    """

    laser_power: float
    rin: float | None
    linewidth: float | None
    dac_bits: int | None
    dac_bandwidth: float | None
    swing: float
    bias_phase: float
    mzm: Modulator
    max_value: float = 1.0


class IntensityLevels(NamedTuple):
    """Optical power (W) per channel at the transmitter output for value 0 (``lo``) and
    x_max (``hi``)."""

    lo: jax.Array
    hi: jax.Array


class OperatingPoint(NamedTuple):
    """Per channel (V): DC bias, and the drive ends of the branch the values use."""

    bias: jax.Array
    v_peak: jax.Array  # highest transmission (value x_max)
    v_null: jax.Array  # lowest transmission (value 0)


def operating_point(tx: TxParams, nu: jax.Array) -> OperatingPoint:
    """Bias at ``bias_phase`` of the channel's V_pi; the swing clipped to dphi in [0, pi]."""
    vpi = tx.mzm.vpi(nu)
    bias = tx.bias_phase / jnp.pi * vpi
    half = 0.5 * tx.swing
    return OperatingPoint(bias, jnp.maximum(-half, -bias), jnp.minimum(half, vpi - bias))


def intensity_levels(tx: TxParams, nu: jax.Array) -> IntensityLevels:
    """``P_lo``, ``P_hi`` (W) of channels at ``nu`` (Hz): laser power times the MZM model's
    transmission at the two ends of the drive."""
    op = operating_point(tx, nu)
    t_lo = tx.mzm.power_transmission(op.v_null, nu, op.bias)
    t_hi = tx.mzm.power_transmission(op.v_peak, nu, op.bias)
    return IntensityLevels(tx.laser_power * t_lo, tx.laser_power * t_hi)


def drive_voltage(values: jax.Array, nu: jax.Array, tx: TxParams) -> jax.Array:
    """Pre-distorted, DAC-quantised drive voltage (V), (ch, n_symbols) for carriers ``nu``."""
    u = jnp.clip(values / tx.max_value, 0.0, 1.0)
    nu = jnp.asarray(nu)[..., None]
    op = operating_point(tx, nu)
    lv = intensity_levels(tx, nu)
    t_target = (lv.lo + u * (lv.hi - lv.lo)) / tx.laser_power
    v = tx.mzm.voltage_for_transmission(t_target, nu, op.bias, op.v_peak, op.v_null)
    if tx.dac_bits is None:
        return v
    full = 2**tx.dac_bits - 1
    code = jnp.clip(jnp.round((v / tx.swing + 0.5) * full), 0, full)
    return tx.swing * (code / full - 0.5)


def drive_waveform(values: jax.Array, nu: jax.Array, grid: Grid, tx: TxParams) -> jax.Array:
    """Drive voltage (V) on the simulation grid, (ch, n_symbols) -> (ch, n_samples).

    NRZ hold at the DAC rate, then the DAC/driver bandwidth and the MZM's EO response.
    """
    # a DAC at k samples per symbol repeats each NRZ symbol k times: same held waveform
    wave = jnp.repeat(drive_voltage(values, nu, tx), grid.samples_per_symbol, axis=-1)
    if tx.dac_bandwidth is None and not tx.mzm.eo_response:
        return wave
    f = jnp.asarray(grid.rfrequencies())
    return filter_real(wave, gaussian_lowpass(f, tx.dac_bandwidth) * tx.mzm.eo(f))


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
    v = drive_waveform(values, nu, grid, tx)
    bias = operating_point(tx, nu[:, None]).bias
    return OpticalField(ex=carriers * tx.mzm.field_transmission(v, nu[:, None], bias), nu=nu)


def decode(power: jax.Array, levels: IntensityLevels, max_value: float) -> jax.Array:
    """Inverse of the value mapping: estimated Tx-referred power (W), (ch, n) -> value."""
    lo, hi = levels.lo[..., None], levels.hi[..., None]
    return max_value * (power - lo) / (hi - lo)
