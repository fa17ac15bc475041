"""MZI model (the SAX circuit of its own layout netlist) against the analytic MZI transfer.

The reference arms are traced through the layout (``arm_lengths``) and carry the
strip phase and loss computed by hand, so the comparison checks the netlist, the
port wiring and every sub-model at once.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest

from components.couplers import directional_coupler, directional_coupler_model
from components.mzi import (
    MZI_PORTS,
    SPLITTERS,
    arm_lengths,
    heater_powers_for_theta,
    mzi_2x2_heater,
    mzi_2x2_heater_model,
    mzi_circuit,
    mzi_ideal_transfer,
)
from components.registry import MEASURES, build
from components.specs import check, load_spec, measure, verify_cell
from pdk.params import value

LAMBDA0 = value("constants.wavelength")
T0 = value("constants.temperature")
N_EFF, N_G, C2 = value("strip.n_eff"), value("strip.n_g"), value("strip.n_eff_c2")
DN_DT = value("strip.dn_eff_dT")
LOSS = value("strip.loss")
P_PI = value("heater.p_pi")
IDEAL = {"excess_loss_db": 0.0, "imbalance_db": 0.0}


def _arm(length: float, wl: np.ndarray, temperature: float, loss: float) -> np.ndarray:
    dwl = wl - LAMBDA0
    n = N_EFF + (N_EFF - N_G) / LAMBDA0 * dwl + C2 * dwl**2 + DN_DT * (temperature - T0)
    return 10 ** (-loss * length * 1e-4 / 20) * np.exp(2j * np.pi * n * length / wl)


@pytest.mark.parametrize(
    ("settings", "loss"), [({"delta_length": 50.0}, LOSS), ({"vertical_length": 5.0}, 0.0)]
)
def test_circuit_of_the_layout_equals_the_analytic_mzi(settings, loss):
    wl = np.linspace(1.50, 1.60, 7)
    power, temperature = 7.3, 305.0
    top_len, bot_len = arm_lengths(build("mzi_2x2_heater", **settings))
    top = _arm(top_len, wl, temperature, loss) * np.exp(1j * np.pi * power / P_PI * LAMBDA0 / wl)
    bot = _arm(bot_len, wl, temperature, loss)
    # DC50 in, arms, DC50 out: o1 -> o3 = i (top + bot) / 2, o1 -> o4 = (bot - top) / 2
    s = mzi_2x2_heater_model(
        **settings, wl=wl, temperature=temperature, power_top=power, loss_db_per_cm=loss, **IDEAL
    )
    np.testing.assert_allclose(np.abs(s[("o1", "o3")]) ** 2, np.abs(top + bot) ** 2 / 4, atol=1e-9)
    np.testing.assert_allclose(np.abs(s[("o1", "o4")]) ** 2, np.abs(bot - top) ** 2 / 4, atol=1e-9)
    if loss == 0.0:  # lossless: cos^2 / sin^2 of half the arm phase difference
        dphi = np.angle(top / bot)
        np.testing.assert_allclose(np.abs(s[("o1", "o3")]) ** 2, np.cos(dphi / 2) ** 2, atol=1e-9)
        np.testing.assert_allclose(np.abs(s[("o2", "o3")]) ** 2, np.sin(dphi / 2) ** 2, atol=1e-9)


def test_p_pi_on_the_heater_switches_cross_to_bar():
    kw = {"loss_db_per_cm": 0.0, **IDEAL}
    off = mzi_2x2_heater_model(power_top=0.0, **kw)
    on = mzi_2x2_heater_model(power_top=P_PI, **kw)
    assert float(np.abs(off[("o1", "o3")]) ** 2) == pytest.approx(1.0, abs=1e-9)  # cross
    assert float(np.abs(on[("o1", "o4")]) ** 2) == pytest.approx(1.0, abs=1e-9)  # bar


@pytest.mark.parametrize(("theta", "both"), [(1.234, False), (5.0, False), (-2.1, True)])
def test_layout_mzi_realises_the_mesh_convention(theta, both):
    top, bottom = heater_powers_for_theta(theta, heater_on_both_arms=both)
    s = mzi_2x2_heater_model(
        heater_on_both_arms=both,
        power_top=top,
        power_bottom=bottom,
        loss_db_per_cm=0.0,
        **IDEAL,
    )
    p = MZI_PORTS
    ins, outs = (p["upper_in"], p["lower_in"]), (p["upper_out"], p["lower_out"])
    got = np.array([[complex(s[(o, i)]) for i in ins] for o in outs])
    want = np.asarray(mzi_ideal_transfer(theta, 0.0))
    global_phase = got[0, 1] / want[0, 1]
    assert abs(global_phase) == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(got, global_phase * want, atol=1e-9)


def test_bottom_power_without_a_bottom_heater_is_refused():
    with pytest.raises(ValueError, match="power_bottom"):
        mzi_2x2_heater_model(power_bottom=3.0)


def test_circuit_is_built_from_the_layout_netlist_with_heaters_routed_by_position():
    mc = mzi_circuit(heater_on_both_arms=True)
    y = {name: mc.netlist["placements"][name]["y"] for name in (mc.top_heater, mc.bottom_heater)}
    assert y[mc.top_heater] > 0 > y[mc.bottom_heater]
    assert set(mc.netlist["ports"]) == {"o1", "o2", "o3", "o4"}  # electrical ports left out
    # the phase shifter keeps its heated length; its optical length comes from the layout
    sxt = mc.netlist["instances"][mc.top_heater]["settings"]
    assert (sxt["length"], sxt["optical_length"]) == (value("heater.length"), pytest.approx(352.0))


def test_extinction_ratio_is_set_by_the_mmi_imbalance():
    # two identical couplers with bar/cross power ratio r: the lower output's null is
    # |a^2 - b^2|^2, so ER = ((r + 1) / (r - 1))^2 (equal arm losses cancel)
    r = 10 ** (value("mmi.imbalance") / 10)
    m = MEASURES["mzi_2x2_heater"](build("mzi_2x2_heater"))
    assert m["extinction_ratio_db"] == pytest.approx(20 * math.log10((r + 1) / (r - 1)), abs=1e-3)
    expected_il = (
        2 * value("mmi.excess_loss") + LOSS * 1e-4 * arm_lengths(build("mzi_2x2_heater"))[0]
    )
    assert m["insertion_loss_db"] == pytest.approx(expected_il, abs=1e-6)


def test_spec_catches_an_mzi_whose_couplers_are_not_3db(monkeypatch):
    # the default directional coupler is 3 dB with its S-bends: its MZI meets the sheet
    assert verify_cell("mzi_2x2_heater", {"splitter": "dc"}).passed
    # fault: couplers drawn L_x / 2 long, ignoring what their S-bends couple
    half = value("directional_coupler.coupling_length_200nm") / 2
    monkeypatch.setitem(SPLITTERS, "dc_lx2", partial(directional_coupler, length=half))
    c = mzi_2x2_heater(splitter="dc_lx2")
    s = directional_coupler_model(length=half)
    r = float(np.abs(s[("o1", "o4")]) ** 2 / np.abs(s[("o1", "o3")]) ** 2)  # bar / cross, 21:79
    m = measure("mzi_2x2_heater", c)
    assert m["extinction_ratio_db"] == pytest.approx(
        20 * math.log10(abs((r + 1) / (r - 1))), abs=1e-3
    )
    failed = {
        q.name for q in check("mzi_2x2_heater", m, load_spec("mzi_2x2_heater")) if not q.passed
    }
    assert failed == {"extinction_ratio_db"}
