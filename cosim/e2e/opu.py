"""The OPU at the centre: each channel's field spectrum through the core, balanced detection.

A core's *detector response* ``h[i, j, d, f]`` is the complex field transfer from input
channel ``j`` (at its carrier plus offset ``f``) to detector ``d`` of output ``i``; each
detector has a sign ``s_d`` (+1 drop/cross, -1 through/bar: balanced detection). For a
channel field ``E_j(t)`` the detector sees ``|IFFT(h FFT(E_j))|^2``; different channels
add as powers on a detector (their beat notes, >= one channel spacing, lie far outside
the receiver bandwidth). So the ring linewidth against the symbol rate — ISI and
dispersion-to-intensity conversion in the weight bank's filters — is captured.

The response comes from each core's structured evaluator (validated against SAX of the
layout netlist):

* ``mrr``: the bank's row fields (``MrrWeightBank.fields``) at every offset frequency,
  drop and through detectors of each row;
* ``mzi``: the demux + MZI attenuator fields (``mzi_bank.structured_fields``), a
  balanced pair for each (row, MZI) whose currents add;
* ``clements`` and ``awgr``: evaluated at the channel centre only (frequency-flat over
  the signal band: the mesh has no resonant element and the AWGR passband is several
  times the symbol rate); the realised matrix is split into a +/- detector pair with
  ``|h|^2 = s |W_realised|``, ``s`` the largest share of one input's power that
  passive optics can deliver (power conservation). A coherent mesh fed by independent
  lasers detects this way; homodyne gain is not modelled here.

``norm[i]``: physical balanced power gain per unit realised weight, so that
``sum_d s_d |h[i, j, d, 0]|^2 = norm[i] W_realised[i, j]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from scipy.constants import speed_of_light

from circuits.core import NonIdealities, OpticalCore
from cosim.link.field import Grid, OpticalField
from cosim.link.receiver import RxParams, adc, balanced_photocurrent, sample, tia


@dataclass(frozen=True)
class DetectorResponse:
    """h: (rows, cols, detectors, n_f) complex at ``offsets_hz``; sign: (detectors,);
    norm: (rows,) balanced power gain per unit realised weight; flat: centre-only."""

    h: np.ndarray
    sign: np.ndarray
    norm: np.ndarray
    offsets_hz: np.ndarray
    flat: bool

    def at_centre(self) -> np.ndarray:
        """(rows, cols, detectors) power transfer at the channel carriers."""
        i0 = int(np.argmin(np.abs(self.offsets_hz)))
        return np.abs(self.h[..., i0]) ** 2

    def balanced_matrix(self) -> np.ndarray:
        """Realised weights (rows, cols) recovered from the response at the carriers."""
        return np.einsum("ijd,d->ij", self.at_centre(), self.sign) / self.norm[:, None]


def _channel_wavelengths_um(core: OpticalCore, offsets_hz: np.ndarray) -> np.ndarray:
    """(cols, n_f) wavelengths (um) of each channel's carrier plus the offsets."""
    nu = speed_of_light / (np.asarray(core.wavelengths, float) * 1e-6)
    return speed_of_light / (nu[:, None] + offsets_hz[None, :]) * 1e6


def _mrr(core, settings, nonideal, offsets_hz: np.ndarray) -> DetectorResponse:
    from components.rings import heater_delta

    st = core.state(nonideal)
    delta = np.asarray(heater_delta(core.effective_powers(settings.powers_mw, st)))
    wl = _channel_wavelengths_um(core, offsets_hz)
    fields = np.asarray(core.fields(st, delta, wl.ravel()))  # (M, C*nf, 2)
    m, n, nf = core.rows, core.cols, offsets_hz.size
    h = fields.reshape(m, n, nf, 2).transpose(0, 1, 3, 2)
    return DetectorResponse(h, np.array([1.0, -1.0]), settings.row_norm, offsets_hz, False)


def _mzi(core, settings, nonideal, offsets_hz: np.ndarray) -> DetectorResponse:
    from circuits import mzi_bank as mb

    topo = core.topology
    dev = mb.device(topo, nonideal, settings.router_tuning_k)
    state = mb.device_state(settings.power_top, settings.power_bottom, dev)
    wl = _channel_wavelengths_um(core, offsets_hz)
    f = mb.structured_fn(topo.rows, topo.cols)
    m, n, nf = topo.rows, topo.cols, offsets_hz.size
    fields = np.asarray(f(state, jnp.asarray(wl.ravel())))  # (M, Nc, 2, N*nf)
    fields = fields.reshape(m, n, 2, n, nf)  # row, MZI column, sign, channel, offset
    h = fields.transpose(0, 3, 1, 2, 4).reshape(m, n, 2 * n, nf)
    sign = np.tile([1.0, -1.0], n)
    norm = np.full(m, 1.0 / (settings.scale * settings.gain * mb.RESPONSIVITY))
    return DetectorResponse(h, sign, norm, offsets_hz, False)


def _flat(core, settings, nonideal, offsets_hz: np.ndarray) -> DetectorResponse:
    w = np.asarray(core.realised_matrix(settings, nonideal), float)
    share = 1.0 / max(float(np.max(np.sum(np.abs(w), axis=0))), 1e-300)
    amp = np.sqrt(share * np.stack([np.maximum(w, 0), np.maximum(-w, 0)], axis=-1))
    h = np.repeat(amp[..., None], offsets_hz.size, axis=-1).astype(complex)
    return DetectorResponse(h, np.array([1.0, -1.0]), np.full(w.shape[0], share), offsets_hz, True)


def detector_response(
    core: OpticalCore,
    settings,
    nonideal: NonIdealities,
    offsets_hz: np.ndarray,
    flat: bool = False,
) -> DetectorResponse:
    """The programmed core's :class:`DetectorResponse` at carrier offsets ``offsets_hz`` (Hz).

    ``nonideal``: the imperfections the core is built with (as programmed);
    ``flat``: evaluate at the carriers only and hold that over the signal band.
    """
    offsets_hz = np.asarray(offsets_hz, float)
    if core.kind in ("clements", "awgr"):
        return _flat(core, settings, nonideal, offsets_hz)
    fn = _mrr if core.kind == "mrr" else _mzi
    resp = fn(core, settings, nonideal, np.array([0.0]) if flat else offsets_hz)
    if flat:
        h = np.repeat(resp.h, offsets_hz.size, axis=-1)
        return DetectorResponse(h, resp.sign, resp.norm, offsets_hz, True)
    return resp


# --------------------------------------------------------------------------- detection
@jax.jit
def detector_powers(ex, ey, p_inc, h):
    """Optical power (W) on every detector, (rows, detectors, n_samples).

    ``ex``/``ey``: (cols, n) channel fields (ey may be zeros); ``p_inc``: (cols, n)
    incoherent crosstalk power; ``h``: (rows, cols, detectors, n) response on the FFT
    frequencies of the grid (numpy FFT order).
    """

    def through(e):
        spec = jnp.fft.fft(e, axis=-1)  # (cols, n)
        return jnp.fft.ifft(h * spec[None, :, None, :], axis=-1)  # (rows, cols, det, n)

    p = jnp.sum(jnp.abs(through(ex)) ** 2 + jnp.abs(through(ey)) ** 2, axis=1)
    centre = jnp.abs(h[..., 0]) ** 2  # FFT bin 0 is the carrier
    return p + jnp.einsum("icd,cn->idn", centre, p_inc)


@dataclass(frozen=True)
class Readout:
    """Per-output electronics after the balanced detectors.

    gain: (rows,) V/V between TIA and ADC, chosen so the largest possible balanced
    current lands at ``agc_target`` of half the ADC range around mid-scale.
    """

    rx: RxParams
    gain: np.ndarray


def readout(rx: RxParams, i_max: np.ndarray, agc_target: float | None) -> Readout:
    """Electrical gains mapping +-``i_max`` (A) to +-agc_target FS/2 (1 without AGC)."""
    if agc_target is None:
        return Readout(rx, np.ones_like(i_max))
    i_max = np.where(i_max > 0, i_max, 1.0)  # an all-zero row (tile padding) carries nothing
    return Readout(rx, agc_target * 0.5 * rx.full_scale / (rx.transimpedance * i_max))


@partial(jax.jit, static_argnums=(2, 3))
def _detect(p_det, key, grid: Grid, rx: RxParams, sign, gain):
    k_pd, k_tia, k_adc = jax.random.split(key, 3)
    plus = jnp.einsum("idn,d->in", p_det, jnp.maximum(sign, 0))
    minus = jnp.einsum("idn,d->in", p_det, jnp.maximum(-sign, 0))
    i = balanced_photocurrent(
        plus, minus, k_pd, grid, rx.responsivity, rx.dark_current, rx.pd_bandwidth, rx.shot_noise
    )
    v = tia(i, k_tia, grid, rx.current_noise_density, rx.tia_bandwidth, rx.transimpedance)
    v = 0.5 * rx.full_scale + gain[:, None] * v
    s = adc(sample(v, grid, rx.sampling_phase), k_adc, rx.adc_bits, rx.adc_enob, rx.full_scale)
    return (s - 0.5 * rx.full_scale) / (gain[:, None] * rx.transimpedance)


def balanced_currents(
    field: OpticalField, h_fft: np.ndarray, sign: np.ndarray, ro: Readout, key, grid: Grid
) -> np.ndarray:
    """Balanced photocurrent per output and symbol (A), as the ADC reports it.

    ``field``: the core's input channels (cols, n); ``h_fft``: response on the grid's FFT
    frequencies (rows, cols, detectors, n).
    """
    ey = field.ey if field.ey is not None else jnp.zeros_like(field.ex)
    p_inc = field.p_incoherent if field.p_incoherent is not None else jnp.zeros(field.ex.shape)
    p = detector_powers(field.ex, ey, p_inc, jnp.asarray(h_fft))
    return np.asarray(_detect(p, key, grid, ro.rx, jnp.asarray(sign), jnp.asarray(ro.gain)))
