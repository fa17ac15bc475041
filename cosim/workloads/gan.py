"""Class-conditional GAN (Mirza & Osindero 2014) with a small upsampling-convolution generator.

Generator (the tenant's model, all products through the seam)::

    [z (16); one-hot label (10)] -> dense 128 -> dense 16x4x4 -> nearest 2x upsample
    -> conv 3x3 16->8 -> conv 3x3 8->1 -> sigmoid -> 8x8 image in [0, 1]   (ReLU between)

(upsample + convolution: the checkerboard-free form of a transposed convolution, Odena
et al. 2016). The discriminator, an MLP on [image; one-hot] with leaky ReLU, exists
only for training. Non-saturating loss, Adam(2e-4, b1 = 0.5) as in DCGAN (Radford et
al. 2016).
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax

from cosim.workloads.data import IMAGE_SIZE, N_CLASSES, N_PIXELS, Digits, one_hot
from cosim.workloads.fit import Progress, batch, fit, float32_training, to_numpy
from cosim.workloads.layers import (
    Backend,
    Params,
    conv2d,
    dense,
    digital,
    init_conv,
    init_dense,
    upsample2x,
)


@dataclass(frozen=True)
class Config:
    latent: int = 16
    hidden: int = 128
    channels: int = 16  # of the 4x4 map before upsampling
    conv_channels: int = 8
    disc_hidden: int = 256
    steps: int = 3000
    batch: int = 64
    learning_rate: float = 2e-4
    beta1: float = 0.5


def init(key: jax.Array, cfg: Config = Config()) -> Params:
    k = jax.random.split(key, 7)
    c = cfg.channels
    return {
        "generator": {
            "fc0": init_dense(k[0], cfg.latent + N_CLASSES, cfg.hidden),
            "fc1": init_dense(k[1], cfg.hidden, c * 16),
            "conv0": init_conv(k[2], c, cfg.conv_channels, 3),
            "conv1": init_conv(k[3], cfg.conv_channels, 1, 3, gain=1.0),
        },
        "discriminator": {
            "fc0": init_dense(k[4], N_PIXELS + N_CLASSES, cfg.disc_hidden),
            "fc1": init_dense(k[5], cfg.disc_hidden, cfg.disc_hidden),
            "out": init_dense(k[6], cfg.disc_hidden, 1, gain=1.0),
        },
    }


def generator(g: Params, z: jax.Array, y: jax.Array, backend: Backend = digital) -> jax.Array:
    """Images as columns (64, B) from latents (latent, B) and one-hot labels (10, B)."""
    B = z.shape[1]
    h = jax.nn.relu(dense(g["fc0"], jnp.concatenate([z, y]), backend))
    h = jax.nn.relu(dense(g["fc1"], h, backend))
    h = upsample2x(h.reshape(-1, 4, 4, B))
    h = jax.nn.relu(conv2d(g["conv0"], h, backend, pad=1))
    h = conv2d(g["conv1"], h, backend, pad=1)
    return jax.nn.sigmoid(h.reshape(N_PIXELS, B))


def _discriminator(d: Params, x: jax.Array, y: jax.Array) -> jax.Array:
    h = jax.nn.leaky_relu(dense(d["fc0"], jnp.concatenate([x, y])), 0.2)
    h = jax.nn.leaky_relu(dense(d["fc1"], h), 0.2)
    return dense(d["out"], h)[0]


def latents(key: jax.Array, n: int, cfg: Config = Config()) -> np.ndarray:
    """Standard-normal latents (n, latent), the inputs an edge node sends."""
    return np.asarray(jax.random.normal(key, (n, cfg.latent), jnp.float32))


def decode(
    params: Params, z: np.ndarray, labels: np.ndarray, backend: Backend = digital
) -> np.ndarray:
    """Images (B, 8, 8) in [0, 1] from latents (B, latent) and labels (B,)."""
    g = params["generator"]
    zc = jnp.asarray(z, g["fc0"]["W"].dtype).T
    x = generator(g, zc, one_hot(labels).astype(zc.dtype), backend)
    return np.asarray(x.T).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)


def sample(
    params: Params, labels: np.ndarray, key: jax.Array, backend: Backend = digital
) -> np.ndarray:
    """Images (B, 8, 8) for ``labels`` with latents drawn from ``key``."""
    latent = params["generator"]["fc0"]["W"].shape[1] - N_CLASSES
    return decode(params, latents(key, len(labels), Config(latent=latent)), labels, backend)


@float32_training
def train(
    data: Digits, seed: int, cfg: Config = Config(), progress: Progress | None = None
) -> tuple[Params, list[dict[str, float]]]:
    """Alternate one discriminator and one generator Adam step per batch."""
    key_init, key_fit = jax.random.split(jax.random.key(seed))
    params = init(key_init, cfg)
    opt = optax.adam(cfg.learning_rate, b1=cfg.beta1)
    x_all, y_all = jnp.asarray(data.x_train), jnp.asarray(data.y_train)

    def d_loss(d, g, x, y, z):
        fake = generator(g, z, y)
        return (
            jax.nn.softplus(-_discriminator(d, x, y)).mean()
            + jax.nn.softplus(_discriminator(d, fake, y)).mean()
        )

    def g_loss(g, d, y, z):
        return jax.nn.softplus(-_discriminator(d, generator(g, z, y), y)).mean()

    def step(state, key):
        p, od, og = state
        k_batch, k_z1, k_z2 = jax.random.split(key, 3)
        x, labels = batch(k_batch, x_all, y_all, cfg.batch)
        y = one_hot(labels)
        z1 = jax.random.normal(k_z1, (cfg.latent, cfg.batch), jnp.float32)
        z2 = jax.random.normal(k_z2, (cfg.latent, cfg.batch), jnp.float32)
        ld, gd = jax.value_and_grad(d_loss)(p["discriminator"], p["generator"], x, y, z1)
        ud, od = opt.update(gd, od)
        d = optax.apply_updates(p["discriminator"], ud)
        lg, gg = jax.value_and_grad(g_loss)(p["generator"], d, y, z2)
        ug, og = opt.update(gg, og)
        g = optax.apply_updates(p["generator"], ug)
        return ({"generator": g, "discriminator": d}, od, og), {"d_loss": ld, "g_loss": lg}

    state = (params, opt.init(params["discriminator"]), opt.init(params["generator"]))
    (params, _, _), history = fit(step, state, key_fit, cfg.steps, 250, progress)
    return to_numpy(params), history
