"""Signal-quality figures from received samples: Q, BER, SNR (NumPy).

Q-factor between two adjacent levels i, i+1 of the decision samples (Agrawal,
Fiber-Optic Communication Systems, 4th ed., sec. 4.5): ``Q = (mu_{i+1} - mu_i) /
(sigma_i + sigma_{i+1})``; the worst pair is reported. Gaussian-noise BER of Gray-coded
M-level intensity modulation with equal eyes: ``BER = (M - 1) / (M log2 M) erfc(Q/sqrt2)``,
which is ``1/2 erfc(Q/sqrt2)`` for on-off keying. The counted BER decides each sample
against thresholds placed where the two Gaussian tails cross
(``(sigma_{i+1} mu_i + sigma_i mu_{i+1}) / (sigma_i + sigma_{i+1})``).
SNR of the recovered values: ``var(x) / mean((x_hat - x)^2)``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erfc


def level_statistics(samples: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of the samples of each distinct sent value (sorted)."""
    levels = np.unique(values)
    mu = np.array([samples[values == v].mean() for v in levels])
    sd = np.array([samples[values == v].std(ddof=1) for v in levels])
    return mu, sd


def q_factor(samples: np.ndarray, values: np.ndarray) -> float:
    """Worst adjacent-level Q-factor (linear) of one channel's decision samples."""
    mu, sd = level_statistics(np.asarray(samples), np.asarray(values))
    q = (mu[1:] - mu[:-1]) / (sd[1:] + sd[:-1])
    return float(np.min(q))


def ber_from_q(q: float, levels: int = 2) -> float:
    """Gaussian-noise BER of Gray-coded ``levels``-ary intensity modulation."""
    m = levels
    return float((m - 1) / (m * math.log2(m)) * erfc(q / math.sqrt(2)))


def counted_errors(samples: np.ndarray, values: np.ndarray) -> tuple[int, int]:
    """(symbol errors, symbols) with tail-crossing thresholds between adjacent levels."""
    samples, values = np.asarray(samples), np.asarray(values)
    levels = np.unique(values)
    mu, sd = level_statistics(samples, values)
    thresholds = (sd[1:] * mu[:-1] + sd[:-1] * mu[1:]) / (sd[1:] + sd[:-1])
    decided = np.searchsorted(thresholds, samples)
    sent = np.searchsorted(levels, values)
    return int(np.sum(decided != sent)), int(samples.size)


def counted_ber(samples: np.ndarray, values: np.ndarray) -> float:
    """Counted BER (symbol errors / (symbols log2 M), Gray coding)."""
    errors, n = counted_errors(samples, values)
    m = len(np.unique(values))
    return errors / (n * math.log2(m))


def snr_db(estimates: np.ndarray, values: np.ndarray) -> float:
    """SNR of the recovered values (dB): signal variance over mean squared error."""
    err = np.mean((np.asarray(estimates) - np.asarray(values)) ** 2)
    return float(10 * np.log10(np.var(values) / err)) if err > 0 else math.inf


def enob_from_snr(snr: float) -> float:
    """Effective bits of a value channel: (SNR_dB - 1.76) / 6.02."""
    return (snr - 1.76) / 6.02
