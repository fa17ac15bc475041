"""Strip-waveguide primitives: straight, Euler bend, linear taper, crossing.

All four are drawn by gdsfactory (paths, ``taper``, ``crossing``) on the process's
``strip`` cross-section (500 x 220 nm Si, TE0) and flattened into leaf cells, so a
circuit netlist stops at them and a compact model sits beside each one.

Layout quantities a model needs go into ``c.info`` in um: the drawn path length of
a bend, its minimum radius of curvature, the taper half-angle.

Compact models (SAX, registered under the cell's name) share one strip-waveguide
physics, :func:`strip_n_eff` and :func:`propagation`: the Chrostowski & Hochberg
compact dispersion model around 1550 nm, the thermo-optic shift and the
propagation loss, all from ``pdk/device_params.yaml``. Geometry (lengths) always
comes from the drawn cell, never from a model default.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any

import gdsfactory as gf
import jax.numpy as jnp
import klayout.db as kdb
import numpy as np
import sax
from scipy.optimize import brentq

from components.registry import Range, coerce_settings, register, register_model
from pdk.drc import IGNORE_ANGLE_DEG
from pdk.params import value
from pdk.rules import design_rules

_RULES = design_rules()
WAVELENGTH = value("constants.wavelength")
STRIP_WIDTH = value("strip.width")
MIN_RADIUS = value("strip.min_bend_radius")
N_SLAB = value("strip.n_eff_slab")
ROUTING_RADIUS = float(gf.get_cross_section("strip").radius)
WG_MIN_WIDTH = _RULES.min_width("WG")
WG_MIN_SPACE = _RULES.min_space("WG")
# the shortest strip segment that meets the WG width and area rules on its own
MIN_STRIP_LENGTH = max(WG_MIN_WIDTH, round(_RULES.layers["WG"].min_area / STRIP_WIDTH, 3))
# a taper's wide-end corner is 90 deg minus its half-angle and the DRC flags corners
# sharper than IGNORE_ANGLE_DEG (mask slivers): this bounds the half-angle
MAX_TAPER_HALF_ANGLE_DEG = 90.0 - IGNORE_ANGLE_DEG


# --- geometry helpers shared by the cell modules -------------------------------------


def leaf(component: gf.Component, target: gf.Component) -> gf.Component:
    """Place ``component`` in ``target``, copy its ports and info, flatten ``target``."""
    ref = target << component
    target.add_ports(ref.ports)
    target.info.update(component.info.model_dump())
    target.flatten()
    return target


def layer_region(component: gf.Component, layer: str) -> kdb.Region:
    """Merged, flattened shapes of ``layer`` (database units)."""
    idx = component.kcl.layout.find_layer(*tuple(gf.get_layer(layer)))
    if idx is None:
        return kdb.Region()
    region = kdb.Region(component.kdb_cell.begin_shapes_rec(idx))
    region.merge()
    return region


def _point_segment(p: kdb.Point, e: kdb.Edge) -> float:
    d = np.array([e.dx(), e.dy()], float)
    v = np.array([p.x - e.p1.x, p.y - e.p1.y], float)
    t = 0.0 if not d.any() else min(1.0, max(0.0, float(v @ d) / float(d @ d)))
    return float(np.hypot(*(v - t * d)))


def min_separation_um(a: kdb.Region, b: kdb.Region, search_um: float = 5.0) -> float:
    """Smallest edge-to-edge distance between regions ``a`` and ``b`` (um).

    KLayout's separation check finds the facing edge portions; the distance of each
    pair is taken segment to segment here, because ``EdgePair.distance`` reads 0 for
    the degenerate (point) edges the check returns at polygon corners.
    """
    dbu = gf.kcl.dbu
    pairs = a.separation_check(b, round(search_um / dbu), False, kdb.Metrics.Euclidian)
    best = math.inf
    for ep in pairs.each():
        e1, e2 = ep.first, ep.second
        for pt, edge in ((e1.p1, e2), (e1.p2, e2), (e2.p1, e1), (e2.p2, e1)):
            best = min(best, _point_segment(pt, edge))
    return best * dbu


def port_pitch_um(component: gf.Component, names: tuple[str, str]) -> float:
    """Centre-to-centre distance between two ports (um)."""
    p, q = (component.ports[n] for n in names)
    return float(np.hypot(p.x - q.x, p.y - q.y))


def optical_netlist(c: gf.Component) -> dict[str, Any]:
    """``c.get_netlist()`` as a SAX circuit needs it: optical ports and nets only, and each
    instance's ``info`` folded into its settings *under* them.

    Electrical ports and nets go (the compact models are optical). The drawn
    quantities in ``info`` (a bend's path length, a coupler's effective coupling
    length, ...) become settings, so models get them as plain numbers and a
    jitted circuit never rebuilds a cell. SAX itself merges ``info`` *over*
    ``settings`` (sax/saxtypes/netlist.py, ``val_instance``): an info key sharing a
    setting's name would silently replace it. Here the settings win. Both are
    taken from the instances' cells at full precision (``get_netlist`` rounds them
    to 1 nm / 3 decimals, e.g. a taper's index offset 0.17064 -> 0.171).
    """
    netlist = c.get_netlist()
    insts = {inst.name: inst for inst in c.insts}

    def optical(ref: str) -> bool:
        inst, port = ref.split(",")
        return insts[inst].ports[port].port_type == "optical"

    netlist["instances"] = {
        name: {
            "component": inst["component"],
            "settings": {
                **insts[name].cell.info.model_dump(),
                **insts[name].cell.settings.model_dump(),
            },
        }
        for name, inst in netlist["instances"].items()
    }
    netlist["ports"] = {k: v for k, v in netlist["ports"].items() if optical(v)}
    netlist["nets"] = [n for n in netlist["nets"] if optical(n["p1"]) and optical(n["p2"])]
    return netlist


# --- straight -------------------------------------------------------------------------


def _measure_straight(c: gf.Component) -> dict[str, float]:
    return {"length_um": port_pitch_um(c, ("o1", "o2"))}


@register(measure=_measure_straight)
@gf.cell
def waveguide_straight(
    length: Annotated[
        float,
        Range(
            MIN_STRIP_LENGTH,
            10000.0,
            "um",
            "shortest strip meeting the WG width/area rules; 1 cm = longest on-chip run",
            corners=(MIN_STRIP_LENGTH, 1000.0),
        ),
    ] = 10.0,
) -> gf.Component:
    """Straight strip waveguide ``length`` um long (500 x 220 nm Si).

    ::

        o1 ================ o2
           <--- length --->

    ``info["length"]``: optical path length (um).
    """
    c = gf.path.straight(length=length).extrude(gf.get_cross_section("strip"))
    c.info["length"] = float(length)
    c.add_route_info(cross_section=gf.get_cross_section("strip"), length=length)
    return c


# --- Euler bend -----------------------------------------------------------------------


def euler_length(radius: float, p: float, angle_deg: float = 90.0) -> float:
    """Path length (um) of a partial Euler bend whose minimum radius of curvature is ``radius``.

    Each clothoid end covers ``p * angle / 2`` with curvature rising linearly to
    ``1/radius``, so it is ``2 radius (p angle / 2)`` long; the circular middle is
    ``radius (1 - p) angle``. Total: ``radius * angle * (1 + p)``
    (Vogelbacher et al., Opt. Express 27:31394, 2019).
    """
    return radius * math.radians(angle_deg) * (1.0 + p)


def _measure_bend(c: gf.Component) -> dict[str, float]:
    return {
        "min_bend_radius_um": float(c.info["min_bend_radius"]),
        "path_length_um": float(c.info["length"]),
        "effective_radius_um": float(c.info["effective_radius"]),
    }


@register(measure=_measure_bend)
@gf.cell
def euler_bend(
    radius: Annotated[
        float,
        Range(
            MIN_RADIUS,
            100.0,
            "um",
            "minimum radius of curvature >= strip.min_bend_radius (radiation loss)",
            corners=(MIN_RADIUS, 50.0),
        ),
    ] = ROUTING_RADIUS,
    p: Annotated[
        float, Range(0.0, 1.0, "1", "fraction of the angle in clothoid sections; 0 = arc")
    ] = 0.5,
) -> gf.Component:
    """90 deg partial Euler bend (turning left) whose *minimum* radius of curvature is ``radius``.

    ``radius`` is the physical quantity bend loss depends on; the footprint is the
    larger effective radius ``info["effective_radius"]`` (um). The curvature rises
    linearly from 0 over the first ``p/2`` of the angle, so the mode is not
    mismatched at the straight-to-bend junction (Cherchi et al. 2013).

    ::

                 o2
                 |
                /
        o1 ___/     footprint: effective_radius x effective_radius (um)

    ``info``: ``length`` drawn path length (um), ``min_bend_radius`` (um),
    ``effective_radius`` (um), ``p``.
    """
    xs = gf.get_cross_section("strip")
    path = gf.path.euler(radius=radius, angle=90.0, p=p, use_eff=False)
    c = path.extrude(xs)
    length = float(np.round(path.length(), 4))
    r_min = float(np.round(path.info["Rmin"], 4))
    c.info["length"] = length
    c.info["min_bend_radius"] = r_min
    c.info["radius"] = float(radius)
    c.info["effective_radius"] = float(np.round(path.info["Reff"], 4))
    c.info["p"] = float(p)
    c.add_route_info(cross_section=xs, length=length, n_bend_90=1, min_bend_radius=r_min)
    return c


# --- taper ----------------------------------------------------------------------------


def adiabatic_half_angle(width: float) -> float:
    """Largest local half-angle (rad) of an adiabatic taper at ``width`` (um).

    Burns, Milton & Lee (Appl. Phys. Lett. 30:28, 1977): theta < lambda / (2 W n_eff).
    n_eff is bounded above by the slab index, so using it gives a conservative limit.
    """
    return WAVELENGTH / (2.0 * width * N_SLAB)


def _measure_taper(c: gf.Component) -> dict[str, float]:
    theta = math.radians(c.info["half_angle_deg"])
    w_max = max(c.info["width1"], c.info["width2"])
    return {
        "half_angle_deg": float(c.info["half_angle_deg"]),
        "adiabaticity": theta / adiabatic_half_angle(w_max),
        "length_um": port_pitch_um(c, ("o1", "o2")),
    }


TaperWidth = Annotated[
    float,
    Range(
        WG_MIN_WIDTH, 4.0, "um", "WG min width (inverse-taper tip) to 4 um (wide low-loss strip)"
    ),
]


@register(measure=_measure_taper)
@gf.cell
def wg_taper(
    length: Annotated[
        float, Range(2.0, 500.0, "um", "linear taper; >500 um is a spot-size converter")
    ] = value("mmi.access_taper_length"),
    width1: TaperWidth = STRIP_WIDTH,
    width2: TaperWidth = value("mmi.access_width"),
) -> gf.Component:
    """Linear strip taper from ``width1`` (o1) to ``width2`` (o2) over ``length`` (um).

    ::

                     ___---| o2  width2
        o1 width1 ==<      |
                     ---___|
           <---- length --->

    ``info``: ``length`` (um), ``width1``/``width2`` (um), ``half_angle_deg``; the
    spec checks the half-angle against the adiabatic limit lambda / (2 W n_eff).
    ``n_eff_offset``: length-averaged n_eff minus the strip's (:func:`taper_index_offset`).

    Raises:
        ValueError: the half-angle exceeds 10 deg (a sliver corner at the wide end,
            and far from adiabatic at any width).
    """
    half_angle = math.degrees(math.atan(abs(width2 - width1) / (2.0 * length)))
    if half_angle > MAX_TAPER_HALF_ANGLE_DEG:
        raise ValueError(
            f"wg_taper: {width1} -> {width2} um over length={length} um is a "
            f"{half_angle:.1f} deg half-angle > {MAX_TAPER_HALF_ANGLE_DEG:g} deg; lengthen it"
        )
    c = gf.Component()
    taper = gf.components.taper(
        length=length, width1=width1, width2=width2, cross_section="strip", with_bbox=False
    )
    leaf(taper, c)
    c.info["half_angle_deg"] = half_angle
    c.info["n_eff_offset"] = taper_index_offset(float(width1), float(width2))
    return c


# --- crossing -------------------------------------------------------------------------


def _measure_crossing(c: gf.Component) -> dict[str, float]:
    return {
        "span_x_um": port_pitch_um(c, ("o1", "o3")),
        "span_y_um": port_pitch_um(c, ("o2", "o4")),
    }


@register(measure=_measure_crossing)
@gf.cell
def wg_crossing() -> gf.Component:
    """Strip waveguide crossing: four tapered arms through an elliptical slab window.

    gdsfactory's crossing (after Bogaerts et al., Opt. Lett. 32:2801, 2007) on our
    layers: full-thickness tapered arms on WG, the elliptical window on SLAB90.
    Fixed, characterised geometry, so no parameters; ports are 8 um apart.

    ::

                o2
                |
        o1 ---- + ---- o3
                |
                o4
    """
    from gdsfactory.components.waveguides.crossing_waveguide import crossing_arm

    c = gf.Component()
    arm = crossing_arm(layer_slab="SLAB90", cross_section="strip")
    return leaf(gf.components.crossing(arm=arm), c)


# --- compact models: shared strip physics ---------------------------------------------

T_REF = value("constants.temperature")  # K
N_EFF = value("strip.n_eff")
N_G = value("strip.n_g")
N_EFF_C2 = value("strip.n_eff_c2")  # 1/um^2
DN_DLAMBDA = (N_EFF - N_G) / WAVELENGTH  # 1/um, from n_g = n_eff - lambda dn_eff/dlambda
DN_DT = value("strip.dn_eff_dT")  # 1/K
LOSS_DB_CM = value("strip.loss")  # dB/cm
N_CLAD = value("strip.n_cladding")


def cell_defaults(cell: Callable[..., gf.Component]) -> dict[str, Any]:
    """Default settings of ``cell``, read from its signature: a model's defaults are the cell's."""
    params = inspect.signature(cell).parameters.values()
    return {p.name: p.default for p in params if p.default is not p.empty}


def concrete(model: str, name: str, x: Any) -> float:
    """``x`` as one Python float: geometry settings select a drawn cell and cannot be traced."""
    try:
        return float(x)
    except Exception as err:  # a jax tracer, or an array of several values
        raise ValueError(
            f"{model}: {name}={x!r} sets the drawn geometry and must be one concrete number "
            "(jit or vmap over wl and physical inputs, not over geometry)"
        ) from err


def drawn_cell(cell: Callable[..., gf.Component], **settings: Any) -> gf.Component:
    """The cell as drawn with ``settings`` (checked against its ranges; gdsfactory caches it).

    Settings reach a model as numbers, strings or 0-d arrays (SAX turns netlist
    values into arrays); they are converted back to the cell's own types here.
    """
    name = cell.__name__
    kinds = {k: type(v) for k, v in cell_defaults(cell).items()}
    typed: dict[str, Any] = {}
    for key, val in settings.items():
        kind = kinds.get(key)
        if kind is bool:
            typed[key] = bool(concrete(name, key, val))
        elif kind in (int, float):
            typed[key] = kind(concrete(name, key, val))
        else:
            typed[key] = val
    return cell(**coerce_settings(name, typed))


def check_at_least(model: str, name: str, x: Any, minimum: float) -> None:
    """Refuse ``x < minimum`` by name (skipped while jax traces ``x``)."""
    try:
        bad = np.asarray(x) < minimum
    except Exception:  # traced: checked where the value is concrete
        return
    if np.any(bad):
        raise ValueError(f"{model}: {name}={x!r} is invalid; allowed: >= {minimum:g}")


def strip_n_eff(wl: sax.FloatArrayLike, temperature: sax.FloatArrayLike = T_REF) -> jnp.ndarray:
    """Effective index of the strip TE0 mode at wavelength ``wl`` (um) and ``temperature`` (K).

    n_eff(lambda, T) = n_eff + dn/dlambda (lambda - lambda0) + c2 (lambda - lambda0)^2
    + dn_eff/dT (T - T0), with dn/dlambda = (n_eff - n_g) / lambda0 so that the
    group index at lambda0 is n_g (Chrostowski & Hochberg, Silicon Photonics
    Design, 2015, sec. 3.1.4; thermo-optic coefficient: Komma et al., APL 101:041905, 2012).
    """
    dwl = jnp.asarray(wl, dtype=float) - WAVELENGTH
    dt = jnp.asarray(temperature, dtype=float) - T_REF
    return N_EFF + DN_DLAMBDA * dwl + N_EFF_C2 * dwl**2 + DN_DT * dt


def propagation(
    length: sax.FloatArrayLike,
    wl: sax.FloatArrayLike,
    temperature: sax.FloatArrayLike = T_REF,
    loss_db_per_cm: sax.FloatArrayLike = LOSS_DB_CM,
    dn: sax.FloatArrayLike = 0.0,
) -> jnp.ndarray:
    """Field transmission exp(i 2 pi (n_eff + dn) L / lambda) 10^(-loss L / 20) of ``length`` um.

    ``wl`` in um, ``temperature`` in K, ``loss_db_per_cm`` in dB/cm (power), ``dn`` an
    index offset from the strip's (e.g. a taper's width).
    """
    wl = jnp.asarray(wl, dtype=float)
    n = strip_n_eff(wl, temperature) + dn
    amplitude = 10.0 ** (-jnp.asarray(loss_db_per_cm) * 1e-4 * jnp.asarray(length) / 20.0)
    return amplitude * jnp.exp(2j * jnp.pi * n * length / wl)


def _two_port(t: jnp.ndarray) -> sax.SDict:
    return sax.reciprocal({("o1", "o2"): t})


# --- compact models: the cells ---------------------------------------------------------

_STRAIGHT = cell_defaults(waveguide_straight)


@register_model("waveguide_straight")
def waveguide_straight_model(
    *,
    length: float = _STRAIGHT["length"],
    wl: sax.FloatArrayLike = WAVELENGTH,
    temperature: sax.FloatArrayLike = T_REF,
    loss_db_per_cm: sax.FloatArrayLike = LOSS_DB_CM,
) -> sax.SDict:
    """Straight strip waveguide: dispersive, lossy, thermo-optic.

    Args:
        length: waveguide length (um); the cell draws exactly this.
        wl: wavelength (um), scalar or array.
        temperature: waveguide temperature (K).
        loss_db_per_cm: propagation loss (dB/cm), default ``strip.loss``.

    Returns:
        S21 = S12 = exp(i 2 pi n_eff(wl, T) L / wl) 10^(-loss L / 20); no reflection.
    """
    return _two_port(propagation(length, wl, temperature, loss_db_per_cm))


@cache
def _euler_length(radius: float, p: float) -> float:
    return float(drawn_cell(euler_bend, radius=radius, p=p).info["length"])


_BEND = cell_defaults(euler_bend)


@register_model("euler_bend")
def euler_bend_model(
    *,
    radius: float = _BEND["radius"],
    p: float = _BEND["p"],
    wl: sax.FloatArrayLike = WAVELENGTH,
    temperature: sax.FloatArrayLike = T_REF,
    loss_db_per_cm: sax.FloatArrayLike = LOSS_DB_CM,
    length: sax.FloatArrayLike | None = None,
) -> sax.SDict:
    """90 deg Euler bend: the straight-waveguide physics over the bend's *drawn* path length.

    The length is the cell's ``info["length"]``, never computed here: a layout
    netlist supplies it, otherwise the cell is built with ``radius`` (um) and ``p``
    and read. Radiation and mode-mismatch loss are neglected: both are below
    0.01 dB per 90 deg at radius >= strip.min_bend_radius (Cherchi et al. 2013).

    Args:
        radius: minimum radius of curvature (um).
        p: fraction of the angle in clothoid sections.
        wl: wavelength (um), scalar or array.
        temperature: waveguide temperature (K).
        loss_db_per_cm: propagation loss (dB/cm).
        length: drawn path length (um); None reads it from the drawn cell (then
            ``radius`` and ``p`` must be concrete numbers).
    """
    if length is None:
        name = "euler_bend"
        length = _euler_length(concrete(name, "radius", radius), concrete(name, "p", p))
    return _two_port(propagation(length, wl, temperature, loss_db_per_cm))


def eim_n_eff(width: float) -> float:
    """TE0 effective index (at lambda0) of a 220 nm strip ``width`` um wide, effective-index method.

    The vertical slab index (strip.n_eff_slab) becomes the core of a lateral slab in
    SiO2; the TE-like mode's field is normal to the side walls, so the lateral
    problem is the TM slab eigenvalue equation
    tan(k_x w / 2) = (n_slab / n_clad)^2 gamma / k_x (fundamental mode).
    The method overestimates n_eff of narrow strips (2.492 at 0.5 um vs the
    mode-solver 2.4449); :func:`taper_index_offset` uses only differences.
    """
    k0 = 2.0 * math.pi / WAVELENGTH
    n1, n2 = N_SLAB, N_CLAD

    def mismatch(n: float) -> float:
        kx = k0 * math.sqrt(n1**2 - n**2)
        gamma = k0 * math.sqrt(n**2 - n2**2)
        return math.tan(kx * width / 2.0) - (n1 / n2) ** 2 * gamma / kx

    lowest = math.sqrt(max(n2**2, n1**2 - (math.pi / (k0 * width)) ** 2))
    eps = 1e-12
    return brentq(mismatch, lowest + eps, n1 - eps, xtol=1e-14)


@cache
def taper_index_offset(width1: float, width2: float) -> float:
    """Length-averaged n_eff of a linear taper minus the strip's n_eff (at lambda0).

    <n_EIM(w(z))> over a linear width profile is the mean of n_EIM over
    [width1, width2] (16-point Gauss-Legendre); the offset to n_EIM(strip.width)
    corrects the effective-index method's bias, assumed width-independent.
    """
    if math.isclose(width1, width2):
        return eim_n_eff(width1) - eim_n_eff(STRIP_WIDTH)
    x, w = np.polynomial.legendre.leggauss(16)
    widths = 0.5 * (width1 + width2) + 0.5 * (width2 - width1) * x
    mean = 0.5 * float(np.sum(w * [eim_n_eff(float(wi)) for wi in widths]))
    return mean - eim_n_eff(STRIP_WIDTH)


_TAPER = cell_defaults(wg_taper)


@register_model("wg_taper")
def wg_taper_model(
    *,
    length: float = _TAPER["length"],
    width1: float = _TAPER["width1"],
    width2: float = _TAPER["width2"],
    wl: sax.FloatArrayLike = WAVELENGTH,
    temperature: sax.FloatArrayLike = T_REF,
    loss_db_per_cm: sax.FloatArrayLike = LOSS_DB_CM,
    n_eff_offset: sax.FloatArrayLike | None = None,
) -> sax.SDict:
    """Linear adiabatic taper: a straight of its drawn length with the length-averaged n_eff.

    n_eff(z) follows the width by the effective-index method
    (:func:`taper_index_offset`); dispersion, thermo-optic shift and loss are the
    strip's (wider guides are slightly less dispersive and lossy: conservative).
    Mode conversion is neglected: the spec sheet keeps the half-angle below the
    adiabatic limit. Phase exact to first order in the width change.

    Args:
        length: taper length (um).
        width1, width2: widths at o1 and o2 (um).
        wl: wavelength (um), scalar or array.
        temperature: waveguide temperature (K).
        loss_db_per_cm: propagation loss (dB/cm).
        n_eff_offset: the cell's ``info["n_eff_offset"]`` (a layout netlist supplies
            it); None reads it from the drawn cell (then the settings must be concrete).
    """
    if n_eff_offset is None:
        c = drawn_cell(wg_taper, length=length, width1=width1, width2=width2)
        n_eff_offset = c.info["n_eff_offset"]
    return _two_port(propagation(length, wl, temperature, loss_db_per_cm, dn=n_eff_offset))


CROSSING_IL_DB = value("crossing.insertion_loss")
CROSSING_XT_DB = value("crossing.crosstalk")


@cache
def _crossing_span() -> float:
    return port_pitch_um(wg_crossing(), ("o1", "o3"))


def lossless_crossing_through(crosstalk_db: float) -> float:
    """Through amplitude |t| of a lossless, reciprocal, fourfold-symmetric crossing.

    With side-port power X each, unitarity forces a reflection r with
    Re(r t*) = -X (the columns of o1 and o3 share both side ports), and the least
    such r = -X t / |t|^2 gives |t|^2 - |t| + X = 0: |t| = (1 + sqrt(1 - 4 X)) / 2.
    """
    x_power = 10.0 ** (crosstalk_db / 10.0)
    return 0.5 * (1.0 + math.sqrt(1.0 - 4.0 * x_power))


@register_model("wg_crossing")
def wg_crossing_model(
    *,
    wl: sax.FloatArrayLike = WAVELENGTH,
    temperature: sax.FloatArrayLike = T_REF,
    insertion_loss_db: float = CROSSING_IL_DB,
    crosstalk_db: float = CROSSING_XT_DB,
) -> sax.SDict:
    """Waveguide crossing: through loss, side-port crosstalk, the reflection passivity needs.

    Through t = 10^(-IL/20), each side port x = i sqrt(X) (X = 10^(crosstalk/10)),
    reflection r = -X / |t|, all times the strip phase over the drawn o1-o3 span
    (the slab window changes it by a constant, immaterial to interference). The
    reflection is the least that makes the four ports' columns orthogonal, since
    o1 and o3 share both side ports; the singular values are then the column norm
    |t| + X / |t| <= 1, i.e. |t| <= t0 of :func:`lossless_crossing_through`
    (equality: lossless). r is -70 dB at the defaults.

    Args:
        wl: wavelength (um), scalar or array.
        temperature: temperature (K).
        insertion_loss_db: through-port loss (dB), default crossing.insertion_loss;
            at least -20 log10(t0) (0.003 dB at -35 dB crosstalk), which is lossless.
        crosstalk_db: power into each side port (dB), default crossing.crosstalk.
    """
    t0 = lossless_crossing_through(concrete("wg_crossing", "crosstalk_db", crosstalk_db))
    min_il = -20.0 * math.log10(t0)
    check_at_least("wg_crossing", "insertion_loss_db", insertion_loss_db, min_il - 1e-12)
    t_amp = 10.0 ** (-jnp.asarray(insertion_loss_db) / 20.0)
    x_power = 10.0 ** (jnp.asarray(crosstalk_db) / 10.0)
    phase = propagation(_crossing_span(), wl, temperature, 0.0)
    t, x, r = t_amp * phase, 1j * jnp.sqrt(x_power) * phase, -x_power / t_amp * phase
    s = {("o1", "o3"): t, ("o2", "o4"): t}
    for port in ("o1", "o2", "o3", "o4"):
        s[(port, port)] = r
    for a, b in (("o1", "o2"), ("o1", "o4"), ("o3", "o2"), ("o3", "o4")):
        s[(a, b)] = x
    return sax.reciprocal(s)
