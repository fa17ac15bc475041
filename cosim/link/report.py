"""One link run turned into the per-channel figures users look at."""

from __future__ import annotations

from dataclasses import dataclass

import jax
import numpy as np
from scipy.constants import c

from cosim.link.budget import Budget, link_budget
from cosim.link.chain import LinkResult, run_link
from cosim.link.config import FibreStage, LinkConfig
from cosim.link.fibre import latency
from cosim.link.metrics import ber_from_q, counted_ber, enob_from_snr, q_factor, snr_db


@dataclass
class LinkReport:
    config: LinkConfig
    result: LinkResult
    budget: Budget
    channels: list[dict]

    def to_dict(self) -> dict:
        return {
            "seed": self.config.seed,
            "channels": self.channels,
            "budget": self.budget.to_dict(),
            "config": self.config.model_dump(mode="json"),
        }


def path_latency(cfg: LinkConfig, nu: np.ndarray) -> np.ndarray:
    """Fibre group delay of the path per channel (s)."""
    total = np.zeros_like(nu)
    for st in cfg.path:
        if isinstance(st, FibreStage):
            total = total + np.asarray(latency(nu, st.params()))
    return total


def link_report(cfg: LinkConfig) -> LinkReport:
    """Run the link, its budget and the signal-quality metrics per channel."""
    result = jax.block_until_ready(run_link(cfg))
    budget = link_budget(cfg)
    nu = np.asarray(cfg.frequencies_hz())
    values = np.asarray(result.values)
    samples = np.asarray(result.samples)
    estimates = np.asarray(result.estimates)
    rx_power = np.asarray(result.stage_power[-1])
    lat = path_latency(cfg, nu)
    osnr = budget.final.osnr_db
    launch = np.asarray(result.stage_power[0])
    channels = []
    for k in range(nu.size):
        q = q_factor(samples[k], values[k])
        snr = snr_db(estimates[k], values[k])
        channels.append(
            {
                "channel": k,
                "frequency_thz": nu[k] / 1e12,
                "wavelength_nm": c / nu[k] * 1e9,
                "launch_power_dbm": float(10 * np.log10(launch[k] / 1e-3)),
                "received_power_dbm": float(10 * np.log10(rx_power[k] / 1e-3)),
                "osnr_db": float(osnr[k]) if np.isfinite(osnr[k]) else None,
                "snr_db": snr,
                "enob": enob_from_snr(snr),
                "q_factor": q,
                "ber": ber_from_q(q, cfg.traffic.levels),
                "ber_counted": counted_ber(samples[k], values[k]),
                "latency_us": float(lat[k] * 1e6),
            }
        )
    return LinkReport(cfg, result, budget, channels)
