"""Gaussian noise samples for the link's noise sources.

Samples are drawn in single precision and promoted when added to the 64-bit signal:
a noise sample needs no more than float32's 7 digits, and drawing it costs half as
much. The float32 inverse-CDF method truncates the Gaussian at about 5.5 sigma
(probability 4e-8 per sample); BERs below ~1e-7 therefore come from the Gaussian
formulas (:mod:`cosim.link.metrics`), never from counting.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def standard_normal(key: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    """Real Gaussian samples, zero mean, unit variance."""
    return jax.random.normal(key, shape, dtype=jnp.float32)


def complex_normal(key: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    """Circular complex Gaussian with unit variance per quadrature (E|n|^2 = 2)."""
    re, im = standard_normal(key, (2, *shape))
    return jax.lax.complex(re, im)
