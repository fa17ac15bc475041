"""Every passive-cell model: takes all its cell's settings, is passive and reciprocal, and
lossless when its losses are zero -- property-tested over the cells' ranges.

Conservation laws are the independent reference: a passive S-matrix has singular
values <= 1, a reciprocal one is symmetric, a lossless one is unitary.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
import sax
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from components.couplers import mmi_beat_length
from components.registry import MODELS, cell_parameters
from components.waveguides import lossless_crossing_through
from pdk.params import value

CELLS = (
    "waveguide_straight",
    "euler_bend",
    "wg_taper",
    "wg_crossing",
    "directional_coupler",
    "mmi_1x2",
    "mmi_2x2",
    "thermo_optic_phase_shifter",
    "mzi_2x2_heater",
)
P_PI = value("heater.p_pi")
# geometry a cell refuses to draw (sharper than its rules allow) is not a model case
REFUSED = ("lengthen", "half-angle", "min radius", "put the access tapers")


@pytest.mark.parametrize("name", CELLS)
def test_model_takes_every_cell_setting_with_the_cell_default(name):
    # SAX passes a netlist instance only the settings its model's signature names
    # and drops the rest silently: a missing one would be ignored without a trace
    model = inspect.signature(MODELS[name]).parameters
    for p in cell_parameters(name):
        assert p.name in model, f"{name} model drops the cell setting {p.name!r}"
        assert model[p.name].default == p.default, p.name


def _setting(p) -> st.SearchStrategy:
    if p.range is None:
        return st.sampled_from([p.default]) if p.kind is not bool else st.booleans()
    if p.unit != "um":
        return st.floats(p.range.min, p.range.max, allow_nan=False)
    # drawn lengths sit on the 1 nm grid, widths on 2 nm (ports centre on the grid)
    grid = 0.002 if "width" in p.name else 0.001
    lo, hi = math.ceil(p.range.min / grid - 1e-9), math.floor(p.range.max / grid + 1e-9)
    return st.integers(lo, hi).map(lambda k: round(k * grid, 3))


@st.composite
def _case(draw, name: str) -> dict:
    params = {p.name: p for p in cell_parameters(name)}
    kw = {k: draw(_setting(p)) for k, p in params.items() if k != "splitter"}
    if name == "mzi_2x2_heater":
        kw["splitter"] = draw(st.sampled_from(["mmi", "dc"]))
    if name.startswith(
        "mmi_"
    ):  # the ideal-image model holds within the spec's +-3 % (grid-rounded)
        design = mmi_beat_length(kw["width_mmi"]) * (3 / 8 if name == "mmi_1x2" else 1 / 2)
        kw["length_mmi"] = round(design * draw(st.floats(0.975, 1.025)), 3)
    kw["wl"] = np.array(draw(st.lists(st.floats(1.50, 1.60), min_size=3, max_size=3)))
    inputs = inspect.signature(MODELS[name]).parameters
    if "temperature" in inputs:
        kw["temperature"] = draw(st.floats(280.0, 360.0))
    if "power" in inputs:
        kw["power"] = draw(st.floats(0.0, 2 * P_PI))
    if "power_top" in inputs:
        kw["power_top"] = draw(st.floats(0.0, 2 * P_PI))
        if kw["heater_on_both_arms"]:
            kw["power_bottom"] = draw(st.floats(0.0, 2 * P_PI))
    if "imbalance_db" in inputs:
        kw["imbalance_db"] = draw(st.floats(-1.0, 1.0))
    return kw


def _lossless(name: str, kw: dict) -> dict:
    zero = {"loss_db_per_cm": 0.0, "excess_loss_db": 0.0}
    out = {
        **kw,
        **{k: v for k, v in zero.items() if k in inspect.signature(MODELS[name]).parameters},
    }
    if name == "wg_crossing":
        out["insertion_loss_db"] = -20 * np.log10(
            lossless_crossing_through(value("crossing.crosstalk"))
        )
    return out


def _dense(name: str, kw: dict) -> np.ndarray:
    try:
        s = MODELS[name](**kw)
    except ValueError as err:
        if any(word in str(err) for word in REFUSED):
            reject()
        raise
    dense, _ = sax.sdense(s)
    return np.asarray(dense).reshape(-1, *np.shape(dense)[-2:])


def _check(name: str, kw: dict) -> None:
    s = _dense(name, kw)
    singular = np.linalg.svd(s, compute_uv=False)
    assert singular.max() <= 1 + 1e-12, f"{name} creates power: {singular.max()}"
    np.testing.assert_allclose(s, np.swapaxes(s, -1, -2), atol=1e-13, err_msg="not reciprocal")
    lossless = _dense(name, _lossless(name, kw))
    if name == "mmi_1x2":  # a matched 3-port cannot be lossless: only the input column is
        np.testing.assert_allclose(np.linalg.norm(lossless[:, :, 0], axis=-1), 1.0, atol=1e-12)
        return
    eye = np.broadcast_to(np.eye(s.shape[-1]), lossless.shape)
    np.testing.assert_allclose(np.conj(np.swapaxes(lossless, -1, -2)) @ lossless, eye, atol=1e-12)


_FAST = [n for n in CELLS if n != "mzi_2x2_heater"]
_SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": list(HealthCheck),
}


@pytest.mark.parametrize("name", _FAST)
@settings(max_examples=12, **_SETTINGS)
@given(data=st.data())
def test_leaf_model_is_passive_reciprocal_and_unitary_without_loss(name, data):
    _check(name, data.draw(_case(name)))


@settings(max_examples=3, **_SETTINGS)
@given(kw=_case("mzi_2x2_heater"))
def test_mzi_circuit_is_passive_reciprocal_and_unitary_without_loss(kw):
    _check("mzi_2x2_heater", kw)


def test_the_checks_catch_a_gain_and_a_non_reciprocal_model():
    # the conservation checks must fail on a faulty S-matrix
    gain = {("o1", "o2"): np.array([1.01 + 0j]), ("o2", "o1"): np.array([1.01 + 0j])}
    one_way = {("o1", "o2"): np.array([0.5 + 0j])}
    MODELS["_faulty"] = lambda **kw: gain
    try:
        with pytest.raises(AssertionError, match="creates power"):
            _check("_faulty", {})
        MODELS["_faulty"] = lambda **kw: one_way
        with pytest.raises(AssertionError, match="not reciprocal"):
            _check("_faulty", {})
    finally:
        del MODELS["_faulty"]
