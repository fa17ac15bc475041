"""Fidelity of the optical product Y against the ideal W X.

Definitions (ADC practice; shared/SYSTEM.md): error ``e = Y - W X``; range ``R`` =
max - min of the ideal outputs; ``sigma`` = RMS of ``e`` about its mean per output
(the bias is reported separately, it is calibratable); ``ENOB = log2(R / (sqrt(12)
sigma))``; ``NRMSE = rms(e) / R``; ``SNR = mean((W X)^2) / mean(e^2)`` in dB.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from cosim.e2e.pipeline import NodeRun, RunResult


def fidelity(Y: np.ndarray, Y0: np.ndarray) -> dict[str, Any]:
    """Fidelity figures of ``Y`` against ``Y0`` (outputs x batch)."""
    Y, Y0 = np.asarray(Y, float), np.asarray(Y0, float)
    e = Y - Y0
    bias = e.mean(axis=1)
    sigma = float(np.sqrt(np.mean((e - bias[:, None]) ** 2)))
    rng = float(np.ptp(Y0))
    rms = float(np.sqrt(np.mean(e**2)))
    snr = float(np.mean(Y0**2)) / max(float(np.mean(e**2)), 1e-300)
    return {
        "enob": math.log2(rng / (math.sqrt(12) * max(sigma, 1e-300))),
        "nrmse": rms / rng,
        "snr_db": 10 * math.log10(snr),
        "sigma": sigma,
        "range": rng,
        "bias": bias.tolist(),
    }


def node_metrics(run: NodeRun) -> dict[str, Any]:
    """Fidelity plus the node's optical figures (per-channel means)."""
    out = fidelity(run.Y, run.Y_ideal)
    out |= {
        "received_power_dbm": float(10 * np.log10(np.mean(10 ** (run.received_power_dbm / 10)))),
        "osnr_db": float(-10 * np.log10(np.mean(10 ** (-run.osnr_db / 10)))),
        "tiles": len(run.tiles),
    }
    return out


def summary(result: RunResult) -> dict[str, Any]:
    """Pooled fidelity over all nodes, and each node's figures."""
    pooled = fidelity(
        np.concatenate([n.Y for n in result.nodes]),
        np.concatenate([n.Y_ideal for n in result.nodes]),
    )
    del pooled["bias"]
    return pooled | {"nodes": {n.node: node_metrics(n) for n in result.nodes}}


def errors(result: RunResult) -> np.ndarray:
    """All output errors Y - W X, flattened (for the histogram)."""
    return np.concatenate([(n.Y - n.Y_ideal).ravel() for n in result.nodes])
