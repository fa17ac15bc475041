"""Noise-limited ENOB in closed form, from the same noise terms the waveform model draws.

For output ``i`` of a tile, with detector powers ``P_+/-(t) = sum_j sum_(d: s_d = +/-)
|h_ijd|^2 g_j P_tx,j(t)``, balanced weight ``H_ij = sum_d s_d |h_ijd|^2`` and the
channel powers at the OPU port ``P_j(t) = g_j P_tx,j(t)``, the one-sided current noise
terms are (Agrawal, Fiber-Optic Communication Systems, 4th ed., secs. 4.4 and 7.1):

==============  =====================================================================
shot            ``2 q (R P_+ + R P_- + 2 I_d) B_pd``
TIA             ``i_n^2 B_tia``
RIN             ``sum_j (R H_ij P_j)^2 RIN B_pd`` (each laser's own intensity noise)
signal-ASE      ``sum_j 4 R^2 H_ij^2 P_j S_j B_pd`` (``S_j``: ASE PSD per polarisation)
ASE-ASE         ``sum_j 2 R^2 H_ij^2 S_j^2 (2 B_o - B_pd) B_pd`` (two polarisations,
                optical noise bandwidth ``B_o`` = one channel spacing, an upper bound)
ADC             ``(LSB^2 / 12) 4^(bits - ENOB) / (G Z)^2`` referred to the input
DAC             ``sum_j W_ij^2 var(x_j)``, ``var(x) = (dV^2 / 12) (dx/dV)^2`` of the
                transmitter's pre-distorted MZM drive (output units directly)
==============  =====================================================================

``B_pd``: noise bandwidth of photodiode pole and TIA together (on the simulation grid,
white noise up to Nyquist); ``B_tia``: of the TIA alone. Variances are referred to the
output (``y = I / (R norm_i a_min)``, :mod:`cosim.e2e.pipeline`), summed over a row's
column tiles, averaged over outputs and symbols, and turned into
``ENOB = log2(R_y / (sqrt(12) sigma))`` with the range ``R_y`` of the ideal outputs.

Not in the closed form (they are not noise): dispersion and filtering ISI, fibre
nonlinearity, crosstalk, and the cores' static weight errors. A run with only the
terms above switched on must agree with it (the test of this module).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from scipy.constants import elementary_charge

from cosim.e2e.opu import readout
from cosim.e2e.pipeline import NodeRun, network_config
from cosim.e2e.scenario import Scenario
from cosim.link.filters import first_order_lowpass, gaussian_lowpass, noise_bandwidth_on_grid
from cosim.link.transmitter import TxParams, drive_voltage
from cosim.network.topology import NetworkConfig

_drive_voltage = jax.jit(drive_voltage, static_argnums=2)


@dataclass(frozen=True)
class NoiseBudget:
    """Per-term noise variance in output units^2 (mean over outputs and symbols)."""

    terms: dict[str, float]
    range: float

    @property
    def sigma(self) -> float:
        return math.sqrt(sum(self.terms.values()))

    @property
    def enob(self) -> float:
        return math.log2(self.range / (math.sqrt(12) * max(self.sigma, 1e-300)))


def _bandwidths(cfg: NetworkConfig) -> tuple[float, float]:
    grid = cfg.grid.grid()
    rx = cfg.receiver.params()
    f = jnp.asarray(grid.frequencies())
    h_pd = first_order_lowpass(jnp.abs(f), rx.pd_bandwidth)
    h_tia = gaussian_lowpass(jnp.abs(f), rx.tia_bandwidth)
    return (
        float(noise_bandwidth_on_grid(h_pd * h_tia, grid.sample_rate)),
        float(noise_bandwidth_on_grid(h_tia, grid.sample_rate)),
    )


def _dac_variance(tx: TxParams, x: np.ndarray, nu: np.ndarray) -> np.ndarray:
    """var of the sent value per channel and symbol from drive-voltage quantisation."""
    if tx.dac_bits is None:
        return np.zeros_like(x)
    ideal = tx.__class__(**{**tx.__dict__, "dac_bits": None})
    v = np.asarray(_drive_voltage(jnp.asarray(x), jnp.asarray(nu), ideal))
    eps = 1e-4
    dv = np.asarray(_drive_voltage(jnp.asarray(np.clip(x + eps, 0, 1)), jnp.asarray(nu), ideal))
    dxdv = eps / np.where(np.abs(dv - v) > 0, dv - v, np.inf)
    lsb = tx.swing / (2**tx.dac_bits - 1)
    return (lsb**2 / 12) * dxdv**2


def analytic_enob(run: NodeRun, sc: Scenario) -> NoiseBudget:
    """The closed-form noise budget of one node's run (see the module docstring)."""
    cfg = network_config(sc)
    rx = cfg.receiver.params()
    tx = cfg.transmitter.params(1.0)
    b_pd, b_tia = _bandwidths(cfg)
    q = elementary_charge
    r = rx.responsivity
    a_min = float(run.swing_w.min())
    nu = np.array([cfg.frequency_hz(k) for k in cfg.node(run.node).channels])
    rin = tx.rin or 0.0
    s_ase = (
        run.ase_psd_w_per_hz
        if any(link.amplifier and link.amplifier.ase for link in cfg.links)
        else 0 * run.ase_psd_w_per_hz
    )
    b_opt = cfg.channels.spacing_ghz * 1e9
    cols = sc.cols
    batch = run.X.shape[1]
    terms = dict.fromkeys(("shot", "tia", "rin", "signal_ase", "ase_ase", "adc", "dac"), 0.0)
    var_rows = {k: np.zeros((run.W.shape[0], batch)) for k in terms}
    for tile in run.tiles:
        xs = np.zeros((cols, batch))
        part = run.X[tile.c0 : tile.c0 + cols]
        xs[: part.shape[0]] = part
        p_tx = run.levels_lo_w[:, None] + (run.levels_hi_w - run.levels_lo_w)[:, None] * xs
        p_port = run.channel_gain[:, None] * p_tx  # (cols, B)
        t = tile.response.at_centre()  # (rows, cols, det)
        sign = tile.response.sign
        plus = np.einsum("ijd,jb->ib", t * (sign > 0), p_port)
        minus = np.einsum("ijd,jb->ib", t * (sign < 0), p_port)
        h = np.einsum("ijd,d->ij", t, sign)  # (rows, cols)
        v = {
            "shot": 2 * q * (r * plus + r * minus + 2 * rx.dark_current) * b_pd
            if rx.shot_noise
            else 0 * plus,
            "tia": np.full_like(plus, (rx.current_noise_density or 0.0) ** 2 * b_tia),
            "rin": r**2 * (h**2 @ p_port**2) * rin * b_pd,
            "signal_ase": 4 * r**2 * (h**2 * s_ase[None, :]) @ p_port * b_pd,
            "ase_ase": np.repeat(
                (2 * r**2 * (h**2 @ s_ase**2) * (2 * b_opt - b_pd) * b_pd)[:, None], batch, 1
            ),
        }
        if rx.adc_bits is not None:
            g = readout(rx, tile.i_max, cfg.receiver.adc.agc_target).gain
            lsb = rx.full_scale / (2**rx.adc_bits - 1)
            extra = 4.0 ** (rx.adc_bits - rx.adc_enob) if rx.adc_enob else 1.0
            adc_i = (lsb**2 / 12) * extra / (g * rx.transimpedance) ** 2
            v["adc"] = np.repeat(adc_i[:, None], batch, 1)
        scale = (r * tile.response.norm * a_min) ** 2  # A^2 per output unit^2
        n_out = min(sc.rows, run.W.shape[0] - tile.r0)
        for k, val in v.items():
            var_rows[k][tile.r0 : tile.r0 + n_out] += (val / scale[:, None])[:n_out]
        var_x = _dac_variance(tx, xs, nu)
        w = run.W[tile.r0 : tile.r0 + n_out, tile.c0 : tile.c0 + cols]
        var_rows["dac"][tile.r0 : tile.r0 + n_out] += w**2 @ var_x[: w.shape[1]]
    terms = {k: float(np.mean(val)) for k, val in var_rows.items()}
    return NoiseBudget(terms=terms, range=float(np.ptp(run.Y_ideal)))
