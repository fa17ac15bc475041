"""Couplers: drawn gap and port positions by hand; MMI design formula against exact modes."""

from __future__ import annotations

import math

import klayout.db as kdb
import numpy as np
import pytest
from scipy.optimize import brentq

from components.couplers import mmi_beat_length, mmi_effective_width
from components.registry import MEASURES, CellParameterError, build
from components.waveguides import layer_region
from pdk.params import value

DBU = 1e-3
W = value("strip.width")
LAMBDA = value("constants.wavelength")
N_SLAB = value("strip.n_eff_slab")
N_CLAD = value("strip.n_cladding")


def _y_intervals_at(c, x_um: float) -> list[tuple[float, float]]:
    """WG intervals (um) cut by the vertical line x = x_um."""
    region = layer_region(c, "WG")
    box = region.bbox()
    x = round(x_um / DBU)
    cut = region & kdb.Region(kdb.Box(x, box.bottom, x + 1, box.top))
    return sorted((p.bbox().bottom * DBU, p.bbox().top * DBU) for p in cut.each())


@pytest.mark.parametrize("gap", [0.15, 0.2, 0.35])
def test_dc_gap_between_drawn_waveguides_is_the_gap_parameter(gap):
    c = build("directional_coupler", gap=gap, length=10.0)
    # the coupling section starts at x = 0; cut it in the middle
    (b0, b1), (t0, t1) = _y_intervals_at(c, 5.0)
    assert t0 - b1 == pytest.approx(gap, abs=DBU)
    assert (b1 - b0, t1 - t0) == pytest.approx((W, W), abs=DBU)
    assert MEASURES["directional_coupler"](c)["gap_um"] == pytest.approx(gap, abs=DBU)


def test_dc_ports_sit_at_the_pitch_and_bend_length_asked_for():
    c = build("directional_coupler", length=12.0, port_pitch=6.0, bend_length=15.0)
    o1, o2, o3, o4 = (c.ports[n] for n in ("o1", "o2", "o3", "o4"))
    assert o2.y - o1.y == pytest.approx(6.0, abs=DBU)
    assert o3.y - o4.y == pytest.approx(6.0, abs=DBU)
    assert o4.x - o1.x == pytest.approx(2 * 15.0 + 12.0, abs=DBU)
    assert (o1.orientation, o2.orientation, o3.orientation, o4.orientation) == (180, 180, 0, 0)


def test_dc_with_too_tight_s_bends_is_refused():
    with pytest.raises(ValueError, match=r"strip\.min_bend_radius"):
        build("directional_coupler", port_pitch=10.0, bend_length=8.0)
    with pytest.raises(CellParameterError, match="gap"):
        build("directional_coupler", gap=0.1)


def _slab_mode_index(width: float, order: int) -> float:
    """Exact TE mode index of a symmetric slab (n_slab core, n_clad sides), ``width`` um.

    Solves tan(kx W / 2 - order pi / 2) = gamma / kx for the transverse wavenumber kx.
    """
    k = 2 * math.pi / LAMBDA
    v = k * math.sqrt(N_SLAB**2 - N_CLAD**2)

    def f(kx):
        return math.tan(kx * width / 2 - order * math.pi / 2) - math.sqrt(v**2 - kx**2) / kx

    lo = order * math.pi / width + 1e-9
    hi = min((order + 1) * math.pi / width, v) - 1e-9
    kx = brentq(f, lo, hi)
    return math.sqrt(N_SLAB**2 - (kx / k) ** 2)


@pytest.mark.parametrize("width", [2.5, 3.6, 6.0])
def test_mmi_beat_length_formula_matches_the_exact_two_mode_beat(width):
    # L_pi = pi / (beta0 - beta1) from the guided modes themselves (Soldano 1995's
    # W_e approximation is good to ~1 % for these widths)
    exact = LAMBDA / (2 * (_slab_mode_index(width, 0) - _slab_mode_index(width, 1)))
    assert mmi_beat_length(width) == pytest.approx(exact, rel=0.02)


def test_mmi_1x2_outputs_at_quarter_effective_width_and_length_three_eighths_beat():
    c = build("mmi_1x2")
    width = value("mmi.width_1x2")
    # TE lateral penetration: W_e = W + lambda / (pi sqrt(n_r^2 - n_c^2)) = W + 0.2010 um
    assert mmi_effective_width(width) - width == pytest.approx(0.2010, abs=2e-4)
    offset = mmi_effective_width(width) / 4
    body_end = c.info["length_mmi"] + value("mmi.access_taper_length")
    assert c.ports["o2"].center == pytest.approx((body_end, offset), abs=DBU)
    assert c.ports["o3"].center == pytest.approx((body_end, -offset), abs=DBU)
    assert c.ports["o1"].center == pytest.approx((-value("mmi.access_taper_length"), 0))
    assert c.info["design_length"] == pytest.approx(3 * mmi_beat_length(width) / 8)
    assert MEASURES["mmi_1x2"](c)["output_pitch_um"] == pytest.approx(2 * offset, abs=DBU)


def test_mmi_2x2_ports_at_sixth_effective_width_and_taper_gap_is_legal():
    width = 4.2
    c = build("mmi_2x2", width_mmi=width)
    offset = mmi_effective_width(width) / 6
    ys = sorted(c.ports[n].y for n in ("o1", "o2"))
    assert ys == pytest.approx([-offset, offset], abs=DBU)
    assert sorted(c.ports[n].y for n in ("o3", "o4")) == pytest.approx(ys)
    # drawn access tapers at the body: two WG intervals separated by >= WG min space
    (_, b1), (t0, _) = _y_intervals_at(c, -0.05)
    assert t0 - b1 == pytest.approx(2 * offset - value("mmi.access_width"), abs=2 * DBU)
    # the MMI body itself is width_mmi wide
    (body,) = _y_intervals_at(c, c.info["length_mmi"] / 2)
    assert body[1] - body[0] == pytest.approx(width, abs=DBU)


def test_mmi_too_narrow_for_legal_access_gap_is_refused():
    with pytest.raises(CellParameterError, match="width_mmi"):
        build("mmi_2x2", width_mmi=3.0)
    np.testing.assert_array_less(
        0.15, MEASURES["mmi_2x2"](build("mmi_2x2", width_mmi=3.3))["access_gap_um"]
    )
