"""Per-node figures of the network from its topology: loss, latency, dispersion, OSNR.

Everything here is analytic (no sampling noise): the route of each edge node's band
to the centre (:func:`cosim.network.topology.route`) is turned into link elements
(:func:`~cosim.network.topology.node_path`) and run through the link budget
(:func:`cosim.link.budget.cascade`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cosim.link.awg import centre_transmission
from cosim.link.budget import Budget, cascade, launch_power, launch_spectrum
from cosim.link.config import (
    AttenuatorStage,
    DemuxStage,
    EdfaStage,
    ExpressStage,
    FibreStage,
    MuxStage,
)
from cosim.link.fibre import latency
from cosim.network.topology import NetworkConfig, node_path, route


@dataclass
class NodeBudget:
    """One edge node's band at its OPU port in the centre (arrays per channel)."""

    node: str
    route: list[str]
    channels: list[int]
    nu: np.ndarray  # Hz
    fibre_km: float
    passive_loss_db: float  # fibre + AWG + attenuators
    amplifier_gain_db: float
    latency_s: np.ndarray
    dispersion_ps_per_nm: np.ndarray
    budget: Budget

    @property
    def net_loss_db(self) -> float:
        return self.passive_loss_db - self.amplifier_gain_db

    @property
    def osnr_db(self) -> np.ndarray:
        return self.budget.final.osnr_db

    @property
    def received_power_dbm(self) -> np.ndarray:
        return self.budget.final.signal_dbm


def node_budget(
    cfg: NetworkConfig, name: str, signal_shape: np.ndarray | None = None
) -> NodeBudget:
    """Budget of edge node ``name``'s band from its transmitters to its OPU port.

    ``signal_shape``: the transmitters' mean spectrum (:func:`launch_spectrum`; computed
    when not given).
    """
    node = cfg.node(name)
    nu = np.array([cfg.frequency_hz(k) for k in node.channels])
    path = node_path(cfg, name)
    passive = gain = km = 0.0
    lat = np.zeros_like(nu)
    disp = np.zeros_like(nu)
    for st in path:
        if isinstance(st, FibreStage):
            p = st.params()
            km += st.length_km
            passive += st.loss_db_per_km * st.length_km
            lat = lat + np.asarray(latency(nu, p))
            disp = disp + np.asarray(p.dispersion_at(nu)) * p.length * 1e3  # s/m -> ps/nm
        elif isinstance(st, EdfaStage):
            gain += st.gain_db
        elif isinstance(st, MuxStage | DemuxStage | ExpressStage):
            # the AWG model's loss at the carriers, averaged over the band (dB)
            t = centre_transmission(st.router(), tuple(float(v) for v in nu))
            passes = 2 if isinstance(st, ExpressStage) else 1
            passive += passes * float(np.mean(-10 * np.log10(t)))
        elif isinstance(st, AttenuatorStage):
            passive += st.loss_db
    budget = cascade(
        path,
        launch_power(cfg.transmitter, cfg.traffic, nu),
        nu,
        cfg.grid.grid(),
        cfg.channels.spacing_ghz * 1e9,
        signal_shape=signal_shape
        if signal_shape is not None
        else launch_spectrum(
            cfg.transmitter, cfg.traffic, cfg.grid.grid(), cfg.seed, float(np.mean(nu))
        ),
    )
    return NodeBudget(
        node=name,
        route=[name] + [hop for hop, _ in route(cfg, name)],
        channels=list(node.channels),
        nu=nu,
        fibre_km=km,
        passive_loss_db=passive,
        amplifier_gain_db=gain,
        latency_s=lat,
        dispersion_ps_per_nm=disp,
        budget=budget,
    )


def network_budget(cfg: NetworkConfig) -> list[NodeBudget]:
    """:func:`node_budget` for every edge node, in the order of the configuration."""
    centre = float(cfg.channels.anchor_thz * 1e12)
    shape = launch_spectrum(cfg.transmitter, cfg.traffic, cfg.grid.grid(), cfg.seed, centre)
    return [node_budget(cfg, n.name, shape) for n in cfg.nodes if n.kind == "edge"]
