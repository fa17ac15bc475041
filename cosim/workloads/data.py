"""The handwritten-digits set that ships with scikit-learn: 1,797 images, 8x8, 10 classes.

UCI "Optical Recognition of Handwritten Digits" (Alpaydin & Kaynak 1998), bundled with
scikit-learn (``sklearn.datasets.load_digits``), so nothing is downloaded. Pixels are
counts 0..16 of a 4x4 block of a 32x32 bitmap; they are scaled to [0, 1] here. The
train/test split is stratified and seeded, and independent of the training seed so
that every model is judged on the same held-out images.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np

IMAGE_SIZE = 8
N_PIXELS = IMAGE_SIZE * IMAGE_SIZE
N_CLASSES = 10
PIXEL_MAX = 16.0  # load_digits counts set bits in 4x4 blocks


@dataclass(frozen=True)
class Digits:
    """Images as (N, 64) float32 in [0, 1]; labels (N,) int32."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    split_seed: int
    test_fraction: float

    def config(self) -> dict[str, float | int | str]:
        return {
            "dataset": "sklearn.datasets.load_digits",
            "split_seed": self.split_seed,
            "test_fraction": self.test_fraction,
            "n_train": len(self.y_train),
            "n_test": len(self.y_test),
        }


@lru_cache(maxsize=4)
def load_digits(split_seed: int = 0, test_fraction: float = 0.3) -> Digits:
    """Stratified, seeded split of the digits, pixels scaled to [0, 1]."""
    from sklearn.datasets import load_digits as _sk_load
    from sklearn.model_selection import train_test_split

    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction = {test_fraction!r}: must lie in (0, 1)")
    bunch = _sk_load()
    x = (bunch.data / PIXEL_MAX).astype(np.float32)
    y = bunch.target.astype(np.int32)
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=test_fraction, random_state=split_seed, stratify=y
    )
    for a in (x_tr, x_te, y_tr, y_te):
        a.flags.writeable = False  # cached: shared by every caller
    return Digits(x_tr, y_tr, x_te, y_te, split_seed, test_fraction)


def balanced_labels(n: int) -> np.ndarray:
    """``n`` labels cycling 0..9: as balanced as ``n`` allows."""
    if n < 1:
        raise ValueError(f"n = {n!r}: must be >= 1")
    return (np.arange(n) % N_CLASSES).astype(np.int32)


def one_hot(labels: jax.Array | np.ndarray) -> jax.Array:
    """Labels (B,) -> one-hot columns (10, B), float32 (feature-first like every layer)."""
    if not isinstance(labels, jax.core.Tracer):  # concrete labels can be checked
        arr = np.asarray(labels)
        bad = arr.ndim != 1 or (arr.size and (arr.min() < 0 or arr.max() >= N_CLASSES))
        if bad or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"labels must be a 1-D integer array of digits 0..9, got {arr!r}")
    return jax.nn.one_hot(labels, N_CLASSES, dtype=jnp.float32).T
