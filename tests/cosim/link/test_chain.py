"""End-to-end chain: exact round trip with impairments off, the value mapping, the
independent NumPy implementation, reproducibility and vmap over channels."""

from __future__ import annotations

import copy

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cosim.link.awg import centre_transmission
from cosim.link.bench import bench_config, numpy_chain
from cosim.link.chain import apply_stage, run_link, transmit_jit
from cosim.link.config import FibreStage, LinkConfig
from cosim.link.field import OpticalField
from cosim.link.transmitter import drive_waveform, intensity_levels, transmit


def modified(cfg: LinkConfig, **changes) -> LinkConfig:
    """``changes``: "a/b/0/c" -> value, applied to the config's dict."""
    d = copy.deepcopy(cfg.model_dump())
    for path, val in changes.items():
        *parents, leaf = path.split("/")
        node = d
        for k in parents:
            node = node[int(k)] if k.isdigit() else node[k]
        node[leaf] = val
    return LinkConfig.model_validate(d)


SMALL = LinkConfig.model_validate(
    {"grid": {"n_symbols": 256}, "channels": {"count": 3}, "traffic": {"levels": 8}}
)
IMPAIRMENTS_OFF = {
    "transmitter/laser/noise": False,
    "transmitter/dac/bits": None,
    "transmitter/dac/bandwidth_ghz": None,
    "transmitter/mzm/eo_response": False,
    "path/0/passband": False,
    "path/0/crosstalk": False,
    "path/1/dispersion_ps_per_nm_km": 0.0,
    "path/1/slope_ps_per_nm2_km": 0.0,
    "path/1/nonlinear": False,
    "path/2/ase": False,
    "path/3/passband": False,
    "path/3/crosstalk": False,
    "receiver/photodiode/shot_noise": False,
    "receiver/photodiode/bandwidth_ghz": None,
    "receiver/tia/noise": False,
    "receiver/tia/bandwidth_ghz": None,
    "receiver/adc/bits": None,
}


def test_all_impairments_off_returns_the_values_exactly():
    """Loss, gain and AWG insertion loss stay on: the receiver's calibration undoes them."""
    cfg = modified(SMALL, **IMPAIRMENTS_OFF)
    r = run_link(cfg)
    x = np.asarray(r.values)
    assert len(np.unique(x)) == 8
    assert float(np.max(np.abs(np.asarray(r.estimates) - x))) < 1e-12
    # the path really attenuates: mux + 50 km x 0.2 dB/km + EDFA 16 dB + demux, the AWG's
    # loss per channel from its model (3 dB at the router's centre, more further out)
    awg = centre_transmission(cfg.path[0].router(), cfg.frequencies_hz())
    want = 20 * np.log10(awg) - 10 + cfg.path[2].gain_db
    np.testing.assert_allclose(10 * np.log10(np.asarray(r.path_gain)), want, atol=1e-12)
    assert 10 * np.log10(float(r.stage_power[2, 0] / r.stage_power[1, 0])) == pytest.approx(-10)


@pytest.mark.parametrize(
    "impairment",
    ["transmitter/laser/noise", "path/1/dispersion_ps_per_nm_km", "receiver/tia/noise"],
)
def test_each_impairment_alone_is_visible(impairment):
    """The exactness above is not vacuous: switching one impairment back on breaks it."""
    off = dict(IMPAIRMENTS_OFF)
    off.pop(impairment, None)
    if impairment == "path/1/dispersion_ps_per_nm_km":
        off.pop("transmitter/dac/bandwidth_ghz")  # band-limit the NRZ edges
    r = run_link(modified(SMALL, **off))
    assert float(np.max(np.abs(np.asarray(r.estimates - r.values)))) > 1e-4


def test_value_mapping_is_linear_in_intensity_with_mzm_extinction():
    cfg = modified(SMALL, **IMPAIRMENTS_OFF)
    tx = cfg.transmitter.params(1.0)
    nu = jnp.asarray([193.1e12])
    lv = intensity_levels(tx, nu)
    # full swing >= V_pi at 1552.5 nm: the levels span the modulator's extinction ratio
    assert 10 * np.log10(float(lv.hi[0] / lv.lo[0])) == pytest.approx(25.0, rel=1e-9)
    grid = cfg.grid.grid()
    x = jnp.linspace(0, 1, grid.n_symbols)[None]
    field = transmit(x, nu, jax.random.PRNGKey(0), grid, tx)
    p_mid = jnp.abs(field.ex[0, grid.samples_per_symbol // 2 :: grid.samples_per_symbol]) ** 2
    want = lv.lo + x[0] * (lv.hi - lv.lo)
    assert float(jnp.max(jnp.abs(p_mid - want) / lv.hi)) < 1e-12
    # the drive is pre-distorted: voltage is not linear in the value
    v = drive_waveform(x, nu, grid, tx)[0, :: grid.samples_per_symbol]
    assert float(jnp.max(jnp.abs(v - (0.5 - x[0]) * tx.swing))) > 0.1


def test_jax_chain_agrees_with_independent_numpy_chain():
    cfg = bench_config(channels=2, samples=2048, noise=False)
    values = jax.random.randint(jax.random.PRNGKey(1), (2, cfg.grid.n_symbols), 0, 2) * 1.0
    jax_est = np.asarray(run_link(cfg, values).estimates)
    np_est = numpy_chain(cfg, np.asarray(values), np.random.default_rng(0))
    assert np.max(np.abs(jax_est - np_est)) < 1e-12
    assert np.max(np.abs(jax_est - np.asarray(values))) > 1e-3  # dispersion and filters act


def test_reproducible_from_the_seed_and_vmappable():
    noisy = modified(SMALL, **{"path/1/nonlinear": False})
    a = run_link(noisy)
    b = run_link(noisy)
    c = run_link(noisy.model_copy(update={"seed": 1}))
    np.testing.assert_array_equal(np.asarray(a.estimates), np.asarray(b.estimates))
    assert not np.array_equal(np.asarray(a.values), np.asarray(c.values))
    grid = SMALL.grid.grid()
    tx = SMALL.transmitter.params(1.0)
    x = jax.random.uniform(jax.random.PRNGKey(2), (4, 3, grid.n_symbols))
    keys = jax.random.split(jax.random.PRNGKey(3), 4)
    nu = jnp.asarray(SMALL.frequencies_hz())
    batched = jax.jit(jax.vmap(lambda v, k: transmit(v, nu, k, grid, tx).ex))(x, keys)
    looped = jnp.stack([transmit_jit(x[i], nu, keys[i], grid, tx).ex for i in range(4)])
    assert float(jnp.max(jnp.abs(batched - looped))) < 1e-14


def test_shared_grid_fibre_in_the_chain():
    """Channels on one field grid (where XPM and FWM act, see test_fibre) come back in
    their own frames: at low power they match the per-channel model, at high power the
    cross-channel Kerr terms show."""
    grid = SMALL.grid.grid()
    nu = (193.1e12, 193.2e12)
    k1, k2 = jax.random.split(jax.random.PRNGKey(8))
    noise = jax.random.normal(k1, (2, grid.n_samples)) + 1j * jax.random.normal(
        k2, (2, grid.n_samples)
    )
    band = jnp.abs(jnp.asarray(grid.frequencies())) < 30e9  # inside the +-50 GHz window
    ex = jnp.fft.ifft(jnp.fft.fft(noise) * band)
    span = FibreStage(length_km=40.0)
    shared = span.model_copy(update={"shared_grid": True})

    def run(st, power):
        field = OpticalField(ex=ex * jnp.sqrt(power / 2), nu=jnp.asarray(nu))
        out, _ = apply_stage(field, jax.random.PRNGKey(0), grid, st, nu, 100e9)
        return np.asarray(out.ex)

    for power, agree in ((1e-5, True), (0.1, False)):
        a, b = run(span, power), run(shared, power)
        rel = np.max(np.abs(a - b)) / np.max(np.abs(a))
        assert (rel < 1e-3) if agree else (rel > 0.05), (power, rel)
