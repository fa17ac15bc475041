"""WDM multiplexer / demultiplexer filters from the drawn cyclic AWG router.

The link's mux, demux and ROADM ports are the N x N router of :mod:`components.awg`
(``awgr_transmission``: passbands, outer-channel loss and crosstalk floors from the
drawn layout) used as a 1 x N device. What the link takes from it:

* the common port (the input that brings the channels to the least lossy outputs)
  and the chip temperature that centres the passbands on the link's channels (a
  real AWG is held on the ITU grid by its TEC; the model's channels move with
  temperature), unless the configuration fixes it;
* which output carries each channel: the one with the highest transmission;
* each port's power transmission around its channel (``|A|^2`` at the channel's
  carrier plus the baseband offset), applied as a zero-phase amplitude filter. The
  arm contributions of a phased array are symmetric about the central arm, so its
  phase is linear, a pure delay (a few ps) that the link leaves out;
* the crosstalk ``X[k, j]``: the power fraction of channel j that the model sends
  into channel k's output, at channel j's carrier.

The model is evaluated on a grid of offsets every spacing / 160 and interpolated
linearly in dB onto the FFT bins (within +-40 GHz of a 100 GHz-grid carrier this
matches the model to < 1e-3 dB; only in the sidelobe nulls, 30 dB down, it errs by
up to ~0.1 dB); the carrier itself is one of the samples, so the channel-centre
transmission is the model's to rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import jax
import numpy as np
from scipy.constants import c
from scipy.optimize import minimize_scalar

from components.awg import awgr_transmission
from components.waveguides import T_REF
from cosim.link.field import Grid
from pdk.params import value

SAMPLES_PER_SPACING = 160  # model samples per channel spacing of offset
TUNING_STEPS = 41  # temperatures scanned over one channel spacing of shift
CHUNK = 256  # wavelengths per model call


@dataclass(frozen=True)
class AwgRouter:
    """Settings of the drawn router and its model (hashable: results are cached).

    channels, channel_spacing_nm, aperture_pitch_um: the ``awgr`` cell's settings;
    temperature_k: chip temperature (K), None = tuned onto the link's channels;
    input_port: the common port (0-based), None = chosen for the link's channels;
    insertion_loss_db, crosstalk_*_db: the model's (None = no crosstalk floor);
    passband: False passes each channel flat at the model's carrier transmission
    (an ideal-filter what-if); crosstalk: False lets no other channel's light reach a
    port, not even through the drawn router's own sidelobes (ideal isolation).
    """

    channels: int
    channel_spacing_nm: float
    aperture_pitch_um: float
    temperature_k: float | None
    input_port: int | None
    insertion_loss_db: float
    crosstalk_adjacent_db: float | None
    crosstalk_nonadjacent_db: float | None
    passband: bool = True
    crosstalk: bool = True

    def transmission(self, wl_um: np.ndarray, temperature: np.ndarray | float) -> np.ndarray:
        """Power transmission (..., N, N) from every input to every output (NumPy: the
        link's filters are constants, evaluated eagerly even while a caller traces)."""
        wl_um, temperature = np.broadcast_arrays(np.asarray(wl_um, float), temperature)
        shape = wl_um.shape
        # in chunks of one size, padded: the model compiles for that shape only
        n = -(-wl_um.size // CHUNK) * CHUNK
        wl_flat = np.resize(wl_um.ravel(), n).reshape(-1, CHUNK)
        t_flat = np.resize(np.asarray(temperature, float).ravel(), n).reshape(-1, CHUNK)
        settings = {
            "channels": self.channels,
            "channel_spacing": self.channel_spacing_nm,
            "aperture_pitch": self.aperture_pitch_um,
            "insertion_loss_db": self.insertion_loss_db,
            "crosstalk_adjacent_db": _db(self.crosstalk_adjacent_db),
            "crosstalk_nonadjacent_db": _db(self.crosstalk_nonadjacent_db),
        }
        with jax.ensure_compile_time_eval():
            p = np.concatenate(
                [
                    np.abs(np.asarray(awgr_transmission(w, temperature=t, **settings))) ** 2
                    for w, t in zip(wl_flat, t_flat, strict=True)
                ]
            )
        return p[: wl_um.size].reshape(*shape, *p.shape[-2:])


def wavelength_um(nu: np.ndarray) -> np.ndarray:
    """Vacuum wavelength (um) of optical frequency ``nu`` (Hz)."""
    return c / np.asarray(nu, dtype=float) * 1e6


def _db(x: float | None) -> float:
    return -math.inf if x is None else x


@dataclass(frozen=True)
class ChannelPlan:
    """Temperature (K) the router runs at, its common (input) port and the output port
    of each link channel."""

    temperature: float
    input_port: int
    ports: tuple[int, ...]


def _shift_per_kelvin_um() -> float:
    """Thermal drift of the channels, lambda dn/dT / n_g (um/K): only sizes the search."""
    return value("constants.wavelength") * value("strip.dn_eff_dT") / value("strip.n_g")


@lru_cache(maxsize=64)
def channel_plan(router: AwgRouter, nu: tuple[float, ...]) -> ChannelPlan:
    """Wire and tune the router for carriers ``nu`` (Hz).

    The common port is the input through which the channels reach their outputs with
    the highest summed log transmission (the outputs nearest the router's centre
    lose least); unless fixed, the temperature maximises the same score over one
    channel spacing of thermal shift around T0, scanned then refined. Each channel
    leaves on its best output.
    """
    wl = wavelength_um(np.asarray(nu))

    def score(t: np.ndarray) -> np.ndarray:  # (..., N inputs): sum_k log max_q |A_pq|^2
        p = router.transmission(wl, np.asarray(t)[..., None])  # (..., ch, N, N)
        s = np.log(p.max(axis=-1)).sum(axis=-2)
        if router.input_port is None:
            return s
        return np.where(np.arange(router.channels) == router.input_port, s, -np.inf)

    temperature = router.temperature_k
    if temperature is None:
        half = 0.5 * router.channel_spacing_nm * 1e-3 / _shift_per_kelvin_um()
        scan = T_REF + np.linspace(-half, half, TUNING_STEPS)
        s = score(scan)  # (T, N)
        i, port = np.unravel_index(int(np.argmax(s)), s.shape)
        step = scan[1] - scan[0]
        res = minimize_scalar(
            lambda t: -float(score(np.asarray(t))[port]),
            bounds=(scan[i] - step, scan[i] + step),
            options={"xatol": 1e-3},  # K: 0.07 pm of channel shift
        )
        temperature = float(res.x)
    port = int(np.argmax(score(np.asarray(temperature))))
    ports = router.transmission(wl, temperature)[:, port, :].argmax(axis=-1)
    for k in range(len(nu)):
        for j in range(k):
            if ports[k] == ports[j]:
                raise ValueError(
                    f"AWG: the channels at {nu[j] * 1e-12:.4f} and {nu[k] * 1e-12:.4f} THz leave "
                    f"the {router.channels}-port router on one output ({ports[k]}): use a router "
                    "with more channels or channels on its grid"
                )
    return ChannelPlan(float(temperature), port, tuple(int(q) for q in ports))


def _port_power(router: AwgRouter, nu: tuple[float, ...], offsets: np.ndarray) -> np.ndarray:
    """(ch, offsets) power transmission of each channel's own port at nu_k + offset."""
    plan = channel_plan(router, nu)
    wl = np.asarray(wavelength_um(np.asarray(nu)[:, None] + offsets[None, :]))
    p = router.transmission(wl, plan.temperature)[..., plan.input_port, :]
    return np.take_along_axis(p, np.asarray(plan.ports)[:, None, None], axis=-1)[..., 0]


@lru_cache(maxsize=64)
def port_response(router: AwgRouter, grid: Grid, nu: tuple[float, ...]) -> np.ndarray:
    """Amplitude response (ch, n_samples) of each channel's port on the FFT bins."""
    f = grid.frequencies()
    if not router.passband:
        return np.sqrt(centre_transmission(router, nu))[:, None] * np.ones(f.size)
    spacing = _grid_spacing_hz(router, nu)
    step = spacing / SAMPLES_PER_SPACING
    k = math.ceil(0.5 * grid.sample_rate / step) + 1
    offsets = step * np.arange(-k, k + 1)
    db = 10 * np.log10(_port_power(router, nu, offsets))
    return np.stack([10 ** (np.interp(f, offsets, row) / 20) for row in db])


def _grid_spacing_hz(router: AwgRouter, nu: tuple[float, ...]) -> float:
    """The router's channel spacing in Hz at the mean carrier."""
    lam = float(np.mean(wavelength_um(np.asarray(nu)))) * 1e-6
    return c * router.channel_spacing_nm * 1e-9 / lam**2


@lru_cache(maxsize=64)
def centre_transmission(router: AwgRouter, nu: tuple[float, ...]) -> np.ndarray:
    """(ch,) power transmission of each channel through its port at its carrier."""
    return _port_power(router, nu, np.zeros(1))[:, 0]


@lru_cache(maxsize=64)
def crosstalk_matrix(router: AwgRouter, nu: tuple[float, ...]) -> np.ndarray:
    """``X[k, j]``: power fraction of channel j (at its carrier) reaching channel k's port."""
    plan = channel_plan(router, nu)
    p = router.transmission(wavelength_um(np.asarray(nu)), plan.temperature)
    x = p[:, plan.input_port, list(plan.ports)].T  # [k, j] = P(nu_j -> port of k)
    np.fill_diagonal(x, 0.0)
    if not router.crosstalk:
        x[:] = 0.0
    return x
