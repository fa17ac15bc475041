"""Edge-metro network: topology from YAML, routes to the computing centre, per-node
budget (loss, latency, dispersion, OSNR) and waveform SNR at the centre."""

from __future__ import annotations

import cosim.link  # noqa: F401  (64-bit JAX, see cosim.link)
