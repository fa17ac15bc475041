r"""MZI weight bank: an incoherent WDM matrix-vector multiplier with signed weights.

Architecture (this layout)
--------------------------
The N inputs x_j arrive as the powers of N comb lines lambda_j on one waveguide::

    in --> AWGR used as a 1 x N demux --> channel j --> 1 x M splitter tree (mmi_1x2)
                                                           |
         row i, channel j:  MZI (dual heater)  -- cross -->  PD+ \
                                               -- bar   -->  PD- /  balanced pair (i, j)

Each MZI is a variable attenuator with both outputs kept: the balanced pair delivers
R (P_cross - P_bar) = R P_in w_ij with w = T_cross - T_bar = cos(theta) in [-1, 1]
(theta the arm phase difference). Row i's output current is the sum of its N pair
currents: the pairs' middle terminals (``pd_r{i}_c*_e2``) are wired to one TIA input
by the chip's pad routing, so y_i = sum_j w_ij x_j (times the path gains). This core
brings every terminal out as a port and leaves that wiring to the chip.

Why demultiplex once and broadcast per channel (not broadcast the comb to M rows and
demultiplex in every row), and why balanced pairs per channel (not a mux per sign):
one AWGR instead of M (a 4-channel router is ~0.85 mm long, each loses ~2.5-4.5 dB),
and no multiplexer at all: the per-channel detectors sum currents electrically, so a
second (and third) AWGR per row with its loss, area and crosstalk is avoided, and no
two wavelengths ever share a detector (no beat notes). The cost is 2 N M detectors
whose capacitance adds on each row's TIA node (2 N x 15 fF: 0.24 pF at N = 8, still
above 10 GBd with a TIA), and one MZI per weight as in any MZI bank.

Conventions
-----------
Light enters each MZI at its lower input o1; theta = 0 (no heating) is the cross
state (o1 -> o3), so w = +1 unheated. PD+ (the pair's o1) takes the cross output o3,
PD- (o2) the bar output o4. Both MZI arms carry a heater (push-pull capable): theta > 0
heats the top arm, theta < 0 the bottom one, so |theta| <= pi needs at most P_pi,
and thermal crosstalk onto either arm can be expressed and inverted.

Matrix convention: W[i, j] multiplies input j (wavelength lambda_j, the AWGR channel
reached from input port 0 at output q = -j mod N) into output i. The realised matrix
is ``scale * gain * I_i(e_j)``: I_i the row current for unit power on lambda_j at the
core input, ``gain`` the electronic full-scale gain (1/(A/W), fixed by the hardware:
the smallest gain that makes every weight matrix in [-1, 1] realisable) and ``scale``
= max |W| the digital rescale (the optics realise W / scale).

Non-idealities (circuits.core.NonIdealities): propagation_loss (strip.loss everywhere),
excess_loss (MMI excess loss; awg.insertion_loss instead of the drawn router's own),
coupler_imbalance (every MMI's ratio, sigma mmi.imbalance), dac_bits (heater voltage
DAC), thermal_crosstalk (all 2 M N heaters on every arm, drawn positions), fabrication
(correlated width/thickness field: arm phase errors, router index shift, the router's
measured crosstalk floors), calibration (router realigned by its set-point, weight
ranges and gain measured, crosstalk inverted, Newton on the measured matrix).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Annotated, Any

import gdsfactory as gf
import jax
import jax.numpy as jnp
import numpy as np

from circuits import fidelity as fid
from circuits.core import NonIdealities
from circuits.wdm_common import (
    Wiring,
    bend_size,
    detector_netlist,
    dual_heater_drive,
    heater_crosstalk,
    index_deviation,
    mmi_imbalances,
    place,
    plot_enob_bars,
    plot_enob_curve,
    plot_heatmaps,
    quantise_power,
    route,
    route_straight,
    router_alignment_k,
    router_grid,
    router_settings,
    sax_circuit,
    single_nonidealities,
    solve_rows,
)
from components.awg import awgr, awgr_transmission
from components.couplers import MMI_EXCESS_LOSS_DB, mmi_1x2, mmi_1x2_model, mmi_2x2_model
from components.heaters import P_PI, thermo_optic_phase_shifter_model
from components.mzi import mzi_2x2_heater, mzi_circuit
from components.photodetectors import RESPONSIVITY, balanced_photodetector
from components.registry import Range
from components.waveguides import LOSS_DB_CM, T_REF, WAVELENGTH, propagation

MZI_PITCH = 90.0  # um between stacked MZIs: 72 um cell + an 18 um lane between heater pads
TREE_STEP = 75.0  # um per splitter-tree level: MMI (26.7 um) + two bends + straights
FAN_PITCH = 3.0  # um between the vertical runs of the demux fan-out
PD_OFFSET = 5.0  # um of straight between the MZI and the first detector bend
FAN_CLEARANCE = 40.0  # um between the demux outputs and the first group's lowest MZI


def check_rows(rows: int) -> int:
    """log2(rows); rows must be a power of two (a tree of 1 x 2 MMIs)."""
    levels = round(math.log2(rows)) if isinstance(rows, int) and rows >= 1 else -1
    if levels < 0 or 2**levels != rows or rows > 16:
        raise ValueError(f"mzi_weight_bank: rows={rows!r} is invalid; allowed: 1, 2, 4, 8 or 16")
    return levels


def check_cols(cols: int) -> None:
    if not isinstance(cols, int) or not 2 <= cols <= 16:
        raise ValueError(f"mzi_weight_bank: cols={cols!r} is invalid; allowed: integer 2..16")


@gf.cell
def mzi_weight_bank(
    rows: Annotated[int, Range(1, 16, "1", "M outputs; a power of two (1 x M MMI tree)")] = 4,
    cols: Annotated[int, Range(2, 16, "1", "N inputs = wavelength channels of the AWGR")] = 4,
) -> gf.Component:
    """MZI weight bank: AWGR demux, per-channel 1 x M MMI trees, M x N dual-heater MZIs,
    one balanced photodetector per MZI.

    Ports: ``in`` (optical, west: the WDM comb) and per weight (row i, channel j)
    ``heater_r{i}_c{j}_e1..e4`` (e1/e2 top-arm heater, e3/e4 bottom-arm heater, M2)
    and ``pd_r{i}_c{j}_e1..e3`` (pair anode V-, difference output, cathode V+; M2).
    Row i's output current is the sum of its pairs' e2 currents. Channel j sits in
    group q = -j mod N (the demux output that carries it); groups stack south to north,
    the rows of a group south to north, ``MZI_PITCH`` apart.

    Instance names (what programming addresses): ``demux``, ``split_c{j}_{k}`` (tree
    MMIs, k in heap order), ``att_r{i}_c{j}`` (MZIs), ``pd_r{i}_c{j}`` (pairs),
    ``in_stub``; route pieces ``w_*``.

    ::

        in ==+          fan-out      tree (j)        MZI (i, j)        pair (i, j)
             |  [AWGR]=====\\=====< MMI <======= [ heaters ]  ==||  [PD+ PD-]
             +=========== (input loops under the router to the west edge)
    """
    levels = check_rows(rows)
    check_cols(cols)
    bs = bend_size()
    c = gf.Component()
    demux = place(c, awgr(channels=cols), "demux")
    demux.drotate(90)
    first = demux.ports[f"o{cols + 1}"]
    demux.dmove((-first.x, -first.y))  # first output at the origin, all ports face east
    outs = [demux.ports[f"o{cols + 1 + q}"] for q in range(cols)]

    # the comb enters input 0 (east face, below the outputs): a loop south, then west
    # under the router to the core's west edge
    stub = place(c, route_straight(2.0), "in_stub")
    y_low = min(demux.dymin - 5.0, demux.ports["o1"].y - 2 * bs - 2.0)
    stub.dmove((demux.dxmin - 5.0 - stub.ports["o1"].x, y_low - stub.ports["o1"].y))
    route(
        c,
        demux.ports["o1"],
        stub.ports["o2"],
        "w_in",
        [{"dx": bs + 2.0}, {"y": stub.ports["o2"].y}],
    )
    c.add_port("in", port=stub.ports["o1"])

    group_height = rows * MZI_PITCH
    y_first = outs[-1].y + FAN_CLEARANCE + group_height / 2
    x_root = 2 * bs + FAN_PITCH * (cols - 1) + 12.0
    x_mzi = x_root + levels * TREE_STEP
    mzi = mzi_2x2_heater(heater_on_both_arms=True)
    pd = balanced_photodetector()
    for q, out in enumerate(outs):
        j = (-q) % cols
        yc = y_first + q * group_height
        ys = [yc + (i - (rows - 1) / 2) * MZI_PITCH for i in range(rows)]
        fan = [{"x": bs + 1.0 + FAN_PITCH * (cols - 1 - q)}, {"y": yc}]
        if levels == 0:
            _weight(c, mzi, pd, out, x_mzi, ys[0], 0, j, fan)
            continue
        root = _splitter(c, f"split_c{j}_1", x_root, yc)
        route(c, out, root.ports["o1"], f"w_fan_c{j}", steps=fan)
        _grow(c, root, 1, range(rows), ys, levels, x_root, j, mzi, pd, x_mzi)
    return c


def _splitter(c: gf.Component, name: str, x: float, y: float) -> gf.ComponentReference:
    ref = place(c, mmi_1x2(), name)
    ref.dmove((x - ref.ports["o1"].x, y - ref.ports["o1"].y))
    return ref


def _grow(
    c: gf.Component,
    node: gf.ComponentReference,
    k: int,
    rows: range,
    ys: list[float],
    levels: int,
    x_root: float,
    j: int,
    mzi: gf.Component,
    pd: gf.Component,
    x_mzi: float,
) -> None:
    """Children of tree node ``k`` (heap numbering) serving ``rows``: o2 (north) takes the
    upper half, o3 (south) the lower; leaves feed the MZIs."""
    half = len(rows) // 2
    for port, sub, kk in (("o3", rows[:half], 2 * k), ("o2", rows[half:], 2 * k + 1)):
        if len(sub) == 1:
            (i,) = sub
            _weight(c, mzi, pd, node.ports[port], x_mzi, ys[i], i, j, None)
            continue
        level = int(math.log2(kk))
        y = sum(ys[i] for i in sub) / len(sub)
        child = _splitter(c, f"split_c{j}_{kk}", x_root + level * TREE_STEP, y)
        route(c, node.ports[port], child.ports["o1"], f"w_tree_c{j}_{kk}")
        _grow(c, child, kk, sub, ys, levels, x_root, j, mzi, pd, x_mzi)


def _weight(
    c: gf.Component,
    mzi: gf.Component,
    pd: gf.Component,
    feed: gf.Port,
    x: float,
    y: float,
    i: int,
    j: int,
    steps: list[dict[str, float]] | None,
) -> None:
    """MZI (i, j) with its lower input o1 at (x, y), fed from ``feed``, and its pair."""
    bs = bend_size()
    att = place(c, mzi, f"att_r{i}_c{j}")
    att.dmove((x - att.ports["o1"].x, y - att.ports["o1"].y))
    route(c, feed, att.ports["o1"], f"w_feed_r{i}_c{j}", steps=steps)
    # the pair turned to face south: PD+ west of PD-, both fed by one bend north
    det = place(c, pd, f"pd_r{i}_c{j}")
    det.drotate(90)
    cross, bar = att.ports["o3"], att.ports["o4"]
    x_plus = cross.x + PD_OFFSET + bs
    y_in = cross.y + bs + 2.0
    det.dmove((x_plus - det.ports["o1"].x, y_in - det.ports["o1"].y))
    route(c, cross, det.ports["o1"], f"w_plus_r{i}_c{j}")
    route(c, bar, det.ports["o2"], f"w_minus_r{i}_c{j}")
    for e in ("e1", "e2", "e3", "e4"):
        c.add_port(f"heater_r{i}_c{j}_{e}", port=att.ports[e])
    for e in ("e1", "e2", "e3"):
        c.add_port(f"pd_r{i}_c{j}_{e}", port=det.ports[e])


# --- what the evaluators read from the layout -----------------------------------------


@dataclass(frozen=True, eq=False)
class MziArms:
    """Inside one drawn MZI (from the netlist its model simulates): per arm, the port of
    the input splitter it leaves, the port of the combiner it enters, its unheated
    length (um) and its phase shifter; and the MZI's ports on the two MMIs."""

    split_ports: tuple[str, str]  # (top arm, bottom arm) at cp1
    comb_ports: tuple[str, str]  # at cp2
    passive_length: tuple[float, float]  # um, arm minus the shifter
    shifter: tuple[dict[str, Any], dict[str, Any]]  # the shifters' netlist settings
    mmi: dict[str, Any]  # mmi_2x2 settings (both MMIs are one cell)
    inputs: dict[str, str]  # MZI port -> cp1 port
    outputs: dict[str, str]  # MZI port -> cp2 port


@cache
def mzi_arms() -> MziArms:
    """:class:`MziArms` of the bank's MZI (``mzi_2x2_heater(heater_on_both_arms=True)``)."""
    mc = mzi_circuit(heater_on_both_arms=True)
    net = mc.netlist
    wiring = Wiring(net)
    ports = {k: v.split(",") for k, v in net["ports"].items()}
    arms = {}
    for start in ("cp1,o3", "cp1,o4"):
        length, here, shifter = 0.0, start, None
        while True:
            hop = wiring.follow(here)
            length += hop.length
            inst, port = hop.end.split(",")
            if wiring.component(inst) != "thermo_optic_phase_shifter":
                break
            shifter = inst
            here = f"{inst},{'o2' if port == 'o1' else 'o1'}"
        arms[shifter] = (start.split(",")[1], port, length)
    top, bottom = mc.top_heater, mc.bottom_heater
    return MziArms(
        split_ports=(arms[top][0], arms[bottom][0]),
        comb_ports=(arms[top][1], arms[bottom][1]),
        passive_length=(arms[top][2], arms[bottom][2]),
        shifter=(wiring.settings(top), wiring.settings(bottom)),
        mmi=wiring.settings("cp1"),
        inputs={k: p for k, (i, p) in ports.items() if i == "cp1"},
        outputs={k: p for k, (i, p) in ports.items() if i == "cp2"},
    )


@dataclass(frozen=True, eq=False)
class BankTopology:
    """Everything the structured evaluator needs, read from the layout netlist.

    Indices: row i, channel j (wavelength lambda_j, MZI ``att_r{i}_c{j}``), sign s
    (0: cross -> PD+, 1: bar -> PD-). Lengths in um.
    """

    rows: int
    cols: int
    netlist: dict[str, Any]
    wavelengths: np.ndarray  # (N,) comb
    demux_output: np.ndarray  # (N,) demux output q feeding channel j's MZIs
    input_length: float  # core input -> demux input
    feed_length: np.ndarray  # (M, N) demux output -> MZI input, tree MMIs excluded
    splitters: tuple[str, ...]  # tree MMI instance names
    tree_index: np.ndarray  # (M, N, levels) index into ``splitters``
    tree_port: np.ndarray  # (M, N, levels) 0: o2, 1: o3
    detector_length: np.ndarray  # (M, N, 2) MZI output -> detector plane
    heater_xy: np.ndarray  # (M, N, 2, 2) centre (x, y) of the top / bottom heater
    router_xy: np.ndarray  # (2,) centre of the demux

    @property
    def detector_ports(self) -> list[tuple[int, int, int, str]]:
        """(i, j, s, external port name) of every detector plane."""
        return [
            (i, j, s, f"pd_r{i}_c{j}__o{s + 1}")
            for i in range(self.rows)
            for j in range(self.cols)
            for s in (0, 1)
        ]


def _centre(inst: gf.ComponentReference, sub: str) -> np.ndarray:
    """Centre of the phase shifter ``sub`` of a placed MZI, in the bank's frame (um)."""
    ref = next(r for r in inst.cell.insts if r.name == sub)
    a, b = ref.ports["o1"], ref.ports["o2"]
    p = inst.dcplx_trans * gf.kdb.DPoint((a.x + b.x) / 2, (a.y + b.y) / 2)
    return np.array([p.x, p.y])


@cache
def bank_topology(rows: int, cols: int) -> BankTopology:
    """:class:`BankTopology` of ``mzi_weight_bank(rows, cols)`` (built and walked once)."""
    levels = check_rows(rows)
    c = mzi_weight_bank(rows=rows, cols=cols)
    net = detector_netlist(c)
    wiring = Wiring(net)
    mc = mzi_circuit(heater_on_both_arms=True)
    feed = np.zeros((rows, cols))
    tree_index = np.zeros((rows, cols, levels), dtype=int)
    tree_port = np.zeros((rows, cols, levels), dtype=int)
    demux_output = np.zeros(cols, dtype=int)
    splitters: list[str] = []
    for q in range(cols):
        start = wiring.follow(f"demux,o{cols + 1 + q}")
        stack = [(start, 0.0, ())]
        while stack:
            hop, acc, path = stack.pop()
            inst, port = hop.end.split(",")
            kind = wiring.component(inst)
            if kind == "mmi_1x2":
                if inst not in splitters:
                    splitters.append(inst)
                k = splitters.index(inst)
                for pi, out in enumerate(("o2", "o3")):
                    stack.append(
                        (wiring.follow(f"{inst},{out}"), acc + hop.length, (*path, (k, pi)))
                    )
                continue
            if kind != "mzi_2x2_heater" or port != "o1":
                raise ValueError(f"bank route from demux output {q} ends at {hop.end}")
            i, j = (int(t[1:]) for t in inst.split("_")[1:])
            demux_output[j] = q
            feed[i, j] = acc + hop.length
            if len(path) != levels:
                raise ValueError(f"{inst} is {len(path)} splitters deep, expected {levels}")
            for lv, (k, pi) in enumerate(path):
                tree_index[i, j, lv], tree_port[i, j, lv] = k, pi
    detector = np.zeros((rows, cols, 2))
    heater_xy = np.zeros((rows, cols, 2, 2))
    insts = {r.name: r for r in c.insts}
    for i in range(rows):
        for j in range(cols):
            for s, out in enumerate(("o3", "o4")):
                hop = wiring.follow(f"att_r{i}_c{j},{out}")
                if hop.end != f"pd_r{i}_c{j}__o{s + 1}":
                    raise ValueError(f"att_r{i}_c{j},{out} reaches {hop.end}")
                detector[i, j, s] = hop.length
            for a, heater in enumerate((mc.top_heater, mc.bottom_heater)):
                heater_xy[i, j, a] = _centre(insts[f"att_r{i}_c{j}"], heater)
    hop_in = wiring.follow("demux,o1")
    if hop_in.end != "in":
        raise ValueError(f"demux input is wired to {hop_in.end}, not the core input")
    box = insts["demux"].dbbox()
    return BankTopology(
        rows=rows,
        cols=cols,
        netlist=net,
        wavelengths=router_grid(cols),
        demux_output=demux_output,
        input_length=hop_in.length,
        feed_length=feed,
        splitters=tuple(splitters),
        tree_index=tree_index,
        tree_port=tree_port,
        detector_length=detector,
        heater_xy=heater_xy,
        router_xy=np.array([box.center().x, box.center().y]),
    )


# --- device state: what both evaluators consume ------------------------------------------

State = dict[str, Any]  # pytree of arrays, see :func:`ideal_state`


def ideal_state(topo: BankTopology, power_top: Any, power_bottom: Any) -> State:
    """State of the drawn bank, no imperfection beyond the drawn router, at heater powers
    (M, N) mW.

    Keys: ``power_top``/``power_bottom`` (M, N) the arm-equivalent heater powers (mW:
    the phase each arm carries, as the power that would put it there at lambda0);
    ``mzi_imbalance_db``/``mzi_excess_db`` (M, N) the MMIs of each MZI;
    ``split_imbalance_db``/``split_excess_db`` (K,) the tree MMIs; ``loss_db_per_cm``;
    ``router`` the awgr settings (temperature K, insertion loss dB, crosstalk dB).
    """
    return device_state(power_top, power_bottom, device(topo, NonIdealities.ideal()))


def _mzi_fields(state: State, wl: jax.Array, loss: jax.Array) -> jax.Array:
    """Field at the cross (o3) and bar (o4) outputs per unit field into o1: (M, N, 2, L).

    Transfer-matrix product of the drawn MZI's parts with their own models: input MMI
    (mmi_2x2), per arm the strip over its unheated drawn length and the phase shifter
    (thermo_optic_phase_shifter), output MMI; the two arms summed at each output.
    """
    arms = mzi_arms()
    w = wl[None, None, :]
    mmi = mmi_2x2_model(
        width_mmi=arms.mmi["width_mmi"],
        length_mmi=arms.mmi["length_mmi"],
        wl=w,
        excess_loss_db=state["mzi_excess_db"][..., None],
        imbalance_db=state["mzi_imbalance_db"][..., None],
    )
    inp = arms.inputs["o1"]
    outs = []
    for out in ("o3", "o4"):
        port = arms.outputs[out]
        total = 0.0
        for a, power in enumerate((state["power_top"], state["power_bottom"])):
            sh = arms.shifter[a]
            shifter = thermo_optic_phase_shifter_model(
                length=sh["length"],
                heater_width=sh["heater_width"],
                optical_length=sh["optical_length"],
                wl=w,
                temperature=T_REF,
                power=power[..., None],
                loss_db_per_cm=loss,
            )[("o1", "o2")]
            arm = propagation(arms.passive_length[a], w, T_REF, loss) * shifter
            total = total + mmi[(arms.comb_ports[a], port)] * arm * mmi[(inp, arms.split_ports[a])]
        outs.append(total)
    return jnp.stack(outs, axis=2)


def demux_response(topo: BankTopology, router: Mapping[str, Any], wl: Any) -> jax.Array:
    """Field transmission (N, L) of the demux from its input 0 to the output that carries
    channel j (awgr model at ``router`` settings), at ``wl``."""
    a = awgr_transmission(
        wl,
        channels=topo.cols,
        temperature=router["temperature"],
        insertion_loss_db=router["insertion_loss_db"],
        crosstalk_adjacent_db=router["crosstalk_adjacent_db"],
        crosstalk_nonadjacent_db=router["crosstalk_nonadjacent_db"],
    )  # (L, N, N)
    return jnp.moveaxis(a[:, 0, topo.demux_output], 0, -1)


def fields_after_demux(topo: BankTopology, state: State, demux: Any, wl: Any) -> jax.Array:
    """Detector fields (M, N, 2, L) given the demux response (:func:`demux_response`)."""
    loss = state["loss_db_per_cm"]
    pre = propagation(topo.input_length, wl, T_REF, loss) * demux[None]
    pre = pre * propagation(topo.feed_length[..., None], wl[None, None], T_REF, loss)
    if topo.tree_index.shape[-1]:
        s = mmi_1x2_model(
            wl=wl[None, :],
            excess_loss_db=state["split_excess_db"][:, None],
            imbalance_db=state["split_imbalance_db"][:, None],
        )
        branch = jnp.stack([s[("o1", "o2")], s[("o1", "o3")]])  # (2, K, L)
        pre = pre * jnp.prod(branch[topo.tree_port, topo.tree_index], axis=2)
    det = propagation(topo.detector_length[..., None], wl, T_REF, loss)
    return pre[:, :, None, :] * _mzi_fields(state, wl, loss) * det


def structured_fields(topo: BankTopology, state: State, wl: Any) -> jax.Array:
    """Complex field at every detector plane per unit field of each comb line at ``in``.

    Returns (M, N, 2, L): row i, channel j's MZI, sign s (0 cross/PD+, 1 bar/PD-),
    wavelength ``wl[l]``. Each is a product along the only path from ``in`` to that
    detector: input route, the demux (awgr model, input 0 to output q(j)), the route and
    the tree MMIs (mmi_1x2 model) to MZI (i, j), the MZI (its parts' models), the route
    to the detector (strip propagation over the drawn lengths).
    """
    wl = jnp.atleast_1d(jnp.asarray(wl, dtype=float))
    return fields_after_demux(topo, state, demux_response(topo, state["router"], wl), wl)


def structured_fn(rows: int, cols: int) -> Any:
    """``f(state, wl) -> (M, N, 2, L)`` detector fields (:func:`structured_fields`) of
    ``mzi_weight_bank(rows, cols)``; ``state`` as from :func:`ideal_state`.

    Two jit-compiled stages, each compiled once per size and wavelength count: the
    demux response (the awgr model) and everything after it (vectorised over rows,
    channels and wavelengths). Batches of states: ``jax.vmap`` over the second stage.
    """
    demux, after = _demux_fn(rows, cols), _after_fn(rows, cols)

    def f(state: State, wl: Any) -> jax.Array:
        wl = jnp.atleast_1d(jnp.asarray(wl, dtype=float))
        return after(state, demux(state["router"], wl), wl)

    return f


@cache
def _after_fn(rows: int, cols: int) -> Any:
    topo = bank_topology(rows, cols)
    return jax.jit(lambda state, demux, wl: fields_after_demux(topo, state, demux, wl))


@cache
def _demux_fn(rows: int, cols: int) -> Any:
    topo = bank_topology(rows, cols)
    return jax.jit(lambda router, wl: demux_response(topo, router, jnp.asarray(wl, float)))


def sax_settings(topo: BankTopology, state: State) -> dict[str, Any]:
    """Per-instance SAX settings (instance names from the layout netlist) for ``state``."""
    st = jax.tree.map(np.asarray, state)
    out: dict[str, Any] = {"loss_db_per_cm": float(st["loss_db_per_cm"])}
    for i in range(topo.rows):
        for j in range(topo.cols):
            out[f"att_r{i}_c{j}"] = {
                "power_top": float(st["power_top"][i, j]),
                "power_bottom": float(st["power_bottom"][i, j]),
                "imbalance_db": float(st["mzi_imbalance_db"][i, j]),
                "excess_loss_db": float(st["mzi_excess_db"][i, j]),
            }
    for k, name in enumerate(topo.splitters):
        out[name] = {
            "imbalance_db": float(st["split_imbalance_db"][k]),
            "excess_loss_db": float(st["split_excess_db"][k]),
        }
    out["demux"] = {key: float(v) for key, v in st["router"].items()}
    return out


def sax_fields(topo: BankTopology, state: State, wl: Any, jit: bool = False) -> np.ndarray:
    """The same (M, N, 2, L) detector fields from SAX's KLU circuit of the layout netlist
    (``jit``: the circuit compiled whole, see :func:`circuits.wdm_common.sax_circuit`)."""
    circuit = sax_circuit(topo.netlist, jit)
    wl = np.atleast_1d(np.asarray(wl, dtype=float))
    s = circuit(wl=wl, **sax_settings(topo, state))
    out = np.zeros((topo.rows, topo.cols, 2, wl.size), dtype=complex)
    for i, j, sign, port in topo.detector_ports:
        out[i, j, sign] = np.asarray(s[(port, "in")])
    return out


def sax_fn(rows: int, cols: int, jit: bool = True) -> Any:
    """``f(state, wl) -> (M, N, 2, L)`` detector fields from SAX's KLU circuit of the
    layout netlist, for the benchmark (jit-compiled whole by default)."""
    topo = bank_topology(rows, cols)
    return lambda state, wl: sax_fields(topo, state, wl, jit)


# --- one die's imperfections ------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Die:
    """Seeded random draws of one fabricated bank (applied only where switched on).

    ``arm_dn`` (M, N, 2) strip index deviation at the top / bottom arm of every MZI and
    ``router_dn`` at the demux (one correlated width/thickness field,
    :func:`circuits.wdm_common.index_deviation`); ``mzi_imbalance_db`` (M, N) and
    ``split_imbalance_db`` (K,) splitting-ratio errors of the MMIs (mmi.imbalance).
    """

    arm_dn: np.ndarray
    router_dn: float
    mzi_imbalance_db: np.ndarray
    split_imbalance_db: np.ndarray


@cache
def die(rows: int, cols: int, seed: int) -> Die:
    """The bank ``rows`` x ``cols`` as fabricated with ``seed`` (always drawn in one order,
    so a switch changes what is applied, never what is drawn)."""
    topo = bank_topology(rows, cols)
    rng = np.random.default_rng(seed)
    points = np.vstack([topo.heater_xy.reshape(-1, 2), topo.router_xy[None]])
    dn = index_deviation(points, rng)
    return Die(
        arm_dn=dn[:-1].reshape(rows, cols, 2),
        router_dn=float(dn[-1]),
        mzi_imbalance_db=mmi_imbalances(rows * cols, rng).reshape(rows, cols),
        split_imbalance_db=mmi_imbalances(len(topo.splitters), rng),
    )


@cache
def arm_lengths() -> np.ndarray:
    """Optical length (um) of the top and bottom arm of the bank's MZI, from its netlist."""
    arms = mzi_arms()
    return np.array(
        [arms.passive_length[a] + float(arms.shifter[a]["optical_length"]) for a in (0, 1)]
    )


@cache
def heater_resistance() -> float:
    """Resistance (ohm) of one MZI heater, from the drawn heater film."""
    return float(mzi_2x2_heater(heater_on_both_arms=True).info["heater_resistance"])


def _crosstalk(topo: BankTopology) -> np.ndarray:
    """(2K x 2K) thermal crosstalk of all heaters: K top heaters, then K bottom ones."""
    xy = topo.heater_xy
    return heater_crosstalk(np.vstack([xy[..., 0, :].reshape(-1, 2), xy[..., 1, :].reshape(-1, 2)]))


Device = dict[str, Any]  # pytree of arrays: the imperfections a state is built with


def device(topo: BankTopology, nonideal: NonIdealities, router_tuning_k: float = 0.0) -> Device:
    """The die's imperfections that ``nonideal`` switches on, as arrays (zeros when off).

    ``crosstalk`` (2K x 2K) heater phase crosstalk (identity when off); ``arm_phase``
    (M, N, 2) fabrication phase 2 pi dn L_arm / lambda0 of every arm; MMI imbalances
    and excess losses (dB); ``loss_db_per_cm``; ``router`` settings of the demux.
    """
    m, n = topo.rows, topo.cols
    d = die(m, n, nonideal.seed)
    k = len(topo.splitters)
    fab, imb, exc = nonideal.fabrication, nonideal.coupler_imbalance, nonideal.excess_loss
    return {
        "crosstalk": _crosstalk(topo) if nonideal.thermal_crosstalk else np.eye(2 * m * n),
        "arm_phase": 2 * np.pi * d.arm_dn * arm_lengths() / WAVELENGTH
        if fab
        else np.zeros((m, n, 2)),
        "mzi_imbalance_db": d.mzi_imbalance_db if imb else np.zeros((m, n)),
        "split_imbalance_db": d.split_imbalance_db if imb else np.zeros(k),
        "mzi_excess_db": np.full((m, n), MMI_EXCESS_LOSS_DB if exc else 0.0),
        "split_excess_db": np.full(k, MMI_EXCESS_LOSS_DB if exc else 0.0),
        "loss_db_per_cm": np.asarray(LOSS_DB_CM if nonideal.propagation_loss else 0.0),
        "router": {
            key: np.asarray(v)
            for key, v in router_settings(
                n, nonideal, d.router_dn if fab else 0.0, router_tuning_k
            ).items()
        },
    }


def device_state(power_top: Any, power_bottom: Any, dev: Device) -> State:
    """State of the die ``dev`` driven with heater powers (M, N) mW (jax-traceable).

    Each arm's phase is what its own heater and every other heater put on it
    (``dev["crosstalk"]``, :func:`components.heaters.thermal_crosstalk_matrix` over the
    drawn heater centres) plus the fabrication phase; both scale as 1 / lambda, so each
    arm's phase reaches the models as the power that would give it at lambda0. A phase
    common to both arms of an MZI changes no detected power and is dropped (this keeps
    those powers >= 0).
    """
    top = jnp.asarray(power_top, float)
    m, n = top.shape
    u = jnp.concatenate([top.ravel(), jnp.asarray(power_bottom, float).ravel()])
    u = jnp.asarray(dev["crosstalk"]) @ (u * (np.pi / P_PI))
    u = jnp.stack([u[: m * n].reshape(m, n), u[m * n :].reshape(m, n)], -1) + dev["arm_phase"]
    p = (u - jnp.min(u, axis=-1, keepdims=True)) * (P_PI / np.pi)
    return {
        "power_top": p[..., 0],
        "power_bottom": p[..., 1],
        **{k: jnp.asarray(dev[k]) for k in ("mzi_imbalance_db", "mzi_excess_db")},
        **{k: jnp.asarray(dev[k]) for k in ("split_imbalance_db", "split_excess_db")},
        "loss_db_per_cm": jnp.asarray(dev["loss_db_per_cm"]),
        "router": {k: jnp.asarray(v) for k, v in dev["router"].items()},
    }


# --- programming --------------------------------------------------------------------------


@dataclass(frozen=True)
class BankSettings:
    """Device settings realising a target: heater powers as applied (after the DAC), the
    electronic full-scale ``gain`` (W/A: TIA and ADC scaling of each row current), the
    digital ``scale`` (the optics realise W / scale) and the router's temperature
    set-point offset (K) found by calibration."""

    power_top: np.ndarray
    power_bottom: np.ndarray
    gain: float
    scale: float
    router_tuning_k: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "power_top_mw": np.asarray(self.power_top).tolist(),
            "power_bottom_mw": np.asarray(self.power_bottom).tolist(),
            "gain_w_per_a": self.gain,
            "scale": self.scale,
            "router_tuning_k": self.router_tuning_k,
        }


def contributions(fields: Any, channels: int) -> Any:
    """R (|E_+|^2 - |E_-|^2) (A/W) of every pair (i, c) for each comb line j: (M, N_c, N_j)."""
    p = jnp.abs(jnp.asarray(fields)) ** 2
    return RESPONSIVITY * (p[:, :, 0, :channels] - p[:, :, 1, :channels])


def optical_matrix(fields: Any, channels: int) -> Any:
    """Row currents per unit input power (A/W), (M, N): the pairs of a row summed."""
    return jnp.sum(contributions(fields, channels), axis=1)


def _phase_scale(topo: BankTopology) -> np.ndarray:
    """lambda_c / lambda0 of each MZI column c: heater phases fall as 1 / lambda."""
    return topo.wavelengths / WAVELENGTH


def _drive(theta: Any, phase_k: Any) -> tuple[Any, Any]:
    """Powers (mW) setting arm phase difference theta (rad at each MZI's channel) with one
    heater per MZI: top for theta > 0, bottom for theta < 0 (``phase_k`` = mW per rad)."""
    return jnp.maximum(theta, 0.0) * phase_k, jnp.maximum(-theta, 0.0) * phase_k


@cache
def _contrib_fn(rows: int, cols: int) -> Any:
    """Jitted (theta, device, demux, phase_k) -> contributions (M, N_c, N_j) of the bank;
    the demux response comes precomputed (it does not depend on the heaters)."""
    topo = bank_topology(rows, cols)
    wl = jnp.asarray(topo.wavelengths)

    def contrib(theta: Any, dev: Device, demux: Any, phase_k: Any) -> Any:
        state = device_state(*_drive(theta, phase_k), dev)
        return contributions(fields_after_demux(topo, state, demux, wl), cols)

    return jax.jit(contrib)


def _residual(theta: Any, dev: Device, demux: Any, phase_k: Any, gain: Any, target: Any) -> Any:
    """gain x (row currents at theta) - target, the function Newton zeroes."""
    rows, cols = theta.shape
    return gain * jnp.sum(_contrib_fn(rows, cols)(theta, dev, demux, phase_k), axis=1) - target


def _full_scale_gain(half: np.ndarray, offset: np.ndarray) -> float:
    """Smallest gain K (W/A) with which every W in [-1, 1] is realisable.

    Row i: W_i = K sum_c H_i[c, :] v_ic with H_i[c, j] the half-range (A/W) of pair
    (i, c) on comb line j and v_ic in [-1, 1]: v_i = H_i^-T W_i / K, so |v| <= 1 for
    every W needs K >= max_ic sum_j |(H_i^-T)[c, j]| (H^-T undoes the demux crosstalk).
    An offset (imperfect balance) of pair (i, c) eats into its range: K / (1 - |o| / h).
    """
    inv = np.linalg.inv(np.swapaxes(half, 1, 2))
    bound = float(np.max(np.sum(np.abs(inv), axis=-1)))
    own = np.einsum("icc->ic", half)
    skew = float(np.max(np.abs(np.einsum("icc->ic", offset)) / own))
    if skew >= 1:
        raise ValueError("a weight cannot change sign: its two detectors are too unbalanced")
    return bound / (1.0 - skew)


def check_target(W: Any, rows: int, cols: int) -> np.ndarray:
    """``W`` as a finite real (rows x cols) array, or one clear error."""
    W = np.asarray(W)
    if W.shape != (rows, cols):
        raise ValueError(f"W must have shape ({rows}, {cols}), got {W.shape}")
    if np.iscomplexobj(W) or not np.issubdtype(W.dtype, np.number):
        raise ValueError(f"W must be real, got dtype {W.dtype}")
    if not np.all(np.isfinite(W)):
        raise ValueError("W has non-finite entries")
    return W.astype(float)


def program_bank(topo: BankTopology, W: Any, nonideal: NonIdealities) -> BankSettings:
    """Heater powers, gain and scale realising ``W`` on the bank.

    Without ``calibration`` the programmer knows only the drawn design (every switch
    off: the router's own passbands, loss and channel non-uniformity included); with it,
    it has measured this die: its weight ranges (a heater sweep), the router detuning
    (the set-point that realigns it), the thermal crosstalk matrix (inverted by the
    drive) and the transfer itself (Newton on the measured matrix). DAC quantisation
    comes last and is never undone.

    Steps: gain K from the weight ranges (:func:`_full_scale_gain`); a linear first
    guess v = H^-T W / (K scale), theta = arccos v; damped Newton on the model's matrix
    until K scale R(theta) = W; dual-heater drive (crosstalk inverted when calibrated);
    DAC.
    """
    m, n = topo.rows, topo.cols
    W = check_target(W, m, n)
    scale = float(np.max(np.abs(W))) or 1.0
    if nonideal.calibration:
        d = die(m, n, nonideal.seed)
        tuning = router_alignment_k(n, d.router_dn) if nonideal.fabrication else 0.0
        # the drive below inverts the crosstalk; quantisation happens after the solve
        dev = device(topo, replace(nonideal, thermal_crosstalk=False, dac_bits=None), tuning)
    else:
        tuning, dev = 0.0, device(topo, NonIdealities.ideal(seed=nonideal.seed))
    phase_k = P_PI / np.pi * _phase_scale(topo)
    demux = _demux_fn(m, n)(dev["router"], topo.wavelengths)
    contrib = _contrib_fn(m, n)
    if nonideal.calibration:
        thetas = np.linspace(-np.pi, np.pi, 129)
        sweep = np.stack(
            [np.asarray(contrib(np.full((m, n), t), dev, demux, phase_k)) for t in thetas]
        )
        hi, lo = sweep.max(axis=0), sweep.min(axis=0)
        half, offset = (hi - lo) / 2 / (1 + 2e-3), (hi + lo) / 2  # grid-sampled extremes
    else:
        c0 = np.asarray(contrib(np.zeros((m, n)), dev, demux, phase_k))
        c1 = np.asarray(contrib(np.full((m, n), np.pi), dev, demux, phase_k))
        half, offset = (c0 - c1) / 2, (c0 + c1) / 2
    gain = _full_scale_gain(half, offset)
    v = np.linalg.solve(gain * np.swapaxes(half, 1, 2), (W / scale)[..., None])[..., 0]
    theta0 = np.arccos(np.clip(v, -1.0, 1.0))
    theta = solve_rows(_residual, theta0, dev, demux, phase_k, gain, W / scale)
    cross = _crosstalk(topo) if (nonideal.calibration and nonideal.thermal_crosstalk) else None
    scale_c = np.broadcast_to(_phase_scale(topo), (m, n)).ravel()
    top, bottom = dual_heater_drive(theta.ravel(), cross, scale_c)
    r = heater_resistance()
    top = quantise_power(top, r, nonideal.dac_bits).reshape(m, n)
    bottom = quantise_power(bottom, r, nonideal.dac_bits).reshape(m, n)
    return BankSettings(top, bottom, gain, scale, tuning)


def realised(topo: BankTopology, settings: BankSettings, nonideal: NonIdealities) -> np.ndarray:
    """The matrix the programmed bank applies (structured evaluator)."""
    dev = device(topo, nonideal, settings.router_tuning_k)
    state = device_state(settings.power_top, settings.power_bottom, dev)
    wl = jnp.asarray(topo.wavelengths)
    fields = _after_fn(topo.rows, topo.cols)(
        state, _demux_fn(topo.rows, topo.cols)(dev["router"], wl), wl
    )
    return settings.scale * settings.gain * np.asarray(optical_matrix(fields, topo.cols))


def realised_sax(topo: BankTopology, settings: BankSettings, nonideal: NonIdealities) -> np.ndarray:
    """The same matrix from SAX's circuit of the layout netlist."""
    dev = device(topo, nonideal, settings.router_tuning_k)
    state = device_state(settings.power_top, settings.power_bottom, dev)
    fields = sax_fields(topo, state, topo.wavelengths)
    return settings.scale * settings.gain * np.asarray(optical_matrix(fields, topo.cols))


# --- the core ---------------------------------------------------------------------------


def random_target(rows: int, cols: int, seed: int) -> np.ndarray:
    """A seeded weight matrix, uniform in [-1, 1]."""
    return np.random.default_rng(seed).uniform(-1.0, 1.0, (rows, cols))


class MziBank:
    """The MZI weight bank as an :class:`circuits.core.OpticalCore` (``kind = "mzi"``).

    ``rows`` M (a power of two) outputs, ``cols`` N inputs (comb lines). Settings are
    :class:`BankSettings`; ``nonideal`` defaults to the ideal case everywhere and must be
    the same for ``program`` and the evaluation of its settings (one die).
    """

    kind = "mzi"

    def __init__(self, rows: int = 4, cols: int = 4) -> None:
        check_rows(rows)
        check_cols(cols)
        self.rows, self.cols = rows, cols

    @property
    def topology(self) -> BankTopology:
        return bank_topology(self.rows, self.cols)

    @property
    def wavelengths(self) -> np.ndarray:
        """The comb (um): input j rides on ``wavelengths[j]``."""
        return self.topology.wavelengths

    def layout(self) -> gf.Component:
        return mzi_weight_bank(rows=self.rows, cols=self.cols)

    def program(self, W: Any, nonideal: NonIdealities | None = None) -> BankSettings:
        return program_bank(self.topology, W, nonideal or NonIdealities.ideal())

    def realised_matrix(
        self, settings: BankSettings, nonideal: NonIdealities | None = None
    ) -> np.ndarray:
        return realised(self.topology, settings, nonideal or NonIdealities.ideal())

    def sax_matrix(
        self, settings: BankSettings, nonideal: NonIdealities | None = None
    ) -> np.ndarray:
        return realised_sax(self.topology, settings, nonideal or NonIdealities.ideal())

    def matmul(self, W: Any, X: Any, nonideal: NonIdealities | None = None) -> np.ndarray:
        """W @ X as the bank computes it: X (N,) or (N, B) nonnegative comb-line powers
        (any unit); each output is its row's summed balanced current, times gain and
        scale. The bank is linear in the input powers (every detector sees one path per
        wavelength, different wavelengths add as powers), so this is R @ X exactly."""
        X = np.asarray(X, dtype=float)
        if X.shape[0] != self.cols or X.ndim not in (1, 2):
            raise ValueError(f"X must have shape ({self.cols},) or ({self.cols}, B), got {X.shape}")
        if not np.all(np.isfinite(X)) or np.any(X < 0):
            raise ValueError("X must hold finite, nonnegative optical powers")
        ni = nonideal or NonIdealities.ideal()
        return self.realised_matrix(self.program(W, ni), ni) @ X

    def fidelity(self, nonideal: NonIdealities | None = None, W: Any = None) -> fid.Fidelity:
        """Realised vs target for ``W`` (default: seeded uniform [-1, 1] with
        ``nonideal.seed``); ENOB over the full weight range 2 max|W|."""
        ni = nonideal or NonIdealities.ideal()
        W = (
            random_target(self.rows, self.cols, ni.seed)
            if W is None
            else check_target(W, self.rows, self.cols)
        )
        r = self.realised_matrix(self.program(W, ni), ni)
        return fid.evaluate(r, W, full_range=2 * float(np.max(np.abs(W))), unitary=False)


# --- plots --------------------------------------------------------------------------------


def plot_realised_vs_target(
    core: MziBank, nonideal: NonIdealities | None = None, W: Any = None
) -> Any:
    """Target, realised and error heat maps for one programmed matrix."""
    ni = nonideal or NonIdealities.ideal()
    W = random_target(core.rows, core.cols, ni.seed) if W is None else np.asarray(W, float)
    r = core.realised_matrix(core.program(W, ni), ni)
    f = fid.evaluate(r, W, full_range=2 * float(np.max(np.abs(W))), unitary=False)
    title = f"MZI bank {core.rows}x{core.cols}: rel. error {f.rel_frobenius_error:.2e}, "
    return plot_heatmaps(r, W, title + f"ENOB {f.enob:.1f}")


def enob_per_nonideality(
    core: MziBank, dac_bits: int = 8, seed: int = 0
) -> dict[str, dict[str, float]]:
    """ENOB with each non-ideality alone, uncalibrated and calibrated, plus all together."""
    out: dict[str, dict[str, float]] = {}
    for case, cal in (("uncalibrated", False), ("calibrated", True)):
        cases = single_nonidealities(dac_bits, seed, cal)
        cases["all"] = NonIdealities.all_on(dac_bits=dac_bits, seed=seed, calibration=cal)
        out[case] = {name: core.fidelity(ni).enob for name, ni in cases.items()}
    return out


def plot_enob_vs_nonideality(core: MziBank, dac_bits: int = 8, seed: int = 0) -> Any:
    """Bars: ENOB with each non-ideality alone and all together, raw and calibrated."""
    title = f"MZI bank {core.rows}x{core.cols}: ENOB per non-ideality (DAC {dac_bits} bit)"
    return plot_enob_bars(enob_per_nonideality(core, dac_bits, seed), title)


def plot_enob_vs_dac_bits(core: MziBank, bits: Any = range(4, 13), seed: int = 0) -> Any:
    """ENOB against the heater DAC resolution, alone and with everything else calibrated."""
    bits = list(bits)
    curves = {
        "DAC alone": [core.fidelity(NonIdealities(dac_bits=b, seed=seed)).enob for b in bits],
        "all on, calibrated": [
            core.fidelity(NonIdealities.all_on(dac_bits=b, seed=seed)).enob for b in bits
        ],
    }
    return plot_enob_curve(bits, curves, "heater DAC bits", "MZI bank: ENOB vs DAC resolution")


def plot_enob_vs_size(shapes: Any = ((2, 2), (4, 4)), dac_bits: int = 8, seed: int = 0) -> Any:
    """ENOB of banks of the given (rows, cols) shapes against the number of inputs N."""
    shapes = [tuple(s) for s in shapes]
    curves: dict[str, list[float]] = {"ideal": [], "all on, calibrated": [], "all on, raw": []}
    for rows, cols in shapes:
        core = MziBank(rows, cols)
        curves["ideal"].append(core.fidelity(NonIdealities.ideal(seed)).enob)
        curves["all on, calibrated"].append(
            core.fidelity(NonIdealities.all_on(dac_bits, seed)).enob
        )
        curves["all on, raw"].append(
            core.fidelity(NonIdealities.all_on(dac_bits, seed, calibration=False)).enob
        )
    xs = [cols for _, cols in shapes]
    return plot_enob_curve(xs, curves, "N inputs (rows x N bank)", "MZI bank: ENOB vs size")


def plot_spectra(
    core: MziBank,
    settings: BankSettings,
    nonideal: NonIdealities | None = None,
    points: int = 401,
) -> Any:
    """Balanced response of every pair of row 0 against wavelength: R (P+ - P-) per unit
    input power (A/W), with the comb lines marked: the demux passbands times the weights."""
    import matplotlib.pyplot as plt

    ni = nonideal or NonIdealities.ideal()
    topo = core.topology
    dev = device(topo, ni, settings.router_tuning_k)
    state = device_state(settings.power_top, settings.power_bottom, dev)
    span = topo.wavelengths[-1] - topo.wavelengths[0]
    pad = span / max(1, core.cols - 1)
    wl = np.linspace(topo.wavelengths[0] - pad, topo.wavelengths[-1] + pad, points)
    fields = np.asarray(structured_fn(core.rows, core.cols)(state, wl))
    p = np.abs(fields) ** 2 * RESPONSIVITY
    fig, ax = plt.subplots(figsize=(7, 3.6), constrained_layout=True)
    for j in range(core.cols):
        ax.plot(wl * 1e3, p[0, j, 0] - p[0, j, 1], label=f"pair (0, {j})")
    for w in topo.wavelengths:
        ax.axvline(w * 1e3, color="0.7", lw=0.8, ls=":")
    ax.set_xlabel("wavelength (nm)")
    ax.set_ylabel("R (P+ - P-) per input W (A/W)")
    ax.set_title("MZI bank row 0: balanced response per channel")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig
