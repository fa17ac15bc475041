"""Strip-waveguide primitives: straight, Euler bend, linear taper, crossing.

All four are drawn by gdsfactory (paths, ``taper``, ``crossing``) on the process's
``strip`` cross-section (500 x 220 nm Si, TE0) and flattened into leaf cells, so a
circuit netlist stops at them and a compact model can sit beside each one.

Layout quantities a model needs go into ``c.info`` in um: the drawn path length of
a bend, its minimum radius of curvature, the taper half-angle.
"""

from __future__ import annotations

import math
from typing import Annotated

import gdsfactory as gf
import klayout.db as kdb
import numpy as np

from components.registry import Range, register
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
