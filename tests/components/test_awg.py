"""AWG router against optics computed independently of the layout code.

The arm lengths are measured from the layout (instances walked port to port, star
coupler fan-outs from their polygon areas); the routing is checked with a phased-
array field sum over the drawn aperture positions, which knows nothing of the
design equations (R, m, dL) that placed them.
"""

from __future__ import annotations

import math

import klayout.db as kdb
import numpy as np
import pytest

from components.awg import (
    aperture_far_field_capture,
    arm_lengths,
    awg_design,
    awgr,
    star_coupler,
)
from components.specs import check, load_spec, measure
from pdk.params import value

LAMBDA = value("constants.wavelength")
N_EFF, N_G = value("strip.n_eff"), value("strip.n_g")
N_SLAB = value("strip.n_eff_slab")
W = value("strip.width")
SPACING = value("awg.channel_spacing")
DBU = 1e-3


def test_design_order_and_length_increment_by_hand():
    # 8 x 0.8 nm = 6.4 nm FSR: dL = lambda^2 / (n_g FSR) = 89.30 um, m = n_c dL / lambda
    # = 140.9 -> 141, dL = 141 lambda / n_c; cyclic: R = N d^2 n_s / lambda
    d = awg_design(8, SPACING)
    assert d.order == 141
    assert d.delta_length_um == pytest.approx(141 * LAMBDA / N_EFF, rel=1e-12)
    assert d.fsr_nm == pytest.approx(LAMBDA**2 / (N_G * d.delta_length_um) * 1e3, rel=1e-12)
    assert d.fsr_nm == pytest.approx(8 * SPACING, rel=1 / (2 * 141))
    assert d.radius_um == pytest.approx(8 * 2.0**2 * N_SLAB / LAMBDA, rel=1e-9)


def test_far_field_capture_matches_a_numerical_fourier_transform():
    width = 1.8
    k0 = 2 * math.pi / LAMBDA
    w_e = width + 2 / (k0 * math.sqrt(N_SLAB**2 - value("strip.n_cladding") ** 2))
    x = np.linspace(-w_e / 2, w_e / 2, 2001)
    theta = np.linspace(0, math.pi / 2, 3001)
    u = k0 * N_SLAB * np.sin(theta)
    spectrum = np.trapezoid(np.cos(math.pi * x / w_e)[None, :] * np.cos(np.outer(u, x)), x, axis=1)
    power = np.cumsum(spectrum**2 * np.cos(theta))
    for angle in (0.1, 0.3, 0.5):
        expected = np.interp(angle, theta, power / power[-1])
        assert aperture_far_field_capture(angle, width, LAMBDA) == pytest.approx(expected, abs=2e-3)


@pytest.mark.parametrize("kw", [{}, {"channels": 4}, {"channel_spacing": 1.6}])
def test_measured_arm_lengths_step_by_the_designed_increment(kw):
    c = awgr(**kw)
    lengths = arm_lengths(c)
    dl = c.info["delta_length_um"]
    assert len(lengths) == c.info["arms"]
    deviation = lengths - lengths[0] - dl * np.arange(len(lengths))
    assert np.max(np.abs(deviation)) <= 1.0e-3 + 1e-9  # 1 nm: the 1 nm grid, twice per arm


def test_star_coupler_fan_out_lengths_equal_the_drawn_polygon_sides():
    # a band drawn with mitred joins has sides of lengths L +- e per segment, so the
    # mean of its two side lengths is its centre-line length, and snapping a vertex to
    # the grid changes it only to second order
    sc = star_coupler()
    taper = value("awg.aperture_taper_length")
    idx = sc.kcl.layout.find_layer(1, 0)
    polys = sorted((s.polygon for s in sc.kdb_cell.shapes(idx).each()), key=lambda p: -p.area())
    apertures = polys[1:]  # the largest is the free propagation region
    n = sc.info["inputs"]
    for k, expected in enumerate(sc.info["array_path_lengths_um"]):
        port = np.array(sc.ports[f"o{n + 1 + k}"].center)
        inside = kdb.Point(round(port[0] / DBU), round(port[1] / DBU) - 100)
        (poly,) = [p for p in apertures if p.inside(inside)]
        pts = np.array([(q.x, q.y) for q in poly.each_point_hull()]) * DBU
        centre = np.array(sc.info["array_apertures_um"][k])
        faces = set(np.argsort(np.hypot(*(pts - centre).T))[:2].tolist())
        ends = set(np.argsort(np.hypot(*(pts - port).T))[:2].tolist())
        sides = []
        for start in faces:  # walk from each face corner to the port end, away from the face
            step = 1 if (start + 1) % len(pts) not in faces else -1
            chain, i = [start], start
            while i not in ends:
                i = (i + step) % len(pts)
                chain.append(i)
            seg = np.hypot(*np.diff(pts[chain], axis=0).T)
            sides.append(seg[1:].sum())  # the first edge is the taper side
        assert np.mean(sides) == pytest.approx(expected - taper, abs=1e-3)


def test_fsr_from_the_measured_increment_is_n_channel_spacings():
    c = awgr()
    dl = np.polyfit(np.arange(c.info["arms"]), arm_lengths(c), 1)[0]
    fsr = LAMBDA**2 / (N_G * dl) * 1e3
    assert fsr == pytest.approx(8 * SPACING, rel=1 / (2 * c.info["order"]))
    assert fsr == pytest.approx(8 * c.info["channel_spacing_nm"], rel=1e-6)


def _aperture_centres(c):
    """Global aperture centres of the (west, east) star couplers of an AWGR."""
    stars = sorted(
        (i for i in c.insts if "array_apertures_um" in i.cell.info), key=lambda i: i.dbbox().left
    )

    def place(inst, key):
        t = inst.dcplx_trans
        return np.array([((q := t * kdb.DPoint(*p)).x, q.y) for p in inst.cell.info[key]])

    return [(place(s, "io_apertures_um"), place(s, "array_apertures_um")) for s in stars]


@pytest.mark.parametrize("channels", [8, 4])
def test_field_sum_over_the_drawn_array_routes_the_cyclic_grid(channels):
    # T_pq(lambda) = |sum_k exp(i k0 [n_s (|Q_p A_k| + |A'_k Q'_q|) + n_c(lambda) L_k])|^2:
    # slab paths between the drawn aperture centres, measured arm lengths, n_c from
    # the strip's n_eff and n_g. Expect lambda_pq = lambda_0 + (p - q) d_lambda mod FSR.
    c = awgr(channels=channels)
    lengths = arm_lengths(c)
    (q1, a1), (q2, a2) = _aperture_centres(c)
    q2 = q2[np.argsort(q2[:, 0])]  # outputs west to east, as the ports o(N+1)..o(2N)
    fsr, dlam = c.info["fsr_nm"] * 1e-3, c.info["channel_spacing_nm"] * 1e-3
    lam = np.linspace(LAMBDA - fsr / 2, LAMBDA + fsr / 2, 3001)
    n_c = N_EFF + (N_EFF - N_G) * (lam - LAMBDA) / LAMBDA
    k0 = 2 * math.pi / lam
    for p in range(channels):
        d1 = np.hypot(*(a1 - q1[p]).T)
        for q in range(channels):
            d2 = np.hypot(*(a2 - q2[q]).T)
            phase = k0[:, None] * (N_SLAB * (d1 + d2)[None, :] + n_c[:, None] * lengths[None, :])
            t = np.abs(np.exp(1j * phase).sum(axis=1)) ** 2 / len(lengths) ** 2
            peak = lam[np.argmax(t)]
            offset = (peak - LAMBDA - (p - q) * dlam + fsr / 2) % fsr - fsr / 2
            assert abs(offset) < 0.03 * dlam, (p, q, offset / dlam)
            assert t.max() > 0.9  # the array focuses: nearly all of the sum is in phase


def test_too_large_fsr_and_too_many_ports_name_the_parameter():
    with pytest.raises(ValueError, match=r"channel_spacing=3\.2 nm with channels=8"):
        awgr(channel_spacing=3.2)
    with pytest.raises(ValueError, match=r"inputs=30"):
        star_coupler(inputs=30)


def test_spec_sheet_catches_a_router_with_the_wrong_fsr():
    wrong = awgr(channel_spacing=0.4)
    results = {q.name: q for q in check("x", measure("awgr", wrong), load_spec("awgr"))}
    assert not results["fsr_nm"].passed
    assert not results["channel_spacing_nm"].passed
    assert results["cyclic_mismatch"].passed  # still cyclic, just on another grid
