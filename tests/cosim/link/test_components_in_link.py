"""The link's modulator and WDM filters ARE the component models (components/).

Each check evaluates the component model directly (SAX MZM, drawn AWG router) and
compares it with what the link applies to its fields.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.constants import c

from components.awg import awgr_transmission
from components.modulators import mzm_eo_response
from components.registry import MODELS
from cosim.link.awg import SAMPLES_PER_SPACING, channel_plan, port_response
from cosim.link.config import DemuxStage, LinkConfig
from cosim.link.field import Grid, OpticalField, mean_power
from cosim.link.transmitter import drive_voltage, operating_point, transmit
from cosim.link.wdm import demux

CFG = LinkConfig.model_validate(
    {
        "grid": {"n_symbols": 64},
        "channels": {"count": 3},
        "transmitter": {"laser": {"noise": False}, "dac": {"bits": None, "bandwidth_ghz": None}},
    }
)
NU = CFG.frequencies_hz()


def test_transmitter_power_vs_voltage_is_the_sax_model():
    tx = CFG.transmitter.params(1.0)
    length = CFG.transmitter.mzm.length_um
    nu = jnp.asarray(NU)[:, None]
    op = operating_point(tx, nu)
    v = jnp.linspace(-0.5 * tx.swing, 0.5 * tx.swing, 101)[None, :]
    wl = c / np.asarray(NU)[:, None] * 1e6
    sax_t = MODELS["mzm_traveling_wave"](length=length, wl=wl, voltage=v, bias_voltage=op.bias)
    want = np.abs(np.asarray(sax_t[("o1", "o2")])) ** 2
    got = np.asarray(tx.mzm.power_transmission(v, nu, op.bias))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    # the bias is quadrature of each channel's V_pi: half the peak transmission (+ floor)
    mid = np.asarray(tx.mzm.power_transmission(jnp.zeros((3, 1)), nu, op.bias))
    peak = np.asarray(tx.mzm.power_transmission(op.v_peak, nu, op.bias))
    null = np.asarray(tx.mzm.power_transmission(op.v_null, nu, op.bias))
    np.testing.assert_allclose(mid, 0.5 * (peak + null), rtol=1e-9)


def test_transmitted_field_is_laser_times_model_s21_at_the_drive():
    """Ideal electrode off too: the field at each sample is sqrt(P) S21(v) of the model,
    with v the pre-distorted drive, and |S21(v)|^2 is the value mapping's target."""
    cfg = CFG.model_copy(
        update={
            "transmitter": CFG.transmitter.model_copy(
                update={"mzm": CFG.transmitter.mzm.model_copy(update={"eo_response": False})}
            )
        }
    )
    tx = cfg.transmitter.params(1.0)
    grid = cfg.grid.grid()
    x = jax.random.uniform(jax.random.PRNGKey(0), (3, grid.n_symbols))
    field = transmit(x, jnp.asarray(NU), jax.random.PRNGKey(1), grid, tx)
    v = np.asarray(drive_voltage(x, jnp.asarray(NU), tx))
    wl = c / np.asarray(NU)[:, None] * 1e6
    bias = np.asarray(operating_point(tx, jnp.asarray(NU)[:, None]).bias)
    s21 = MODELS["mzm_traveling_wave"](
        length=cfg.transmitter.mzm.length_um, wl=wl, voltage=v, bias_voltage=bias
    )[("o1", "o2")]
    got = np.asarray(field.ex[:, :: grid.samples_per_symbol])
    np.testing.assert_allclose(got, np.sqrt(tx.laser_power) * np.asarray(s21), atol=1e-12)


def test_eo_filter_is_the_model_response():
    tx = CFG.transmitter.params(1.0)
    f = np.linspace(0, 80e9, 33)
    want = np.asarray(mzm_eo_response(f, CFG.transmitter.mzm.length_um))
    np.testing.assert_allclose(np.asarray(tx.mzm.eo(jnp.asarray(f))), want, atol=1e-15)
    assert CFG.transmitter.mzm.eo_bandwidth_ghz() == pytest.approx(30.0, rel=1e-3)


def test_demux_channel_transmission_and_crosstalk_are_the_awg_model():
    stage = DemuxStage()
    router = stage.router()
    plan = channel_plan(router, NU)
    grid = Grid(10e9, 16, 64)
    wl = c / np.asarray(NU) * 1e6
    model = np.abs(np.asarray(awgr_transmission(wl, temperature=plan.temperature))) ** 2
    row = model[:, plan.input_port, :]  # (channel j, output q)
    for k in range(3):
        powers = [1e-3 if j == k else 0.0 for j in range(3)]
        ex = jnp.asarray(np.sqrt(powers)[:, None] * np.ones(grid.n_samples), complex)
        out = demux(OpticalField(ex=ex, nu=jnp.asarray(NU)), grid, router, NU)
        through = float(mean_power(out)[k]) / 1e-3
        assert through == pytest.approx(row[k, plan.ports[k]], rel=1e-12)
        for j in range(3):
            if j != k:
                leak = float(jnp.mean(out.p_incoherent[j])) / 1e-3
                assert leak == pytest.approx(row[k, plan.ports[j]], rel=1e-12)
    # the passband on the FFT bins: model samples are hit exactly, bins between agree
    h = port_response(router, grid, NU)
    f = grid.frequencies()
    step = 299_792_458.0 * router.channel_spacing_nm * 1e-9 / np.mean(wl * 1e-6) ** 2
    step /= SAMPLES_PER_SPACING
    for i in (1, 7, 40, 130, 201, 1000):  # FFT bins within +-40 GHz
        wl_i = c / (np.asarray(NU) + f[i]) * 1e6
        a = np.abs(np.asarray(awgr_transmission(wl_i, temperature=plan.temperature))) ** 2
        want = a[np.arange(3), plan.input_port, list(plan.ports)]
        on_sample = abs(f[i] / step - round(f[i] / step)) < 1e-9
        tol = 1e-12 if on_sample else 1e-3  # dB: linear-in-dB interpolation of the model
        np.testing.assert_allclose(20 * np.log10(h[:, i]), 10 * np.log10(want), atol=tol)


def test_tuned_router_centres_its_passbands_on_the_channels():
    """After thermal tuning each carrier sits within 1 % of a spacing of its passband peak."""
    router = DemuxStage().router()
    plan = channel_plan(router, NU)
    offsets = np.linspace(-20e9, 20e9, 401)
    wl = c / (np.asarray(NU)[:, None] + offsets) * 1e6
    a = np.abs(np.asarray(awgr_transmission(wl, temperature=plan.temperature))) ** 2
    own = a[
        np.arange(3)[:, None], np.arange(401)[None], plan.input_port, np.array(plan.ports)[:, None]
    ]
    peak = offsets[np.argmax(own, axis=1)]
    assert np.max(np.abs(peak)) < 1e9
    assert plan.temperature != pytest.approx(300.0, abs=0.1)  # tuning did something
