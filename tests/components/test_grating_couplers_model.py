"""Grating-coupler models against their definitions and against independent references.

- the spectrum's peak loss and 1 dB bandwidth, read off a dense spectrum here, are
  the library's parameters;
- the peak sits where the Bragg condition puts it for the drawn period, evaluated
  by hand from the slab indices;
- the loopback's Fabry-Perot closed form equals SAX's own composition of two coupler
  models and the loop waveguide;
- passivity (singular values <= 1) and reciprocity (S = S^T), property-tested.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
import sax
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from components.grating_couplers import (
    coupler_spectrum_metrics,
    grating_coupler_array_127,
    grating_coupler_focusing_te,
)
from components.registry import MODELS, cell_parameters
from components.specs import check, load_spec
from pdk.params import value

GC = "grating_coupler_focusing_te"
ARRAY = "grating_coupler_array_127"
N_220, N_90 = value("strip.n_eff_slab"), value("grating_coupler.n_eff_etched")
N_CLAD = value("strip.n_cladding")
FINE = np.linspace(1.40, 1.75, 350_001)  # 1 pm steps


def _row(n: int, loopback: bool) -> tuple[dict, float]:
    """The drawn row's coupler settings and the summed length of its loop's pieces (um)."""
    c = grating_coupler_array_127(n=n, with_loopback=loopback)
    gcs = [i.cell for i in c.insts if "peak_wavelength_um" in i.cell.info]
    loop = sum(i.cell.info["length"] for i in c.insts if "peak_wavelength_um" not in i.cell.info)
    return gcs[0].settings.model_dump(), float(loop)


def _power(s: dict, a: str, b: str) -> np.ndarray:
    return np.abs(np.asarray(s[(a, b)])) ** 2


def _peak(wl: np.ndarray, power: np.ndarray) -> float:
    """Peak of a sampled spectrum: parabola through the three highest samples in dB."""
    i = int(np.argmax(power))
    y = 10 * np.log10(power[i - 1 : i + 2])
    return float(wl[i] + 0.5 * (y[0] - y[2]) / (y[0] - 2 * y[1] + y[2]) * (wl[1] - wl[0]))


@pytest.mark.parametrize("name", [GC, ARRAY])
def test_model_takes_every_cell_setting_with_the_cell_default(name):
    # SAX drops netlist settings a model does not name, silently
    model = inspect.signature(MODELS[name]).parameters
    for p in cell_parameters(name):
        assert p.name in model, f"{name} model drops the cell setting {p.name!r}"
        assert model[p.name].default == p.default, p.name


@pytest.mark.parametrize(("loss", "bandwidth"), [(None, None), (5.0, 20.0)])
def test_peak_loss_and_1db_bandwidth_read_off_the_spectrum_are_the_parameters(loss, bandwidth):
    loss = value("grating_coupler.peak_loss") if loss is None else loss
    bandwidth = value("grating_coupler.bandwidth_1db") if bandwidth is None else bandwidth
    power = _power(MODELS[GC](wl=FINE, peak_loss_db=loss, bandwidth_1db=bandwidth), "o1", "o2")
    peak_db = 10 * np.log10(power.max())
    inside = FINE[10 * np.log10(power) >= peak_db - 1.0]
    assert -peak_db == pytest.approx(loss, abs=1e-6)
    assert (inside[-1] - inside[0]) * 1e3 == pytest.approx(bandwidth, abs=2e-3)  # 1 pm grid
    metrics = coupler_spectrum_metrics({}, peak_loss_db=loss, bandwidth_1db=bandwidth)
    assert metrics["peak_loss_db"] == pytest.approx(loss, abs=1e-9)
    assert metrics["bandwidth_1db_nm"] == pytest.approx(bandwidth, abs=1e-3)


@pytest.mark.parametrize(("period", "fiber_angle"), [(0.64, 8.0), (0.68, 8.0), (0.70, 15.0)])
def test_peak_follows_the_drawn_period_through_the_bragg_condition(period, fiber_angle):
    # teeth 0.75 x period fall on the 1 nm grid for these periods: drawn = asked
    ff = 0.75
    n_grating = ff * N_220 + (1 - ff) * N_90
    expected = period * (n_grating - N_CLAD * math.sin(math.radians(fiber_angle)))
    s = MODELS[GC](period=period, fill_factor=ff, fiber_angle=fiber_angle, wl=FINE)
    assert _peak(FINE, _power(s, "o1", "o2")) == pytest.approx(expected, abs=2e-6)


def test_a_detuned_grating_shifts_by_the_closed_form():
    # d lambda = d period x (n_grating - n_clad sin theta): 40 nm of period -> ~98 nm
    ff, theta = 0.75, value("grating_coupler.fiber_angle")
    shift = 0.04 * (ff * N_220 + (1 - ff) * N_90 - N_CLAD * math.sin(math.radians(theta)))
    peaks = [_peak(FINE, _power(MODELS[GC](period=p, wl=FINE), "o1", "o2")) for p in (0.64, 0.68)]
    assert peaks[1] - peaks[0] == pytest.approx(shift, abs=2e-6)


def test_reflection_is_the_parameter_and_the_fibre_side_is_matched():
    s = MODELS[GC](wl=np.array([1.50, 1.55, 1.60]))
    assert 10 * np.log10(_power(s, "o1", "o1")) == pytest.approx(
        [value("grating_coupler.reflection")] * 3, abs=1e-9
    )
    assert ("o2", "o2") not in s


def test_a_reflection_that_would_create_power_is_refused_by_name():
    # |r| <= 1 - |t|^2: with 0.5 dB loss |t|^2 = 0.891, so |r| <= 0.109 (-19.2 dB)
    with pytest.raises(ValueError, match=r"reflection_db=-16\.2 .* <= -19\.2"):
        MODELS[GC](peak_loss_db=0.5)
    MODELS[GC](peak_loss_db=0.5, reflection_db=-19.3)


def test_array_sends_each_waveguide_to_its_own_fibre_through_one_coupler():
    wl = np.linspace(1.50, 1.60, 11)
    gc = MODELS[GC](**_row(3, True)[0], wl=wl)
    s = MODELS[ARRAY](n=3, with_loopback=True, wl=wl)
    for i in (1, 2, 3):
        np.testing.assert_allclose(s[(f"o{i}", f"fiber{i + 1}")], gc[("o1", "o2")], atol=1e-15)
        for j in (1, 2, 3, 4, 5):
            if j != i + 1:
                assert (f"o{i}", f"fiber{j}") not in s


def test_loopback_equals_sax_composition_of_two_couplers_and_the_loop():
    wl = np.linspace(1.53, 1.57, 401)
    gc_settings, loop = _row(2, True)
    assert loop > 2 * 127.0  # it runs around below the row of four couplers
    circuit, _ = sax.circuit(
        netlist={
            "instances": {"a": "gc", "b": "gc", "loop": "wg"},
            "connections": {"a,o1": "loop,o1", "loop,o2": "b,o1"},
            "ports": {"in": "a,o2", "out": "b,o2"},
        },
        models={
            "gc": lambda wl=1.55: MODELS[GC](**gc_settings, wl=wl),
            "wg": lambda wl=1.55: MODELS["waveguide_straight"](length=loop, wl=wl),
        },
    )
    ref = circuit(wl=wl)
    s = MODELS[ARRAY](n=2, with_loopback=True, wl=wl)
    np.testing.assert_allclose(s[("fiber1", "fiber4")], ref[("in", "out")], atol=1e-12)
    np.testing.assert_allclose(s[("fiber1", "fiber1")], ref[("in", "in")], atol=1e-12)
    np.testing.assert_allclose(s[("fiber4", "fiber4")], ref[("out", "out")], atol=1e-12)


def test_spec_sheet_catches_a_detuned_grating_and_a_lossy_one():
    sheet = load_spec(GC)
    detuned = coupler_spectrum_metrics(
        grating_coupler_focusing_te(period=0.66).settings.model_dump()
    )
    lossy = coupler_spectrum_metrics({}, peak_loss_db=6.0)
    nominal = coupler_spectrum_metrics({})
    results = {q.name: q.passed for q in check(GC, {**detuned}, sheet) if q.name in detuned}
    assert results == {"peak_loss_db": True, "bandwidth_1db_nm": True, "band_loss_db": False}
    results = {q.name: q.passed for q in check(GC, lossy, sheet) if q.name in lossy}
    assert results == {"peak_loss_db": False, "bandwidth_1db_nm": True, "band_loss_db": False}
    assert all(q.passed for q in check(GC, nominal, sheet) if q.name in nominal)


_SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": list(HealthCheck),
}


def _in_range(name: str, draw) -> dict:
    kw = {}
    for p in cell_parameters(name):
        if p.kind is bool:
            kw[p.name] = draw(st.booleans())
        elif p.kind is int:
            kw[p.name] = draw(st.integers(int(p.range.min), int(p.range.max)))
        else:
            kw[p.name] = round(draw(st.floats(p.range.min, p.range.max)), 3)
    return kw


def _physics(draw) -> dict:
    loss = draw(st.floats(0.5, 10.0))
    reflection_max = 20 * math.log10(1 - 10 ** (-loss / 10))
    return {
        "wl": np.array(draw(st.lists(st.floats(1.50, 1.60), min_size=3, max_size=3))),
        "peak_loss_db": loss,
        "bandwidth_1db": draw(st.floats(5.0, 80.0)),
        "reflection_db": draw(st.floats(-60.0, reflection_max)),
    }


def _dense(s: dict) -> np.ndarray:
    """(..., ports, ports) S-matrix of an SDict; absent pairs are 0."""
    ports = sorted({p for pair in s for p in pair})
    shape = np.broadcast_shapes(*(np.shape(v) for v in s.values()))
    dense = np.zeros((*shape, len(ports), len(ports)), dtype=complex)
    for (a, b), v in s.items():
        dense[..., ports.index(a), ports.index(b)] = np.asarray(v)
    return dense


def _assert_passive_reciprocal(s: dict) -> None:
    dense = _dense(s)
    assert np.linalg.svd(dense, compute_uv=False).max() <= 1 + 1e-12
    np.testing.assert_allclose(dense, np.swapaxes(dense, -1, -2), atol=1e-15)


@settings(max_examples=15, **_SETTINGS)
@given(data=st.data())
def test_coupler_is_passive_and_reciprocal_over_its_ranges(data):
    kw = _in_range(GC, data.draw)
    try:
        grating_coupler_focusing_te(**kw)
    except ValueError:  # trenches or teeth the rules forbid: not a drawable coupler
        reject()
    _assert_passive_reciprocal(MODELS[GC](**kw, **_physics(data.draw)))


@settings(max_examples=4, **_SETTINGS)
@given(data=st.data())
def test_array_is_passive_and_reciprocal_over_its_ranges(data):
    kw = _in_range(ARRAY, data.draw)
    kw["n"] = min(kw["n"], 6)  # the row is n independent couplers: a few show it
    grating_coupler_array_127(**kw)
    physics = _physics(data.draw)
    physics["temperature"] = data.draw(st.floats(280.0, 360.0))
    _assert_passive_reciprocal(MODELS[ARRAY](**kw, **physics))
