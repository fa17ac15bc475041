"""PNG plots of a link run: eye diagram, received spectrum, power budget, quality."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection

from cosim.link.budget import OSNR_REFERENCE_BANDWIDTH, Budget
from cosim.link.field import Grid, OpticalField


def eye_diagram(
    waveform: np.ndarray,
    grid: Grid,
    sampling_phase: float,
    path: Path,
    channels: list[int] | None = None,
    max_traces: int = 400,
) -> None:
    """Two-symbol eye of the ADC input voltage, sampling instant marked, up to 4 channels."""
    waveform = np.asarray(waveform)
    channels = channels if channels is not None else list(range(min(4, waveform.shape[0])))
    sps = grid.samples_per_symbol
    fig, axes = plt.subplots(1, len(channels), figsize=(4 * len(channels), 3.4), squeeze=False)
    t = (np.arange(2 * sps + 1) / sps) - 0.5 + sampling_phase
    shift = round((sampling_phase - 0.5) * sps)
    for ax, k in zip(axes[0], channels, strict=True):
        w = np.roll(waveform[k], -shift)
        n = min(max_traces, grid.n_symbols - 2)
        traces = np.stack([w[i * sps : i * sps + 2 * sps + 1] for i in range(n)])
        lc = LineCollection(
            [np.column_stack([t, tr]) for tr in traces], colors="C0", alpha=0.08, linewidths=0.7
        )
        ax.add_collection(lc)
        ax.set_xlim(t[0], t[-1])
        lo, hi = traces.min(), traces.max()
        ax.set_ylim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
        for s in (sampling_phase, sampling_phase + 1):
            ax.axvline(s, color="C3", lw=0.8, ls="--")
        ax.set_title(f"channel {k}")
        ax.set_xlabel("time (symbols)")
    axes[0][0].set_ylabel("ADC input (V)")
    fig.suptitle("eye diagram at the ADC input (dashed: sampling instant)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def received_spectrum(
    field: OpticalField, grid: Grid, spacing: float, path: Path, segment: int = 4096
) -> None:
    """Optical spectrum at the receiver input as an OSA shows it: power in a sliding
    0.1 nm (12.5 GHz) resolution bandwidth, both polarisations. The carrier peak reads
    the channel power and the floor the ASE in 0.1 nm, so OSNR reads off directly."""
    ex = np.asarray(field.ex)
    nu = np.asarray(field.nu)
    seg = min(segment, grid.n_samples)
    n_seg = grid.n_samples // seg

    def bin_power(x: np.ndarray) -> np.ndarray:  # W per FFT bin, averaged periodogram
        x = x[..., : n_seg * seg].reshape(*x.shape[:-1], n_seg, seg)
        return np.mean(np.abs(np.fft.fft(x, axis=-1)) ** 2, axis=-2) / seg**2

    s = bin_power(ex)
    if field.ey is not None:
        s = s + bin_power(np.asarray(field.ey))
    f = np.fft.fftshift(np.fft.fftfreq(seg, grid.dt))
    s = np.fft.fftshift(s, axes=-1)
    rbw_bins = max(1, round(OSNR_REFERENCE_BANDWIDTH / (grid.sample_rate / seg)))
    kernel = np.ones(rbw_bins)
    keep = np.abs(f) <= 0.5 * spacing
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for k in range(ex.shape[0]):
        osa = np.convolve(s[k], kernel, mode="same")
        y = 10 * np.log10(np.maximum(osa[keep], 1e-30) / 1e-3)
        ax.plot((nu[k] + f[keep]) / 1e12, y, lw=0.8)
    ax.set_xlabel("optical frequency (THz)")
    ax.set_ylabel("power in 0.1 nm (dBm)")
    ax.set_title("received optical spectrum, 0.1 nm resolution (each port, ±spacing/2)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def power_budget(budget: Budget, path: Path) -> None:
    """Mean signal power per channel after each element, OSNR on the right axis."""
    labels = [r.stage for r in budget.rows]
    x = np.arange(len(labels))
    sig = np.array([r.signal_dbm for r in budget.rows])
    osnr = np.array([r.osnr_db for r in budget.rows])
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(labels)), 3.8))
    ax.plot(x, sig, marker="o", lw=1)
    ax.set_ylabel("mean signal power (dBm)")
    ax.set_xticks(x, labels, rotation=20, ha="right")
    ax.grid(alpha=0.3)
    ax2 = ax.twinx()
    finite = np.where(np.isfinite(osnr), osnr, np.nan)
    ax2.plot(x, finite, ls="--", color="k", alpha=0.6, marker="s", ms=3)
    ax2.set_ylabel("OSNR in 0.1 nm (dB), dashed")
    ax.set_title("power budget per channel")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def quality(channels: list[dict], path: Path) -> None:
    """Per-channel SNR, Q-factor and BER (Gaussian and counted)."""
    k = np.arange(len(channels))
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    axes[0].bar(k, [c["snr_db"] for c in channels])
    axes[0].set_ylabel("SNR of recovered values (dB)")
    axes[1].bar(k, [c["q_factor"] for c in channels], color="C1")
    axes[1].set_ylabel("Q-factor")
    ber = np.array([c["ber"] for c in channels])
    counted = np.array([c["ber_counted"] for c in channels])
    axes[2].semilogy(k, np.maximum(ber, 1e-40), "o", label="Gaussian (from Q)")
    axes[2].semilogy(k, np.where(counted > 0, counted, np.nan), "x", label="counted")
    axes[2].set_ylabel("BER")
    axes[2].legend(fontsize=8)
    for ax in axes:
        ax.set_xlabel("channel")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
