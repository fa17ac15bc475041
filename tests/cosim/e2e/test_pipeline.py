"""The end-to-end engine against independent truths: W X itself (everything off), the
closed-form noise budget (noise terms only), and the core's own structured evaluator."""

from __future__ import annotations

import numpy as np
import pytest

from cosim.e2e.analytic import analytic_enob
from cosim.e2e.metrics import fidelity, node_metrics
from cosim.e2e.pipeline import _slots, run_scenario
from cosim.e2e.scenario import (
    CoreImperfections,
    Impairments,
    ScenarioError,
    default_scenario,
    load_scenario,
    validate_scenario,
)

pytestmark = pytest.mark.xdist_group("e2e")


def _scenario(impairments: Impairments, n_symbols: int = 128, **network):
    d = default_scenario().model_dump(mode="json")
    d["impairments"] = impairments.model_dump()
    d["opu"]["imperfections"] = CoreImperfections.none().model_dump()
    d["network"]["grid"]["n_symbols"] = n_symbols
    for k, v in network.items():
        d["network"][k] = v
    return validate_scenario(d)


N_SYMBOLS = 128  # one record length for every test: the jitted stages compile once
NOISE = Impairments.none().model_copy(
    update=dict(laser_noise=True, ase=True, shot_noise=True, tia_noise=True, adc=True, dac=True)
)


@pytest.fixture(scope="module")
def ideal_run():
    return run_scenario(_scenario(Impairments.none()))


@pytest.fixture(scope="module")
def noise_run():
    sc = _scenario(NOISE, transmitter={"laser": {"power_dbm": 0.0}})
    return sc, run_scenario(sc)


def test_everything_off_reproduces_w_x(ideal_run):
    for n in ideal_run.nodes:
        rel = np.linalg.norm(n.Y - n.Y_ideal) / np.linalg.norm(n.Y_ideal)
        assert rel <= 1e-9, (n.node, rel)


def test_tiling_over_time_reproduces_w_x():
    """A 6 x 7 workload on 4 x 4 cores: 2 x 2 tiles, padded edges, digital partial sums."""
    sc = _scenario(Impairments.none())
    sc = sc.updated({"workload.rows": 6, "workload.cols": 7})
    for n in run_scenario(sc).nodes[:1]:
        assert n.Y.shape == (6, 64) and len(n.tiles) == 4
        assert np.linalg.norm(n.Y - n.Y_ideal) <= 1e-9 * np.linalg.norm(n.Y_ideal)


def test_slots_send_column_blocks_in_turn():
    X = np.arange(14.0).reshape(7, 2)
    v = _slots(X, 4, 8)
    assert np.array_equal(v[:, :2], X[:4]) and np.array_equal(v[:3, 2:4], X[4:])
    assert not np.any(v[3, 2:]) and not np.any(v[:, 4:])


def test_noise_only_matches_the_analytic_enob(noise_run):
    """Shot, TIA, RIN, signal-ASE, ADC and DAC only: simulated ENOB within 0.2 bit of the
    closed form (Agrawal ch. 4/7 terms), at a power where no output clips the ADC."""
    sc, run = noise_run
    for n in run.nodes:
        sim, ana = node_metrics(n)["enob"], analytic_enob(n, sc).enob
        assert abs(sim - ana) < 0.2, (n.node, sim, ana)


def test_analytic_budget_reacts_to_each_term(noise_run):
    """Doubling TIA noise density adds 4x its variance; the closed form is not inert."""
    sc, run = noise_run
    n = run.nodes[0]
    base = analytic_enob(n, sc)
    loud = sc.updated({"network.receiver.tia.noise_density_pa_per_rthz": 25.0})
    assert analytic_enob(n, loud).terms["tia"] == pytest.approx(4 * base.terms["tia"], rel=1e-9)
    assert all(v >= 0 for v in base.terms.values()) and base.terms["shot"] > 0


def test_ring_response_at_the_carrier_is_the_programmed_matrix(ideal_run):
    """The detector response the waveform model uses equals the core's realised matrix
    (structured evaluator, itself checked against SAX) at zero offset."""
    n = ideal_run.nodes[0]
    t = n.tiles[0]
    assert np.allclose(t.response.balanced_matrix(), t.target, atol=1e-9)
    # and it is a filter: off resonance by half a channel the drop port transmits less
    h = np.abs(t.response.h[..., 0, :]) ** 2  # drop detector, all offsets
    assert np.all(h.max(axis=-1) <= 1.0 + 1e-12)


def test_fidelity_definitions():
    rng = np.random.default_rng(0)
    y0 = rng.uniform(-1, 1, (4, 10_000))
    sigma = 1e-3
    f = fidelity(y0 + sigma * rng.standard_normal(y0.shape), y0)
    assert f["enob"] == pytest.approx(np.log2(np.ptp(y0) / (np.sqrt(12) * sigma)), abs=0.01)
    assert f["snr_db"] == pytest.approx(10 * np.log10(np.mean(y0**2) / sigma**2), abs=0.05)


def test_bad_scenario_names_the_field(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text("opu:\n  rows: 0\n")
    with pytest.raises(ScenarioError, match=r"opu\.rows"):
        load_scenario(bad)
    bad.write_text("generative:\n  nowhere: gan\n")
    with pytest.raises(ScenarioError, match=r"generative\.nowhere"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match=r"network: awg\.channel_spacing_nm"):
        default_scenario().updated({"network.channels.spacing_ghz": 50.0})


def test_a_scenario_file_replaces_the_tenants(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("generative:\n  edge_d: vae\n")
    assert load_scenario(f).tenants == [("edge_d", "vae")]
