"""The run's generative section: tenants on their OPUs, distance scaling."""

from __future__ import annotations

import math

import pytest

from cosim.e2e.generative import generative_section, run_tenants, scaled_links, tenant_metrics
from cosim.e2e.pipeline import run_scenario
from cosim.e2e.scenario import CoreImperfections, Impairments, default_scenario, validate_scenario

pytestmark = pytest.mark.xdist_group("e2e")


def _scenario():
    d = default_scenario().model_dump(mode="json")
    d["impairments"] = Impairments.none().model_dump()
    d["opu"] = {
        "kind": "clements",
        "rows": 4,
        "imperfections": CoreImperfections.none().model_dump(),
    }
    d["network"]["grid"]["n_symbols"] = 128
    d["generative"] = {"edge_b": "gan"}
    return validate_scenario(d)


def test_scaled_links_scale_every_fibre_and_nothing_else():
    sc = default_scenario()
    s2 = scaled_links(sc, 2.0)
    assert [link.length_km for link in s2.network.links] == [
        2 * link.length_km for link in sc.network.links
    ]
    assert s2.network.transmitter == sc.network.transmitter


def test_an_ideal_tenant_reproduces_the_digital_images():
    sc = _scenario()
    tenants = run_tenants(sc, run_scenario(sc), n=4)
    assert [(t.node, t.model) for t in tenants] == [("edge_b", "gan")]
    m = tenant_metrics(tenants)["edge_b"]
    assert all(math.isfinite(v) for k, v in m.items() if k != "model")
    assert abs(tenants[0].result.optical - tenants[0].result.digital).max() <= 1e-6
    section = generative_section(tenants, None, None)
    assert section.title == "generative AI" and len(section.items) == 3


def test_image_quality_falls_as_the_optical_power_shrinks():
    """Through the scenario itself: lower laser power -> more receiver noise measured on the
    waveform run -> lower PSNR of the same GAN images (receiver noise only, ideal core)."""
    from cosim.e2e.tenants import backend_settings
    from cosim.workloads.generate import generate

    base = _scenario().updated({"impairments.tia_noise": True, "impairments.shot_noise": True})
    psnr = []
    for dbm in (6.0, 0.0, -6.0):
        sc = base.updated({"network.transmitter.laser.power_dbm": dbm})
        settings = backend_settings(sc, "edge_b")
        psnr.append(generate("gan", settings, n=4, seed=0).metrics["psnr_db"])
    assert psnr[0] > psnr[1] > psnr[2], psnr


def test_quality_sweeps_follow_the_adc_resolution():
    """Coarser ADC -> worse images; the section draws one panel pair per axis."""
    from cosim.e2e.generative import quality_sweeps

    sc = _scenario().updated({"impairments.adc": True})
    sweeps = quality_sweeps(sc, "gan", {"adc_bits": (4, 8)}, n=4)
    rows = sweeps["adc_bits"]
    assert [r["adc_bits"] for r in rows] == [4, 8]
    assert rows[0]["psnr_db"] < rows[1]["psnr_db"]
    tenants = run_tenants(sc, run_scenario(sc), n=4)
    section = generative_section(tenants, sweeps, "gan")
    assert len(section.items) == 5  # text, table, grid, sweep figure, one table per axis
