"""Machinery shared by the WDM cores (MZI weight bank, AWGR sliding convolver).

* Routing with the library's own cells: gdsfactory's routers place ``waveguide_straight``
  and ``euler_bend`` (each with a compact model), every placed instance gets an
  explicit name, so the netlist extracted from the layout names devices the way the
  programming layer addresses them.
* The detector plane: photodiodes absorb (their optical S-matrix is zero), so for the
  circuit simulation each detector instance is cut out of the layout netlist and the
  waveguide that fed it becomes an external port ``<instance>__<port>``; detected power
  is |S|^2 there (:func:`detector_netlist`).
* Walking the layout netlist (:class:`Wiring`): from a device port through the
  waveguides of a route to the next device, summing the drawn lengths. The structured
  evaluators read their path lengths from the very netlist SAX simulates.
* Heaters: DAC quantisation of the drive voltage, thermal crosstalk between drawn
  heater positions and its inversion for dual-heater MZIs (:func:`dual_heater_drive`).
* Fabrication: a seeded, spatially correlated Gaussian field of width and thickness
  deviations sampled at drawn device positions (:func:`index_deviation`), after
  Lu et al., Opt. Express 25:9712 (2017).
* Plots shared by the cores (realised vs target heat maps, ENOB per non-ideality).
"""

from __future__ import annotations

import inspect
import json
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from functools import cache
from typing import Any

import gdsfactory as gf
import jax
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import sax

from circuits.core import NonIdealities
from components import MODELS
from components.awg import (
    CROSSTALK_ADJACENT_DB,
    CROSSTALK_NONADJACENT_DB,
    INSERTION_LOSS_DB,
    awgr,
    awgr_field_sum,
    crosstalk_mixer,
    router_layout,
)
from components.heaters import P_PI, thermal_crosstalk_matrix
from components.waveguides import (
    DN_DT,
    N_G,
    ROUTING_RADIUS,
    T_REF,
    cell_defaults,
    euler_bend,
    optical_netlist,
    waveguide_straight,
)
from pdk.params import value

WAVEGUIDES = ("waveguide_straight", "euler_bend")
DETECTORS = ("ge_photodetector", "balanced_photodetector")
HEATER_MAX_POWER = value("heater.max_power")  # mW
WIDTH_SIGMA = value("fabrication.width_sigma")  # nm
THICKNESS_SIGMA = value("fabrication.thickness_sigma")  # nm
CORRELATION_LENGTH = value("fabrication.correlation_length")  # um
DN_DW = value("strip.dn_eff_dw")  # 1/nm
DN_DH = value("strip.dn_eff_dh")  # 1/nm
MMI_IMBALANCE_SIGMA = value("mmi.imbalance")  # dB, spread of a 3 dB splitter's ratio


# --- routing ---------------------------------------------------------------------------


def route_straight(length: float, cross_section: Any = None, **_: Any) -> gf.Component:
    """The library straight, as gdsfactory's routers ask for it."""
    return waveguide_straight(length=round(float(length), 3))


def route_bend(
    cross_section: Any = None, radius: float | None = None, width: Any = None, **_: Any
) -> gf.Component:
    """The library Euler bend (routing radius), as gdsfactory's routers ask for it."""
    return euler_bend(radius=float(radius or ROUTING_RADIUS))


@cache
def bend_size() -> float:
    """Footprint (um) of one 90 deg routing bend: how far it moves a route each way."""
    b = euler_bend(radius=ROUTING_RADIUS)
    return float(abs(b.ports["o2"].x - b.ports["o1"].x))


def route(
    c: gf.Component,
    port1: gf.Port,
    port2: gf.Port,
    name: str,
    steps: Sequence[Mapping[str, float]] | None = None,
) -> list[str]:
    """Manhattan strip route ``port1`` -> ``port2`` of library cells, instances named
    ``<name>_<k>`` in order. Raises if gdsfactory cannot place it."""
    r = gf.routing.route_single(
        c,
        port1,
        port2,
        cross_section="strip",
        straight=route_straight,
        bend=route_bend,
        steps=list(steps) if steps else None,
        on_error="error",
        auto_taper=False,
    )
    names = []
    for k, inst in enumerate(r.instances):
        inst.name = f"{name}_{k}"
        names.append(inst.name)
    return names


def place(c: gf.Component, cell: gf.Component, name: str) -> gf.ComponentReference:
    """Add ``cell`` to ``c`` as an instance called ``name``."""
    ref = c << cell
    ref.name = name
    return ref


# --- the layout netlist -----------------------------------------------------------------


def detector_netlist(c: gf.Component, detectors: Iterable[str] = DETECTORS) -> dict[str, Any]:
    """Optical netlist of ``c`` with every detector replaced by the plane it detects on.

    Each detector instance is removed; the net that fed its port ``p`` becomes the
    external port ``"<instance>__<p>"`` on the other end. Electrical ports and nets are
    dropped (:func:`components.waveguides.optical_netlist`).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Unconnected ports")
        net = optical_netlist(c)
    kinds = set(detectors)
    gone = {n for n, inst in net["instances"].items() if inst["component"] in kinds}
    nets, ports = [], dict(net["ports"])
    for link in net["nets"]:
        a, b = link["p1"], link["p2"]
        ia, ib = a.split(",")[0], b.split(",")[0]
        if ia in gone and ib in gone:
            raise ValueError(f"{c.name}: detector port {a} is wired straight into {b}")
        if ia in gone or ib in gone:
            det, other = (a, b) if ia in gone else (b, a)
            ports[det.replace(",", "__")] = other
        else:
            nets.append(link)
    instances = {n: inst for n, inst in net["instances"].items() if n not in gone}
    for name, ref in ports.items():
        if ref.split(",")[0] in gone:
            raise ValueError(f"{c.name}: port {name} sits on a detector")
    placements = {n: p for n, p in net.get("placements", {}).items() if n not in gone}
    return {"instances": instances, "nets": nets, "ports": ports, "placements": placements}


@dataclass(frozen=True)
class Hop:
    """Waveguide between two device ports: drawn length (um) and where it ends.

    ``end`` is ``"<instance>,<port>"`` of the next device, or the name of an external
    port of the netlist (a core port or a detector plane).
    """

    length: float
    end: str
    instances: tuple[str, ...]


class Wiring:
    """Port-to-port connectivity of a (detector) netlist, for walking routes."""

    def __init__(self, netlist: Mapping[str, Any]) -> None:
        self.netlist = netlist
        self.instances = netlist["instances"]
        self._peer: dict[str, str] = {}
        for link in netlist["nets"]:
            self._peer[link["p1"]] = link["p2"]
            self._peer[link["p2"]] = link["p1"]
        self._external = {ref: name for name, ref in netlist["ports"].items()}

    def component(self, instance: str) -> str:
        return self.instances[instance]["component"]

    def settings(self, instance: str) -> dict[str, Any]:
        return self.instances[instance]["settings"]

    def follow(self, start: str) -> Hop:
        """Walk from device port ``start`` (``"inst,port"``) through straights and bends."""
        total, here, path = 0.0, start, []
        while True:
            if here in self._external and here != start:
                return Hop(total, self._external[here], tuple(path))
            nxt = self._peer.get(here)
            if nxt is None:
                if here in self._external:
                    return Hop(total, self._external[here], tuple(path))
                raise ValueError(f"route from {start} ends open at {here}")
            inst, port = nxt.split(",")
            if self.component(inst) not in WAVEGUIDES:
                return Hop(total, nxt, tuple(path))
            total += float(self.settings(inst)["length"])
            path.append(inst)
            (other,) = [p for p in ("o1", "o2") if p != port]
            here = f"{inst},{other}"

    def enter(self, port: str) -> Hop:
        """Walk from the external port ``port`` into the circuit to the first device."""
        ref = self.netlist["ports"][port]
        inst, p = ref.split(",")
        if self.component(inst) not in WAVEGUIDES:
            return Hop(0.0, ref, ())
        (other,) = [q for q in ("o1", "o2") if q != p]
        hop = self.follow(f"{inst},{other}")
        length = float(self.settings(inst)["length"]) + hop.length
        return Hop(length, hop.end, (inst, *hop.instances))

    def external(self, ref: str) -> str | None:
        """Name of the external port at ``"inst,port"``, if any."""
        return self._external.get(ref)


def _geometry_keys(component: str) -> set[str]:
    """The cell parameters of ``component`` (its drawn geometry)."""
    from components.registry import CELLS
    from components.waveguides import cell_defaults

    return set(cell_defaults(CELLS[component])) if component in CELLS else set()


def bind_geometry(netlist: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(netlist, models) for a jit-compiled SAX circuit.

    Models select their drawn cell from concrete geometry settings (components.waveguides
    .concrete); under ``jax.jit`` every setting SAX forwards becomes a tracer. So for each
    component whose instances all share one geometry, that geometry is bound into its
    model (``functools.partial``) and removed from the instances' settings; geometry
    that differs between instances (a straight's length) stays a setting and must be
    used numerically by its model. This binding also fixes a KLU trap: the backend
    reads every model's sparsity from a call WITHOUT arguments (sax/backends/klu.py,
    ``analyze_instances_klu``), and the ``awgr`` model's ports follow ``channels``.
    """
    models = dict(MODELS)
    by_component: dict[str, list[dict[str, Any]]] = {}
    for inst in netlist["instances"].values():
        by_component.setdefault(inst["component"], []).append(inst["settings"])
    shared: dict[str, set[str]] = {}
    for comp, settings in by_component.items():
        model = MODELS[comp]
        accepted = set(inspect.signature(model).parameters)
        keys = _geometry_keys(comp) & accepted
        first = {k: settings[0][k] for k in keys if k in settings[0]}
        same = {k for k, v in first.items() if all(s.get(k) == v for s in settings[1:])}
        if set(model()) != set(model(**first)) and same != set(first):
            raise ValueError(f"instances of {comp} differ in a geometry that sets its ports")
        shared[comp] = same
        if same:
            models[comp] = _bound(model, {k: first[k] for k in same})
    instances = {
        name: {
            **inst,
            "settings": {
                k: v for k, v in inst["settings"].items() if k not in shared[inst["component"]]
            },
        }
        for name, inst in netlist["instances"].items()
    }
    return {**netlist, "instances": instances}, models


def _bound(model: Callable[..., Any], geometry: dict[str, Any]) -> Callable[..., Any]:
    """``model`` with ``geometry`` fixed and hidden from its signature: SAX then neither
    offers those settings nor forwards them (as tracers, under jit)."""

    def bound(**settings: Any) -> Any:
        return model(**geometry, **settings)

    sig = inspect.signature(model)
    bound.__signature__ = sig.replace(  # type: ignore[attr-defined]
        parameters=[p for n, p in sig.parameters.items() if n not in geometry]
    )
    bound.__name__ = getattr(model, "__name__", "model")
    return bound


@cache
def _circuit(netlist_json: str, jit: bool) -> Callable[..., sax.SDict]:
    netlist, models = bind_geometry(json.loads(netlist_json))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore")
        circuit, _ = sax.circuit(netlist, models=models, backend="klu")
    return jax.jit(circuit) if jit else circuit


def sax_circuit(netlist: Mapping[str, Any], jit: bool = False) -> Callable[..., sax.SDict]:
    """SAX circuit (KLU backend: the reference) of a layout netlist, cached by content,
    geometry bound (:func:`bind_geometry`). ``jit=True`` compiles the whole circuit (slow
    to compile, fast per call: what a benchmark should time); eager evaluation compiles
    op by op and is quicker for a few calls."""
    return _circuit(json.dumps(netlist, sort_keys=True, default=float), jit)


# --- heaters ----------------------------------------------------------------------------


def quantise_power(power_mw: Any, resistance_ohm: float, bits: int | None) -> np.ndarray:
    """Heater power (mW) after a ``bits``-bit voltage DAC spanning 0..V(heater.max_power).

    The DAC sets the voltage, P = V^2 / R: codes are uniform in V, so the power step
    grows with the power. ``bits=None`` returns the power unchanged.
    """
    p = np.asarray(power_mw, dtype=float)
    if np.any(p < 0) or np.any(p > HEATER_MAX_POWER * (1 + 1e-12)):
        bad = p[(p < 0) | (p > HEATER_MAX_POWER * (1 + 1e-12))].ravel()[0]
        raise ValueError(
            f"heater power {bad:.4g} mW is invalid; allowed: 0..{HEATER_MAX_POWER:g} mW "
            "(heater.max_power)"
        )
    if bits is None:
        return p
    if not isinstance(bits, int | np.integer) or bits < 1:
        raise ValueError(f"dac_bits must be a positive integer or None, got {bits!r}")
    v_fs = np.sqrt(HEATER_MAX_POWER * 1e-3 * resistance_ohm)
    step = v_fs / (2**bits - 1)
    v = np.round(np.sqrt(p * 1e-3 * resistance_ohm) / step) * step
    return v**2 / resistance_ohm * 1e3


def dual_heater_drive(
    theta: Any, crosstalk: np.ndarray | None, scale: Any = 1.0, iterations: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    """Heater powers (mW) of K dual-heater MZIs that set arm phase differences ``theta``.

    Heaters only heat: theta (rad at lambda0, wrapped to (-pi, pi]) goes to the top
    heater when positive, to the bottom one when negative. ``crosstalk`` is the
    (2K x 2K) phase-crosstalk matrix C of the heaters (rows/columns: K top heaters, then
    K bottom ones; :func:`components.heaters.thermal_crosstalk_matrix`); with it the
    active heaters' powers solve (C_top - C_bottom)[:, active] u = theta exactly,
    flipping an MZI to its other heater if its power would have to be negative.
    ``scale`` multiplies the phases first (lambda / lambda0 for a channel at lambda).
    Returns (P_top, P_bottom), each (K,).
    """
    th = np.pi - np.mod(np.pi - np.asarray(theta, dtype=float) * scale, 2 * np.pi)
    k = th.shape[0]
    top = th >= 0
    if crosstalk is None:
        u = np.abs(th)
    else:
        c = np.asarray(crosstalk, dtype=float)
        if c.shape != (2 * k, 2 * k):
            raise ValueError(f"crosstalk must be ({2 * k}, {2 * k}), got {c.shape}")
        diff = c[:k] - c[k:]  # phase difference per unit own phase of every heater
        for _ in range(iterations):
            active = np.where(top, np.arange(k), k + np.arange(k))
            u = np.linalg.solve(diff[:, active], th)
            if np.all(u >= -1e-12):
                break
            top = np.where(u < 0, ~top, top)
        else:
            raise RuntimeError("thermal crosstalk too strong to drive every MZI with one heater")
        u = np.maximum(u, 0.0)
    p = u * P_PI / np.pi
    return np.where(top, p, 0.0), np.where(top, 0.0, p)


def heater_crosstalk(positions_um: np.ndarray) -> np.ndarray:
    """Thermal phase-crosstalk matrix between heaters at drawn centre points (um)."""
    return np.asarray(thermal_crosstalk_matrix(np.asarray(positions_um, dtype=float)))


# --- fabrication ------------------------------------------------------------------------


def index_deviation(positions_um: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Effective-index deviation of the strip at drawn points (um), one die's sample.

    Width and thickness deviations are independent Gaussian fields with standard
    deviations fabrication.width_sigma / thickness_sigma and the Gaussian correlation
    exp(-d^2 / (2 xi^2)), xi = fabrication.correlation_length (Lu et al., Opt. Express
    25:9712, 2017); dn = dn_eff/dw dw + dn_eff/dh dh (strip.dn_eff_dw / dn_eff_dh).
    Devices close together share most of their deviation; what differs between them
    grows as their distance over xi.
    """
    pos = np.asarray(positions_um, dtype=float).reshape(-1, 2)
    d2 = np.sum((pos[:, None, :] - pos[None, :, :]) ** 2, axis=-1)
    corr = np.exp(-d2 / (2 * CORRELATION_LENGTH**2)) + 1e-12 * np.eye(len(pos))
    # eigh, not cholesky: the correlation of nearby points is numerically rank deficient
    w, v = np.linalg.eigh(corr)
    root = v * np.sqrt(np.clip(w, 0.0, None))
    width = WIDTH_SIGMA * root @ rng.standard_normal(len(pos))
    thickness = THICKNESS_SIGMA * root @ rng.standard_normal(len(pos))
    return DN_DW * width + DN_DH * thickness


def mmi_imbalances(n: int, rng: np.random.Generator) -> np.ndarray:
    """Power imbalance (dB) of ``n`` 3 dB splitters, Gaussian with sigma mmi.imbalance."""
    return MMI_IMBALANCE_SIGMA * rng.standard_normal(n)


# --- non-idealities one at a time, plots ------------------------------------------------

SWITCHES = (
    "propagation_loss",
    "excess_loss",
    "coupler_imbalance",
    "dac_bits",
    "thermal_crosstalk",
    "fabrication",
)


def single_nonidealities(
    dac_bits: int = 8, seed: int = 0, calibration: bool = False
) -> dict[str, NonIdealities]:
    """One NonIdealities per switch, that switch alone on (dac_bits at ``dac_bits``)."""
    names = [f.name for f in fields(NonIdealities)]
    assert set(SWITCHES) <= set(names)
    base = NonIdealities.ideal(seed=seed)
    out = {}
    for s in SWITCHES:
        on: Any = dac_bits if s == "dac_bits" else True
        out[s] = replace(base, **{s: on, "calibration": calibration})
    return out


def plot_heatmaps(realised: np.ndarray, target: np.ndarray, title: str) -> plt.Figure:
    """Target, realised and their difference side by side (shared colour scale)."""
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), constrained_layout=True)
    lim = float(max(np.max(np.abs(target)), np.max(np.abs(realised)), 1e-12))
    err = realised - target
    elim = float(max(np.max(np.abs(err)), 1e-15))
    for ax, data, name, vmax, cmap in (
        (axes[0], target, "target", lim, "RdBu_r"),
        (axes[1], realised, "realised", lim, "RdBu_r"),
        (axes[2], err, "realised - target", elim, "PuOr_r"),
    ):
        im = ax.imshow(data, cmap=cmap, vmin=-vmax, vmax=vmax)
        ax.set_title(name)
        ax.set_xlabel("input j")
        ax.set_ylabel("output i")
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.suptitle(title)
    return fig


def plot_enob_bars(enobs: Mapping[str, Mapping[str, float]], title: str) -> plt.Figure:
    """ENOB per non-ideality (bars), one bar group per case (e.g. raw / calibrated)."""
    cases = list(enobs)
    names = list(next(iter(enobs.values())))
    x = np.arange(len(names))
    width = 0.8 / max(1, len(cases))
    fig, ax = plt.subplots(figsize=(8, 3.6), constrained_layout=True)
    for k, case in enumerate(cases):
        vals = [min(float(enobs[case][n]), 30.0) for n in names]
        ax.bar(x + k * width, vals, width, label=case)
    ax.set_xticks(x + width * (len(cases) - 1) / 2, names, rotation=20)
    ax.set_ylabel("ENOB (bits, capped at 30)")
    ax.set_title(title)
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    return fig


def plot_enob_curve(
    xs: Sequence[float], enobs: Mapping[str, Sequence[float]], xlabel: str, title: str
) -> plt.Figure:
    """ENOB against one swept quantity, one line per case."""
    fig, ax = plt.subplots(figsize=(5.5, 3.6), constrained_layout=True)
    for case, ys in enobs.items():
        ax.plot(xs, np.minimum(np.asarray(ys, float), 30.0), "o-", label=case)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("ENOB (bits)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


# --- the AWGR as the cores use it -------------------------------------------------------


def _router(channels: int) -> Any:
    """The drawn router's layout data (components.awg.RouterLayout), default spacing/pitch."""
    d = cell_defaults(awgr)
    return router_layout(channels, d["channel_spacing"], d["aperture_pitch"])


def router_grid(channels: int) -> np.ndarray:
    """The comb (um): lambda_0 + k d_lambda, k = 0..N-1, on the drawn router's own grid
    (lambda_0 a passband centre, d_lambda = FSR / N measured from its layout)."""
    lay = _router(channels)
    return lay.wavelength + np.arange(channels) * lay.spacing


@cache
def _intrinsic_loss(channels: int, adjacent_db: float, nonadjacent_db: float) -> float:
    """The loss (dB) the drawn router has by itself at its centre channel, with these
    crosstalk floors: the least its model accepts (components.awg.awgr_transmission
    normalises the insertion loss to that channel)."""
    lay = _router(channels)
    with jax.ensure_compile_time_eval():  # constants, also when called under jit
        mixer = np.asarray(crosstalk_mixer(channels, adjacent_db, nonadjacent_db))
        field = np.asarray(awgr_field_sum(lay, lay.wavelength))
    mid = (channels - 1) // 2
    return float(-20.0 * np.log10(abs((field @ mixer.T)[mid, mid])))


def router_settings(
    channels: int, nonideal: NonIdealities, index_shift: float = 0.0, tuning_k: float = 0.0
) -> dict[str, float]:
    """awgr model settings for a NonIdealities case.

    * insertion loss: awg.insertion_loss with ``excess_loss``, otherwise the drawn
      router's own loss (the least the model accepts);
    * crosstalk floors (awg.crosstalk_*): with ``fabrication`` (Si AWG crosstalk comes
      from phase errors of the fabricated array, components.awg), else none;
    * temperature: T0 + ``tuning_k`` (an alignment set-point) + the fabrication index
      shift ``index_shift`` as the equivalent temperature (dn / strip.dn_eff_dT).
    """
    adj, non = (
        (CROSSTALK_ADJACENT_DB, CROSSTALK_NONADJACENT_DB)
        if nonideal.fabrication
        else (-np.inf, -np.inf)
    )
    intrinsic = _intrinsic_loss(channels, adj, non)
    il = max(INSERTION_LOSS_DB, intrinsic) if nonideal.excess_loss else intrinsic
    return {
        "insertion_loss_db": float(il),
        "crosstalk_adjacent_db": float(adj),
        "crosstalk_nonadjacent_db": float(non),
        "temperature": float(T_REF + tuning_k + index_shift / DN_DT),
    }


def router_alignment_k(channels: int, index_shift: float) -> float:
    """Temperature set-point offset (K) that puts a router whose index is off by
    ``index_shift`` back on its comb: cancels the shift modulo one FSR, the smallest way.

    The channels move by lambda dn / n_g; one FSR of shift maps the comb onto itself
    (cyclic routing), so the set-point only undoes the shift modulo FSR (|offset| <=
    half an FSR, ~23 K for the 4-channel 100 GHz router).
    """
    lay = _router(channels)
    k_per_fsr = lay.fsr * N_G / (lay.wavelength * DN_DT)  # K that move the comb one FSR
    shift_k = index_shift / DN_DT
    return float(-shift_k + k_per_fsr * np.round(shift_k / k_per_fsr))


# --- Newton on row-separable targets ---------------------------------------------------


@cache
def _newton_parts(residual: Callable[..., Any]) -> tuple[Callable[..., Any], Callable[..., Any]]:
    import jax.numpy as jnp

    def jac(x: Any, *args: Any) -> Any:
        eye = jnp.eye(x.shape[1], dtype=x.dtype)

        def column(t: Any) -> Any:
            return jax.jvp(lambda y: residual(y, *args), (x,), (jnp.broadcast_to(t, x.shape),))[1]

        return jnp.moveaxis(jax.vmap(column)(eye), 0, -1)  # (M, N_out, N_in)

    return jax.jit(residual), jax.jit(jac)


def solve_rows(
    residual: Callable[..., Any],
    x0: np.ndarray,
    *args: Any,
    tol: float = 1e-13,
    iterations: int = 40,
) -> np.ndarray:
    """Damped Newton (Levenberg-Marquardt) for residual(x, *args) = 0, x and the residual
    of shape (M, N), row i of the residual depending on row i of x only.

    The Jacobian's N x N row blocks come from N forward-mode derivatives (one unit tangent
    per column, applied to every row at once): N evaluations per step whatever M is.
    ``residual`` should be a module-level function (its jitted forms are cached on it).
    """
    res, jac = _newton_parts(residual)
    n = x0.shape[1]
    x = np.asarray(x0, dtype=float).copy()
    r = np.asarray(res(x, *args))
    mu = 1e-9
    for _ in range(iterations):
        if np.max(np.abs(r)) <= tol:
            break
        j = np.asarray(jac(x, *args))
        jt = np.swapaxes(j, 1, 2)
        a = jt @ j
        g = (jt @ r[..., None])[..., 0]
        diag = np.einsum("mii->mi", a).max(axis=1)[:, None, None]
        while True:
            step = np.linalg.solve(a + mu * diag * np.eye(n), g[..., None])[..., 0]
            trial = x - step
            r_new = np.asarray(res(trial, *args))
            if np.sum(r_new**2) <= np.sum(r**2) or mu > 1e6:
                break
            mu *= 10.0
        if np.sum(r_new**2) > np.sum(r**2):
            break  # no descent left: the best least-squares point is reached
        x, r = trial, r_new
        mu = max(mu / 10.0, 1e-12)
    return x
