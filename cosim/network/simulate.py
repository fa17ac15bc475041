"""Waveform simulation of the whole network: every band to the centre, one shared drop.

Each edge node's band is transmitted and propagated along its own route up to the
centre (elements compiled once and reused where routes share them). At the centre
all bands meet in one demultiplexer, so each port sees crosstalk from every other
node's channels, and each band is detected by its own OPU's receivers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from cosim.link.chain import apply_stage, propagate, receive_jit, transmit_jit
from cosim.link.field import OpticalField
from cosim.link.metrics import ber_from_q, q_factor, snr_db
from cosim.link.transmitter import IntensityLevels, decode, intensity_levels
from cosim.network.topology import NetworkConfig, node_path


@dataclass
class ChannelResult:
    node: str
    channel: int
    launch_power_dbm: float
    received_power_dbm: float
    snr_db: float
    q_factor: float
    ber: float


def _concat(fields: list[OpticalField]) -> OpticalField:
    def cat(attr: str) -> jax.Array | None:
        parts = [getattr(f, attr) for f in fields]
        if all(p is None for p in parts):
            return None
        return jnp.concatenate(
            [
                jnp.zeros(f.ex.shape, dtype=f.ex.dtype) if p is None else p
                for f, p in zip(fields, parts, strict=True)
            ]
        )

    return OpticalField(
        ex=jnp.concatenate([f.ex for f in fields]),
        nu=jnp.concatenate([f.nu for f in fields]),
        ey=cat("ey"),
        p_incoherent=cat("p_incoherent"),
    )


def simulate_network(
    cfg: NetworkConfig, progress: Callable[[str], None] | None = None
) -> list[ChannelResult]:
    """Send random symbols from every edge node and measure each channel at the centre."""
    grid = cfg.grid.grid()
    spacing = cfg.channels.spacing_ghz * 1e9
    tx = cfg.transmitter.params(cfg.traffic.max_value)
    t = cfg.traffic
    base = jax.random.PRNGKey(cfg.seed)
    edges = [n for n in cfg.nodes if n.kind == "edge"]
    fields, gains, values, owners, launch, drop = [], [], [], [], [], None
    for i, node in enumerate(edges):
        if progress:
            progress(node.name)
        k_val, k_tx, k_path = jax.random.split(jax.random.fold_in(base, i), 3)
        nu = tuple(cfg.frequency_hz(k) for k in node.channels)
        x = jax.random.randint(k_val, (len(nu), grid.n_symbols), 0, t.levels)
        x = x * (t.max_value / (t.levels - 1))
        path = node_path(cfg, node.name)
        drop = path[-1]  # every route ends in the centre's drop demultiplexer
        field = transmit_jit(x, jnp.asarray(nu), k_tx, grid, tx)
        launch.append(np.asarray(jnp.mean(jnp.abs(field.ex) ** 2, axis=-1)))
        field, g, _ = propagate(field, k_path, grid, path[:-1], nu, spacing)
        fields.append(field)
        gains.append(g)
        values.append(np.asarray(x))
        owners += [(node.name, k) for k in node.channels]
    if progress:
        progress("centre")
    all_nu = tuple(float(v) for v in np.concatenate([np.asarray(f.nu) for f in fields]))
    lv = intensity_levels(tx, jnp.asarray(all_nu))
    k_drop, k_rx = jax.random.split(jax.random.fold_in(base, len(edges)))
    field, g_drop = apply_stage(_concat(fields), k_drop, grid, drop, all_nu, spacing)
    gain = jnp.concatenate(gains) * g_drop
    lv_rx = IntensityLevels(lv.lo * gain, lv.hi * gain)
    _, samples, power, _ = receive_jit(
        field, k_rx, grid, cfg.receiver.params(), lv_rx, cfg.receiver.adc.agc_target
    )
    estimates = np.asarray(decode(power / gain[:, None], lv, t.max_value))
    samples = np.asarray(samples)
    x_all = np.concatenate(values)
    p_launch = np.concatenate(launch)
    rx_power = np.asarray(jnp.mean(jnp.abs(field.ex) ** 2, axis=-1))
    if field.ey is not None:
        rx_power = rx_power + np.asarray(jnp.mean(jnp.abs(field.ey) ** 2, axis=-1))
    out = []
    for j, (name, ch) in enumerate(owners):
        q = q_factor(samples[j], x_all[j])
        out.append(
            ChannelResult(
                node=name,
                channel=ch,
                launch_power_dbm=float(10 * np.log10(p_launch[j] / 1e-3)),
                received_power_dbm=float(10 * np.log10(rx_power[j] / 1e-3)),
                snr_db=snr_db(estimates[j], x_all[j]),
                q_factor=q,
                ber=ber_from_q(q, t.levels),
            )
        )
    return out
