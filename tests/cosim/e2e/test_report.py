"""The run's report: metrics recomputed from their definitions, every figure on the page,
the simulation never beating its own noise floor."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from cosim.e2e import report as rp
from cosim.e2e.pipeline import run_scenario
from cosim.e2e.scenario import load_scenario
from cosim.report_page import write_report

pytestmark = pytest.mark.xdist_group("e2e")

SMALL = Path(__file__).with_name("small_scenario.yaml")
SYNTH = {"cells": 19361, "flipflops": 3714, "parameters": {"N_RINGS": 16}}
VERSIONS = {"python": "3.11", "opticloud": "0.1.0"}


@pytest.fixture(scope="module")
def analysis():
    sc = load_scenario(SMALL)
    return rp.analyse(sc, run_scenario(sc), SYNTH)


def _numbers(x):
    if isinstance(x, dict):
        for v in x.values():
            yield from _numbers(v)
    elif isinstance(x, int | float) and not isinstance(x, bool):
        yield float(x)


def test_metrics_have_the_documented_keys_and_their_definitions(analysis):
    m = rp.run_metrics(analysis, 0, VERSIONS)
    assert set(rp.METRIC_KEYS) <= set(m)
    assert set(m["mw_per_tops"]) == set(m["pj_per_mac"]) == {"opu", "tx", "network"}
    for node in m["nodes"].values():
        assert set(node) == set(rp.NODE_KEYS)
    assert all(math.isfinite(v) for v in _numbers(m))
    # ENOB, NRMSE and SNR straight from Y and W X (shared/SYSTEM.md definitions)
    Y = np.concatenate([n.Y for n in analysis.result.nodes])
    Y0 = np.concatenate([n.Y_ideal for n in analysis.result.nodes])
    e = Y - Y0
    sigma = np.sqrt(np.mean((e - e.mean(axis=1, keepdims=True)) ** 2))
    R = np.ptp(Y0)
    assert m["enob"] == pytest.approx(math.log2(R / (math.sqrt(12) * sigma)))
    assert m["nrmse"] == pytest.approx(np.sqrt(np.mean(e**2)) / R)
    assert m["snr_db"] == pytest.approx(10 * np.log10(np.mean(Y0**2) / np.mean(e**2)))
    # 1 mW/TOPS = 1 fJ/op = 2 fJ/MAC
    for b in ("opu", "tx", "network"):
        assert m["pj_per_mac"][b] == pytest.approx(2e-3 * m["mw_per_tops"][b])


def test_simulation_does_not_beat_its_noise_floor(analysis):
    """The closed form counts noise only; the waveform run has static errors on top, so
    its ENOB may not exceed the analytic one beyond sampling error (~0.1 bit here)."""
    assert analysis.summary["enob"] <= analysis.enob_analytic + 0.2
    for name, node in analysis.summary["nodes"].items():
        assert node["enob"] <= analysis.analytic[name].enob + 0.2, name


def test_page_shows_every_figure_the_scenario_and_the_die(analysis, tmp_path):
    png = tmp_path / "chip.png"
    fig = Figure(figsize=(2, 1))
    fig.add_axes((0.25, 0.25, 0.5, 0.5)).fill([0, 1, 1], [0, 0, 1], "g")
    fig.savefig(png)
    chip = {"png": png, "drc_violations": 0, "kind": "mrr", "rows": 4, "cols": 4,
            "specs": [("ring_add_drop_heater", True)]}  # fmt: skip
    page = write_report(
        tmp_path / "report.html", "run", rp.run_sections(analysis, chip, VERSIONS), {"seed": 0}
    ).read_text()
    titles = re.findall(r'<img data-figure="([^"]+)"', page)
    assert titles == [
        "error histogram",
        "realised vs ideal",
        "per-output bias",
        "core response across the channel",
        "ENOB and noise terms",
        "power breakdown",
        "OPU chip",
    ]
    for needle in ("n_symbols: 128", "efficiency per boundary", "ring_add_drop_heater"):
        assert needle in page


def test_die_image_is_cropped_to_its_ink(tmp_path):
    img = np.ones((60, 100, 3))
    img[20:30, 40:70] = 0.0  # a 10 x 30 dark box on white
    import matplotlib.image as mpimg

    mpimg.imsave(tmp_path / "die.png", img)
    fig = rp.image_figure(tmp_path / "die.png")
    assert fig.axes[0].images[0].get_array().shape[:2] == (10, 30)
