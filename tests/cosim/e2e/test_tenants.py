"""The statistical tenant model's noise is measured on the waveform run, not assumed."""

from __future__ import annotations

import pytest

from cosim.e2e.pipeline import run_scenario
from cosim.e2e.scenario import CoreImperfections, Impairments, default_scenario, validate_scenario
from cosim.e2e.tenants import link_sigma_fs, static_error

pytestmark = pytest.mark.xdist_group("e2e")


def _scenario(impairments: Impairments, laser_dbm: float = 0.0):
    d = default_scenario().model_dump(mode="json")
    d["impairments"] = impairments.model_dump()
    d["opu"]["imperfections"] = CoreImperfections.none().model_dump()
    d["network"]["grid"]["n_symbols"] = 128
    d["network"]["transmitter"] = {"laser": {"power_dbm": laser_dbm}}
    return validate_scenario(d)


def test_an_ideal_link_has_no_noise_and_no_static_error():
    sc = _scenario(Impairments.none())
    run = run_scenario(sc).nodes[0]
    assert abs(static_error(run)).max() < 1e-9
    assert link_sigma_fs(run, sc) < 1e-9


def test_link_noise_grows_as_the_laser_power_falls():
    """Receiver noise is fixed in current while the signal scales with power (TIA-limited):
    sigma_fs must rise, by about the power ratio (10 dB -> ~10x) when TIA noise dominates."""
    noise = Impairments.none().model_copy(update={"tia_noise": True, "shot_noise": True})
    loud, quiet = (_scenario(noise, p) for p in (0.0, -10.0))
    s_loud = link_sigma_fs(run_scenario(loud).nodes[0], loud)
    s_quiet = link_sigma_fs(run_scenario(quiet).nodes[0], quiet)
    assert 5 < s_quiet / s_loud < 12
