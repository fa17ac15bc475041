"""Speed of the JAX link against a plain NumPy implementation of the same linear chain.

The chain is Tx -> 50 km SSMF (linear) -> EDFA -> Rx for 16 channels x 2^16 samples.
:func:`numpy_chain` is written for this benchmark from the formulas alone (it shares
the configuration, not the code), so running both with the noise sources off also
cross-checks the JAX model: their recovered values must agree to rounding.

The modulator is the component model in both. The NumPy chain tabulates it once per
channel, outside the timed region (:func:`mzm_tables`): the model's phase per volt,
its S21 at phase differences 0 and pi (which fix the two arm fields a, b of any
two-beam interferometer, S21 = a exp(-j dphi/2) + b exp(+j dphi/2)) and its EO
response on the FFT bins; it then inverts and applies that interferometer in closed
form, where the JAX chain evaluates the SAX model and inverts it by bisection.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from scipy.constants import c, elementary_charge, h

from components.modulators import (
    mzm_eo_response,
    mzm_phase_difference,
    mzm_traveling_wave_model,
)
from cosim.link.chain import run_link
from cosim.link.config import (
    ChannelsConfig,
    EdfaStage,
    FibreStage,
    GridConfig,
    LinkConfig,
)

CHAIN = "Tx -> 50 km SSMF (linear) -> EDFA -> Rx"


def bench_config(channels: int = 16, samples: int = 1 << 16, noise: bool = True) -> LinkConfig:
    """The benchmarked link: defaults except the path and the record size."""
    sps = GridConfig().samples_per_symbol
    if samples % sps:
        raise ValueError(f"samples = {samples} must be a multiple of {sps} samples per symbol")
    span = FibreStage(length_km=50.0, nonlinear=False)
    cfg = LinkConfig(
        grid=GridConfig(n_symbols=samples // sps),
        channels=ChannelsConfig(count=channels),
        path=(span, EdfaStage(gain_db=span.length_km * span.loss_db_per_km, ase=noise)),
    )
    if noise:
        return cfg
    d = cfg.model_dump()
    d["transmitter"]["laser"]["noise"] = False
    d["receiver"]["photodiode"]["shot_noise"] = False
    d["receiver"]["tia"]["noise"] = False
    d["receiver"]["adc"]["enob"] = None
    d["receiver"]["adc"]["bits"] = None
    return LinkConfig.model_validate(d)


# ------------------------------------------------------------------ NumPy reference
def _lowpass_gauss(f: np.ndarray, f3: float | None) -> np.ndarray:
    return np.ones_like(f) if f3 is None else np.exp(-0.5 * math.log(2) * (f / f3) ** 2)


def _lowpass_rc(f: np.ndarray, f3: float | None) -> np.ndarray:
    return np.ones_like(f) if f3 is None else 1 / (1 + 1j * f / f3)


class MzmTables(NamedTuple):
    """The MZM model tabulated per channel: rad/V, arm fields a, b, EO response H(f)."""

    phase_per_volt: np.ndarray  # (ch, 1)
    a: np.ndarray  # (ch, 1) complex
    b: np.ndarray  # (ch, 1) complex
    eo: np.ndarray  # (n_rfft,) complex


def mzm_tables(cfg: LinkConfig) -> MzmTables:
    """Read the MZM's constants off the component model at each channel's wavelength."""
    m = cfg.transmitter.mzm
    wl = c / np.asarray(cfg.frequencies_hz())[:, None] * 1e6  # um
    k = np.asarray(mzm_phase_difference(1.0, m.length_um, wl))

    def s21(dphi: np.ndarray) -> np.ndarray:
        out = mzm_traveling_wave_model(length=m.length_um, wl=wl, voltage=dphi / k)
        return np.asarray(out[("o1", "o2")])

    s0, spi = s21(np.zeros_like(k)), s21(np.full_like(k, np.pi))
    g = cfg.grid
    n = g.n_symbols * g.samples_per_symbol
    fr = np.fft.rfftfreq(n, 1 / (g.symbol_rate_gbd * 1e9 * g.samples_per_symbol))
    eo = np.asarray(mzm_eo_response(fr, m.length_um, m.index_mismatch)) if m.eo_response else 1.0
    return MzmTables(k, (s0 + 1j * spi) / 2, (s0 - 1j * spi) / 2, np.asarray(eo))


def _normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.standard_normal(shape, dtype=np.float32)


def _filter(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    return np.fft.irfft(np.fft.rfft(x) * h, n=x.shape[-1])


def numpy_chain(
    cfg: LinkConfig,
    values: np.ndarray,
    rng: np.random.Generator,
    tables: MzmTables | None = None,
) -> np.ndarray:
    """Recovered values of the benchmark chain, in NumPy (float64/complex128).

    ``tables``: :func:`mzm_tables` of ``cfg`` (computed when not given).
    """
    span, amp = cfg.path
    g = cfg.grid
    fs = g.symbol_rate_gbd * 1e9 * g.samples_per_symbol
    n = g.n_symbols * g.samples_per_symbol
    f = np.fft.fftfreq(n, 1 / fs)
    fr = np.fft.rfftfreq(n, 1 / fs)
    nu = np.asarray(cfg.frequencies_hz())[:, None]
    tx, rx = cfg.transmitter, cfg.receiver
    t = mzm_tables(cfg) if tables is None else tables
    swing = tx.driver.swing_v
    # transmitter: bias at bias_phase of each channel's V_pi, the swing on dphi in [0, pi]
    vpi = np.pi / t.phase_per_volt
    vb = tx.driver.bias_phase_rad / np.pi * vpi
    v_peak, v_null = np.maximum(-swing / 2, -vb), np.minimum(swing / 2, vpi - vb)

    def field_t(v: np.ndarray) -> np.ndarray:
        half = 0.5 * t.phase_per_volt * (v + vb)
        return t.a * np.exp(-1j * half) + t.b * np.exp(1j * half)

    p_laser = 1e-3 * 10 ** (tx.laser.power_dbm / 10)
    t_hi, t_lo = np.abs(field_t(v_peak)) ** 2, np.abs(field_t(v_null)) ** 2
    x_max = cfg.traffic.max_value
    target = t_lo + np.clip(values / x_max, 0, 1) * (t_hi - t_lo)
    # |a e^{-j h} + b e^{j h}|^2 = |a|^2 + |b|^2 + 2 |a b| cos(dphi) (a, b in phase)
    aa, bb = np.abs(t.a), np.abs(t.b)
    cos_dphi = np.clip((target - aa**2 - bb**2) / (2 * aa * bb), -1, 1)
    v = np.arccos(cos_dphi) / t.phase_per_volt - vb
    if tx.dac.bits is not None:
        full = 2**tx.dac.bits - 1
        v = swing * (np.clip(np.round((v / swing + 0.5) * full), 0, full) / full - 0.5)
    v = np.repeat(v, g.samples_per_symbol, axis=1)
    bw = None if tx.dac.bandwidth_ghz is None else tx.dac.bandwidth_ghz * 1e9
    v = _filter(v, _lowpass_gauss(fr, bw) * t.eo)
    power = np.full(v.shape, p_laser)
    phase = np.zeros(v.shape)
    if tx.laser.noise:
        rin = 10 ** (tx.laser.rin_db_per_hz / 10)
        power = power * np.maximum(1 + _normal(rng, v.shape) * np.sqrt(rin * fs / 2), 0)
        step = np.sqrt(2 * np.pi * tx.laser.linewidth_mhz * 1e6 / fs)
        phase = np.cumsum(_normal(rng, v.shape).astype(float) * step, axis=1)
    e = np.sqrt(power) * np.exp(1j * phase) * field_t(v)
    # fibre: attenuation and dispersion with slope, per channel
    lam = span.reference_wavelength_um * 1e-6
    d = span.dispersion_ps_per_nm_km * 1e-6
    s = span.slope_ps_per_nm2_km * 1e3
    b2 = -d * lam**2 / (2 * np.pi * c)
    b3 = (lam**2 / (2 * np.pi * c)) ** 2 * s + lam**3 * d / (2 * np.pi**2 * c**2)
    length = span.length_km * 1e3
    alpha = span.loss_db_per_km / 1e3 * np.log(10) / 10
    w = 2 * np.pi * f
    b2k = b2 + b3 * 2 * np.pi * (nu - c / lam)
    e = np.fft.ifft(
        np.fft.fft(e) * np.exp(-alpha * length / 2 - 1j * length * (b2k * w**2 / 2 + b3 * w**3 / 6))
    )
    # EDFA: gain and ASE in both polarisations
    gain = 10 ** (amp.gain_db / 10)
    e = e * np.sqrt(gain)
    ey = np.zeros_like(e)
    if amp.ase:
        nf = 10 ** (amp.noise_figure_db / 10)
        psd = (nf * gain - 1) / (2 * (gain - 1)) * h * nu * (gain - 1)
        sigma = np.sqrt(psd * fs / 2)
        e = e + sigma * (_normal(rng, e.shape) + 1j * _normal(rng, e.shape))
        ey = sigma * (_normal(rng, e.shape) + 1j * _normal(rng, e.shape))
    # receiver: PD (shot noise, pole), TIA (noise, Gaussian), AGC, sampling, ADC, decode
    pd, ti, ad = rx.photodiode, rx.tia, rx.adc
    resp, dark = pd.responsivity_a_per_w, pd.dark_current_na * 1e-9
    i = resp * (np.abs(e) ** 2 + np.abs(ey) ** 2) + dark
    if pd.shot_noise:
        i = i + _normal(rng, i.shape) * np.sqrt(elementary_charge * np.maximum(i, 0) * fs)
    i = _filter(i, _lowpass_rc(fr, pd.bandwidth_ghz and pd.bandwidth_ghz * 1e9))
    if ti.noise:
        i = i + _normal(rng, i.shape) * ti.noise_density_pa_per_rthz * 1e-12 * np.sqrt(fs / 2)
    i = _filter(i, _lowpass_gauss(fr, ti.bandwidth_ghz and ti.bandwidth_ghz * 1e9))
    path_gain = gain * np.exp(-alpha * length)
    z = ti.transimpedance_ohm
    agc = ad.agc_target * ad.full_scale_v / (z * (resp * p_laser * t_hi * path_gain + dark))
    vout = i * z * agc
    shift = round(ad.sampling_phase * g.samples_per_symbol)
    samples = np.roll(vout, -shift, axis=1)[:, :: g.samples_per_symbol]
    if ad.bits is not None:
        lsb = ad.full_scale_v / (2**ad.bits - 1)
        if ad.enob is not None and ad.enob < ad.bits:
            extra = lsb**2 / 12 * (4.0 ** (ad.bits - ad.enob) - 1)
            samples = samples + _normal(rng, samples.shape) * np.sqrt(extra)
        samples = np.clip(np.round(samples / lsb), 0, 2**ad.bits - 1) * lsb
    p_rx = (samples / (agc * z) - dark) / resp
    p_tx = p_rx / path_gain
    return x_max * (p_tx - p_laser * t_lo) / (p_laser * (t_hi - t_lo))


# ------------------------------------------------------------------ timing
def _interleaved_medians(
    a: Callable[[], object], b: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Median wall times of ``a`` and ``b``, timed alternately so both see the same load."""
    ta, tb = [], []
    for _ in range(repeats):
        for fn, times in ((a, ta), (b, tb)):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return statistics.median(ta), statistics.median(tb)


def run_benchmark(channels: int = 16, samples: int = 1 << 16, repeats: int = 5) -> dict:
    """Samples per second of the JAX chain and of the NumPy chain, same process, same size."""
    cfg = bench_config(channels, samples)
    key_values, key_run = jax.random.split(jax.random.PRNGKey(cfg.seed))
    levels = cfg.traffic.levels
    values = jax.random.randint(key_values, (channels, cfg.grid.n_symbols), 0, levels) / (
        levels - 1
    )
    values_np = np.asarray(values)

    def jax_run() -> None:
        jax.block_until_ready(run_link(cfg, values, key_run).estimates)

    t0 = time.perf_counter()
    jax_run()  # compile + first run
    compile_s = time.perf_counter() - t0
    rng = np.random.default_rng(cfg.seed)
    tables = mzm_tables(cfg)  # the model tabulated once, outside the timed region
    t_jax, t_np = _interleaved_medians(
        jax_run, lambda: numpy_chain(cfg, values_np, rng, tables), repeats
    )
    quiet = bench_config(channels, samples, noise=False)
    diff = float(
        np.max(
            np.abs(
                np.asarray(run_link(quiet, values, key_run).estimates)
                - numpy_chain(quiet, values_np, rng)
            )
        )
    )
    total = channels * samples
    return {
        "chain": CHAIN,
        "channels": channels,
        "samples_per_channel": samples,
        "repeats": repeats,
        "jax": {
            "seconds": t_jax,
            "samples_per_s": total / t_jax,
            "compile_and_first_run_s": compile_s,
        },
        "numpy": {"seconds": t_np, "samples_per_s": total / t_np},
        "speedup": t_np / t_jax,
        "noise_free_max_value_difference": diff,
        "backend": jax.default_backend(),
        "x64": bool(jnp.zeros(1).dtype == jnp.float64),
        "cpu_count": os.cpu_count(),
        "seed": cfg.seed,
    }
