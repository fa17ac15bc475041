"""End to end: edge-node vectors -> fibre network -> OPU -> balanced detection -> Y.

Per edge node n (its band feeds its own OPU at the centre):

1. Workload: target ``W`` (rows x cols of the workload, uniform in [-1, 1]) and input
   vectors ``X`` (uniform in [0, 1], one vector per symbol: element j on channel j).
   Workloads larger than the core are tiled over time: column block ``b`` of ``X`` is
   sent in time slot ``b``; every tile (a, b) of ``W`` is programmed in turn and its
   outputs digitised; partial sums are added after the ADC.
2. Network: every node's transmitters (DAC, driver, MZM) and route (fibre, EDFAs,
   AWG mux/express, the centre's drop demux) — ``cosim.network.simulate``.
3. Calibration (the link budget, as a real centre does): channel j arrives with the
   nominal power gain ``g_j``; its value swing is ``a_j = g_j (P_hi - P_lo)_j``. The
   weights are programmed as ``W'_ij = W_ij a_min / a_j`` so every column sees the same
   swing, and the receiver removes the known offset ``sum_j W'_ij g_j P_lo,j``:
   ``y_i = (I_i / (R norm_i) - sum_j W'_ij g_j P_lo,j) / a_min``.
4. OPU: each channel's field through the core's detector response
   (:mod:`cosim.e2e.opu`), balanced photodiodes, TIA, ADC (gain set so the largest
   possible balanced current sits at the AGC target), decode as above.

With every impairment and imperfection off, ``Y = W X`` to rounding (the test of
this module); each impairment's effect is then measured against that.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import jax
import jax.numpy as jnp
import numpy as np

from circuits.core import NonIdealities, OpticalCore
from circuits.cores import make_core
from cosim.e2e.opu import DetectorResponse, balanced_currents, detector_response, readout
from cosim.e2e.scenario import Impairments, Scenario
from cosim.link.budget import OSNR_REFERENCE_BANDWIDTH
from cosim.link.field import OpticalField
from cosim.network.budget import network_budget
from cosim.network.simulate import CentreFields, propagate_to_centre
from cosim.network.topology import NetworkConfig

Progress = Callable[[str], None]


def network_config(sc: Scenario) -> NetworkConfig:
    """The scenario's network with its impairment switches applied."""
    im: Impairments = sc.impairments
    cfg = sc.network
    tx, rx, fibre = cfg.transmitter, cfg.receiver, cfg.fibre
    tx = tx.model_copy(
        update={
            "laser": tx.laser.model_copy(update={"noise": im.laser_noise}),
            "dac": tx.dac.model_copy(
                update={
                    "bits": tx.dac.bits if im.dac else None,
                    "bandwidth_ghz": tx.dac.bandwidth_ghz if im.bandwidths else None,
                }
            ),
            "mzm": tx.mzm.model_copy(update={"eo_response": tx.mzm.eo_response and im.bandwidths}),
        }
    )
    rx = rx.model_copy(
        update={
            "photodiode": rx.photodiode.model_copy(
                update={
                    "shot_noise": im.shot_noise,
                    "bandwidth_ghz": rx.photodiode.bandwidth_ghz if im.bandwidths else None,
                }
            ),
            "tia": rx.tia.model_copy(
                update={
                    "noise": im.tia_noise,
                    "bandwidth_ghz": rx.tia.bandwidth_ghz if im.bandwidths else None,
                }
            ),
            "adc": rx.adc.model_copy(
                update={
                    "bits": rx.adc.bits if im.adc else None,
                    "enob": rx.adc.enob if im.adc else None,
                }
            ),
        }
    )
    fibre_update: dict = {"nonlinear": fibre.nonlinear and im.nonlinearity}
    if not im.dispersion:
        fibre_update |= {"dispersion_ps_per_nm_km": 0.0, "slope_ps_per_nm2_km": 0.0}
    links = tuple(
        link
        if link.amplifier is None
        else link.model_copy(
            update={"amplifier": link.amplifier.model_copy(update={"ase": im.ase})}
        )
        for link in cfg.links
    )
    return cfg.model_copy(
        update={
            "transmitter": tx,
            "receiver": rx,
            "fibre": fibre.model_copy(update=fibre_update),
            "awg": cfg.awg.model_copy(
                update={
                    "crosstalk": cfg.awg.crosstalk and im.crosstalk,
                    "passband": cfg.awg.passband and im.bandwidths,
                }
            ),
            "links": links,
            "traffic": cfg.traffic.model_copy(update={"max_value": 1.0}),
        }
    )


@dataclass
class Tile:
    """One programmed tile: rows ``r0:r0+rows`` x cols ``c0:c0+cols`` of the workload."""

    r0: int
    c0: int
    target: np.ndarray  # W' (core rows x cols), column-equalised
    settings: object
    response: DetectorResponse
    i_max: np.ndarray  # (rows,) largest possible balanced current (A)


@dataclass
class NodeRun:
    """One edge node's product through the network and its OPU."""

    node: str
    W: np.ndarray  # (R, C) target weights
    X: np.ndarray  # (C, B) inputs in [0, 1]
    Y: np.ndarray  # (R, B) optical result
    channel_gain: np.ndarray  # (cols,) nominal Tx -> OPU power gain
    levels_lo_w: np.ndarray  # (cols,) Tx power of value 0
    levels_hi_w: np.ndarray  # (cols,) Tx power of value 1
    received_power_dbm: np.ndarray  # (cols,) mean power at the OPU port, simulated
    osnr_db: np.ndarray  # (cols,) link budget at the OPU port (0.1 nm)
    ase_psd_w_per_hz: np.ndarray  # (cols,) ASE per polarisation at the OPU port (budget)
    tiles: list[Tile] = field(default_factory=list)
    nonideal: NonIdealities | None = None

    @property
    def Y_ideal(self) -> np.ndarray:
        return self.W @ self.X

    @property
    def swing_w(self) -> np.ndarray:
        """(cols,) value swing a_j = g_j (P_hi - P_lo)_j at the OPU port (W)."""
        return self.channel_gain * (self.levels_hi_w - self.levels_lo_w)

    @property
    def equalise(self) -> np.ndarray:
        """(cols,) column factors a_min / a_j programmed into the weights."""
        return self.swing_w.min() / self.swing_w


@dataclass
class RunResult:
    scenario: Scenario
    nodes: list[NodeRun]
    n_symbols: int


@cache
def shared_core(kind: str, rows: int, cols: int) -> OpticalCore:
    """One core object per design, reused by every OPU and run of the process: its
    compiled evaluators are per object, and each die's variation is keyed by the seed of
    its ``NonIdealities``, not by the object."""
    return make_core(kind, rows, cols)


def workload(sc: Scenario, index: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded W (R x C in [-1, 1]) and X (C x B in [0, 1]) of edge node ``index``."""
    rows, cols = sc.matrix_shape
    slots = math.ceil(cols / sc.cols)
    batch = sc.network.grid.n_symbols // slots
    rng = np.random.default_rng([sc.seed, index])
    return rng.uniform(-1.0, 1.0, (rows, cols)), rng.uniform(0.0, 1.0, (cols, batch))


def _slots(X: np.ndarray, cols: int, n_symbols: int) -> np.ndarray:
    """Column blocks of X sent one after the other: (cols, n_symbols) channel values."""
    c, b = X.shape
    slots = math.ceil(c / cols)
    padded = np.zeros((slots * cols, b))
    padded[:c] = X
    out = np.zeros((cols, n_symbols))
    out[:, : slots * b] = padded.reshape(slots, cols, b).transpose(1, 0, 2).reshape(cols, -1)
    return out


def _node_field(centre: CentreFields, rows: np.ndarray) -> OpticalField:
    f = centre.field

    def pick(a):
        return None if a is None else a[rows]

    return OpticalField(
        ex=f.ex[rows], nu=f.nu[rows], ey=pick(f.ey), p_incoherent=pick(f.p_incoherent)
    )


def _power_dbm(field: OpticalField) -> np.ndarray:
    p = jnp.mean(jnp.abs(field.ex) ** 2, axis=-1)
    if field.ey is not None:
        p = p + jnp.mean(jnp.abs(field.ey) ** 2, axis=-1)
    if field.p_incoherent is not None:
        p = p + jnp.mean(field.p_incoherent, axis=-1)
    return 10 * np.log10(np.asarray(p) / 1e-3)


def run_scenario(sc: Scenario, progress: Progress | None = None) -> RunResult:
    """Run the scenario end to end (see the module docstring)."""
    say = progress or (lambda _msg: None)
    cfg = network_config(sc)
    grid = cfg.grid.grid()
    edges = sc.edge_nodes
    work = {n.name: workload(sc, i) for i, n in enumerate(edges)}
    values = {n.name: _slots(work[n.name][1], sc.cols, grid.n_symbols) for n in edges}
    key = jax.random.PRNGKey(sc.seed)
    k_net, k_opu = jax.random.split(key)
    centre = propagate_to_centre(cfg, values, k_net, lambda name: say(f"network: {name}"))
    budgets = {b.node: b for b in network_budget(cfg)}
    rx = cfg.receiver.params()
    agc = cfg.receiver.adc.agc_target
    offsets = grid.frequencies()
    nodes = []
    for i, node in enumerate(edges):
        say(f"OPU of {node.name}")
        rows_idx = centre.rows_of(node.name)
        g = centre.gain[rows_idx]
        lo = np.asarray(centre.levels.lo)[rows_idx]
        hi = np.asarray(centre.levels.hi)[rows_idx]
        fld = _node_field(centre, rows_idx)
        W, X = work[node.name]
        ni = sc.nonidealities()
        ni = NonIdealities(**{**ni.to_dict(), "seed": sc.seed * 1000 + i})  # one die per OPU
        core = shared_core(sc.opu.kind, sc.rows, sc.cols)
        run = NodeRun(
            node=node.name,
            W=W,
            X=X,
            Y=np.zeros((W.shape[0], X.shape[1])),
            channel_gain=g,
            levels_lo_w=lo,
            levels_hi_w=hi,
            received_power_dbm=_power_dbm(fld),
            osnr_db=np.asarray(budgets[node.name].osnr_db, float),
            ase_psd_w_per_hz=np.asarray(budgets[node.name].budget.final.ase_ref_w, float)
            / (2 * OSNR_REFERENCE_BANDWIDTH),
            nonideal=ni,
        )
        equalise, a_min = run.equalise, run.swing_w.min()
        b = X.shape[1]
        for r0 in range(0, W.shape[0], sc.rows):
            for slot, c0 in enumerate(range(0, W.shape[1], sc.cols)):
                block = np.zeros((sc.rows, sc.cols))
                part = W[r0 : r0 + sc.rows, c0 : c0 + sc.cols]
                block[: part.shape[0], : part.shape[1]] = part
                if not np.any(block):
                    continue
                target = block * equalise[None, :]
                settings = core.program(target, ni)
                resp = detector_response(
                    core, settings, ni, offsets, flat=not sc.impairments.opu_response
                )
                i_max = rx.responsivity * resp.norm * (np.abs(target) @ (g * hi))
                ro = readout(rx, i_max, agc)
                k_tile = jax.random.fold_in(k_opu, (i * 4096 + r0) * 4096 + c0)
                current = balanced_currents(fld, resp.h, resp.sign, ro, k_tile, grid)
                offset = target @ (g * lo)
                y = current / (rx.responsivity * resp.norm[:, None]) - offset[:, None]
                y = y / a_min
                seg = y[:, slot * b : (slot + 1) * b]
                n_out = part.shape[0]
                run.Y[r0 : r0 + n_out] += seg[:n_out]
                run.tiles.append(Tile(r0, c0, target, settings, resp, i_max))
        nodes.append(run)
    return RunResult(scenario=sc, nodes=nodes, n_symbols=grid.n_symbols)
