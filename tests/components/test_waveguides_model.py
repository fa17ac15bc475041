"""Strip-waveguide models against hand-computed propagation, the drawn bend, a lossless crossing."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sax

from components.registry import build
from components.waveguides import (
    eim_n_eff,
    euler_bend_model,
    layer_region,
    lossless_crossing_through,
    waveguide_straight_model,
    wg_crossing_model,
    wg_taper_model,
)
from pdk.params import value

LAMBDA0 = value("constants.wavelength")
T0 = value("constants.temperature")
N_EFF, N_G = value("strip.n_eff"), value("strip.n_g")
C2 = value("strip.n_eff_c2")
DN_DT = value("strip.dn_eff_dT")
LOSS = value("strip.loss")  # dB/cm
C_UM_PER_S = 299_792_458e6
DBU = 1e-3


def _n_by_hand(wl: np.ndarray, temperature: float) -> np.ndarray:
    dwl = wl - LAMBDA0
    return N_EFF + (N_EFF - N_G) / LAMBDA0 * dwl + C2 * dwl**2 + DN_DT * (temperature - T0)


def _s21(s: sax.SDict) -> np.ndarray:
    return np.asarray(s[("o1", "o2")])


def _length_from_loss(s21: np.ndarray) -> float:
    """Length (um) a strip of strip.loss must have to lose what ``s21`` loses."""
    return float(-10 * np.log10(np.abs(s21[..., 0]) ** 2) / (LOSS * 1e-4))


def test_straight_phase_and_loss_are_the_hand_formulas():
    wl = np.array([1.50, 1.5312, 1.55, 1.60])
    length, temperature = 123.4, 312.5
    s21 = _s21(waveguide_straight_model(length=length, wl=wl, temperature=temperature))
    phase = 2 * np.pi * _n_by_hand(wl, temperature) * length / wl
    assert np.abs(s21) ** 2 == pytest.approx(10 ** (-LOSS * length * 1e-4 / 10), rel=1e-12)
    np.testing.assert_allclose(s21, 10 ** (-LOSS * length * 1e-4 / 20) * np.exp(1j * phase), 1e-12)


def test_group_delay_from_the_phase_slope_is_ng_length_over_c():
    length = 2000.0
    omega0 = 2 * np.pi * C_UM_PER_S / LAMBDA0
    d_omega = omega0 * 1e-6
    omegas = omega0 + np.array([-d_omega, d_omega])
    s21 = _s21(waveguide_straight_model(length=length, wl=2 * np.pi * C_UM_PER_S / omegas))
    delay = np.angle(s21[1] / s21[0]) / (2 * d_omega)  # d phi / d omega, central difference
    assert delay == pytest.approx(N_G * length / C_UM_PER_S, rel=1e-9)


def test_thermo_optic_shift_is_dn_dt_times_the_length():
    length, dt = 500.0, 7.0
    hot = _s21(waveguide_straight_model(length=length, temperature=T0 + dt))
    cold = _s21(waveguide_straight_model(length=length))
    shift = np.angle(hot / cold)
    expected = 2 * np.pi * DN_DT * dt * length / LAMBDA0
    assert np.angle(np.exp(1j * (shift - expected))) == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize(("radius", "p"), [(10.0, 0.5), (5.0, 1.0), (23.0, 0.0)])
def test_bend_model_uses_the_drawn_path_length(radius, p):
    c = build("euler_bend", radius=radius, p=p)
    drawn = layer_region(c, "WG").area() * DBU**2 / value("strip.width")  # area / width
    s21 = _s21(euler_bend_model(radius=radius, p=p, wl=np.array([LAMBDA0])))
    assert _length_from_loss(s21) == pytest.approx(drawn, rel=2e-4)
    assert _length_from_loss(s21) == pytest.approx(c.info["length"], rel=1e-12)
    # and nothing else: the bend is a straight of that length
    straight = _s21(waveguide_straight_model(length=c.info["length"], wl=np.array([LAMBDA0])))
    np.testing.assert_allclose(s21, straight, rtol=0, atol=1e-14)


def test_bend_length_comes_from_the_netlist_when_given():
    # a layout netlist supplies info["length"]; the model must use it, not rebuild
    s_given = _s21(euler_bend_model(radius=10.0, length=30.0))
    np.testing.assert_allclose(s_given, _s21(waveguide_straight_model(length=30.0)), atol=1e-14)


def test_taper_of_constant_width_is_a_straight_and_widening_raises_the_index():
    same = _s21(wg_taper_model(length=20.0, width1=0.5, width2=0.5))
    np.testing.assert_allclose(same, _s21(waveguide_straight_model(length=20.0)), atol=1e-14)
    wide = build("wg_taper", length=20.0, width1=0.5, width2=1.0)
    offset = wide.info["n_eff_offset"]
    # a linear taper's mean index lies between its end indices (mean-value theorem)
    assert 0 < offset < eim_n_eff(1.0) - eim_n_eff(0.5)
    # effective-index method: confined below the slab index, above the cladding
    assert value("strip.n_cladding") < eim_n_eff(0.3) < eim_n_eff(4.0) < value("strip.n_eff_slab")


def test_crossing_ports_carry_the_pdk_loss_and_crosstalk():
    s = wg_crossing_model(wl=np.array([1.52, 1.58]))
    il, xt = value("crossing.insertion_loss"), value("crossing.crosstalk")
    np.testing.assert_allclose(-10 * np.log10(np.abs(s[("o1", "o3")]) ** 2), il, rtol=1e-12)
    np.testing.assert_allclose(10 * np.log10(np.abs(s[("o1", "o2")]) ** 2), xt, rtol=1e-12)
    np.testing.assert_allclose(10 * np.log10(np.abs(s[("o2", "o3")]) ** 2), xt, rtol=1e-12)


def test_lossless_crossing_through_solves_the_unitarity_quadratic():
    # |t|^2 + 2 X + |r|^2 = 1 with |r| = X / |t|  <=>  |t|^2 - |t| + X = 0
    x = 10 ** (-35 / 10)
    t = lossless_crossing_through(-35.0)
    assert t**2 + 2 * x + (x / t) ** 2 == pytest.approx(1.0, abs=1e-15)
    with pytest.raises(ValueError, match="insertion_loss_db"):
        wg_crossing_model(insertion_loss_db=0.0)  # would create power from crosstalk
    assert -20 * math.log10(t) < 0.003  # the floor is tiny: 0.0027 dB at -35 dB
