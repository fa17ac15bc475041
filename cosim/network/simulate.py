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


@dataclass
class CentreFields:
    """Every edge node's band at its OPU port in the centre (arrays over all channels,
    nodes in configuration order).

    field: after the shared drop demultiplexer (crosstalk from every other band included);
    gain: nominal Tx -> OPU-port power gain per channel (the link-budget calibration);
    levels: transmitter power levels (W) of value 0 and ``max_value``;
    launch_w: mean launched power per channel (W); owners: (node, ITU channel) per row.
    """

    field: OpticalField
    gain: np.ndarray
    levels: IntensityLevels
    launch_w: np.ndarray
    owners: list[tuple[str, int]]

    def rows_of(self, node: str) -> np.ndarray:
        return np.array([j for j, (n, _) in enumerate(self.owners) if n == node])


def propagate_to_centre(
    cfg: NetworkConfig,
    values: dict[str, np.ndarray],
    key: jax.Array,
    progress: Callable[[str], None] | None = None,
) -> CentreFields:
    """Transmit ``values[node]`` (node's channels x n_symbols, in [0, max_value]) from
    every edge node and propagate all bands to the centre's drop demultiplexer."""
    grid = cfg.grid.grid()
    spacing = cfg.channels.spacing_ghz * 1e9
    tx = cfg.transmitter.params(cfg.traffic.max_value)
    edges = [n for n in cfg.nodes if n.kind == "edge"]
    fields, gains, owners, launch, drop = [], [], [], [], None
    for i, node in enumerate(edges):
        if progress:
            progress(node.name)
        k_tx, k_path = jax.random.split(jax.random.fold_in(key, i))
        nu = tuple(cfg.frequency_hz(k) for k in node.channels)
        path = node_path(cfg, node.name)
        drop = path[-1]  # every route ends in the centre's drop demultiplexer
        field = transmit_jit(jnp.asarray(values[node.name], float), jnp.asarray(nu), k_tx, grid, tx)
        launch.append(np.asarray(jnp.mean(jnp.abs(field.ex) ** 2, axis=-1)))
        field, g, _ = propagate(field, k_path, grid, path[:-1], nu, spacing)
        fields.append(field)
        gains.append(g)
        owners += [(node.name, k) for k in node.channels]
    if progress:
        progress("centre")
    all_nu = tuple(float(v) for v in np.concatenate([np.asarray(f.nu) for f in fields]))
    field, g_drop = apply_stage(
        _concat(fields), jax.random.fold_in(key, len(edges)), grid, drop, all_nu, spacing
    )
    return CentreFields(
        field=field,
        gain=np.asarray(jnp.concatenate(gains) * g_drop),
        levels=intensity_levels(tx, jnp.asarray(all_nu)),
        launch_w=np.concatenate(launch),
        owners=owners,
    )


def simulate_network(
    cfg: NetworkConfig, progress: Callable[[str], None] | None = None
) -> list[ChannelResult]:
    """Send random symbols from every edge node and measure each channel at the centre."""
    grid = cfg.grid.grid()
    t = cfg.traffic
    base = jax.random.PRNGKey(cfg.seed)
    edges = [n for n in cfg.nodes if n.kind == "edge"]
    values = {}
    for i, node in enumerate(edges):
        k_val = jax.random.split(jax.random.fold_in(base, i), 3)[0]
        x = jax.random.randint(k_val, (len(node.channels), grid.n_symbols), 0, t.levels)
        values[node.name] = np.asarray(x * (t.max_value / (t.levels - 1)))
    k_net, k_rx = jax.random.split(jax.random.fold_in(base, len(edges) + 1))
    centre = propagate_to_centre(cfg, values, k_net, progress)
    field, gain, lv = centre.field, jnp.asarray(centre.gain), centre.levels
    lv_rx = IntensityLevels(lv.lo * gain, lv.hi * gain)
    _, samples, power, _ = receive_jit(
        field, k_rx, grid, cfg.receiver.params(), lv_rx, cfg.receiver.adc.agc_target
    )
    estimates = np.asarray(decode(power / gain[:, None], lv, t.max_value))
    samples = np.asarray(samples)
    x_all = np.concatenate([values[n.name] for n in edges])
    rx_power = np.asarray(jnp.mean(jnp.abs(field.ex) ** 2, axis=-1))
    if field.ey is not None:
        rx_power = rx_power + np.asarray(jnp.mean(jnp.abs(field.ey) ** 2, axis=-1))
    out = []
    for j, (name, ch) in enumerate(centre.owners):
        q = q_factor(samples[j], x_all[j])
        out.append(
            ChannelResult(
                node=name,
                channel=ch,
                launch_power_dbm=float(10 * np.log10(centre.launch_w[j] / 1e-3)),
                received_power_dbm=float(10 * np.log10(rx_power[j] / 1e-3)),
                snr_db=snr_db(estimates[j], x_all[j]),
                q_factor=q,
                ber=ber_from_q(q, t.levels),
            )
        )
    return out
