"""Edge-metro topology: nodes, fibres and amplifiers from YAML, routed to the centre.

Nodes are ``edge`` (transmitters of one wavelength band), ``roadm`` (add/express
sites on the metro ring) or the single ``centre`` (drops each band to its own OPU).
Fibres are bidirectional; traffic takes the shortest route (by length) to the centre.
An amplifier on a fibre sits at its receiving end; ``gain_db: auto`` compensates the
fibre plus the ROADM element the light enters next (express through a ROADM, or the
drop at the centre), the usual transparent-span design.

Each edge node's route becomes a :mod:`cosim.link` path::

    access fibre -> [add mux at the first ROADM] -> (span -> EDFA -> express)* ->
    span -> EDFA -> drop demux at the centre
"""

from __future__ import annotations

import heapq
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cosim.link.awg import centre_transmission, channel_plan
from cosim.link.config import (
    ChannelsConfig,
    ConfigError,
    DemuxStage,
    EdfaStage,
    ExpressStage,
    FibreStage,
    GridConfig,
    MuxStage,
    ReceiverConfig,
    TrafficConfig,
    TransmitterConfig,
    check_noise_figure,
    format_validation_error,
    load_yaml,
)
from pdk.params import value

DEFAULT_TOPOLOGY = Path(__file__).with_name("default_topology.yaml")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NodeConfig(_Model):
    name: Annotated[str, Field(min_length=1)]
    kind: Literal["edge", "roadm", "centre"]
    channels: tuple[Annotated[int, Field(ge=-400, le=400)], ...] = ()  # ITU indices from anchor


class AmplifierConfig(_Model):
    gain_db: float | Literal["auto"] = "auto"
    noise_figure_db: float = Field(default_factory=lambda: value("edfa.noise_figure"))
    ase: bool = True  # off: a noiseless gain block (to isolate other impairments)

    @field_validator("noise_figure_db")
    @classmethod
    def _quantum_limit(cls, v: float) -> float:
        return check_noise_figure(v)


class FibreLink(_Model):
    a: str
    b: str
    length_km: float
    amplifier: AmplifierConfig | None = None

    @field_validator("length_km")
    @classmethod
    def _length(cls, v: float) -> float:
        if v < 0:
            raise ValueError("a fibre length must be >= 0")
        return v


class NetworkConfig(_Model):
    """A metro network and the signals its edge nodes send to the centre."""

    seed: Annotated[int, Field(ge=0)] = 0
    grid: GridConfig = GridConfig(n_symbols=2048)
    channels: ChannelsConfig = ChannelsConfig()
    traffic: TrafficConfig = TrafficConfig()
    transmitter: TransmitterConfig = TransmitterConfig()
    receiver: ReceiverConfig = ReceiverConfig()
    fibre: FibreStage = FibreStage(length_km=0.0)
    awg: MuxStage = MuxStage()
    nodes: tuple[NodeConfig, ...]
    links: tuple[FibreLink, ...]

    @model_validator(mode="after")
    def _check(self) -> NetworkConfig:
        names = [n.name for n in self.nodes]
        for i, n in enumerate(names):
            if names.index(n) != i:
                raise ValueError(f"nodes[{i}].name = {n!r}: node defined twice")
        for i, link in enumerate(self.links):
            for end in ("a", "b"):
                if getattr(link, end) not in names:
                    raise ValueError(
                        f"links[{i}].{end} = {getattr(link, end)!r}: unknown node "
                        f"(nodes: {', '.join(names)})"
                    )
        centres = [n.name for n in self.nodes if n.kind == "centre"]
        if len(centres) != 1:
            raise ValueError(f"nodes: need exactly one node of kind 'centre', found {len(centres)}")
        seen: dict[int, str] = {}
        for i, n in enumerate(self.nodes):
            if n.kind == "edge" and not n.channels:
                raise ValueError(f"nodes[{i}].channels: edge node {n.name!r} sends no channel")
            if n.kind != "edge" and n.channels:
                raise ValueError(f"nodes[{i}].channels: only edge nodes send channels")
            for ch in n.channels:
                if ch in seen:
                    raise ValueError(
                        f"nodes[{i}].channels: channel {ch} is already sent by {seen[ch]!r}"
                    )
                seen[ch] = n.name
        for n in self.nodes:
            if n.kind == "edge":
                route(self, n.name)  # raises when unreachable
        self.awg.check_channels(self.frequencies_hz(), "awg")
        return self

    @property
    def centre(self) -> str:
        return next(n.name for n in self.nodes if n.kind == "centre")

    def node(self, name: str) -> NodeConfig:
        return next(n for n in self.nodes if n.name == name)

    def frequency_hz(self, index: int) -> float:
        return self.channels.anchor_thz * 1e12 + index * self.channels.spacing_ghz * 1e9

    def frequencies_hz(self) -> tuple[float, ...]:
        """Every channel the edge nodes send (Hz), ascending."""
        indices = sorted(k for n in self.nodes for k in n.channels)
        return tuple(self.frequency_hz(k) for k in indices)

    def awg_stage(self) -> MuxStage:
        """The network's AWG wired and tuned once for all channels of the network (unless
        the configuration fixes port and temperature), so that every add, express and
        drop port shares one grid."""
        plan = channel_plan(self.awg.router(), self.frequencies_hz())
        return self.awg.model_copy(
            update={"temperature_k": plan.temperature, "input_port": plan.input_port}
        )


def _adjacency(cfg: NetworkConfig) -> dict[str, list[tuple[str, int]]]:
    adj: dict[str, list[tuple[str, int]]] = {n.name: [] for n in cfg.nodes}
    for i, link in enumerate(cfg.links):
        adj[link.a].append((link.b, i))
        adj[link.b].append((link.a, i))
    return adj


def route(cfg: NetworkConfig, node: str) -> list[tuple[str, int]]:
    """Shortest route from ``node`` to the centre: [(next node, link index), ...].

    Only ROADMs may be passed through; raises ValueError when there is no route.
    """
    centre = cfg.centre
    adj = _adjacency(cfg)
    kinds = {n.name: n.kind for n in cfg.nodes}
    best = {node: 0.0}
    prev: dict[str, tuple[str, int]] = {}
    heap = [(0.0, node)]
    while heap:
        d, u = heapq.heappop(heap)
        if u == centre:
            break
        if d > best.get(u, float("inf")) or (u != node and kinds[u] != "roadm"):
            continue
        for v, i in adj[u]:
            nd = d + cfg.links[i].length_km
            if nd < best.get(v, float("inf")):
                best[v], prev[v] = nd, (u, i)
                heapq.heappush(heap, (nd, v))
    if centre not in prev:
        idx = [n.name for n in cfg.nodes].index(node)
        raise ValueError(f"nodes[{idx}] {node!r}: no fibre route to the centre {centre!r}")
    hops, v = [], centre
    while v != node:
        u, i = prev[v]
        hops.append((v, i))
        v = u
    return hops[::-1]


def node_path(cfg: NetworkConfig, node: str) -> tuple[Any, ...]:
    """The :mod:`cosim.link` path elements from ``node``'s transmitters to its OPU port."""
    stage = cfg.awg_stage()
    awg = stage.model_dump(exclude={"type"})
    mux, express, drop = MuxStage(**awg), ExpressStage(**awg), DemuxStage(**awg)
    # 'auto' gains compensate the AWG's mean loss (model) over the network's channels
    awg_loss_db = float(
        np.mean(-10 * np.log10(centre_transmission(stage.router(), cfg.frequencies_hz())))
    )
    elements: list[Any] = []
    added = False
    for nxt, i in route(cfg, node):
        link = cfg.links[i]
        span = cfg.fibre.model_copy(update={"length_km": link.length_km})
        elements.append(span)
        entering = drop if nxt == cfg.centre else (express if added else mux)
        if link.amplifier is not None:
            amp = link.amplifier
            gain = amp.gain_db
            if gain == "auto":
                loss = 2 * awg_loss_db if entering is express else awg_loss_db
                gain = span.loss_db_per_km * span.length_km + loss
            elements.append(
                EdfaStage(gain_db=gain, noise_figure_db=amp.noise_figure_db, ase=amp.ase)
            )
        elements.append(entering)
        added = True
    return tuple(elements)


def load_network_config(path: str | Path | None = None) -> NetworkConfig:
    """The network from YAML (the default 4-node edge-metro topology when None)."""
    data = load_yaml(DEFAULT_TOPOLOGY if path is None else path)
    try:
        return NetworkConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(format_validation_error(e)) from None


__all__ = [
    "DEFAULT_TOPOLOGY",
    "NetworkConfig",
    "load_network_config",
    "node_path",
    "route",
]
