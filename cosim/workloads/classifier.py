"""Digit classifier: the yardstick for generated images (never part of a tenant's model).

MLP 64 -> 256 -> 64 -> 10 with ReLU. Its class decision gives the accuracy of generated
digits against their requested labels; its 64 penultimate activations are the feature
space of the Fréchet distance (:func:`cosim.workloads.metrics.fid`). Trained with
pixel-noise and 1-pixel-shift augmentation so that it judges digit shape rather than
exact pixel values.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax

from cosim.workloads.data import N_CLASSES, N_PIXELS, Digits
from cosim.workloads.fit import Progress, batch, fit, float32_training, to_numpy
from cosim.workloads.layers import Backend, Params, dense, digital, init_dense


@dataclass(frozen=True)
class Config:
    hidden: int = 256
    features: int = 64
    steps: int = 3000
    batch: int = 128
    learning_rate: float = 1e-3
    weight_decay: float = 1e-3
    pixel_noise: float = 0.1  # std of additive noise augmentation, in [0, 1] pixel units
    shift_prob: float = 0.5  # probability of a random 1-pixel shift per image


def init(key: jax.Array, cfg: Config = Config()) -> Params:
    k = jax.random.split(key, 3)
    return {
        "fc0": init_dense(k[0], N_PIXELS, cfg.hidden),
        "fc1": init_dense(k[1], cfg.hidden, cfg.features),
        "out": init_dense(k[2], cfg.features, N_CLASSES, gain=1.0),
    }


def _features(p: Params, x: jax.Array, backend: Backend) -> jax.Array:
    h = jax.nn.relu(dense(p["fc0"], x, backend))
    return jax.nn.relu(dense(p["fc1"], h, backend))


def logits(p: Params, x: jax.Array, backend: Backend = digital) -> jax.Array:
    """Class scores (10, B) of images given as columns (64, B)."""
    return dense(p["out"], _features(p, x, backend), backend)


def features(p: Params, images: np.ndarray) -> np.ndarray:
    """Penultimate activations (B, 64) of images (B, 8, 8) or (B, 64), digital."""
    x = jnp.asarray(np.reshape(images, (len(images), N_PIXELS)).T, jnp.float32)
    return np.asarray(_features(p, x, digital).T, np.float64)


def predict(p: Params, images: np.ndarray) -> np.ndarray:
    """Predicted digit (B,) of images (B, 8, 8) or (B, 64), digital."""
    x = jnp.asarray(np.reshape(images, (len(images), N_PIXELS)).T, jnp.float32)
    return np.asarray(jnp.argmax(logits(p, x), axis=0), np.int32)


def _augment(key: jax.Array, x: jax.Array, cfg: Config) -> jax.Array:
    """Random 1-pixel shifts and additive noise of image columns (64, B), clipped to [0, 1]."""
    k_shift, k_do, k_noise = jax.random.split(key, 3)
    B = x.shape[1]
    imgs = x.T.reshape(B, 8, 8)
    shifts = jax.random.randint(k_shift, (B, 2), -1, 2, dtype=jnp.int32)
    shifts = shifts * jax.random.bernoulli(k_do, cfg.shift_prob, (B, 1)).astype(jnp.int32)
    imgs = jax.vmap(lambda im, s: jnp.roll(im, (s[0], s[1]), axis=(0, 1)))(imgs, shifts)
    x = imgs.reshape(B, N_PIXELS).T
    x = x + cfg.pixel_noise * jax.random.normal(k_noise, x.shape, jnp.float32)
    return jnp.clip(x, 0.0, 1.0)


@float32_training
def train(
    data: Digits, seed: int, cfg: Config = Config(), progress: Progress | None = None
) -> tuple[Params, list[dict[str, float]]]:
    """Cross-entropy with AdamW; returns float32 NumPy parameters and the loss history."""
    key_init, key_fit = jax.random.split(jax.random.key(seed))
    params = init(key_init, cfg)
    opt = optax.adamw(cfg.learning_rate, weight_decay=cfg.weight_decay)
    x_all, y_all = jnp.asarray(data.x_train), jnp.asarray(data.y_train)

    def loss_fn(p: Params, x: jax.Array, y: jax.Array) -> jax.Array:
        return optax.softmax_cross_entropy_with_integer_labels(logits(p, x).T, y).mean()

    def step(state, key):
        p, o = state
        k_batch, k_aug = jax.random.split(key)
        x, y = batch(k_batch, x_all, y_all, cfg.batch)
        loss, g = jax.value_and_grad(loss_fn)(p, _augment(k_aug, x, cfg), y)
        updates, o = opt.update(g, o, p)
        return (optax.apply_updates(p, updates), o), {"loss": loss}

    (params, _), history = fit(step, (params, opt.init(params)), key_fit, cfg.steps, 250, progress)
    return to_numpy(params), history
