r"""AWGR sliding convolver (Xing et al., Nat. Commun. 16:6097, 2025; shared/SYSTEM.md).

A cyclic N x N arrayed-waveguide grating router sends input port p to output port q on
the comb line lambda_k with k = (p - q) mod N (components.awg: lambda_pq = lambda_0 +
(p - q) d_lambda + n FSR). If every comb line k carries weight w_k and input port p
carries the data x_p on all lines, the detector on output q sums

    y_q = sum_p x_p w_((p - q) mod N),     i.e.  y = W x,  W[q, p] = w[(p - q) mod N]

a circulant matrix (each row the previous one shifted right by one): one sliding
(circular) convolution per symbol.

Architecture (this layout)
--------------------------
::

    in --> N add-drop rings on the comb bus (ring k sets the through power t_k of
           line k) --> 1 x N MMI tree --> N travelling-wave MZMs (x_p on all lines of
           input p) --> AWGR inputs p --> AWGR outputs q --> Ge photodiodes

Weights are set BEFORE the comb is split, so one ring per line serves every input.
Signed weights: offset scheme. The rings realise t_k = b + a w_k / s in [t_lo, t_hi]
(s = max |w|, a = (t_hi - t_lo) / 2, b = (t_hi + t_lo) / 2), so the detectors see
z = a C(w / s) x + b (sum_p x_p) 1. Because C(t) is circulant, every column sums to
T = sum_k t_k, hence sum_q z_q = T sum_p x_p: the N detected outputs themselves tell
the offset, and y = s (z - (b / T) 1 1^T z) / a needs no extra detector or pass.

Equalisation and the error floor. The drawn router's port-to-port loss is not uniform
(outer channels lose ~2 dB more, components.awg). Each input's MZM drive ceiling
d_p <= 1 (a digital gain on the input data), each output's receiver gain K_q and each
line's power c_k (its ring) are solved by least squares against the realised transfer
(:func:`refine_knobs`: every line on every path, so the passband tails and the MZM's
chromatic response at its ceiling are in). In logs these 3N knobs move the N^2 path
gains only by separable amounts alpha_p + beta_q + gamma_(p-q); the non-separable
rest rho[q, p] of each path's gain on its own line cannot be undone by N shared
weights, and with every imperfection off it sets the floor. It has two sources:

* the router: the cyclic wrap sends the pairs p < q through the adjacent grating
  order, whose passbands sit ~k d_lambda FSR / lambda_0 off line k (3.3 pm per line
  at N = 8, against a ~460 pm wide 3 dB passband); with the array envelope this
  leaves up to 5.2e-4 (N = 4) and 4.0e-3 (N = 8) of non-separable log gain;
* the MZM: its phase scales as lambda / lambda_0 (components.modulators), so an input
  held at d_p < 1 (phase phi_p = 2 arccos sqrt(d_p)) sees the slope on line k change
  by -eps_k phi_p tan(phi_p / 2), eps_k = (lambda_k - lambda_0) / lambda_0: a product
  a_p b_k, non-separable up to 1.9e-4 (N = 4) and 7.9e-4 (N = 8).

To first order in rho the least-squares error is the part of the error rho causes that
no knob reaches (o: element-wise product, delta over all separable patterns):

    eps_floor = min_delta  s || P (C(t) o (rho - delta)) ||_F / || C(w) ||_F

``tests/circuits/test_awgr_convolver.py`` evaluates it from the awgr and MZM models
alone and finds the realised error equal to it within a few %: 1.3e-4 (ENOB 12.6) at
N = 4 and 2.2e-3 (ENOB 8.6) at N = 8 for the seed-0 kernel (the router's part alone
9e-5 and 1.7e-3). The issue's 1e-6 is out of reach of N shared weights, physically:
it needs a weight per path (N^2 rings, one bank per input after the split). Aligning
the wrapped orders' passbands and an achromatic input modulator would only lower the
floor: the array envelope's own non-separable part remains. At N = 2 every gain
pattern is separable and the programming is exact (~1e-12). At N = 16 the floor is
2e-2 and, worse, the comb (12.1 nm) outruns the rings' FSR (8.9 nm): a ring's next
order sits on another line, the bank cannot set its lines and the ideal error is ~0.3.

Coherent crosstalk. All inputs carry copies of the same comb line, so light of line k
leaking from input p' into output q interferes with the intended path p at the field
level: the realised matrix (each input alone) is linear, ``matmul`` (all inputs at
once) is not, by up to 2 sqrt(X) of the crosstalk power X. Both are computed.

Realised matrix: s P diag(K) R, R[q, p] the change of output q's detected power when
x_p alone goes from 0 (MZM at V_pi) to 1 (MZM at its ceiling), summed over comb lines,
P the offset post-processing above. Inputs are encoded cos^2(dphi / 2) = d_p x_p at
lambda0 (the MZM's phase scales as lambda / lambda0, so other lines see a slightly
different modulation depth: part of ``matmul``'s error).

Non-idealities (circuits.core.NonIdealities): propagation_loss (strip.loss on routes,
bus and rings), excess_loss (MMI excess loss, awg.insertion_loss instead of the drawn
router's own), coupler_imbalance (tree MMI ratios, sigma mmi.imbalance), dac_bits (ring
heater voltage DAC; in ``matmul`` also the MZM drive), thermal_crosstalk (between ring
heaters), fabrication (correlated width/thickness field: ring and router index shifts as
equivalent temperatures, plus the router's measured crosstalk floors), calibration
(router realigned by its set-point, ring resonances and path gains measured, heater
crosstalk inverted).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Annotated, Any

import gdsfactory as gf
import jax
import jax.numpy as jnp
import numpy as np
from scipy.optimize import lsq_linear

from circuits import fidelity as fid
from circuits.core import NonIdealities
from circuits.wdm_common import (
    Wiring,
    bend_size,
    detector_netlist,
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
from components.couplers import MMI_EXCESS_LOSS_DB, mmi_1x2, mmi_1x2_model
from components.modulators import (
    DEFAULT_LENGTH,
    mzm_traveling_wave,
    mzm_traveling_wave_model,
    vpi_v,
)
from components.photodetectors import RESPONSIVITY, ge_photodetector
from components.registry import Range
from components.rings import (
    DN_DT,
    add_drop_cavity,
    heater_delta,
    ring_add_drop_heater,
    ring_add_drop_heater_model,
)
from components.waveguides import LOSS_DB_CM, T_REF, propagation

MZM_PITCH = 320.0  # um between stacked MZMs: 280 um of pads and line + a routing channel
CHANNEL_DROP = 150.0  # um from an MZM's centre line down to its routing channel
TREE_STEP = 75.0  # um per splitter-tree level
RING_PITCH = 45.0  # um between the rings on the comb bus
FAN_PITCH = 3.0  # um between neighbouring vertical runs
PD_PITCH = 30.0  # um between the photodiodes


def check_size(n: int) -> int:
    """log2(n); n must be a power of two (1 x N MMI tree) and an AWGR size (2..16)."""
    levels = round(math.log2(n)) if isinstance(n, int) and n >= 2 else -1
    if levels < 1 or 2**levels != n or n > 16:
        raise ValueError(f"awgr_convolver: n={n!r} is invalid; allowed: 2, 4, 8 or 16")
    return levels


@gf.cell
def awgr_convolver(
    n: Annotated[int, Range(2, 16, "1", "ports of the cyclic AWGR; a power of two")] = 4,
    mzm_length: Annotated[
        float, Range(200.0, 8000.0, "um", "MZM electrode; V_pi = V_pi L / length")
    ] = DEFAULT_LENGTH,
) -> gf.Component:
    """AWGR sliding convolver: ring weight bank on the comb, 1 x N tree, N MZMs, a cyclic
    N x N AWGR, N Ge photodiodes.

    Ports: ``in`` (optical, west: the comb); ``ring_k{k}_e1/e2`` (heater of ring k, M2),
    ``mzm_p{p}_e1..e7`` (GSG input pads e1-e3, termination pads e4-e6, bias e7 of the
    MZM on input p), ``pd_q{q}_e1/e2`` (anode / cathode of the photodiode on output q).

    Instance names: ``ring_{k}``, ``split_{k}`` (tree, heap order), ``mzm_{p}``,
    ``router``, ``pd_{q}``, ``in_stub``; route pieces ``w_*``.

    ::

        in =[r0][r1]..[rN-1]= tree =< MZM 0 >==\\
                                 =< MZM 1 >===\\\\
                                    ...          [ AWGR ]  (ports face west)
                              [PD q] <========//
    """
    levels = check_size(n)
    bs = bend_size()
    c = gf.Component()
    mzm = mzm_traveling_wave(length=mzm_length)
    mzms = []
    for p in range(n):
        ref = place(c, mzm, f"mzm_{p}")
        ref.dmove((0.0, -p * MZM_PITCH))
        mzms.append(ref)
        for e in ("e1", "e2", "e3", "e4", "e5", "e6", "e7"):
            c.add_port(f"mzm_p{p}_{e}", port=ref.ports[e])
    channel = [float(m.ports["o1"].y) - (CHANNEL_DROP - 51.0) for m in mzms]
    x_west = min(m.dxmin for m in mzms)

    # splitter tree west of the MZMs, leaves at the channel heights
    x_leaf = x_west - 30.0 - 2 * bs - 16.7
    x_root = x_leaf - (levels - 1) * TREE_STEP

    def grow(k: int, ports: list[int], level: int) -> gf.ComponentReference:
        y = sum(channel[p] for p in ports) / len(ports)
        node = place(c, mmi_1x2(), f"split_{k}")
        node.dmove((x_root + level * TREE_STEP - node.ports["o1"].x, y - node.ports["o1"].y))
        half = len(ports) // 2
        for out, sub, kk in (("o2", ports[:half], 2 * k), ("o3", ports[half:], 2 * k + 1)):
            if len(sub) == 1:
                (p,) = sub
                steps = [
                    {"x": node.ports[out].x + bs + 2.0},
                    {"y": channel[p]},
                    {"x": mzms[p].ports["o1"].x},
                ]
                route(c, node.ports[out], mzms[p].ports["o1"], f"w_mod_{p}", steps)
            else:
                child = grow(kk, sub, level + 1)
                route(c, node.ports[out], child.ports["o1"], f"w_tree_{kk}")
        return node

    root = grow(1, list(range(n)), 0)  # o2 (north) feeds the upper MZMs, p = 0 on top

    # ring weight bank on the comb bus, west of the tree root
    ring = ring_add_drop_heater()
    prev = None
    x_ring = root.ports["o1"].x - 20.0 - n * RING_PITCH
    for k in range(n):
        r = place(c, ring, f"ring_{k}")
        r.dmove((x_ring + k * RING_PITCH - r.ports["o1"].x, root.ports["o1"].y - r.ports["o1"].y))
        if prev is not None:
            route(c, prev.ports["o2"], r.ports["o1"], f"w_bus_{k}")
        prev = r
        for e in ("e1", "e2"):
            c.add_port(f"ring_k{k}_{e}", port=r.ports[e])
    route(c, prev.ports["o2"], root.ports["o1"], "w_bus_root")
    stub = place(c, route_straight(2.0), "in_stub")
    first = c.insts["ring_0"].ports["o1"]
    stub.dmove((first.x - 10.0 - stub.ports["o2"].x, first.y - stub.ports["o2"].y))
    route(c, stub.ports["o2"], first, "w_bus_0")
    c.add_port("in", port=stub.ports["o1"])

    # the router below the stack, its ports facing west
    router = place(c, awgr(channels=n), "router")
    router.drotate(-90)
    # the vertical runs pass east of every MZM's pads, not under their RF fan-outs
    x_east = max(m.dxmax for m in mzms) + 10.0
    x_a = x_east + bs + 12.0 + FAN_PITCH * (n - 1)
    top_in = router.ports["o1"]
    router.dmove((x_a - top_in.x, channel[-1] - 2 * bs - 40.0 - top_in.y))
    for p in range(n):
        steps = [
            {"y": channel[p]},
            {"x": x_a - bs - 2.0 - FAN_PITCH * p},
            {"y": router.ports[f"o{p + 1}"].y},
        ]
        route(c, mzms[p].ports["o2"], router.ports[f"o{p + 1}"], f"w_in_{p}", steps)

    # photodiodes west of the router outputs, facing east
    pd = ge_photodetector()
    outs = [router.ports[f"o{n + 1 + q}"] for q in range(n)]
    x_pd = x_a - 2 * bs - 30.0 - FAN_PITCH * (n - 1)
    y_pd = min(o.y for o in outs) - 2 * bs - 10.0
    for q, out in enumerate(outs):
        det = place(c, pd, f"pd_{q}")
        det.drotate(180)
        det.dmove((x_pd - det.ports["o1"].x, y_pd - q * PD_PITCH - det.ports["o1"].y))
        steps = [{"x": x_a - bs - 2.0 - FAN_PITCH * (n - 1 - q)}, {"y": det.ports["o1"].y}]
        route(c, out, det.ports["o1"], f"w_out_{q}", steps)
        for e in ("e1", "e2"):
            c.add_port(f"pd_q{q}_{e}", port=det.ports[e])
    return c


# --- what the evaluators read from the layout -----------------------------------------


@dataclass(frozen=True, eq=False)
class ConvTopology:
    """Everything the structured evaluator needs, read from the layout netlist (um).

    Index p: input port (MZM p, router input p), q: output port (router output q,
    photodiode q), k: comb line / ring.
    """

    n: int
    mzm_length: float
    netlist: dict[str, Any]
    wavelengths: np.ndarray  # (N,) comb
    rings: tuple[str, ...]  # ring instances in bus order
    ring_geometry: dict[str, float]  # radius, gap, width of the (identical) rings
    bus_length: float  # waveguide from ``in`` through the ring bank to the tree root
    splitters: tuple[str, ...]
    tree_index: np.ndarray  # (N, levels)
    tree_port: np.ndarray  # (N, levels) 0: o2, 1: o3
    feed_length: np.ndarray  # (N,) tree root -> MZM p, MMIs excluded
    router_length: np.ndarray  # (N,) MZM p -> router input p
    detector_length: np.ndarray  # (N,) router output q -> photodiode q
    ring_xy: np.ndarray  # (N, 2) ring centres
    router_xy: np.ndarray  # (2,)


def _walk_bus(wiring: Wiring) -> tuple[list[str], float, str]:
    """Rings along the comb bus from ``in`` to the tree, and the bus waveguide length."""
    hop = wiring.enter("in")
    rings, total = [], hop.length
    while True:
        inst, port = hop.end.split(",")
        if wiring.component(inst) != "ring_add_drop_heater":
            return rings, total, hop.end
        if port != "o1":
            raise ValueError(f"comb bus enters {inst} at {port}, not its input o1")
        rings.append(inst)
        hop = wiring.follow(f"{inst},o2")
        total += hop.length


@cache
def conv_topology(n: int, mzm_length: float = DEFAULT_LENGTH) -> ConvTopology:
    """:class:`ConvTopology` of ``awgr_convolver(n, mzm_length)`` (built and walked once)."""
    levels = check_size(n)
    c = awgr_convolver(n=n, mzm_length=mzm_length)
    net = detector_netlist(c)
    wiring = Wiring(net)
    rings, bus, root = _walk_bus(wiring)
    if root != "split_1,o1" or len(rings) != n:
        raise ValueError(f"comb bus passes {len(rings)} rings and ends at {root}")
    feed = np.zeros(n)
    tree_index = np.zeros((n, levels), dtype=int)
    tree_port = np.zeros((n, levels), dtype=int)
    splitters: list[str] = []
    stack: list[tuple[str, float, tuple[tuple[int, int], ...]]] = [("split_1", 0.0, ())]
    while stack:
        node, acc, path = stack.pop()
        if node not in splitters:
            splitters.append(node)
        k = splitters.index(node)
        for pi, out in enumerate(("o2", "o3")):
            hop = wiring.follow(f"{node},{out}")
            inst, port = hop.end.split(",")
            if wiring.component(inst) == "mmi_1x2":
                stack.append((inst, acc + hop.length, (*path, (k, pi))))
                continue
            if wiring.component(inst) != "mzm_traveling_wave" or port != "o1":
                raise ValueError(f"splitter tree reaches {hop.end}")
            p = int(inst.split("_")[1])
            feed[p] = acc + hop.length
            for lv, (kk, pp) in enumerate((*path, (k, pi))):
                tree_index[p, lv], tree_port[p, lv] = kk, pp
    router = np.zeros(n)
    detector = np.zeros(n)
    for p in range(n):
        hop = wiring.follow(f"mzm_{p},o2")
        if hop.end != f"router,o{p + 1}":
            raise ValueError(f"MZM {p} feeds {hop.end}, not router input {p}")
        router[p] = hop.length
    for q in range(n):
        hop = wiring.follow(f"router,o{n + 1 + q}")
        if hop.end != f"pd_{q}__o1":
            raise ValueError(f"router output {q} reaches {hop.end}")
        detector[q] = hop.length
    insts = {r.name: r for r in c.insts}

    def centre(name: str) -> np.ndarray:
        box = insts[name].dbbox()
        return np.array([box.center().x, box.center().y])

    settings = wiring.settings(rings[0])
    return ConvTopology(
        n=n,
        mzm_length=float(mzm_length),
        netlist=net,
        wavelengths=router_grid(n),
        rings=tuple(rings),
        ring_geometry={k: float(settings[k]) for k in ("radius", "gap", "width")},
        bus_length=bus,
        splitters=tuple(splitters),
        tree_index=tree_index,
        tree_port=tree_port,
        feed_length=feed,
        router_length=router,
        detector_length=detector,
        ring_xy=np.array([centre(r) for r in rings]),
        router_xy=centre("router"),
    )


# --- device state and the two evaluators ---------------------------------------------------

State = dict[str, Any]


def comb_field(topo: ConvTopology, state: State, wl: Any) -> jax.Array:
    """Field (L,) of each comb line after the ring bank and the bus, per unit input field:
    the product of every ring's through response (ring_add_drop_heater model at its
    heater power and temperature) and the bus waveguide."""
    t = propagation(topo.bus_length, wl, T_REF, state["loss_db_per_cm"])
    for k in range(topo.n):
        s = ring_add_drop_heater_model(
            **topo.ring_geometry,
            wl=wl,
            temperature=state["ring_temperature"][k],
            power=state["ring_power"][k],
            loss_db_per_cm=state["loss_db_per_cm"],
        )
        t = t * s[("o1", "o2")]
    return t


def router_response(topo: ConvTopology, router: Mapping[str, Any], wl: Any) -> jax.Array:
    """Router field transmission (L, N_p, N_q) at ``router`` settings (awgr model)."""
    return awgr_transmission(
        wl,
        channels=topo.n,
        temperature=router["temperature"],
        insertion_loss_db=router["insertion_loss_db"],
        crosstalk_adjacent_db=router["crosstalk_adjacent_db"],
        crosstalk_nonadjacent_db=router["crosstalk_nonadjacent_db"],
    )


def paths_after_rings(topo: ConvTopology, state: State, router: Any, wl: Any) -> jax.Array:
    """Field (N_q, N_p, L) from the tree root through MZM p and the router to photodiode q.

    Product along each path: the tree MMIs (mmi_1x2), routes, MZM p (its model at
    ``state["voltage"][p]``), the router (``router``: :func:`router_response`), the route
    to the photodiode.
    """
    loss = state["loss_db_per_cm"]
    tree = propagation(topo.feed_length[:, None], wl[None], T_REF, loss)  # (N_p, L)
    s = mmi_1x2_model(
        wl=wl[None, :],
        excess_loss_db=state["split_excess_db"][:, None],
        imbalance_db=state["split_imbalance_db"][:, None],
    )
    branch = jnp.stack([s[("o1", "o2")], s[("o1", "o3")]])  # (2, K, L)
    tree = tree * jnp.prod(branch[topo.tree_port, topo.tree_index], axis=1)
    mzm = mzm_traveling_wave_model(
        length=topo.mzm_length, wl=wl[None, :], voltage=state["voltage"][:, None]
    )[("o1", "o2")]
    into = propagation(topo.router_length[:, None], wl[None], T_REF, loss)
    out = propagation(topo.detector_length[:, None], wl[None], T_REF, loss)  # (N_q, L)
    per_p = tree * mzm * into  # (N_p, L)
    return jnp.einsum("pl,lpq,ql->qpl", per_p, router, out)


def structured_paths(topo: ConvTopology, state: State, wl: Any) -> jax.Array:
    """Field (N_q, N_p, L) of every path in -> MZM p -> photodiode q, per unit comb field."""
    wl = jnp.atleast_1d(jnp.asarray(wl, dtype=float))
    router = router_response(topo, state["router"], wl)
    return comb_field(topo, state, wl)[None, None, :] * paths_after_rings(topo, state, router, wl)


def structured_fields(topo: ConvTopology, state: State, wl: Any) -> jax.Array:
    """Field (N_q, L) at photodiode q: the coherent sum over inputs p of
    :func:`structured_paths` (all inputs carry copies of one comb line)."""
    return jnp.sum(structured_paths(topo, state, wl), axis=1)


def fields_given_router(topo: ConvTopology, state: State, router: Any, wl: Any) -> jax.Array:
    """Photodiode fields (N_q, L) given the router response (:func:`router_response`)."""
    paths = paths_after_rings(topo, state, router, wl)
    return comb_field(topo, state, wl)[None, :] * jnp.sum(paths, axis=1)


def structured_fn(n: int, mzm_length: float = DEFAULT_LENGTH) -> Any:
    """``f(state, wl) -> (N_q, L)`` photodiode fields of ``awgr_convolver(n, mzm_length)``
    (:func:`structured_fields`); ``state`` as from :func:`ideal_state`.

    Two jit-compiled stages, each compiled once per size and wavelength count: the
    router response (the awgr model) and everything else (vectorised over inputs,
    outputs and wavelengths)."""
    router, rest = _router_fn(n, mzm_length), _given_router_fn(n, mzm_length)

    def f(state: State, wl: Any) -> jax.Array:
        wl = jnp.atleast_1d(jnp.asarray(wl, dtype=float))
        return rest(state, router(state["router"], wl), wl)

    return f


@cache
def _router_fn(n: int, mzm_length: float) -> Any:
    topo = conv_topology(n, mzm_length)
    return jax.jit(lambda router, wl: router_response(topo, router, jnp.asarray(wl, float)))


@cache
def _given_router_fn(n: int, mzm_length: float) -> Any:
    topo = conv_topology(n, mzm_length)
    return jax.jit(lambda state, router, wl: fields_given_router(topo, state, router, wl))


def sax_settings(topo: ConvTopology, state: State) -> dict[str, Any]:
    """Per-instance SAX settings (instance names from the layout netlist) for ``state``."""
    st = jax.tree.map(np.asarray, state)
    out: dict[str, Any] = {"loss_db_per_cm": float(st["loss_db_per_cm"])}
    for k, name in enumerate(topo.rings):
        out[name] = {
            "power": float(st["ring_power"][k]),
            "temperature": float(st["ring_temperature"][k]),
        }
    for p in range(topo.n):
        out[f"mzm_{p}"] = {"voltage": float(st["voltage"][p])}
    for k, name in enumerate(topo.splitters):
        out[name] = {
            "imbalance_db": float(st["split_imbalance_db"][k]),
            "excess_loss_db": float(st["split_excess_db"][k]),
        }
    out["router"] = {key: float(v) for key, v in st["router"].items()}
    return out


def sax_fields(topo: ConvTopology, state: State, wl: Any, jit: bool = False) -> np.ndarray:
    """The (N_q, L) photodiode fields from SAX's KLU circuit of the layout netlist
    (``jit``: the circuit compiled whole, see :func:`circuits.wdm_common.sax_circuit`)."""
    circuit = sax_circuit(topo.netlist, jit)
    wl = np.atleast_1d(np.asarray(wl, dtype=float))
    s = circuit(wl=wl, **sax_settings(topo, state))
    return np.stack([np.asarray(s[(f"pd_{q}__o1", "in")]) for q in range(topo.n)])


def sax_fn(n: int, mzm_length: float = DEFAULT_LENGTH, jit: bool = True) -> Any:
    """``f(state, wl) -> (N_q, L)`` photodiode fields from SAX's KLU circuit of the layout
    netlist, for the benchmark (jit-compiled whole by default)."""
    topo = conv_topology(n, mzm_length)
    return lambda state, wl: sax_fields(topo, state, wl, jit)


def ideal_state(topo: ConvTopology, ring_power: Any = None, voltage: Any = None) -> State:
    """State of the drawn convolver with no imperfection beyond its drawn parts.

    Keys: ``ring_power`` (N,) heater power of each ring as its waveguide feels it (mW,
    crosstalk included); ``ring_temperature`` (N,) K (fabrication enters as the
    equivalent temperature); ``voltage`` (N,) MZM drive (V); ``split_*`` the tree MMIs
    (dB); ``loss_db_per_cm``; ``router`` the awgr settings.
    """
    return device_state(
        np.zeros(topo.n) if ring_power is None else ring_power,
        np.zeros(topo.n) if voltage is None else voltage,
        device(topo, NonIdealities.ideal()),
    )


# --- one die's imperfections ------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Die:
    """Seeded draws of one fabricated convolver: strip index deviation at each ring and at
    the router (one correlated field), splitting errors of the tree MMIs."""

    ring_dn: np.ndarray
    router_dn: float
    split_imbalance_db: np.ndarray


@cache
def die(n: int, mzm_length: float, seed: int) -> Die:
    topo = conv_topology(n, mzm_length)
    rng = np.random.default_rng(seed)
    dn = index_deviation(np.vstack([topo.ring_xy, topo.router_xy[None]]), rng)
    return Die(dn[:-1], float(dn[-1]), mmi_imbalances(len(topo.splitters), rng))


Device = dict[str, Any]


def device(topo: ConvTopology, nonideal: NonIdealities, router_tuning_k: float = 0.0) -> Device:
    """The imperfections ``nonideal`` switches on, as arrays (neutral when off).

    ``crosstalk`` (N x N) heater crosstalk between the rings (drawn ring centres,
    :func:`components.heaters.thermal_crosstalk_matrix`; a ring heater's own phase scales
    its neighbours' like a phase shifter's); ``ring_temperature`` carries the fabrication
    index deviation of each ring as the equivalent temperature (dn / dn_eff/dT: the ring
    model shifts its resonance exactly so); MMI imbalances / excess losses; loss;
    the router's settings.
    """
    d = die(topo.n, topo.mzm_length, nonideal.seed)
    k = len(topo.splitters)
    fab = nonideal.fabrication
    return {
        "crosstalk": heater_crosstalk(topo.ring_xy)
        if nonideal.thermal_crosstalk
        else np.eye(topo.n),
        "ring_temperature": T_REF + (d.ring_dn / DN_DT if fab else np.zeros(topo.n)),
        "split_imbalance_db": d.split_imbalance_db if nonideal.coupler_imbalance else np.zeros(k),
        "split_excess_db": np.full(k, MMI_EXCESS_LOSS_DB if nonideal.excess_loss else 0.0),
        "loss_db_per_cm": np.asarray(LOSS_DB_CM if nonideal.propagation_loss else 0.0),
        "router": {
            key: np.asarray(v)
            for key, v in router_settings(
                topo.n, nonideal, d.router_dn if fab else 0.0, router_tuning_k
            ).items()
        },
    }


def device_state(ring_power: Any, voltage: Any, dev: Device) -> State:
    """State of the die ``dev`` with ring heater powers (N,) mW and MZM voltages (N,) V."""
    return {
        "ring_power": jnp.asarray(dev["crosstalk"]) @ jnp.asarray(ring_power, float),
        "ring_temperature": jnp.asarray(dev["ring_temperature"]),
        "voltage": jnp.asarray(voltage, float),
        "split_imbalance_db": jnp.asarray(dev["split_imbalance_db"]),
        "split_excess_db": jnp.asarray(dev["split_excess_db"]),
        "loss_db_per_cm": jnp.asarray(dev["loss_db_per_cm"]),
        "router": {k: jnp.asarray(v) for k, v in dev["router"].items()},
    }


# --- programming --------------------------------------------------------------------------

# Ring weight range of the offset scheme (through power of line k): from deep in the
# resonance (~0.03 nm detuned) to ~0.25 nm off it, leaving headroom for the neighbours'
# tails (a ring parked between two lines also dims the next one by ~5 %) and for the
# per-line equalisation that can only lower a weight.
T_LO = 0.05
T_HI = 0.70


@dataclass(frozen=True)
class ConvSettings:
    """Device settings of the convolver for one kernel.

    ``ring_power`` (N,) mW as applied (after the DAC); ``mzm_ceiling`` (N,) the drive
    ceiling d_p <= 1 of each input (x_p = 1 modulates to d_p of full transmission: a
    digital gain on the input data); ``gain`` (N,) W/A receiver gain of each output;
    ``a``, ``b``, ``total`` the offset scheme (t_k = b + a w_k / scale, T = sum t_k);
    ``scale`` = max |w|; ``router_tuning_k`` the router set-point offset (K).
    """

    ring_power: np.ndarray
    mzm_ceiling: np.ndarray
    gain: np.ndarray
    a: float
    b: float
    total: float
    scale: float
    router_tuning_k: float = 0.0

    def post_processing(self) -> np.ndarray:
        """Electronic map from receiver outputs to signed results: (I - (b/T) 1 1^T) / a."""
        n = self.gain.shape[0]
        return (np.eye(n) - self.b / self.total * np.ones((n, n))) / self.a

    def to_dict(self) -> dict[str, Any]:
        return {
            "ring_power_mw": np.asarray(self.ring_power).tolist(),
            "mzm_ceiling": np.asarray(self.mzm_ceiling).tolist(),
            "gain_w_per_a": np.asarray(self.gain).tolist(),
            "offset_a": self.a,
            "offset_b": self.b,
            "offset_total": self.total,
            "scale": self.scale,
            "router_tuning_k": self.router_tuning_k,
        }


def circulant(kernel: Any) -> np.ndarray:
    """W[q, p] = kernel[(p - q) mod N]: the matrix of y_q = sum_p x_p w_(p - q)."""
    w = np.asarray(kernel, dtype=float)
    n = w.shape[0]
    idx = (np.arange(n)[None, :] - np.arange(n)[:, None]) % n
    return w[idx]


def kernel_of(target: Any, n: int) -> np.ndarray:
    """The kernel w (N,) of a target given as a kernel or as its circulant matrix.

    A matrix must be circulant in this convention, W[q, p] = W[0, (p - q) mod N];
    anything else cannot be realised by N shared weights and is refused by name.
    """
    t = np.asarray(target)
    if np.iscomplexobj(t) or not np.issubdtype(t.dtype, np.number):
        raise ValueError(f"convolver target must be real, got dtype {t.dtype}")
    if not np.all(np.isfinite(t)):
        raise ValueError("convolver target has non-finite entries")
    if t.shape == (n,):
        return t.astype(float)
    if t.shape != (n, n):
        raise ValueError(
            f"convolver target must be a kernel ({n},) or a matrix ({n}, {n}), got {t.shape}"
        )
    w = t[0].astype(float)
    bad = np.abs(t - circulant(w)) > 1e-12 * max(1.0, float(np.max(np.abs(t))))
    if np.any(bad):
        q, p = (int(v) for v in np.argwhere(bad)[0])
        raise ValueError(
            f"W is not circulant: W[{q}, {p}] = {t[q, p]:.6g} but the kernel "
            f"W[0, {(p - q) % n}] = {w[(p - q) % n]:.6g}; the AWGR convolver realises "
            "W[q, p] = w[(p - q) mod N] only"
        )
    return w


def ceiling_voltage(topo: ConvTopology, d: Any) -> Any:
    """MZM drive (V) giving cos^2(dphi / 2) = d at lambda0: V = V_pi (2 / pi) arccos(sqrt d)."""
    return vpi_v(topo.mzm_length) * 2.0 / np.pi * jnp.arccos(jnp.sqrt(jnp.clip(d, 0.0, 1.0)))


@cache
def _paths_fn(n: int, mzm_length: float) -> Any:
    """Jitted (device-state, router) -> paths after the rings (N_q, N_p, N) at the comb."""
    topo = conv_topology(n, mzm_length)
    wl = jnp.asarray(topo.wavelengths)
    return jax.jit(lambda state, router: paths_after_rings(topo, state, router, wl))


@cache
def _comb_fn(n: int, mzm_length: float) -> Any:
    topo = conv_topology(n, mzm_length)
    wl = jnp.asarray(topo.wavelengths)
    return jax.jit(lambda state: comb_field(topo, state, wl))


def slope_gains(topo: ConvTopology, dev: Device, ceiling: Any) -> np.ndarray:
    """G[q, p, k] (A/W per unit x): the detected power on output q from input p on comb
    line k, x_p from 0 to 1 (MZM from V_pi to its ceiling), the comb after the rings
    excluded: rho (|B(V_on)|^2 - |B(V_pi)|^2)."""
    n = topo.n
    router = _router_fn(n, topo.mzm_length)(dev["router"], jnp.asarray(topo.wavelengths))
    on = device_state(np.zeros(n), ceiling_voltage(topo, ceiling), dev)
    off = device_state(np.zeros(n), np.full(n, vpi_v(topo.mzm_length)), dev)
    f = _paths_fn(n, topo.mzm_length)
    hi = np.abs(np.asarray(f(on, router))) ** 2
    lo = np.abs(np.asarray(f(off, router))) ** 2
    return RESPONSIVITY * (hi - lo)


def separable_fit(main: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least-squares log main[q, p] = alpha_p + beta_q + gamma_((p - q) mod N).

    Returns (alpha, beta, gamma); the fit's gauge (constants moved between the three) is
    fixed by the minimum-norm solution."""
    n = main.shape[0]
    rows, rhs = [], []
    for q in range(n):
        for p in range(n):
            r = np.zeros(3 * n)
            r[p], r[n + q], r[2 * n + (p - q) % n] = 1.0, 1.0, 1.0
            rows.append(r)
            rhs.append(np.log(main[q, p]))
    sol = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)[0]
    return sol[:n], sol[n : 2 * n], sol[2 * n :]


def refine_knobs(
    gains: Callable[[np.ndarray], np.ndarray],
    t: np.ndarray,
    post: np.ndarray,
    line: np.ndarray,
    ceiling: np.ndarray,
    gain: np.ndarray,
    iterations: int = 8,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Least squares on the realised transfer: line powers c_k, input ceilings d_p <= 1
    and output gains K_q minimising || P (Z - C(t)) ||_F, Z = diag(K) R(c, d) the
    receiver outputs, R[q, p] = sum_k G[q, p, k](d_p) c_k (every path on every line:
    the passband tails included) and P the offset post-processing, so P Z is the
    realised matrix over the kernel's scale.

    ``gains(d)`` -> G (N_q, N_p, N_k) at ceilings d (:func:`slope_gains`: the MZM's
    chromatic response at each ceiling included). Gauss-Newton in log c, log d, log K
    from the closed-form start, each step a bounded linear least squares (d <= 1) with
    a line search; the K c gauge is undone at the end (brightest line as at the start).
    Returns (c, d, K, ||P (Z - C(t))||_F).
    """
    n = t.shape[0]
    c_top = float(np.max(line))
    target = circulant(t)

    def outputs(c: np.ndarray, d: np.ndarray, kq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        g = gains(d)
        return g, kq[:, None] * np.einsum("qpk,k->qp", g, c)

    c, d, kq = (np.asarray(x, dtype=float).copy() for x in (line, ceiling, gain))
    g, z = outputs(c, d, kq)
    err = float(np.linalg.norm(post @ (z - target)))
    # d G / d log d by second-order backward differences: never past full drive (d <= 1),
    # and exact to h^2 / 3, so the K d gauge stays null wherever G is linear in d
    h = 1e-5
    for _ in range(iterations):
        dg = (3 * g - 4 * gains(d * np.exp(-h)) + gains(d * np.exp(-2 * h))) / (2 * h)
        dz = kq[:, None] * np.einsum("qpk,k->qp", dg, c)
        cols = [np.where(np.arange(n)[:, None] == q, z, 0.0) for q in range(n)]
        cols += [kq[:, None] * g[:, :, j] * c[j] for j in range(n)]
        cols += [np.where(np.arange(n)[None, :] == p, dz, 0.0) for p in range(n)]
        jac = np.stack([(post @ x).ravel() for x in cols], axis=1)
        # no ceiling past full drive; a whisper of ridge fixes the exact gauges (K c,
        # and K d where G is linear in d) without touching the chromatic near-gauge
        ridge = 1e-9 * np.linalg.norm(jac, 2) * np.eye(3 * n)
        upper = np.r_[np.full(2 * n, np.inf), -np.log(d)]
        step = lsq_linear(
            np.vstack([jac, ridge]),
            np.r_[-(post @ (z - target)).ravel(), np.zeros(3 * n)],
            bounds=(-np.inf, upper),
            method="bvls",
        ).x
        for scale in (1.0, 0.5, 0.25, 0.125):
            d_t = np.minimum(d * np.exp(scale * step[2 * n :]), 1.0)
            top = float(np.max(d_t))  # the strongest input at full drive, K takes the rest
            trial = (
                c * np.exp(scale * step[n : 2 * n]),
                d_t / top,
                kq * np.exp(scale * step[:n]) * top,
            )
            g_t, z_t = outputs(*trial)
            err_t = float(np.linalg.norm(post @ (z_t - target)))
            if err_t < err:
                break
        if err_t >= err:
            break  # no descent left: the least-squares point
        gained = (err - err_t) / err
        (c, d, kq), g, z, err = trial, g_t, z_t, err_t
        if gained < 1e-4:
            break
    f = c_top / float(np.max(c))
    return c * f, d, kq / f, err


@cache
def ring_cavity(topo_key: tuple[float, float, float]) -> Any:
    """The drawn ring's cavity (components.rings.RingCavity) for (radius, gap, width)."""
    return add_drop_cavity(*topo_key)


def ring_power_for(topo: ConvTopology, u: Any, temperature: Any, orders: Any) -> Any:
    """Heater power (mW, as the ring feels it) that puts ring k's resonance of azimuthal
    order m_k at lambda_k + u_k (um) at ring temperature T_k (K): the path offset
    delta = m lambda - n(lambda, T) L of components.rings, over heater_delta(1 mW)."""
    cav = ring_cavity(tuple(topo.ring_geometry[k] for k in ("radius", "gap", "width")))
    lam = jnp.asarray(topo.wavelengths) + u
    delta = orders * lam - cav.index(lam, temperature) * cav.circumference
    return delta / heater_delta(1.0)


@cache
def _ring_residual(n: int, mzm_length: float) -> Any:
    """(u (1, N), temperature, orders, loss, target) -> |comb line k|^2 - target_k."""
    topo = conv_topology(n, mzm_length)
    comb = _comb_fn(n, mzm_length)

    def residual(u: Any, temperature: Any, orders: Any, loss: Any, target: Any) -> Any:
        power = ring_power_for(topo, u[0], temperature, orders)
        state = {"ring_power": power, "ring_temperature": temperature, "loss_db_per_cm": loss}
        return (jnp.abs(comb(state)) ** 2 - target)[None]

    return residual


def solve_rings(topo: ConvTopology, dev: Device, target: np.ndarray) -> np.ndarray:
    """Ring heater powers (mW, as felt) giving comb-line powers ``target`` after the bank.

    Each ring parks on the red side of its line (detuning u_k > 0): first guess from one
    isolated ring's through response, then Newton on the whole bank, so every ring's
    tail on the other lines (a few %) is solved for, not ignored.
    """
    n = topo.n
    cav = ring_cavity(tuple(topo.ring_geometry[k] for k in ("radius", "gap", "width")))
    temperature = np.asarray(dev["ring_temperature"], float)
    # orders: the resonance reached by heating (red shift) from the cold ring
    path = np.asarray(cav.index(topo.wavelengths, temperature)) * cav.circumference
    orders = np.ceil(path / topo.wavelengths)
    # one isolated ring's through power against detuning, for the first guess
    u_grid = np.linspace(0.0, topo.wavelengths[1] - topo.wavelengths[0], 801)
    t0 = float(temperature[0])
    centre = cav.resonance(cav.order_near(topo.wavelengths[0], t0), t0)
    s = ring_add_drop_heater_model(
        **topo.ring_geometry,
        wl=centre + u_grid,
        temperature=t0,
        loss_db_per_cm=np.asarray(dev["loss_db_per_cm"]),
    )
    through = np.maximum.accumulate(np.abs(np.asarray(s[("o1", "o2")])) ** 2)
    u0 = np.interp(target, through, u_grid)
    residual = _ring_residual(n, topo.mzm_length)
    loss = np.asarray(dev["loss_db_per_cm"])
    u = solve_rows(residual, u0[None], temperature, orders, loss, target)[0]
    return one_order_up(topo, np.asarray(ring_power_for(topo, u, temperature, orders)))


def order_power(topo: ConvTopology) -> np.ndarray:
    """Heater power (mW) that moves ring k's resonance by one order onto itself at its
    line: a path offset of one wavelength (2 P_pi, components.rings.heater_delta)."""
    return topo.wavelengths / np.asarray(heater_delta(1.0))


def one_order_up(topo: ConvTopology, power: np.ndarray) -> np.ndarray:
    """Ring powers with any negative one raised by one order: the next azimuthal order
    then sits where the unreachable one was (a heater only heats)."""
    return np.where(power < 0, power + order_power(topo), power)


def program_conv(topo: ConvTopology, target: Any, nonideal: NonIdealities) -> ConvSettings:
    """Ring powers, input ceilings and output gains realising the kernel of ``target``.

    Without ``calibration`` the programmer knows the drawn design only (every switch
    off); with it, this die as measured: router detuning (set-point realigns it), ring
    resonances (their fabrication shift), the path gains, the heater crosstalk
    (inverted). DAC quantisation of the ring heaters comes last.

    1. Offset scheme: t_k = b + a w_k / s in [T_LO, T_HI].
    2. Path gains G[q, p, k] (:func:`slope_gains`); the main ones (k = p - q) fitted as
       alpha_p + beta_q + gamma_k (:func:`separable_fit`): input ceilings
       d_p = exp(min alpha - alpha_p), line powers t'_k = t_k min c / c_k
       (c = exp gamma), output gains K_q = exp(-beta_q - min alpha) / min c.
    3. Least squares from there on the realised transfer (:func:`refine_knobs`): the
       passband tails and the MZM's chromatic response at its ceiling included; what
       stays is the non-separable floor of the module docstring.
    4. Ring powers for the line powers with all ring tails (:func:`solve_rings`).
    """
    n = topo.n
    w = kernel_of(target, n)
    scale = float(np.max(np.abs(w))) or 1.0
    a, b = (T_HI - T_LO) / 2, (T_HI + T_LO) / 2
    t = b + a * w / scale
    if nonideal.calibration:
        d = die(n, topo.mzm_length, nonideal.seed)
        tuning = router_alignment_k(n, d.router_dn) if nonideal.fabrication else 0.0
        dev = device(topo, replace(nonideal, thermal_crosstalk=False, dac_bits=None), tuning)
    else:
        tuning, dev = 0.0, device(topo, NonIdealities.ideal(seed=nonideal.seed))
    g = slope_gains(topo, dev, np.ones(n))
    qq, pp = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    alpha, beta, gamma = separable_fit(g[qq, pp, (pp - qq) % n])
    c = np.exp(gamma)
    post = (np.eye(n) - b / float(np.sum(t)) * np.ones((n, n))) / a
    line, ceiling, gain, _ = refine_knobs(
        lambda d: slope_gains(topo, dev, d),
        t,
        post,
        t * c.min() / c,
        np.exp(alpha.min() - alpha),
        np.exp(-beta - alpha.min()) / c.min(),
    )
    felt = solve_rings(topo, dev, line)
    if nonideal.calibration and nonideal.thermal_crosstalk:
        cross = heater_crosstalk(topo.ring_xy)
        power = np.linalg.solve(cross, felt)
        while np.any(power < 0):  # a neighbour heats it past its target: go one order up
            felt = np.where(power < 0, felt + order_power(topo), felt)
            power = np.linalg.solve(cross, felt)
    else:
        power = felt
    power = quantise_power(power, ring_resistance(), nonideal.dac_bits)
    return ConvSettings(power, ceiling, gain, a, b, float(np.sum(t)), scale, tuning)


@cache
def ring_resistance() -> float:
    """Resistance (ohm) of one ring heater, from the drawn heater film."""
    return float(ring_add_drop_heater().info["heater_resistance"])


def optical_slopes(
    topo: ConvTopology, settings: ConvSettings, nonideal: NonIdealities
) -> np.ndarray:
    """R[q, p] (A/W per unit x): output q's detected power per unit x_p, each input alone,
    at the programmed settings (structured evaluator)."""
    dev = device(topo, nonideal, settings.router_tuning_k)
    state = device_state(settings.ring_power, np.zeros(topo.n), dev)
    comb = np.abs(np.asarray(_comb_fn(topo.n, topo.mzm_length)(state))) ** 2
    return np.einsum("qpk,k->qp", slope_gains(topo, dev, settings.mzm_ceiling), comb)


def realised(topo: ConvTopology, settings: ConvSettings, nonideal: NonIdealities) -> np.ndarray:
    """The signed matrix the programmed convolver applies (each input alone: the linear
    part), scale x post-processing x receiver gains x :func:`optical_slopes`."""
    r = optical_slopes(topo, settings, nonideal)
    return settings.scale * settings.post_processing() @ (settings.gain[:, None] * r)


def realised_sax(topo: ConvTopology, settings: ConvSettings, nonideal: NonIdealities) -> np.ndarray:
    """The same matrix from SAX's circuit of the layout netlist.

    SAX gives the coherent field at each photodiode; the contribution of input p is
    isolated by N + 1 evaluations: all MZMs at V_pi, then each in turn at its ceiling
    voltage, E_p = (E^(p) - E^(0)) / (m_on - m_off) with m the MZM's own transmission.
    """
    n = topo.n
    dev = device(topo, nonideal, settings.router_tuning_k)
    v_off = vpi_v(topo.mzm_length)
    v_on = np.asarray(ceiling_voltage(topo, settings.mzm_ceiling))
    wl = topo.wavelengths
    base = sax_fields(topo, device_state(settings.ring_power, np.full(n, v_off), dev), wl)
    r = np.zeros((n, n))
    for p in range(n):
        v = np.full(n, v_off)
        v[p] = v_on[p]
        e = sax_fields(topo, device_state(settings.ring_power, v, dev), wl) - base
        m_on, m_off = (
            np.asarray(
                mzm_traveling_wave_model(length=topo.mzm_length, wl=wl, voltage=x)[("o1", "o2")]
            )
            for x in (v_on[p], v_off)
        )
        path = np.abs(e / (m_on - m_off)) ** 2  # (N_q, L)
        r[:, p] = RESPONSIVITY * path @ (np.abs(m_on) ** 2 - np.abs(m_off) ** 2)
    return settings.scale * settings.post_processing() @ (settings.gain[:, None] * r)


@cache
def _detected_fn(n: int, mzm_length: float) -> Any:
    """Jitted (state, router, voltages (B, N)) -> detected power per unit comb power
    (B, N_q): all inputs at once, coherent over inputs, incoherent over comb lines."""
    topo = conv_topology(n, mzm_length)
    wl = jnp.asarray(topo.wavelengths)

    def one(state: State, router: Any, v: Any) -> Any:
        e = fields_given_router(topo, {**state, "voltage": v}, router, wl)
        return RESPONSIVITY * jnp.sum(jnp.abs(e) ** 2, axis=-1)

    return jax.jit(jax.vmap(one, in_axes=(None, None, 0)))


def drive_voltage(topo: ConvTopology, x: Any, ceiling: Any, bits: int | None) -> np.ndarray:
    """MZM drive (V) encoding data x in [0, 1] as cos^2(dphi / 2) = d_p x at lambda0,
    optionally through a ``bits``-bit DAC spanning 0..V_pi."""
    v = np.asarray(ceiling_voltage(topo, np.asarray(ceiling) * np.asarray(x)))
    if bits is not None:
        vpi = vpi_v(topo.mzm_length)
        step = vpi / (2**bits - 1)
        v = np.round(v / step) * step
    return v


def convolve(
    topo: ConvTopology, settings: ConvSettings, X: np.ndarray, nonideal: NonIdealities
) -> np.ndarray:
    """Signed outputs (N, B) for data X (N, B) in [0, 1], all inputs at once (coherent).

    Detected powers z(x) minus the zero-input level z(0) (the receiver's dark / offset
    calibration), times the receiver gains, through the offset-scheme post-processing.
    """
    dev = device(topo, nonideal, settings.router_tuning_k)
    state = device_state(settings.ring_power, np.zeros(topo.n), dev)
    f = _detected_fn(topo.n, topo.mzm_length)
    router = _router_fn(topo.n, topo.mzm_length)(dev["router"], jnp.asarray(topo.wavelengths))
    v = drive_voltage(topo, X.T, settings.mzm_ceiling[None, :], nonideal.dac_bits)
    v0 = drive_voltage(topo, np.zeros((1, topo.n)), settings.mzm_ceiling[None, :], None)
    z = np.asarray(f(state, router, v)) - np.asarray(f(state, router, v0))  # (B, N_q)
    return settings.scale * settings.post_processing() @ (settings.gain[:, None] * z.T)


# --- the core ---------------------------------------------------------------------------


def random_kernel(n: int, seed: int) -> np.ndarray:
    """A seeded kernel, uniform in [-1, 1]."""
    return np.random.default_rng(seed).uniform(-1.0, 1.0, n)


class AwgrConvolver:
    """The AWGR sliding convolver as an :class:`circuits.core.OpticalCore` (``kind = "awgr"``).

    ``n`` ports (a power of two); ``mzm_length`` the MZM electrode (um). ``program``
    accepts the kernel w (N,) or its circulant matrix W[q, p] = w[(p - q) mod N].
    """

    kind = "awgr"

    def __init__(self, n: int = 4, mzm_length: float = DEFAULT_LENGTH) -> None:
        check_size(n)
        if not 200.0 <= float(mzm_length) <= 8000.0:
            raise ValueError(f"mzm_length={mzm_length!r} is invalid; allowed: 200..8000 um")
        self.n = self.rows = self.cols = n
        self.mzm_length = float(mzm_length)

    @property
    def topology(self) -> ConvTopology:
        return conv_topology(self.n, self.mzm_length)

    @property
    def wavelengths(self) -> np.ndarray:
        """The comb (um): line k carries weight w_k."""
        return self.topology.wavelengths

    def layout(self) -> gf.Component:
        return awgr_convolver(n=self.n, mzm_length=self.mzm_length)

    def program(self, W: Any, nonideal: NonIdealities | None = None) -> ConvSettings:
        return program_conv(self.topology, W, nonideal or NonIdealities.ideal())

    def realised_matrix(
        self, settings: ConvSettings, nonideal: NonIdealities | None = None
    ) -> np.ndarray:
        return realised(self.topology, settings, nonideal or NonIdealities.ideal())

    def sax_matrix(
        self, settings: ConvSettings, nonideal: NonIdealities | None = None
    ) -> np.ndarray:
        return realised_sax(self.topology, settings, nonideal or NonIdealities.ideal())

    def matmul(self, W: Any, X: Any, nonideal: NonIdealities | None = None) -> np.ndarray:
        """W @ X as the convolver computes it, all inputs at once (coherent crosstalk and
        MZM chromatic response included). X (N,) or (N, B), nonnegative; scaled so its
        largest entry is full drive, the result scaled back."""
        X = np.asarray(X, dtype=float)
        if X.shape[0] != self.n or X.ndim not in (1, 2):
            raise ValueError(f"X must have shape ({self.n},) or ({self.n}, B), got {X.shape}")
        if not np.all(np.isfinite(X)) or np.any(X < 0):
            raise ValueError("X must hold finite, nonnegative intensities")
        ni = nonideal or NonIdealities.ideal()
        settings = self.program(W, ni)
        peak = float(np.max(X)) or 1.0
        cols = X.reshape(self.n, -1) / peak
        y = convolve(self.topology, settings, cols, ni) * peak
        return y.reshape((self.n, *X.shape[1:]))

    def fidelity(self, nonideal: NonIdealities | None = None, W: Any = None) -> fid.Fidelity:
        """Realised vs target circulant (default kernel: seeded uniform [-1, 1] with
        ``nonideal.seed``); ENOB over the full weight range 2 max|w|."""
        ni = nonideal or NonIdealities.ideal()
        w = random_kernel(self.n, ni.seed) if W is None else kernel_of(W, self.n)
        r = self.realised_matrix(self.program(w, ni), ni)
        return fid.evaluate(r, circulant(w), full_range=2 * float(np.max(np.abs(w))), unitary=False)


# --- plots --------------------------------------------------------------------------------


def plot_realised_vs_target(
    core: AwgrConvolver, nonideal: NonIdealities | None = None, kernel: Any = None
) -> Any:
    """Target circulant, realised matrix and error heat maps."""
    ni = nonideal or NonIdealities.ideal()
    w = random_kernel(core.n, ni.seed) if kernel is None else kernel_of(kernel, core.n)
    r = core.realised_matrix(core.program(w, ni), ni)
    W = circulant(w)
    f = fid.evaluate(r, W, full_range=2 * float(np.max(np.abs(w))), unitary=False)
    title = f"AWGR convolver N={core.n}: rel. error {f.rel_frobenius_error:.2e}, ENOB {f.enob:.1f}"
    return plot_heatmaps(r, W, title)


def plot_convolution(
    core: AwgrConvolver,
    kernel: Any = None,
    x: Any = None,
    nonideal: NonIdealities | None = None,
) -> Any:
    """The kernel, and the optical output (all inputs at once) against the ideal circular
    convolution y_q = sum_p x_p w_(p - q) for one input vector."""
    import matplotlib.pyplot as plt

    ni = nonideal or NonIdealities.ideal()
    w = random_kernel(core.n, ni.seed) if kernel is None else kernel_of(kernel, core.n)
    x = np.random.default_rng(ni.seed + 1).uniform(0, 1, core.n) if x is None else np.asarray(x)
    y = core.matmul(w, x, ni)
    ideal = circulant(w) @ x
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4), constrained_layout=True)
    k = np.arange(core.n)
    ax1.bar(k, w, color="tab:purple")
    ax1.set_xlabel("comb line k")
    ax1.set_ylabel("weight w_k")
    ax1.set_title("kernel")
    ax2.plot(k, ideal, "o-", label="ideal  sum_p x_p w_(p-q)")
    ax2.plot(k, y, "s--", label="optical (all inputs at once)")
    ax2.set_xlabel("output q")
    ax2.set_ylabel("y_q")
    ax2.set_title(f"circular convolution, max |error| {np.max(np.abs(y - ideal)):.2e}")
    ax2.legend(fontsize=8)
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    return fig


def enob_per_nonideality(
    core: AwgrConvolver, dac_bits: int = 14, seed: int = 0
) -> dict[str, dict[str, float]]:
    """ENOB with each non-ideality alone, uncalibrated and calibrated, plus all together."""
    out: dict[str, dict[str, float]] = {}
    for case, cal in (("uncalibrated", False), ("calibrated", True)):
        cases = single_nonidealities(dac_bits, seed, cal)
        cases["all"] = NonIdealities.all_on(dac_bits=dac_bits, seed=seed, calibration=cal)
        out[case] = {name: core.fidelity(ni).enob for name, ni in cases.items()}
    return out


def plot_enob_vs_nonideality(core: AwgrConvolver, dac_bits: int = 14, seed: int = 0) -> Any:
    """Bars: ENOB with each non-ideality alone and all together, raw and calibrated."""
    title = f"AWGR convolver N={core.n}: ENOB per non-ideality (ring DAC {dac_bits} bit)"
    return plot_enob_bars(enob_per_nonideality(core, dac_bits, seed), title)


def plot_enob_vs_dac_bits(core: AwgrConvolver, bits: Any = range(8, 17, 2), seed: int = 0) -> Any:
    """ENOB against the ring-heater DAC resolution (rings are steep: they need many bits)."""
    bits = list(bits)
    curves = {
        "DAC alone": [core.fidelity(NonIdealities(dac_bits=b, seed=seed)).enob for b in bits],
        "all on, calibrated": [
            core.fidelity(NonIdealities.all_on(dac_bits=b, seed=seed)).enob for b in bits
        ],
    }
    return plot_enob_curve(bits, curves, "ring heater DAC bits", "AWGR convolver: ENOB vs DAC")


def plot_enob_vs_size(
    sizes: Any = (2, 4), mzm_length: float = DEFAULT_LENGTH, seed: int = 0
) -> Any:
    """ENOB of the ideal and the calibrated convolver against N (the ideal floor is the
    router's and the MZMs' non-separable path gains, module docstring)."""
    sizes = list(sizes)
    curves: dict[str, list[float]] = {"ideal (floor)": [], "all on, calibrated": []}
    for n in sizes:
        core = AwgrConvolver(n, mzm_length)
        curves["ideal (floor)"].append(core.fidelity(NonIdealities.ideal(seed)).enob)
        curves["all on, calibrated"].append(core.fidelity(NonIdealities.all_on(14, seed)).enob)
    return plot_enob_curve(sizes, curves, "N", "AWGR convolver: ENOB vs size")
