"""Phase-shifter model: phase vs power through P_pi, drawn optical length, thermal crosstalk."""

from __future__ import annotations

import math

import numpy as np
import pytest

from components.heaters import (
    CONTACT_CLEARANCE,
    THERMAL_DECAY_LENGTH,
    heater_phases,
    heater_powers,
    thermal_crosstalk,
    thermo_optic_phase_shifter_model,
)
from components.waveguides import waveguide_straight_model
from pdk.layer_stack import THICKNESS
from pdk.params import value

P_PI = value("heater.p_pi")
LAMBDA0 = value("constants.wavelength")
LOSS = value("strip.loss")


def _s21(**kw) -> np.ndarray:
    return np.asarray(thermo_optic_phase_shifter_model(**kw)[("o1", "o2")])


def test_phase_is_pi_power_over_p_pi_and_scales_as_one_over_wavelength():
    powers = np.array([0.0, 5.5, P_PI, 2 * P_PI * 0.9])
    shift = np.angle(_s21(power=powers) / _s21(power=0.0))
    expected = np.pi * powers / P_PI
    np.testing.assert_allclose(np.angle(np.exp(1j * (shift - expected))), 0, atol=1e-12)
    # the heater sets a temperature; its phase 2 pi dn/dT dT L / lambda falls as 1/lambda
    at_160 = np.angle(_s21(power=P_PI, wl=1.60) / _s21(power=0.0, wl=1.60))
    assert at_160 == pytest.approx(math.pi * LAMBDA0 / 1.60, abs=1e-12)


@pytest.mark.parametrize("length", [320.0, 100.0])
def test_optical_length_is_the_drawn_port_to_port_length(length):
    # heated length + (taper + contact + clearance) of run-on waveguide at each end
    run_on = value("heater.taper_length") + value("heater.contact_size") + CONTACT_CLEARANCE
    optical = length + 2 * run_on
    s21 = _s21(length=length)
    assert np.abs(s21) ** 2 == pytest.approx(10 ** (-LOSS * optical * 1e-4 / 10), rel=1e-9)
    straight = np.asarray(waveguide_straight_model(length=optical)[("o1", "o2")])
    assert s21 == pytest.approx(straight, abs=1e-9)


def test_negative_power_is_refused_by_name():
    with pytest.raises(ValueError, match="power"):
        _s21(power=-1.0)


def test_crosstalk_is_the_pdk_coefficient_at_10um_and_exponential_in_distance():
    c10 = value("heater.crosstalk_10um")
    assert float(thermal_crosstalk(value("heater.crosstalk_distance"))) == pytest.approx(c10)
    assert float(thermal_crosstalk(20.0)) == pytest.approx(c10**2, rel=1e-12)
    assert float(thermal_crosstalk(0.0)) == 1.0
    # lowest thermal mode of the oxide slab between an isothermal substrate and an
    # adiabatic top decays as exp(-pi d / (2 H)): the quoted point agrees within 30 %
    oxide = THICKNESS["box"] + THICKNESS["clad"]
    decay_length = THERMAL_DECAY_LENGTH
    assert decay_length == pytest.approx(2 * oxide / math.pi, rel=0.3)


def test_heater_array_phases_include_neighbours_and_powers_undo_them():
    positions = np.array([0.0, 10.0, 20.0, 127.0])
    powers = np.array([P_PI, 0.0, 0.0, 0.0])
    phases = np.asarray(heater_phases(powers, positions))
    c10 = value("heater.crosstalk_10um")
    np.testing.assert_allclose(phases[:3], np.pi * np.array([1.0, c10, c10**2]), rtol=1e-12)
    target = np.array([0.4, 2.9, 1.3, 3.0])
    solved = np.asarray(heater_powers(target, positions))
    np.testing.assert_allclose(np.asarray(heater_phases(solved, positions)), target, atol=1e-12)
    naive = target * P_PI / np.pi  # ignoring crosstalk misses by c10 x the neighbours' phase
    error = np.asarray(heater_phases(naive, positions)) - target
    assert error[0] == pytest.approx(c10 * 2.9 + c10**2 * 1.3, rel=1e-6)
    # 2-D centres: two heaters one arm apart vertically and one MZI apart horizontally
    grid = np.array([[0.0, 0.0], [0.0, 10.0], [500.0, 0.0]])
    np.testing.assert_allclose(
        np.asarray(heater_phases(np.array([0.0, P_PI, 0.0]), grid)),
        [np.pi * c10, np.pi, np.pi * float(thermal_crosstalk(math.hypot(500, 10)))],
        rtol=1e-12,
    )
