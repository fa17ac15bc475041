"""Analytic power budget and OSNR along a link path (NumPy, no sampling noise).

Signal: the mean launched power per channel, spread over the grid with the
transmitter's mean power spectrum (:func:`launch_spectrum`), times each element's
power response, so that band-limiting filters (AWGs, OBPFs) cost what they cost. ASE: its spectral
density (both polarisations, W/Hz) is tracked on the simulation grid, so filters
shape it and power-controlled amplifiers see the same total power as in the waveform
model. OSNR is quoted in the 0.1 nm (12.5 GHz) reference bandwidth, both
polarisations of ASE (the ITU-T G.697 / IEC 61280-2-9 convention).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np
from scipy.constants import h as planck

from cosim.link.amplifier import ase_psd
from cosim.link.awg import port_response
from cosim.link.config import (
    AttenuatorStage,
    DemuxStage,
    EdfaStage,
    ExpressStage,
    FibreStage,
    LinkConfig,
    MuxStage,
    ObpfStage,
    TrafficConfig,
    TransmitterConfig,
)
from cosim.link.field import Grid
from cosim.link.filters import super_gaussian_bandpass
from cosim.link.transmitter import intensity_levels

OSNR_REFERENCE_BANDWIDTH = 12.5e9  # Hz, 0.1 nm at 1550 nm


@dataclass
class BudgetRow:
    """State after one element: per-channel arrays."""

    stage: str
    signal_w: np.ndarray
    ase_ref_w: np.ndarray  # ASE power in the reference bandwidth, both polarisations
    gain_db: float | np.ndarray = 0.0

    @property
    def signal_dbm(self) -> np.ndarray:
        return 10 * np.log10(self.signal_w / 1e-3)

    @property
    def osnr_db(self) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return 10 * np.log10(self.signal_w / self.ase_ref_w)


@dataclass
class Budget:
    rows: list[BudgetRow] = field(default_factory=list)
    ase_psd: np.ndarray | None = None  # (ch, n) W/Hz, both polarisations, at the end

    @property
    def final(self) -> BudgetRow:
        return self.rows[-1]

    def to_dict(self) -> list[dict]:
        return [
            {
                "stage": r.stage,
                "signal_dbm": r.signal_dbm.tolist(),
                "osnr_db": [None if not np.isfinite(v) else float(v) for v in r.osnr_db],
                "gain_db": np.atleast_1d(r.gain_db).tolist(),
            }
            for r in self.rows
        ]


def _ref_power(psd: np.ndarray, f: np.ndarray, df: float) -> np.ndarray:
    band = np.abs(f) < 0.5 * OSNR_REFERENCE_BANDWIDTH
    return psd[:, band].sum(axis=1) * df


def cascade(
    path: tuple,
    signal_w: np.ndarray,
    nu: np.ndarray,
    grid: Grid,
    spacing: float,
    psd: np.ndarray | None = None,
    first_label: str = "transmitter",
    signal_shape: np.ndarray | None = None,
) -> Budget:
    """Budget of ``path`` for channels at ``nu`` (Hz) launched with mean ``signal_w`` (W).

    ``psd``: ASE already present (W/Hz, both polarisations, (ch, n) on the grid).
    ``signal_shape``: fraction of the signal power in each FFT bin (sums to 1; default:
    a CW carrier, all power at the channel centre).
    """
    f = grid.frequencies()
    if signal_shape is None:
        signal_shape = np.zeros(f.size)
        signal_shape[0] = 1.0
    sig = np.asarray(signal_w, dtype=float)[:, None] * np.asarray(signal_shape)[None, :]
    p = sig.sum(axis=1)
    s = np.zeros((len(nu), f.size)) if psd is None else np.array(psd, dtype=float)
    budget = Budget([BudgetRow(first_label, p.copy(), _ref_power(s, f, grid.df))])
    for st in path:
        g: float | np.ndarray
        if isinstance(st, FibreStage):
            g = 10 ** (-st.loss_db_per_km * st.length_km / 10)
            sig, s = sig * g, s * g
            label = f"fibre {st.length_km:g} km"
        elif isinstance(st, EdfaStage):
            if st.gain_db is not None:
                g = 10 ** (st.gain_db / 10)
            else:
                total = np.sum(sig) + np.sum(s) * grid.df
                target = 1e-3 * 10 ** (st.output_power_dbm / 10)
                # the ASE this amplifier adds counts towards its output (cf. power_control_gain)
                q = np.sum(planck * nu) * grid.sample_rate if st.ase else 0.0
                nf = 10 ** (st.noise_figure_db / 10)
                g = min((target + q) / (total + nf * q), 10 ** (st.max_gain_db / 10))
            sig, s = sig * g, s * g
            if st.ase:
                s = s + 2 * np.asarray(ase_psd(st.noise_figure_db, g, nu))[:, None]
            label = "EDFA"
        elif isinstance(st, ObpfStage):
            h2 = (
                np.abs(np.asarray(super_gaussian_bandpass(f, st.bandwidth_ghz * 1e9, st.order)))
                ** 2
            )
            g, sig, s = float(h2[0]), sig * h2, s * h2
            label = "OBPF"
        elif isinstance(st, AttenuatorStage):
            g = 10 ** (-st.loss_db / 10)
            sig, s = sig * g, s * g
            label = f"attenuator {st.loss_db:g} dB"
        elif isinstance(st, MuxStage | DemuxStage | ExpressStage):
            carriers = tuple(float(v) for v in np.atleast_1d(nu))
            h2 = port_response(st.router(), grid, carriers) ** 2
            if isinstance(st, ExpressStage):
                h2 = h2**2
            g = h2[:, 0]
            sig, s = sig * h2, s * h2
            label = {MuxStage: "mux", DemuxStage: "demux", ExpressStage: "ROADM express"}[type(st)]
        else:  # pragma: no cover
            raise TypeError(type(st).__name__)
        gain_db = 10 * np.log10(g)
        budget.rows.append(BudgetRow(label, sig.sum(axis=1), _ref_power(s, f, grid.df), gain_db))
    budget.ase_psd = s
    return budget


def launch_power(
    transmitter: TransmitterConfig, traffic: TrafficConfig, nu: np.ndarray
) -> np.ndarray:
    """Mean transmitter output power (W) of channels at ``nu`` (Hz), all levels equally
    likely."""
    lv = intensity_levels(transmitter.params(traffic.max_value), jnp.asarray(nu, dtype=float))
    # mean of equally spaced, equiprobable levels
    return 0.5 * (np.asarray(lv.lo) + np.asarray(lv.hi))


def launch_spectrum(
    transmitter: TransmitterConfig, traffic: TrafficConfig, grid: Grid, seed: int, nu: float
) -> np.ndarray:
    """Fraction of a channel's power in each FFT bin for random symbols (sums to 1),
    for a carrier at ``nu`` (Hz; the MZM's transfer barely changes across the band).

    From a noise-free transmitter run on the grid (laser RIN and phase noise off: the
    1 MHz line is far below the bin width of the spectra this is used for).
    """
    from cosim.link.chain import transmit_jit  # the chain imports this module's users

    tx = dataclasses.replace(transmitter.params(traffic.max_value), rin=None, linewidth=None)
    key_values, key_tx = jax.random.split(jax.random.PRNGKey(seed))
    x = jax.random.randint(key_values, (1, grid.n_symbols), 0, traffic.levels)
    x = x * (traffic.max_value / (traffic.levels - 1))
    ex = np.asarray(transmit_jit(x, jnp.asarray([nu]), key_tx, grid, tx).ex[0])
    spec = np.abs(np.fft.fft(ex)) ** 2
    return spec / spec.sum()


def link_budget(cfg: LinkConfig) -> Budget:
    """Power budget and OSNR of the configured link, element by element."""
    return cascade(
        cfg.path,
        launch_power(cfg.transmitter, cfg.traffic, np.asarray(cfg.frequencies_hz())),
        np.asarray(cfg.frequencies_hz()),
        cfg.grid.grid(),
        cfg.channels.spacing_ghz * 1e9,
        signal_shape=launch_spectrum(
            cfg.transmitter,
            cfg.traffic,
            cfg.grid.grid(),
            cfg.seed,
            float(np.mean(cfg.frequencies_hz())),
        ),
    )
