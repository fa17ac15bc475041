"""Strip primitives against geometry computed by hand: areas, Euler length, curvature."""

from __future__ import annotations

import math

import numpy as np
import pytest

from components.registry import CellParameterError, build
from components.waveguides import layer_region
from pdk.params import value

W = value("strip.width")
DBU = 1e-3


def _area_um2(c, layer="WG") -> float:
    return layer_region(c, layer).area() * DBU**2


def _edge_chains(c) -> list[np.ndarray]:
    """The two long sides of a single-polygon waveguide, split at its port end faces."""
    (poly,) = list(layer_region(c, "WG").each())
    pts = np.array([(p.x, p.y) for p in poly.each_point_hull()], float) * DBU
    ends = [np.array(c.ports[n].center) for n in ("o1", "o2")]
    n = len(pts)
    cuts = []
    for i in range(n):
        mid = (pts[i] + pts[(i + 1) % n]) / 2
        if any(np.hypot(*(mid - e)) < 2e-3 for e in ends):
            cuts.append(i)
    assert len(cuts) == 2, cuts
    i, j = cuts
    return [pts[i + 1 : j + 1], np.roll(pts, -(j + 1), axis=0)[: n - (j - i)]]


def _middle_arc_radius(chain: np.ndarray, fraction: float = 0.25) -> float:
    """Least-squares circle radius through the middle ``fraction`` (by length) of a polyline."""
    s = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(chain, axis=0).T))])
    mid = chain[np.abs(s / s[-1] - 0.5) <= fraction / 2]
    x, y = mid.T
    (d, e, f), *_ = np.linalg.lstsq(np.c_[x, y, np.ones_like(x)], -(x**2 + y**2), rcond=None)
    return float(np.sqrt((d**2 + e**2) / 4 - f))


def test_straight_draws_length_times_width_and_ports_at_its_ends():
    c = build("waveguide_straight", length=37.5)
    assert _area_um2(c) == pytest.approx(37.5 * W, rel=1e-9)
    assert c.ports["o1"].center == pytest.approx((0, 0))
    assert c.ports["o2"].center == pytest.approx((37.5, 0))
    assert (c.ports["o1"].orientation, c.ports["o2"].orientation) == (180, 0)


@pytest.mark.parametrize(("radius", "p"), [(5.0, 0.5), (10.0, 0.2), (20.0, 1.0), (8.0, 0.0)])
def test_euler_bend_drawn_length_is_the_closed_form_euler_length(radius, p):
    # a constant-width band has area = width x centre-line length; partial Euler
    # bend: clothoids 2 R (p pi/4) each + arc R (1 - p) pi/2 = R (pi/2)(1 + p)
    c = build("euler_bend", radius=radius, p=p)
    closed_form = radius * math.pi / 2 * (1 + p)
    assert _area_um2(c) / W == pytest.approx(closed_form, rel=2e-3)
    assert c.info["length"] == pytest.approx(closed_form, rel=1e-4)


@pytest.mark.parametrize("radius", [5.0, 20.0])
def test_euler_bend_min_radius_of_curvature_measured_on_the_drawn_edges(radius):
    # p = 0.5: the middle third of the path (45 deg) is a circular arc of the minimum
    # radius; the drawn inner and outer edges there are circles of radii R -+ w/2
    c = build("euler_bend", radius=radius, p=0.5)
    inner, outer = sorted(_middle_arc_radius(ch) for ch in _edge_chains(c))
    assert inner + W / 2 == pytest.approx(radius, rel=2e-3)
    assert outer - W / 2 == pytest.approx(radius, rel=2e-3)
    assert c.info["min_bend_radius"] == pytest.approx(radius)


def test_euler_bend_ports_turn_left_by_90_degrees_at_the_effective_radius():
    c = build("euler_bend", radius=10.0, p=0.5)
    r_eff = c.info["effective_radius"]
    assert r_eff > 10.0  # the clothoid ends widen the footprint beyond the min radius
    assert c.ports["o2"].center == pytest.approx((r_eff, r_eff), abs=1e-3)
    assert c.ports["o2"].orientation == 90


def test_bend_tighter_than_the_pdk_minimum_is_refused():
    with pytest.raises(CellParameterError, match="radius"):
        build("euler_bend", radius=value("strip.min_bend_radius") - 0.5)


def test_taper_is_the_trapezoid_between_its_widths():
    c = build("wg_taper", length=20.0, width1=0.5, width2=2.0)
    assert _area_um2(c) == pytest.approx(20.0 * (0.5 + 2.0) / 2, rel=1e-6)
    assert c.ports["o1"].width == pytest.approx(0.5)
    assert c.ports["o2"].width == pytest.approx(2.0)
    assert c.info["half_angle_deg"] == pytest.approx(math.degrees(math.atan(0.75 / 20.0)))


def test_abrupt_taper_is_refused_with_the_offending_geometry():
    with pytest.raises(ValueError, match="half-angle"):
        build("wg_taper", length=2.0, width1=0.5, width2=4.0)
    with pytest.raises(CellParameterError, match="width2"):
        build("wg_taper", width2=0.1)


def test_crossing_is_fourfold_symmetric_with_ports_on_the_axes():
    import klayout.db as kdb

    c = build("wg_crossing")
    expected = {"o1": (-4, 0, 180), "o2": (0, 4, 90), "o3": (4, 0, 0), "o4": (0, -4, 270)}
    for name, (x, y, angle) in expected.items():
        p = c.ports[name]
        assert (*p.center, p.orientation % 360) == pytest.approx((x, y, angle)), name
    for layer in ("WG", "SLAB90"):
        region = layer_region(c, layer)
        rotated = region.transformed(kdb.Trans(kdb.Trans.R90))
        assert not region.is_empty()
        assert (region ^ rotated).area() < 1e-4 * region.area(), layer
