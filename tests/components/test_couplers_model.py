"""Coupler models against coupled-mode theory and the ideal self-image.

The directional coupler's coupling coefficient is *measured* from the model as the
slope of arcsin(sqrt(P_cross)) against the drawn straight length, which the
S-bends' (length-independent) share cannot affect, and compared with the closed
forms kappa = pi / (2 L_x) exp(-(gap - gap0) / decay) exp(D (lambda - lambda0)).
The library's gap decay is checked against its evanescent closed form
1 / (k0 sqrt(n_eff^2 - n_clad^2)) and against the exact even/odd supermodes of two
coupled slabs (the strip in the effective-index method), solved here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from components.couplers import directional_coupler_model, mmi_1x2_model, mmi_2x2_model
from components.registry import build
from components.specs import verify_cell
from pdk.params import value

L_X = value("directional_coupler.coupling_length_200nm")
GAP0 = value("directional_coupler.gap")
DECAY = value("directional_coupler.gap_decay")
DISPERSION = value("directional_coupler.coupling_dispersion")
LAMBDA0 = value("constants.wavelength")


def _cross_power(wl=LAMBDA0, **settings) -> float:
    s = directional_coupler_model(wl=wl, loss_db_per_cm=0.0, **settings)
    return float(np.abs(s[("o1", "o3")]) ** 2)


def _kappa(gap: float, lengths: tuple[float, float], wl: float = LAMBDA0) -> float:
    """d theta / d L from two drawn lengths, theta = arcsin(sqrt(P_cross)) < pi / 2."""
    theta = [math.asin(math.sqrt(_cross_power(wl, gap=gap, length=n))) for n in lengths]
    return (theta[1] - theta[0]) / (lengths[1] - lengths[0])


def _bend_share(gap: float = GAP0, length: float = 7.0) -> float:
    c = build("directional_coupler", gap=gap, length=length)
    return c.info["effective_coupling_length"] - length


def test_kappa_is_pi_over_twice_the_transfer_length_and_falls_exponentially_with_gap():
    k0 = _kappa(GAP0, (2.0, 6.0))
    assert k0 == pytest.approx(math.pi / (2 * L_X), rel=1e-9)
    k_wide = _kappa(0.3, (5.0, 25.0))  # theta = kappa (L + bends) stays below pi / 2
    assert k_wide / k0 == pytest.approx(math.exp(-(0.3 - GAP0) / DECAY), rel=1e-9)


def test_kappa_grows_with_wavelength_by_the_coupling_dispersion():
    ratio = _kappa(GAP0, (2.0, 6.0), wl=1.60) / _kappa(GAP0, (2.0, 6.0))
    assert ratio == pytest.approx(math.exp(DISPERSION * (1.60 - LAMBDA0)), rel=1e-9)


def test_bend_share_is_fixed_by_the_s_bends_and_bounded_by_arcs_of_their_radius():
    share = _bend_share()
    assert _bend_share(length=12.345) == pytest.approx(share, abs=1e-9)
    # arms of curvature <= 1/R separate no faster than two arcs: gap rise <= x^2 / R,
    # so each junction adds at least int_0^inf exp(-x^2 / (R decay)) dx
    r_min = build("directional_coupler").info["min_bend_radius"]
    assert share > math.sqrt(math.pi * r_min * DECAY)
    assert share < 2 * value("directional_coupler.bend_length")


def test_three_db_at_half_and_full_transfer_at_the_transfer_length():
    share = _bend_share()
    half = round(L_X / 2 - share, 3)  # the drawn straight is on the 1 nm grid
    full = round(L_X - share, 3)
    # 0.5 nm of grid rounding moves P by at most kappa * 0.5 nm at the 3 dB point
    assert _cross_power(length=half) == pytest.approx(0.5, abs=math.pi / (2 * L_X) * 5e-4)
    assert _cross_power(length=full) == pytest.approx(1.0, abs=1e-6)


def test_default_coupler_is_3db_with_its_bends_and_the_spec_catches_one_that_is_not():
    share = _bend_share()
    assert build("directional_coupler").settings.length == pytest.approx(round(L_X / 2 - share, 3))
    assert _cross_power() == pytest.approx(0.5, abs=math.pi / (2 * L_X) * 5e-4)
    assert verify_cell("directional_coupler").passed
    # L_x / 2 of straight ignores what the S-bends couple: sin^2(kappa (L_x / 2 + share)),
    # times the strip loss along one arm
    result = verify_cell("directional_coupler", {"length": L_X / 2})
    p = {q.name: q.value for q in result.quantities}["power_coupling"]
    arm = build("directional_coupler", length=L_X / 2).info["path_length"]
    loss = 10 ** (-value("strip.loss") * arm * 1e-4 / 10)
    expected = math.sin(math.pi / (2 * L_X) * (L_X / 2 + share)) ** 2 * loss
    assert p == pytest.approx(expected, rel=1e-9)
    assert {q.name for q in result.quantities if not q.passed} == {"power_coupling"}


def _supermode_index(gap: float, odd: bool) -> float:
    """Index of the even / odd TM supermode of two slabs (strip.n_eff_slab, 500 nm wide)
    ``gap`` um apart in SiO2: the lateral problem of two strips in the effective-index
    method. H = cosh / sinh (p x) in the gap, cos in the cores, exp(-p x) outside;
    H and H' / n^2 continuous: k w - atan(n1^2 Y / k) - atan((n1 / n2)^2 p / k) = 0,
    Y = (p / n2^2) tanh(p g / 2) (even) or coth (odd)."""
    n1, n2 = value("strip.n_eff_slab"), value("strip.n_cladding")
    k0, w = 2 * math.pi / LAMBDA0, value("strip.width")

    def mismatch(n: float) -> float:
        k, p = k0 * math.sqrt(n1**2 - n**2), k0 * math.sqrt(n**2 - n2**2)
        t = math.tanh(p * gap / 2)
        y = p / n2**2 * (1 / t if odd else t)
        return k * w - math.atan(n1**2 * y / k) - math.atan((n1 / n2) ** 2 * p / k)

    return brentq(mismatch, n2 + 1e-9, n1 - 1e-9, xtol=1e-15)


def test_gap_decay_is_the_evanescent_decay_of_the_strip_mode():
    n_eff, n_clad = value("strip.n_eff"), value("strip.n_cladding")
    gamma = 2 * math.pi / LAMBDA0 * math.sqrt(n_eff**2 - n_clad**2)  # 1/um
    assert 1 / gamma == pytest.approx(DECAY, rel=1e-3)
    # L_x doubles every ln2 * decay: 80-100 nm for 500 x 220 nm strips (C&H 2015, sec. 4.1)
    assert 0.080 < math.log(2) * DECAY < 0.100
    # exact supermode splitting of the two-slab guide, over the ring and coupler gaps:
    # its local decay sits within 7 % (the method's n_eff is 2 % high, so its field
    # decays ~3 % faster; the splitting's prefactor adds a few % at small gaps)
    split = {g: _supermode_index(g, False) - _supermode_index(g, True) for g in (0.2, 0.3, 0.4)}
    for g0, g1 in ((0.2, 0.3), (0.3, 0.4)):
        local = (g1 - g0) / math.log(split[g0] / split[g1])
        assert local == pytest.approx(DECAY, rel=0.07)


def test_mmi_2x2_is_the_ideal_3db_image_with_its_quadrature_phase():
    s = mmi_2x2_model(excess_loss_db=0.0, imbalance_db=0.0, wl=np.array([1.5, 1.6]))
    ideal = np.array([[1, 1j], [1j, 1]]) / math.sqrt(2)  # rows: o3, o4; columns: o2, o1
    got = np.array([[s[("o3", "o2")], s[("o3", "o1")]], [s[("o4", "o2")], s[("o4", "o1")]]])
    np.testing.assert_allclose(
        np.moveaxis(got, -1, 0), np.broadcast_to(ideal, (2, 2, 2)), atol=1e-15
    )


@pytest.mark.parametrize("model", [mmi_1x2_model, mmi_2x2_model])
def test_mmi_excess_loss_and_imbalance_are_the_pdk_numbers(model):
    s = model()
    out_a, out_b = (
        (("o1", "o2"), ("o1", "o3"))
        if model is mmi_1x2_model
        else (
            ("o1", "o4"),
            ("o1", "o3"),
        )
    )
    pa, pb = float(np.abs(s[out_a]) ** 2), float(np.abs(s[out_b]) ** 2)
    assert -10 * math.log10(pa + pb) == pytest.approx(value("mmi.excess_loss"), rel=1e-12)
    assert 10 * math.log10(pa / pb) == pytest.approx(value("mmi.imbalance"), rel=1e-12)


def test_mmi_off_its_self_imaging_length_is_refused_by_name():
    with pytest.raises(ValueError, match="length_mmi"):
        mmi_2x2_model(length_mmi=30.0)
    with pytest.raises(ValueError, match="excess_loss_db"):
        mmi_1x2_model(excess_loss_db=-0.1)
