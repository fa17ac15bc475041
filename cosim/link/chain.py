"""The link end to end: transmitters -> path elements -> receivers, as one jitted function.

:func:`run_link` draws the symbols from the configuration's seed (or takes given
values), sends them over the configured path and returns the recovered values with
every intermediate quantity a report needs. The receiver inverts the transmitter's
value mapping (:func:`cosim.link.transmitter.decode`) using the path's *nominal*
gain (the product of the elements' gains at the channel centre, as a link budget
would calibrate it): with every impairment off the values come back exactly.
"""

from __future__ import annotations

import dataclasses
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from cosim.link.amplifier import edfa, optical_bandpass, power_control_gain
from cosim.link.awg import centre_transmission
from cosim.link.config import (
    AttenuatorStage,
    DemuxStage,
    EdfaStage,
    ExpressStage,
    FibreStage,
    LinkConfig,
    MuxStage,
    ObpfStage,
)
from cosim.link.fibre import attenuate, channel_frame, linear_propagate, ssfm_propagate
from cosim.link.field import (
    Grid,
    OpticalField,
    from_shared_grid,
    mean_power,
    shared_grid_factor,
    to_shared_grid,
)
from cosim.link.receiver import RxParams, detect
from cosim.link.transmitter import IntensityLevels, decode, intensity_levels, transmit
from cosim.link.wdm import demux, mux, roadm_express


class LinkResult(NamedTuple):
    """Everything one run produces (arrays are (channels, ...))."""

    values: jax.Array  # (ch, n_symbols) sent
    estimates: jax.Array  # (ch, n_symbols) recovered
    samples: jax.Array  # (ch, n_symbols) ADC output (V)
    waveform: jax.Array  # (ch, n_samples) ADC input (V)
    rx_field: OpticalField  # at the receiver input
    path_gain: jax.Array  # (ch,) nominal optical power gain Tx -> Rx
    electrical_gain: jax.Array  # (ch,) AGC gain (V/V)
    stage_power: jax.Array  # (1 + stages, ch) mean power (W) after Tx and each stage
    levels: IntensityLevels  # Tx power levels (W)


def random_values(cfg: LinkConfig, key: jax.Array) -> jax.Array:
    """Uniformly drawn symbols: ``levels`` equally spaced values in [0, max_value]."""
    n_ch = len(cfg.frequencies_hz())
    t = cfg.traffic
    k = jax.random.randint(key, (n_ch, cfg.grid.n_symbols), 0, t.levels)
    return k * (t.max_value / (t.levels - 1))


def _fibre(
    field: OpticalField,
    grid: Grid,
    st: FibreStage,
    length_km: jax.Array,
    nu: tuple[float, ...] | None,
    spacing: float,
) -> OpticalField:
    p = dataclasses.replace(st.params(), length=length_km * 1e3)
    if p.gamma == 0:
        return linear_propagate(field, grid, p)
    kw = {"max_phase": st.max_nonlinear_phase_rad, "max_step": st.max_step_km * 1e3}
    if not st.shared_grid or nu is None or len(nu) == 1:
        return ssfm_propagate(field, grid, p, **kw)
    factor = shared_grid_factor(grid, np.asarray(nu))
    wide, wide_grid = to_shared_grid(field._replace(p_incoherent=None), grid, factor)
    wide = ssfm_propagate(wide, wide_grid, p, **kw)
    out = from_shared_grid(wide, wide_grid, field.nu, grid, window_hz=spacing)
    out = channel_frame(out, grid, p, wide.nu)
    p_inc = field.p_incoherent
    return out._replace(
        p_incoherent=None if p_inc is None else p_inc * jnp.exp(-p.alpha * p.length)
    )


def _apply(field: OpticalField, key: jax.Array, grid: Grid, st, number, nu, spacing: float):
    """One path element -> (field, nominal power gain). ``number``: see :func:`split_element`."""
    if isinstance(st, FibreStage):
        g = 10 ** (-st.loss_db_per_km * number / 10)
        return _fibre(field, grid, st, number, nu, spacing), g
    if isinstance(st, EdfaStage):
        if st.gain_db is not None:
            g = 10 ** (number / 10)
        else:
            p_out = 1e-3 * 10 ** (st.output_power_dbm / 10)
            nf = st.noise_figure_db if st.ase else None
            g = power_control_gain(field, p_out, 10 ** (st.max_gain_db / 10), nf, grid.sample_rate)
        return edfa(field, key, grid, g, st.noise_figure_db, st.ase), g
    if isinstance(st, ObpfStage):
        return optical_bandpass(field, grid, st.bandwidth_ghz * 1e9, st.order), 1.0
    if isinstance(st, AttenuatorStage):
        return attenuate(field, number), 10 ** (-number / 10)
    if isinstance(st, MuxStage | DemuxStage | ExpressStage):
        router = st.router()
        g = jnp.asarray(centre_transmission(router, nu))
        if isinstance(st, MuxStage):
            return mux(field, grid, router, nu), g
        if isinstance(st, DemuxStage):
            return demux(field, grid, router, nu), g
        return roadm_express(field, grid, router, nu), g**2
    raise TypeError(f"unknown path element {type(st).__name__}")  # pragma: no cover


def split_element(st) -> tuple[object, float]:
    """(static part, traced number) of a path element.

    Fibre length, fixed EDFA gain and attenuation are traced, so spans of different
    lengths (or amplifiers of different gains) share one compilation.
    """
    if isinstance(st, FibreStage):
        return st.model_copy(update={"length_km": 0.0}), st.length_km
    if isinstance(st, EdfaStage) and st.gain_db is not None:
        return st.model_copy(update={"gain_db": 0.0}), st.gain_db
    if isinstance(st, AttenuatorStage):
        return st.model_copy(update={"loss_db": 0.0}), st.loss_db
    return st, 0.0


def _needs_nu(st) -> bool:
    awg = isinstance(st, MuxStage | DemuxStage | ExpressStage)
    return awg or (isinstance(st, FibreStage) and st.shared_grid)


@partial(jax.jit, static_argnums=(2, 3, 5, 6))
def _apply_jit(field, key, grid, static, number, nu, spacing):
    field, g = _apply(field, key, grid, static, number, nu, spacing)
    return field, jnp.broadcast_to(jnp.asarray(g, dtype=float), field.nu.shape)


def apply_stage(field: OpticalField, key: jax.Array, grid: Grid, st, nu, spacing: float):
    """One path element -> (field, nominal power gain per channel), compiled once per
    element kind and shape and reused across paths.

    ``nu`` (static carrier tuple) is only needed by AWG elements (the channels' place on
    the router's grid) and shared-grid fibre; pass None otherwise so that equal
    elements on different bands share one compilation.
    """
    static, number = split_element(st)
    return _apply_jit(field, key, grid, static, jnp.asarray(number, dtype=float), nu, spacing)


def propagate(
    field: OpticalField,
    key: jax.Array,
    grid: Grid,
    path: tuple,
    nu: tuple[float, ...],
    spacing: float,
) -> tuple[OpticalField, jax.Array, jax.Array]:
    """Send ``field`` through the path elements.

    Returns the field, the nominal power gain per channel and the mean power per
    channel after each element, shape (len(path), ch). Works traced (inside
    :func:`run_link`'s jit) and eagerly (each element then runs its own compiled code).
    """
    gain = jnp.ones(len(nu))
    powers = []
    for i, st in enumerate(path):
        field, g = apply_stage(
            field, jax.random.fold_in(key, i), grid, st, nu if _needs_nu(st) else None, spacing
        )
        gain = gain * g
        powers.append(mean_power(field))
    return field, gain, jnp.stack(powers) if powers else jnp.zeros((0, len(nu)))


def receive(
    field: OpticalField,
    key: jax.Array,
    grid: Grid,
    rx: RxParams,
    levels_rx: IntensityLevels,
    agc_target: float | None,
) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    """Detect and recover the Tx-referred optical power per symbol.

    ``levels_rx``: the two value-mapping levels referred to the receiver input (W).
    Returns (waveform V, samples V, power estimate W at the receiver input, AGC gain).
    """
    v_hi = rx.transimpedance * (rx.responsivity * levels_rx.hi + rx.dark_current)
    g = jnp.ones_like(v_hi) if agc_target is None else agc_target * rx.full_scale / v_hi
    waveform, samples = detect(field, key, grid, rx, g)
    current = samples / (g[..., None] * rx.transimpedance)
    power = (current - rx.dark_current) / rx.responsivity
    return waveform, samples, power, g


@partial(jax.jit, static_argnums=(3, 4))
def transmit_jit(values, nu, key, grid, tx):
    """Compiled :func:`cosim.link.transmitter.transmit` (grid and tx static)."""
    return transmit(values, nu, key, grid, tx)


@partial(jax.jit, static_argnums=(2, 3, 5))
def receive_jit(field, key, grid, rx, levels_rx, agc_target):
    """Compiled :func:`receive` (grid, rx and agc_target static)."""
    return receive(field, key, grid, rx, levels_rx, agc_target)


@partial(jax.jit, static_argnums=0)
def _run(cfg: LinkConfig, values: jax.Array, key: jax.Array) -> LinkResult:
    grid = cfg.grid.grid()
    nu = cfg.frequencies_hz()
    k_tx, k_path, k_rx = jax.random.split(key, 3)
    tx = cfg.transmitter.params(cfg.traffic.max_value)
    field = transmit(values, jnp.asarray(nu), k_tx, grid, tx)
    p_tx = mean_power(field)
    field_rx, gain, powers = propagate(
        field, k_path, grid, cfg.path, nu, cfg.channels.spacing_ghz * 1e9
    )
    lv = intensity_levels(tx, jnp.asarray(nu))
    lv_rx = IntensityLevels(lv.lo * gain, lv.hi * gain)
    wave, samples, power, g = receive(
        field_rx, k_rx, grid, cfg.receiver.params(), lv_rx, cfg.receiver.adc.agc_target
    )
    estimates = decode(power / gain[:, None], lv, cfg.traffic.max_value)
    return LinkResult(
        values=values,
        estimates=estimates,
        samples=samples,
        waveform=wave,
        rx_field=field_rx,
        path_gain=gain,
        electrical_gain=g,
        stage_power=jnp.concatenate([p_tx[None], powers]),
        levels=lv,
    )


def run_link(
    cfg: LinkConfig, values: jax.Array | None = None, key: jax.Array | None = None
) -> LinkResult:
    """Run the link. Defaults: symbols and noise drawn from ``cfg.seed``.

    ``values``: (channels, n_symbols) nonnegative inputs; ``key``: a ``jax.random`` key.
    """
    base = jax.random.PRNGKey(cfg.seed)
    k_values, k_run = jax.random.split(base)
    if values is None:
        values = random_values(cfg, k_values)
    values = jnp.asarray(values, dtype=float)
    expected = (len(cfg.frequencies_hz()), cfg.grid.n_symbols)
    if values.shape != expected:
        raise ValueError(f"values has shape {values.shape}, expected {expected}")
    # the seed only makes the keys: keep it out of the static (compile-cache) argument
    return _run(cfg.model_copy(update={"seed": 0}), values, k_run if key is None else key)
