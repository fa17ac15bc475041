"""Fibre model against closed forms: loss, dispersion, IM/DD fading, latency, Kerr effect."""

from __future__ import annotations

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.constants import c

from cosim.link.fibre import (
    FibreParams,
    attenuate,
    effective_length,
    latency,
    linear_propagate,
    ssfm_propagate,
)
from cosim.link.field import Grid, OpticalField, from_shared_grid, to_shared_grid
from pdk.params import value

NU_1550 = c / 1.55e-6


def ssmf(length_km: float = 50.0, **over) -> FibreParams:
    p = FibreParams.from_datasheet(
        length_km,
        value("fiber.loss"),
        value("fiber.dispersion"),
        value("fiber.dispersion_slope"),
        value("fiber.gamma"),
        value("fiber.group_index"),
        value("fiber.reference_wavelength"),
    )
    return dataclasses.replace(p, **over)


def random_field(key: int, grid: Grid, channels: int = 3, with_y: bool = False) -> OpticalField:
    k1, k2 = jax.random.split(jax.random.PRNGKey(key))
    shape = (channels, grid.n_samples)
    ex = (jax.random.normal(k1, shape) + 1j * jax.random.normal(k2, shape)) * 1e-2
    nu = NU_1550 + 100e9 * jnp.arange(channels)
    return OpticalField(ex=ex, nu=nu, ey=0.5 * ex[:, ::-1] if with_y else None)


GRID = Grid(10e9, 16, 256)


def energy(f: OpticalField) -> float:
    e = float(jnp.sum(jnp.abs(f.ex) ** 2))
    return e + (0.0 if f.ey is None else float(jnp.sum(jnp.abs(f.ey) ** 2)))


def test_attenuation_is_alpha_l():
    field = random_field(0, GRID)
    out = linear_propagate(field, GRID, ssmf(50.0))
    expected = 10 ** (-0.2 * 50 / 10)  # 0.2 dB/km x 50 km, ITU-T G.652.D
    assert energy(out) / energy(field) == pytest.approx(expected, rel=1e-6)
    assert energy(attenuate(field, 7.0)) / energy(field) == pytest.approx(10**-0.7, rel=1e-12)


def test_dispersion_alone_preserves_energy_and_inverts():
    field = random_field(1, GRID, with_y=True)
    p = ssmf(80.0, alpha=0.0)
    out = linear_propagate(field, GRID, p)
    assert energy(out) == pytest.approx(energy(field), rel=1e-12)
    assert float(jnp.max(jnp.abs(out.ex - field.ex))) > 1e-3  # it did disperse
    back = linear_propagate(out, GRID, dataclasses.replace(p, length=-p.length))
    assert float(jnp.max(jnp.abs(back.ex - field.ex))) < 1e-14
    assert float(jnp.max(jnp.abs(back.ey - field.ey))) < 1e-14


def test_beta2_of_ssmf_matches_textbook():
    p = ssmf()
    # D = 17 ps/(nm km) at 1550 nm <-> beta2 = -21.7 ps^2/km (Agrawal, Fiber-Optic
    # Communication Systems, sec. 2.3)
    assert p.beta2 * 1e27 == pytest.approx(-21.7, abs=0.05)
    assert float(p.dispersion_at(NU_1550)) * 1e6 == pytest.approx(17.0, rel=1e-9)


def test_im_dd_power_fading_nulls():
    """Small-signal IM/DD response |cos(pi lambda^2 D L f^2 / c)| has nulls at
    f_k = sqrt((2k+1) c / (2 lambda^2 D L)): 8.6 GHz first null at 50 km."""
    grid = Grid(1e9, 160, 256)  # fs = 160 GHz, df = 3.9 MHz
    length = 50.0
    key = jax.random.PRNGKey(3)
    s = jax.random.normal(key, (grid.n_samples,))
    m = 1e-3  # small modulation depth: linear regime
    p_in = 1e-3 * (1 + m * s)
    field = OpticalField(ex=jnp.sqrt(p_in).astype(complex)[None], nu=jnp.asarray([NU_1550]))
    out = linear_propagate(field, grid, ssmf(length, alpha=0.0, beta3=0.0))
    p_out = jnp.abs(out.ex[0]) ** 2
    f = grid.frequencies()
    ratio = np.real(np.fft.fft(np.asarray(p_out) - 1e-3) / np.fft.fft(np.asarray(p_in) - 1e-3))
    pos = (f > 1e9) & (f < 25e9)
    fr, r = f[pos], ratio[pos]
    crossings = np.nonzero(np.sign(r[:-1]) != np.sign(r[1:]))[0]
    nulls = fr[crossings] - r[crossings] * (fr[crossings + 1] - fr[crossings]) / (
        r[crossings + 1] - r[crossings]
    )
    lam, D, L = 1.55e-6, 17e-6, length * 1e3
    expected = [math.sqrt((2 * k + 1) * c / (2 * lam**2 * D * L)) for k in range(3)]
    assert expected[0] == pytest.approx(8.6e9, rel=0.01)  # shared/SYSTEM.md
    assert len(nulls) >= 3
    for got, want in zip(nulls[:3], expected, strict=True):
        assert got == pytest.approx(want, rel=0.02)


def test_latency_and_dispersive_delay():
    p = ssmf(100.0)
    # n_g = 1.468 -> 4.897 us/km (shared/SYSTEM.md: ~4.9 us/km)
    assert float(latency(NU_1550, p)) / 100 * 1e6 == pytest.approx(4.9, rel=0.005)
    # group-delay difference between two channels = D L delta_lambda (D at the midpoint)
    nu1, nu2 = NU_1550, NU_1550 + 400e9
    dlam = c / nu1 - c / nu2
    d_mid = float(p.dispersion_at(0.5 * (nu1 + nu2)))
    got = float(latency(nu1, p) - latency(nu2, p))
    assert got == pytest.approx(d_mid * p.length * dlam, rel=1e-3)


def test_split_step_with_zero_gamma_equals_linear():
    field = random_field(4, GRID, with_y=True)
    p = ssmf(37.0, gamma=0.0)
    lin = linear_propagate(field, GRID, p)
    ssf, steps = ssfm_propagate(field, GRID, p, max_step=3e3, return_steps=True)
    assert int(steps) == 13  # ceil(37 / 3)
    assert float(jnp.max(jnp.abs(ssf.ex - lin.ex))) < 1e-13
    assert float(jnp.max(jnp.abs(ssf.ey - lin.ey))) < 1e-13


def test_spm_phase_of_cw_is_gamma_p_leff():
    p = ssmf(50.0)
    power = 0.1  # W: a clearly measurable 2.5 rad
    cw = jnp.full((1, GRID.n_samples), math.sqrt(power), complex)
    out = ssfm_propagate(OpticalField(ex=cw, nu=jnp.asarray([NU_1550])), GRID, p, max_phase=0.05)
    phase = -float(jnp.angle(out.ex[0, 0]))  # exp(+j w t) convention: -gamma P L_eff
    # L_eff = (1 - exp(-alpha L)) / alpha = 19.54 km for 50 km at 0.2 dB/km
    leff = (1 - 10 ** (-0.2 * 50 / 10)) / (0.2 * math.log(10) / 10) * 1e3
    assert leff == pytest.approx(19.54e3, rel=1e-3)
    assert phase == pytest.approx(1.3e-3 * power * leff, rel=1e-9)
    assert float(jnp.abs(out.ex[0, 0]) ** 2) == pytest.approx(power * 0.1, rel=1e-9)


def test_fundamental_soliton_keeps_its_shape():
    """N = 1 soliton, P0 = |beta2| / (gamma T0^2), travels undistorted (Agrawal NLFO ch. 5)."""
    grid = Grid(5e9, 64, 16)  # 200 ps window at 3.1 ps resolution
    p = ssmf(0.0, alpha=0.0, beta3=0.0)
    t0 = 5e-12
    p0 = abs(p.beta2) / (p.gamma * t0**2)
    ld = t0**2 / abs(p.beta2)
    p = dataclasses.replace(p, length=3 * ld)
    t = grid.time() - grid.time().mean()
    a = np.sqrt(p0) / np.cosh(t / t0)
    field = OpticalField(ex=jnp.asarray(a, complex)[None], nu=jnp.asarray([p.nu_ref]))
    out = ssfm_propagate(field, grid, p, max_phase=2e-3, max_step=ld / 200)
    err = np.max(np.abs(np.abs(np.asarray(out.ex[0])) - a)) / np.sqrt(p0)
    assert err < 2e-3
    disp_only = linear_propagate(field, grid, p)  # without the Kerr effect it spreads
    assert np.max(np.abs(np.abs(np.asarray(disp_only.ex[0])) - a)) / np.sqrt(p0) > 0.3


def _rms_width(field: jax.Array, grid: Grid) -> float:
    s = np.abs(np.fft.fft(np.asarray(field))) ** 2
    f = grid.frequencies()
    m = np.sum(f * s) / np.sum(s)
    return float(np.sqrt(np.sum((f - m) ** 2 * s) / np.sum(s)))


def test_spm_broadening_of_gaussian_pulse_matches_closed_form():
    """Without dispersion, SPM broadens a Gaussian pulse's rms spectrum by
    sqrt(1 + 4/(3 sqrt 3) phi_max^2) (Agrawal, NLFO, eq. 4.1.18)."""
    grid = Grid(1e9, 512, 4)
    p = ssmf(20.0, beta2=0.0, beta3=0.0)
    t = grid.time() - grid.time().mean()
    t0 = 20e-12
    a = np.exp(-0.5 * (t / t0) ** 2)
    w0 = _rms_width(a, grid)
    leff = effective_length(p.alpha, p.length)
    ratios = []
    for p0 in (0.05, 0.1, 0.2):
        field = OpticalField(
            ex=jnp.asarray(np.sqrt(p0) * a, complex)[None], nu=jnp.asarray([p.nu_ref])
        )
        out = ssfm_propagate(field, grid, p, max_phase=0.02)
        ratio = _rms_width(out.ex[0], grid) / w0
        phi = p.gamma * p0 * leff
        assert ratio == pytest.approx(math.sqrt(1 + 4 / (3 * math.sqrt(3)) * phi**2), rel=0.01)
        ratios.append(ratio)
    assert ratios[0] < ratios[1] < ratios[2]


def test_step_size_control_converges_quadratically():
    """Symmetric split-step is second order: halving the phase per step quarters the error."""
    grid = Grid(10e9, 16, 64)
    p = ssmf(40.0)
    t = grid.time() - grid.time().mean()
    a = np.sqrt(0.2) * np.exp(-0.5 * (t / 30e-12) ** 2)
    field = OpticalField(ex=jnp.asarray(a, complex)[None], nu=jnp.asarray([p.nu_ref]))
    ref = ssfm_propagate(field, grid, p, max_phase=1e-3, max_step=40e3)
    errs, steps = [], []
    for phi in (0.04, 0.02, 0.01):
        out, n = ssfm_propagate(field, grid, p, max_phase=phi, max_step=40e3, return_steps=True)
        errs.append(float(jnp.max(jnp.abs(out.ex - ref.ex))))
        steps.append(int(n))
    # total nonlinear phase ~ gamma P L_eff / phi steps (peak power falls along the fibre)
    assert steps[0] < steps[1] < steps[2]
    assert errs[0] / errs[1] == pytest.approx(4, rel=0.25)
    assert errs[1] / errs[2] == pytest.approx(4, rel=0.25)


def test_xpm_phase_on_a_weak_probe_is_twice_spm():
    """On one shared grid a CW pump shifts a weak co-polarised probe's phase by
    2 gamma P_pump L_eff (cross-phase modulation, Agrawal NLFO eq. 7.1.15)."""
    grid = Grid(10e9, 8, 64)  # 80 GS/s per channel; 100 GHz spacing = 640 bins
    p = ssmf(20.0, beta2=0.0, beta3=0.0)
    pump, probe = 0.02, 1e-6
    n = grid.n_samples
    ex = jnp.stack([jnp.full(n, math.sqrt(pump)), jnp.full(n, math.sqrt(probe))]).astype(complex)
    field = OpticalField(ex=ex, nu=jnp.asarray([p.nu_ref, p.nu_ref + 100e9]))
    wide, wgrid = to_shared_grid(field, grid, 3)
    back = from_shared_grid(wide, wgrid, field.nu, grid, window_hz=100e9)
    assert float(jnp.max(jnp.abs(back.ex - field.ex))) < 1e-12  # lossless round trip
    out = from_shared_grid(
        ssfm_propagate(wide, wgrid, p, max_phase=1e-3), wgrid, field.nu, grid, 100e9
    )
    leff = effective_length(p.alpha, p.length)
    spm = -float(jnp.angle(jnp.mean(out.ex[0])))
    xpm = -float(jnp.angle(jnp.mean(out.ex[1])))
    assert spm == pytest.approx(p.gamma * pump * leff, rel=1e-3)
    assert xpm == pytest.approx(2 * p.gamma * pump * leff, rel=0.02)
