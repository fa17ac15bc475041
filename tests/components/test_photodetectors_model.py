"""Photodetector models against hand numbers and the drawn wiring.

References: I = R P + I_dark worked by hand from the library's responsivity and dark
current; the balanced pair's terminal currents derived from the layout (each
terminal traced down its via stack to the N++ (cathode) or P++ (anode) of a
detector; a reverse-biased photodiode's current enters at its cathode and leaves
at its anode) and Kirchhoff's current law; the -3 dB point of the response at the
library's bandwidth; passivity of the absorbing optical ports.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import sax
from hypothesis import given, settings
from hypothesis import strategies as st

from components.modulators import contacted_shapes
from components.photodetectors import (
    balanced_photocurrent,
    balanced_photodetector,
    balanced_photodetector_model,
    balanced_terminal_currents,
    frequency_response,
    ge_photodetector,
    ge_photodetector_model,
    photocurrent,
)
from components.registry import MODELS, cell_parameters
from components.waveguides import layer_region
from pdk.params import value


def test_photocurrent_is_responsivity_times_power_plus_dark_current():
    # 1 A/W x 1 mW + 5 nA
    assert float(photocurrent(1e-3)) == pytest.approx(1e-3 + 5e-9, rel=1e-12)
    assert float(photocurrent(0.0)) == pytest.approx(value("photodetector.dark_current") * 1e-9)
    np.testing.assert_allclose(photocurrent(np.array([0.0, 2e-4])), [5e-9, 2e-4 + 5e-9])


def test_response_is_minus_3_db_at_the_library_bandwidth():
    f = value("photodetector.bandwidth") * 1e9
    h = frequency_response(np.array([0.0, f]))
    assert abs(h[0]) == 1.0
    assert abs(h[1]) ** 2 == pytest.approx(0.5, rel=1e-12)


def test_balanced_terminal_currents_follow_the_drawn_wiring():
    c = balanced_photodetector()
    ge = sorted(layer_region(c, "GE").each(), key=lambda p: -p.bbox().center().y)
    y_ge = [p.bbox().center().y for p in ge]  # detector 1 (input o1) is the upper one
    assert c.ports["o1"].y > c.ports["o2"].y
    p1, p2 = 1.0e-3, 0.3e-3
    current = [float(photocurrent(p1)), float(photocurrent(p2))]

    def nearest(region) -> int:
        y = region.bbox().center().y
        return int(np.argmin([abs(y - yg) for yg in y_ge]))

    expected = {}
    for port in ("e1", "e2", "e3"):
        shapes = contacted_shapes(c, port)
        total = 0.0
        for polygon in shapes["NPP"].each():  # cathode: current flows in
            total += current[nearest(type(shapes["NPP"])(polygon))]
        for polygon in shapes["PPP"].each():  # anode: current flows out
            total -= current[nearest(type(shapes["PPP"])(polygon))]
        expected[port] = total
    got = {k: float(v) for k, v in balanced_terminal_currents(p1, p2).items()}
    assert got == pytest.approx(expected, rel=1e-12)
    assert sum(got.values()) == pytest.approx(0.0, abs=1e-18)  # Kirchhoff
    # the output is R (P1 - P2): dark currents cancel, sign follows the brighter input
    assert float(balanced_photocurrent(p1, p2)) == pytest.approx(0.7e-3, rel=1e-12)
    assert float(balanced_photocurrent(p2, p1)) == pytest.approx(-0.7e-3, rel=1e-12)


LENGTH = next(p.range for p in cell_parameters("ge_photodetector") if p.name == "length")


@settings(max_examples=10, deadline=None)
@given(
    length=st.floats(LENGTH.min, LENGTH.max),
    wl=st.lists(st.floats(1.50, 1.60), min_size=4, max_size=4),
)
def test_detectors_absorb_passively_and_reciprocally(length, wl):
    for model in (ge_photodetector_model, balanced_photodetector_model):
        m, _ = sax.sdense(model(length=length, wl=np.array(wl)))
        m = np.asarray(m)
        assert m.shape[0] == 4
        assert np.all(np.linalg.svd(m, compute_uv=False) <= 1 + 1e-12)
        np.testing.assert_array_equal(m, np.swapaxes(m, 1, 2))


@pytest.mark.parametrize("cell", [ge_photodetector, balanced_photodetector])
def test_model_takes_every_cell_setting_with_the_cells_defaults(cell):
    params = inspect.signature(MODELS[cell.__name__]).parameters
    for key, p in inspect.signature(cell).parameters.items():
        assert params[key].default == p.default, key
    recorded = dict(cell(length=12.0).settings)
    assert set(recorded) <= set(params)
    MODELS[cell.__name__](**recorded)
