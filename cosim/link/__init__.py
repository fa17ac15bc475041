"""Waveform-level edge-metro fibre link in JAX.

Sampled complex optical fields per WDM channel flow through transmitters
(:mod:`~cosim.link.transmitter`), fibre (:mod:`~cosim.link.fibre`), amplifiers and filters
(:mod:`~cosim.link.amplifier`), WDM routing (:mod:`~cosim.link.wdm`) to receivers
(:mod:`~cosim.link.receiver`); :mod:`~cosim.link.chain` composes them from a validated
:class:`~cosim.link.config.LinkConfig`.

Importing this package switches JAX to 64-bit floats (``jax_enable_x64``): dispersion
phases of ~1e3 rad, shot-noise variances 1e-12 below the signal and the exact
round-trip of the value mapping need double precision. ``import sax`` does the same,
so the co-simulation with the S-parameter circuits sees one consistent precision.
"""

from __future__ import annotations

import jax

jax.config.update("jax_enable_x64", True)
