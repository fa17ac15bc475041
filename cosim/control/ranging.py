"""Edge-node ranging: per-node fibre delays from the network model and the golden model
of the ranging unit (``rtl/ranging.sv``).

The centre sends a probe to each node on that node's own wavelength band and fibre
route; the node echoes it after a fixed processing latency. The ranging unit counts
the round trip in samples; node ``k`` then delays its launch by
``max(RTT) - RTT_k`` after a common trigger it receives on the same route, so every node's
first symbol reaches the optical core in the same sample (the residual is the sub-sample
part of the round trip, below one sample).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SAMPLES_PER_WORD = 64  # rtl/opticloud_ctrl.sv: SPW_LOG2 = 6


@dataclass(frozen=True)
class NodeDelay:
    """One edge node: its route and one-way group delay to the centre."""

    name: str
    fibre_km: float
    one_way_s: float


def network_delays(topology: str | None = None) -> list[NodeDelay]:
    """One-way delay of every edge node of the network topology (default: the 4-node
    edge-metro network), summed over the fibre spans of its route at the carrier of its
    first channel with the network model's group delay (``cosim.link.fibre.latency``:
    ``fiber.group_index`` plus dispersion terms)."""
    from cosim.link.config import FibreStage
    from cosim.link.fibre import latency
    from cosim.network.topology import load_network_config, node_path

    cfg = load_network_config(topology)
    out = []
    for node in cfg.nodes:
        if node.kind != "edge":
            continue
        nu = cfg.frequency_hz(node.channels[0])
        km, delay = 0.0, 0.0
        for stage in node_path(cfg, node.name):
            if isinstance(stage, FibreStage):
                km += stage.length_km
                delay += float(latency(nu, stage.params()))
        out.append(NodeDelay(node.name, km, delay))
    return out


def round_trip_samples(
    delays: list[NodeDelay], symbol_rate_hz: float, echo_s: float
) -> list[float]:
    """True round-trip time of every node in samples (one sample per symbol)."""
    return [(2 * d.one_way_s + echo_s) * symbol_rate_hz for d in delays]


def expected_registers(rtt_true: list[float | None]) -> tuple[list[int], list[int], int]:
    """What the ranging unit reports for true round trips (None: no echo):
    ``(rtt registers, offset registers, valid mask)``."""
    rtt = [0 if r is None else math.floor(r) for r in rtt_true]
    valid = [r is not None for r in rtt_true]
    top = max((r for r, v in zip(rtt, valid, strict=True) if v), default=0)
    ofs = [top - r if v else 0 for r, v in zip(rtt, valid, strict=True)]
    mask = sum(1 << k for k, v in enumerate(valid) if v)
    return rtt, ofs, mask


def arrival_spread(rtt_true: list[float], offsets: list[int]) -> float:
    """Spread (samples) of the nodes' first-symbol arrival times at the core when node
    ``k`` launches ``offsets[k]`` samples after receiving the common trigger."""
    arrivals = [r + o for r, o in zip(rtt_true, offsets, strict=True)]
    return max(arrivals) - min(arrivals)
