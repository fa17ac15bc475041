"""Grating couplers against hand-evaluated optics: slab modes, Bragg period, focusing ellipses."""

from __future__ import annotations

import math

import klayout.db as kdb
import numpy as np
import pytest
from scipy.optimize import brentq

from components.grating_couplers import grating_coupler_array_127, grating_coupler_focusing_te
from components.specs import check, load_spec, measure
from components.waveguides import layer_region
from pdk.layer_stack import THICKNESS
from pdk.params import value

DBU = 1e-3
LAMBDA = value("grating_coupler.peak_wavelength")
N_CLAD = value("strip.n_cladding")
N_SI = 3.476  # crystalline Si at 1550 nm, 293 K (Li, J. Phys. Chem. Ref. Data 9:561, 1980)


def _slab_te0(thickness: float) -> float:
    """TE0 index of a symmetric Si slab in SiO2: tan(kx d / 2) = gamma / kx."""
    k0 = 2 * math.pi / LAMBDA

    def mismatch(n: float) -> float:
        kx, gamma = k0 * math.sqrt(N_SI**2 - n**2), k0 * math.sqrt(n**2 - N_CLAD**2)
        return math.tan(kx * thickness / 2) - gamma / kx

    lowest = math.sqrt(max(N_CLAD**2, N_SI**2 - (math.pi / (k0 * thickness)) ** 2))
    return brentq(mismatch, lowest + 1e-9, N_SI - 1e-9)


def _teeth_on_axis(c) -> np.ndarray:
    """(start, end) in um of the WG spans cut by the line y = 0, taper excluded."""
    box = c.kdb_cell.bbox()
    cut = layer_region(c, "WG") & kdb.Region(kdb.Box(box.left, -1, box.right, 1))
    spans = sorted((p.bbox().left * DBU, p.bbox().right * DBU) for p in cut.each())
    return np.array([s for s in spans if s[0] > 0])


def test_slab_indices_in_the_library_solve_the_slab_dispersion_relation():
    assert _slab_te0(THICKNESS["core"]) == pytest.approx(value("strip.n_eff_slab"), abs=2e-3)
    assert _slab_te0(THICKNESS["slab"]) == pytest.approx(
        value("grating_coupler.n_eff_etched"), abs=2e-3
    )


def test_default_period_is_the_bragg_period_evaluated_by_hand():
    ff, theta = value("grating_coupler.fill_factor"), value("grating_coupler.fiber_angle")
    n_grating = ff * value("strip.n_eff_slab") + (1 - ff) * value("grating_coupler.n_eff_etched")
    bragg = LAMBDA / (n_grating - N_CLAD * math.sin(math.radians(theta)))  # 0.6299 um
    c = grating_coupler_focusing_te()
    teeth = _teeth_on_axis(c)
    period = np.polyfit(np.arange(len(teeth)), teeth.mean(axis=1), 1)[0]
    assert len(teeth) == 30
    assert period == pytest.approx(value("grating_coupler.period"), abs=1e-4)
    assert abs(period - bragg) < 1e-3  # within 1 nm of the Bragg condition
    assert np.mean(teeth[:, 1] - teeth[:, 0]) / period == pytest.approx(ff, abs=3e-3)


@pytest.mark.parametrize("fiber_angle", [8.0, 15.0])
def test_every_tooth_edge_is_a_confocal_phase_front(fiber_angle):
    # phase matching between the cylindrical wave from the focus (the port) and the
    # tilted fibre: n r - n_clad sin(theta) x = p lambda, p = const along each edge
    period, ff, taper = 0.65, 0.6, 16.6
    c = grating_coupler_focusing_te(
        period=period, fill_factor=ff, fiber_angle=fiber_angle, taper_length=taper
    )
    s = N_CLAD * math.sin(math.radians(fiber_angle))
    n = LAMBDA / period + s  # index that puts consecutive fronts one period apart
    p0 = taper / period
    edges = np.array([[p0 + j + 1 - ff, p0 + j + 1] for j in range(30)]).ravel()
    idx = c.kcl.layout.find_layer(1, 0)
    teeth = [sh.polygon for sh in c.kdb_cell.shapes(idx).each() if sh.polygon.bbox().left > 0]
    assert len(teeth) == 30
    for poly in teeth:
        xy = np.array([(p.x, p.y) for p in poly.each_point_hull()]) * DBU
        q = (n * np.hypot(*xy.T) - s * xy[:, 0]) / LAMBDA
        assert np.min(np.abs(q[:, None] - edges[None, :]), axis=1).max() < 3e-3


def test_ports_waveguide_at_the_focus_fibre_over_the_grating():
    c = grating_coupler_focusing_te()
    assert c.ports["o1"].center == pytest.approx((0, 0))
    assert c.ports["o1"].orientation == 180
    assert c.ports["o2"].port_type == "vertical_te"
    assert c.ports["o2"].center[0] == pytest.approx(16.6 + 30 * 0.63 / 2, abs=1e-3)


def test_too_narrow_trench_names_the_fill_factor():
    with pytest.raises(ValueError, match=r"fill_factor=0\.75 with period=0\.58"):
        grating_coupler_focusing_te(period=0.58, fill_factor=0.75)


def test_spec_sheet_catches_a_grating_off_the_bragg_period():
    detuned = grating_coupler_focusing_te(period=0.66)
    results = {
        q.name: q
        for q in check(
            "x",
            measure("grating_coupler_focusing_te", detuned),
            load_spec("grating_coupler_focusing_te"),
        )
    }
    assert not results["period_error_nm"].passed
    assert results["period_error_nm"].value > 20  # 30 nm long
    assert results["fill_factor"].passed


@pytest.mark.parametrize(("n", "loopback"), [(8, False), (4, True)])
def test_array_ports_sit_exactly_on_the_127_um_pitch(n, loopback):
    c = grating_coupler_array_127(n=n, with_loopback=loopback)
    fibres = sorted(p.center[0] for p in c.ports if p.port_type == "vertical_te")
    guides = sorted(p.center[0] for p in c.ports if p.port_type == "optical")
    assert len(fibres) == n + 2 * loopback
    assert len(guides) == n
    assert np.diff(fibres) == pytest.approx([127.0] * (len(fibres) - 1), abs=1e-9)
    assert np.diff(guides) == pytest.approx([127.0] * (n - 1), abs=1e-9)


def test_loopback_joins_the_two_outer_couplers_in_one_waveguide():
    c = grating_coupler_array_127(n=3, with_loopback=True)
    fibres = sorted((p for p in c.ports if p.port_type == "vertical_te"), key=lambda p: p.center[0])
    # the outer couplers' waveguide ports are not exposed: they feed the loop; their
    # tapers and the loop merge into one polygon, which no signal coupler touches
    ends = [kdb.Point(round(p.center[0] / DBU), 18_000) for p in (fibres[0], fibres[-1])]
    inner = [kdb.Point(round(p.center[0] / DBU), 18_000) for p in fibres[1:-1]]
    (loop,) = [poly for poly in layer_region(c, "WG").each() if all(poly.inside(e) for e in ends)]
    assert not any(loop.inside(p) for p in inner)
