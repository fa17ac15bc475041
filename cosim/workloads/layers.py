"""The linear-algebra seam: every matrix product of a model runs through :func:`matmul`.

Conventions follow the optical core, ``Y = W X``: a weight matrix ``W`` (outputs x
inputs) is set on the chip and the columns of ``X`` (inputs x batch) are the vectors that
stream through it, one per symbol. Activations are therefore stored feature-first,
``(features, batch)``, and images ``(channels, height, width, batch)``.

A *backend* is any callable ``(W, X) -> Y`` returning an array of shape
``(W.shape[0], X.shape[1])``. :func:`digital` is the exact product (traceable by JAX, so
training differentiates straight through it); the co-simulation supplies an optical
backend that tiles ``W`` to the core, encodes signs and quantises. Biases, activations,
padding and upsampling are electronics and stay outside the backend.

Convolutions are lowered to one product per layer with :func:`im2col`, the scheme an
optical weight bank (or an AWGR convolver fed with patches) executes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

Array = Any  # jax.Array or numpy.ndarray: backends may return either
Backend = Callable[[Array, Array], Array]
Params = dict[str, Any]


def digital(W: Array, X: Array) -> Array:
    """Exact digital product ``W @ X`` (the reference every optical backend is judged by)."""
    return jnp.matmul(W, X)


def matmul(W: Array, X: Array, backend: Backend = digital) -> Array:
    """``W @ X`` through ``backend``; the single entry point for every weight product.

    W: (n_out, n_in); X: (n_in, batch); returns (n_out, batch).
    """
    if W.ndim != 2 or X.ndim != 2:
        raise ValueError(f"matmul: W and X must be 2-D, got W{W.shape} and X{X.shape}")
    if W.shape[1] != X.shape[0]:
        raise ValueError(f"matmul: W{W.shape} cannot multiply X{X.shape}")
    Y = backend(W, X)
    expected = (W.shape[0], X.shape[1])
    if tuple(Y.shape) != expected:
        raise ValueError(f"backend {backend!r} returned shape {tuple(Y.shape)}, not {expected}")
    return jnp.asarray(Y, dtype=jnp.result_type(W, X))


def dense(p: Params, X: Array, backend: Backend = digital) -> Array:
    """Fully connected layer ``W X + b``; ``p = {"W": (n_out, n_in), "b": (n_out,)}``.

    The bias is added after detection, in electronics.
    """
    return matmul(p["W"], X, backend) + p["b"][:, None]


def im2col(x: Array, kh: int, kw: int, pad: int = 0, stride: int = 1) -> Array:
    """Patches of ``x`` (C, H, W, B) as columns: (C kh kw, Ho Wo B).

    Rows are ordered (channel, kernel row, kernel column), matching a kernel reshaped
    from (C_out, C, kh, kw) to (C_out, C kh kw); zero padding of ``pad`` pixels.
    """
    C, H, W, B = x.shape
    xp = jnp.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Ho = (H + 2 * pad - kh) // stride + 1
    Wo = (W + 2 * pad - kw) // stride + 1
    if Ho < 1 or Wo < 1:
        raise ValueError(f"im2col: kernel {kh}x{kw} larger than padded input {H}x{W}")
    patches = [
        xp[:, i : i + stride * (Ho - 1) + 1 : stride, j : j + stride * (Wo - 1) + 1 : stride, :]
        for i in range(kh)
        for j in range(kw)
    ]
    return jnp.stack(patches, axis=1).reshape(C * kh * kw, Ho * Wo * B)


def conv2d(p: Params, x: Array, backend: Backend = digital, pad: int = 0, stride: int = 1) -> Array:
    """2-D cross-correlation as one product: ``W (C_out, C kh kw) @ im2col(x)`` + bias.

    ``p = {"W": (C_out, C_in, kh, kw), "b": (C_out,)}``; x: (C_in, H, W, B);
    returns (C_out, Ho, Wo, B).
    """
    c_out, c_in, kh, kw = p["W"].shape
    if x.shape[0] != c_in:
        raise ValueError(f"conv2d: kernel expects {c_in} input channels, got x{x.shape}")
    _, H, W, B = x.shape
    cols = im2col(x, kh, kw, pad, stride)
    Y = matmul(p["W"].reshape(c_out, c_in * kh * kw), cols, backend) + p["b"][:, None]
    Ho = (H + 2 * pad - kh) // stride + 1
    Wo = (W + 2 * pad - kw) // stride + 1
    return Y.reshape(c_out, Ho, Wo, B)


def upsample2x(x: Array) -> Array:
    """Nearest-neighbour 2x upsampling of (C, H, W, B): data movement, no arithmetic."""
    return jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)


def init_dense(key: jax.Array, n_in: int, n_out: int, gain: float = 2.0) -> Params:
    """He-normal weights (variance ``gain / n_in``) and zero bias, float32."""
    W = jax.random.normal(key, (n_out, n_in), jnp.float32) * np.sqrt(gain / n_in)
    return {"W": W, "b": jnp.zeros((n_out,), jnp.float32)}


def init_conv(key: jax.Array, c_in: int, c_out: int, k: int, gain: float = 2.0) -> Params:
    """He-normal kernel (C_out, C_in, k, k) and zero bias, float32."""
    fan_in = c_in * k * k
    W = jax.random.normal(key, (c_out, c_in, k, k), jnp.float32) * np.sqrt(gain / fan_in)
    return {"W": W, "b": jnp.zeros((c_out,), jnp.float32)}


def scaled(backend: Backend, per_column: bool = False) -> Backend:
    """Wrap ``backend`` so it only ever sees ``|W| <= 1`` and ``|X| <= 1``.

    Per-layer scaling to the converters' ranges: the weights are divided by their
    largest magnitude (the modulator/ring's full transmission swing), the inputs by
    theirs (the DAC full scale; per column if ``per_column``, i.e. one gain per
    transmitted vector), and the result is multiplied back in electronics. Exact for an
    exact backend; for a noisy one the noise is referred to full scale. All-zero
    operands get a scale of 1.
    """

    def run(W: Array, X: Array) -> Array:
        w_scale = jnp.max(jnp.abs(W))
        w_scale = jnp.where(w_scale > 0, w_scale, 1.0)
        axis = 0 if per_column else None
        x_scale = jnp.max(jnp.abs(X), axis=axis, keepdims=per_column)
        x_scale = jnp.where(x_scale > 0, x_scale, 1.0)
        return jnp.asarray(backend(W / w_scale, X / x_scale)) * (w_scale * x_scale)

    return run


def gaussian_noise(sigma: float, seed: int = 0) -> Backend:
    """Exact product plus white Gaussian noise of ``sigma`` times each call's ``max |W X|``.

    The simplest error model of an analog core (noise referred to the ADC full scale,
    which per-layer scaling sets to the largest output). Stateful (a seeded NumPy
    generator advancing each call), so eager use only.
    """
    if not sigma >= 0:
        raise ValueError(f"gaussian_noise: sigma = {sigma!r} must be >= 0")
    rng = np.random.default_rng(seed)

    def run(W: Array, X: Array) -> np.ndarray:
        Y = np.asarray(W, np.float64) @ np.asarray(X, np.float64)
        full_scale = np.max(np.abs(Y)) if Y.size else 0.0
        return Y + sigma * full_scale * rng.standard_normal(Y.shape)

    return run


@dataclass
class MatmulLog:
    """A pass-through backend that records every product's shape.

    ``log = MatmulLog(); model(..., backend=log); log.macs`` gives the multiply-
    accumulates of the run (2 operations each in TOPS), ``log.shapes`` the
    ``(n_out, n_in, batch)`` of each call, i.e. each weight matrix the core must hold.
    """

    inner: Backend = digital
    shapes: list[tuple[int, int, int]] = field(default_factory=list)

    def __call__(self, W: Array, X: Array) -> Array:
        self.shapes.append((int(W.shape[0]), int(W.shape[1]), int(X.shape[1])))
        return self.inner(W, X)

    @property
    def macs(self) -> int:
        return sum(o * i * b for o, i, b in self.shapes)
