"""Travelling-wave MZM model against references written here.

References: the intensity transfer of an imbalanced Mach-Zehnder,
IL [cos^2(pi V / (2 V_pi) + b) + sin^2(...) / ER], with V_pi = V_pi L / L worked by
hand and IL summed from the library's loss entries; the loss-limited travelling-wave
rule that the EO response is -3 dB where the electrode has lost 6.4 dB, and its
1 / L^2 scaling; passivity and reciprocity over the cell's parameter range.
"""

from __future__ import annotations

import inspect
import math

import jax
import numpy as np
import pytest
import sax
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.modulators import (
    ALPHA_0,
    mzm_eo_bandwidth_hz,
    mzm_eo_response,
    mzm_traveling_wave,
    mzm_traveling_wave_model,
)
from components.registry import MODELS, cell_parameters
from components.specs import verify_cell
from pdk.params import value

LAMBDA0 = value("constants.wavelength")
VPI_L = value("mzm.vpi_l")  # V cm
ER_DB = value("mzm.extinction_ratio")


def transmission(voltage, length=4000.0, **kw):
    s = mzm_traveling_wave_model(length=length, voltage=voltage, **kw)
    return np.abs(np.asarray(s["o1", "o2"])) ** 2


@pytest.mark.parametrize("length", [4000.0, 1000.0])
def test_transfer_is_cos_squared_with_the_extinction_floor(length):
    vpi = VPI_L / (length * 1e-4)  # 2 V cm / 0.4 cm = 5 V at the default
    il_db = (
        value("mzm.pn_loss") * length * 1e-4
        + 2 * value("mmi.excess_loss")
        + value("strip.loss") * mzm_traveling_wave(length=length).info["passive_length"] * 1e-4
    )
    v = np.linspace(-2 * vpi, 2 * vpi, 401)
    bias = 0.3 * vpi
    theta = np.pi * v / (2 * vpi) + np.pi * bias / (2 * vpi)
    expected = 10 ** (-il_db / 10) * (np.cos(theta) ** 2 + np.sin(theta) ** 2 / 10 ** (ER_DB / 10))
    np.testing.assert_allclose(transmission(v, length, bias_voltage=bias), expected, atol=1e-13)


def test_extinction_floor_is_the_library_extinction_ratio():
    t_on, t_off = transmission(0.0), transmission(5.0)
    assert 10 * math.log10(t_on / t_off) == pytest.approx(ER_DB, abs=1e-9)
    assert transmission(2.5, bias_voltage=2.5) == pytest.approx(t_off, rel=1e-12)


def test_eo_response_is_minus_3_db_at_the_library_bandwidth():
    f3 = value("mzm.eo_bandwidth") * 1e9
    h = mzm_eo_response(np.array([0.0, 1e3, f3]))
    assert abs(h[0]) == 1.0 and abs(h[1]) == pytest.approx(1.0, abs=1e-3)
    assert 20 * math.log10(abs(h[2])) == pytest.approx(-3.0103, abs=1e-4)
    # velocity-matched, loss-limited electrodes reach -3 dB EO where the line has lost
    # 6.4 dB of voltage (the textbook rule), and alpha ~ sqrt(f) makes f3 ~ 1 / L^2
    line_loss_db = 20 * math.log10(math.e) * ALPHA_0 * math.sqrt(f3) * 4000.0
    assert line_loss_db == pytest.approx(6.4, abs=0.05)
    assert mzm_eo_bandwidth_hz(2000.0) == pytest.approx(4 * f3, rel=1e-9)
    # walk-off only lowers it
    assert mzm_eo_bandwidth_hz(4000.0, index_mismatch=0.3) < f3


def test_spec_sheet_reads_vpi_and_extinction_off_the_model():
    result = verify_cell("mzm_traveling_wave")
    got = {q.name: q.value for q in result.quantities}
    assert result.passed
    assert got["vpi_model_v"] == pytest.approx(5.0, abs=1e-8)
    assert got["extinction_model_db"] == pytest.approx(ER_DB, abs=1e-6)
    # a 1 mm electrode needs 20 V: beyond the 5 V driver, and the sheet says so
    short = verify_cell("mzm_traveling_wave", {"length": 1000.0})
    failed = {q.name for q in short.quantities if not q.passed}
    assert "vpi_model_v" in failed and "vpi_over_target" in failed


LENGTH = next(p.range for p in cell_parameters("mzm_traveling_wave") if p.name == "length")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    length=st.floats(LENGTH.min, LENGTH.max),
    wl=st.lists(st.floats(1.50, 1.60), min_size=4, max_size=4),
    voltage=st.floats(-value("driver.swing"), value("driver.swing")),
    bias=st.floats(0.0, value("driver.swing")),
    temperature=st.floats(273.0, 373.0),
)
def test_mzm_is_passive_and_reciprocal(length, wl, voltage, bias, temperature):
    s = mzm_traveling_wave_model(
        length=length, wl=np.array(wl), voltage=voltage, bias_voltage=bias, temperature=temperature
    )
    m, _ = sax.sdense(s)
    m = np.asarray(m)
    assert np.all(np.linalg.svd(m, compute_uv=False) <= 1 + 1e-12)
    np.testing.assert_array_equal(m, np.swapaxes(m, 1, 2))


def test_model_takes_every_cell_setting_with_the_cells_defaults():
    params = inspect.signature(MODELS["mzm_traveling_wave"]).parameters
    for key, p in inspect.signature(mzm_traveling_wave).parameters.items():
        assert params[key].default == p.default, key
    recorded = dict(mzm_traveling_wave(length=2000.0).settings)
    assert set(recorded) <= set(params)
    # the recorded length reaches the physics: V_pi = 10 V puts 5 V at quadrature, not null
    s = mzm_traveling_wave_model(voltage=5.0, **recorded)
    assert abs(s["o1", "o2"]) ** 2 == pytest.approx(0.5 * (1 + 10 ** (-ER_DB / 10)), rel=0.5)
    assert abs(s["o1", "o2"]) ** 2 > 100 * transmission(5.0)


def test_model_traces_under_jit_over_wavelength_and_voltage():
    wl = np.linspace(1.50, 1.60, 5)
    f = jax.jit(lambda w, v: mzm_traveling_wave_model(wl=w, voltage=v)["o1", "o2"])
    np.testing.assert_allclose(f(wl, 1.2), mzm_traveling_wave_model(wl=wl, voltage=1.2)["o1", "o2"])
