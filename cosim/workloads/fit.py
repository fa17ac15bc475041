"""The training loop shared by every model: jitted scans of optimiser steps, in float32.

Training is digital: the forward passes run with the exact :func:`layers.digital`
backend and JAX differentiates through it. It always runs with 64-bit types disabled
(importing SAX elsewhere in the process switches JAX to 64-bit), so the same seed gives
the same weights whatever else the process has imported.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import jax
import jax.numpy as jnp
import numpy as np

State = Any
Step = Callable[[State, jax.Array], tuple[State, dict[str, jax.Array]]]
Progress = Callable[[int, int, dict[str, float]], None]

P = ParamSpec("P")
R = TypeVar("R")


def float32_training(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with JAX's 64-bit mode off (bit-for-bit the same in any process)."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with jax.enable_x64(False):
            return fn(*args, **kwargs)

    return run


def fit(
    step: Step,
    state: State,
    key: jax.Array,
    steps: int,
    chunk: int = 250,
    progress: Progress | None = None,
) -> tuple[State, list[dict[str, float]]]:
    """Apply ``step(state, key) -> (state, losses)`` ``steps`` times.

    Steps run in jitted ``lax.scan`` chunks of ``chunk``; after each chunk ``progress``
    (if given) receives (steps done, steps, mean losses of the chunk). Returns the final
    state and the per-chunk mean losses.
    """
    if steps < 1 or chunk < 1:
        raise ValueError(f"fit: steps = {steps} and chunk = {chunk} must be >= 1")
    run = jax.jit(lambda s, keys: jax.lax.scan(step, s, keys))
    keys = jax.random.split(key, steps)
    history: list[dict[str, float]] = []
    for start in range(0, steps, chunk):
        state, losses = run(state, keys[start : start + chunk])
        means = {k: float(jnp.mean(v)) for k, v in losses.items()}
        if not all(np.isfinite(list(means.values()))):
            raise FloatingPointError(f"training diverged at step {start + chunk}: {means}")
        history.append(means)
        if progress is not None:
            progress(min(start + chunk, steps), steps, means)
    return state, history


def batch(key: jax.Array, x: jax.Array, y: jax.Array, size: int) -> tuple[jax.Array, jax.Array]:
    """A random batch (drawn with replacement): images as columns (64, size), labels."""
    idx = jax.random.randint(key, (size,), 0, x.shape[0], dtype=jnp.int32)
    return x[idx].T, y[idx]


def to_numpy(tree: Any) -> Any:
    """A parameter pytree as float32 NumPy arrays (leaves the JAX device and x64 scope)."""
    return jax.tree.map(lambda a: np.asarray(a, np.float32), tree)
