"""The photonic plant against closed forms, conservation and published numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from cosim.control.params import value
from cosim.control.plant import K_B, Q_E, PlantParams, RingBankPlant, add_drop_ring


@pytest.fixture(scope="module")
def p() -> PlantParams:
    return PlantParams.from_pdk(3)  # the ring: the circuit library's drawn cavity


def test_lossless_ring_conserves_power_and_drops_everything_on_resonance():
    phi = np.linspace(-math.pi, math.pi, 2001)
    through, drop = add_drop_ring(phi, 0.97, 0.97, 1.0)
    np.testing.assert_allclose(through + drop, 1.0, atol=1e-12)
    assert float(add_drop_ring(0.0, 0.97, 0.97, 1.0)[1]) == pytest.approx(1.0)


def test_lossy_ring_loses_power_only_near_resonance(p):
    phi = np.linspace(-math.pi, math.pi, 2001)
    through, drop = add_drop_ring(phi, p.r1, p.r2, p.a)
    assert np.all(through + drop <= 1.0 + 1e-12)
    assert through[0] + drop[0] > 0.999  # far off resonance


def test_numerical_linewidth_matches_the_closed_forms(p):
    peak = p.drop_peak
    half = brentq(lambda x: add_drop_ring(x, p.r1, p.r2, p.a)[1] - peak / 2, 0.0, 1.0)
    assert 2 * half == pytest.approx(p.fwhm_rad, rel=1e-9)
    x = p.r1 * p.r2 * p.a  # Bogaerts et al. 2012, small-loss approximation
    assert 2 * half == pytest.approx(2 * (1 - x) / math.sqrt(x), rel=0.01)


def test_plant_ring_reproduces_the_circuit_librarys_sax_model(p):
    """The plant's closed form with the drawn cavity's numbers against the SAX model:
    its simulated spectrum (FSR, loaded Q) and its drop response at a resonance and
    half a linewidth away (through the model's own heater-path-offset tuning)."""
    from components.rings import add_drop_cavity, heater_delta, spectrum_figures

    gap = value("ring.weight_bank_gap")
    cav = add_drop_cavity(value("ring.radius"), gap, value("strip.width"))
    figures = spectrum_figures(cav)
    assert p.fsr_pm == pytest.approx(figures["fsr_spectrum_nm"] * 1e3, rel=0.005)
    assert p.loaded_q == pytest.approx(figures["loaded_q"], rel=0.01)
    assert 5350 <= p.loaded_q <= 19300  # the cell's spec sheet
    wl = p.wavelength_um
    m = cav.order_near(wl)
    for detune_fwhm in (0.0, 0.5):
        lam = cav.resonance(m) + detune_fwhm * p.fwhm_pm * 1e-6
        sax_drop = abs(complex(cav.responses(lam)["drop"])) ** 2
        phi = 2 * math.pi * detune_fwhm * p.fwhm_rad / (2 * math.pi)
        assert float(add_drop_ring(phi, p.r1, p.r2, p.a)[1]) == pytest.approx(sax_drop, rel=0.01)
    # heater: the model's path offset per mW is the plant's phase per mW
    assert 2 * math.pi * float(heater_delta(1.0)) / wl == pytest.approx(p.rad_per_mw, rel=1e-6)


def test_thermal_shift_matches_a_dispersive_resonance_solve(p):
    """Solve n_eff(lambda, T) L = m lambda with the strip compact model (n_eff, n_g,
    second-order term): the resonance moves by lambda dn/dT / n_g per kelvin."""
    lam0, n0, ng = value("constants.wavelength"), value("strip.n_eff"), value("strip.n_g")
    c2, dndt, length = value("strip.n_eff_c2"), value("strip.dn_eff_dT"), p.circumference_um

    def n_eff(lam: float, dt: float) -> float:
        d = lam - lam0
        return n0 - (ng - n0) * d / lam0 + c2 * d * d + dndt * dt

    m = round(n0 * length / lam0)
    res = [brentq(lambda lam: n_eff(lam, dt) * length - m * lam, 1.5, 1.6) for dt in (0, 1)]
    shift_pm = (res[1] - res[0]) * 1e6
    assert p.pm_per_k == pytest.approx(shift_pm, rel=0.01)
    assert 60 < p.pm_per_k < 85  # Si microrings: ~0.07-0.08 nm/K


def test_first_order_heating_and_neighbour_crosstalk(p):
    plant = RingBankPlant(p, np.zeros(3))
    full = 2**p.dac_bits - 1
    plant.set_code(1, full, 0.0)
    own_ss = math.pi * p.p_max_mw / p.p_pi_mw  # pi per heater.p_pi
    tau = p.tau_us * 1e-6
    plant.advance(tau)
    np.testing.assert_allclose(plant.theta[1], own_ss * (1 - math.exp(-1)), rtol=1e-12)
    plant.advance(40 * tau)
    np.testing.assert_allclose(plant.theta, [p.crosstalk * own_ss, own_ss, p.crosstalk * own_ss])


def test_monitor_noise_matches_shot_thermal_rin_and_quantisation(p):
    """ADC readings are floor(mu + sigma Z) with mu the signal in LSB and sigma from
    2 q I B + 4 k T B / R + RIN: compare mean and spread with that exact distribution."""
    plant = RingBankPlant(p, np.zeros(3), seed=5)
    lsb = p.adc_full_scale_v / 2**p.adc_bits
    bw, r = p.bandwidth_mhz * 1e6, p.r_tia_kohm * 1e3
    for target_lsb in (1500.5, 140.98):  # mean near a code edge: both codes often seen
        optical = (target_lsb * lsb / r - p.dark_na * 1e-9) / (p.tap * p.responsivity_a_per_w)
        codes = np.array([plant.quantise(optical) for _ in range(40000)])
        i_sig = optical * p.tap * p.responsivity_a_per_w
        i = i_sig + p.dark_na * 1e-9
        var = 2 * Q_E * i * bw + 4 * K_B * p.temperature_k * bw / r
        var += i_sig**2 * 10 ** (p.rin_db_hz / 10) * bw
        mu, sigma = i * r / lsb, math.sqrt(var) * r / lsb
        k = np.arange(math.floor(mu) - 12, math.floor(mu) + 13)
        prob = norm.cdf((k + 1 - mu) / sigma) - norm.cdf((k - mu) / sigma)
        mean = float(np.sum(k * prob))
        std = math.sqrt(float(np.sum((k - mean) ** 2 * prob)))
        assert codes.mean() == pytest.approx(mean, abs=0.01)
        assert codes.std() == pytest.approx(std, rel=0.03)


def test_plant_rejects_bad_input(p):
    with pytest.raises(ValueError, match="phase0_rad"):
        RingBankPlant(p, np.zeros(2))
    plant = RingBankPlant(p, np.zeros(3))
    with pytest.raises(ValueError, match="channel"):
        plant.adc(4, 0.0)
    plant.advance(1e-6)
    with pytest.raises(ValueError, match="backwards"):
        plant.advance(0.5e-6)
