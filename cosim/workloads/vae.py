"""Class-conditional variational auto-encoder (Kingma & Welling 2014; Sohn et al. 2015).

Encoder [image; one-hot] -> 256 -> (mean, log-variance) of an 8-d latent, used only in
training. The decoder is the generator (the tenant's model, all products through the
seam)::

    [z (8); one-hot label (10)] -> dense 256 -> dense 256 -> dense 64 -> sigmoid

Loss: Bernoulli cross-entropy of the grey levels plus the KL divergence to N(0, I)
(the negative ELBO); generation decodes z ~ N(0, I).
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax

from cosim.workloads.data import IMAGE_SIZE, N_CLASSES, N_PIXELS, Digits, one_hot
from cosim.workloads.fit import Progress, batch, fit, float32_training, to_numpy
from cosim.workloads.layers import Backend, Params, dense, digital, init_dense


@dataclass(frozen=True)
class Config:
    latent: int = 8
    hidden: int = 256
    steps: int = 4000
    batch: int = 128
    learning_rate: float = 1e-3


def init(key: jax.Array, cfg: Config = Config()) -> Params:
    k = jax.random.split(key, 5)
    return {
        "encoder": {
            "fc0": init_dense(k[0], N_PIXELS + N_CLASSES, cfg.hidden),
            "out": init_dense(k[1], cfg.hidden, 2 * cfg.latent, gain=1.0),
        },
        "decoder": {
            "fc0": init_dense(k[2], cfg.latent + N_CLASSES, cfg.hidden),
            "fc1": init_dense(k[3], cfg.hidden, cfg.hidden),
            "out": init_dense(k[4], cfg.hidden, N_PIXELS, gain=1.0),
        },
    }


def _decoder_logits(p: Params, z: jax.Array, y: jax.Array, backend: Backend) -> jax.Array:
    h = jax.nn.relu(dense(p["fc0"], jnp.concatenate([z, y]), backend))
    h = jax.nn.relu(dense(p["fc1"], h, backend))
    return dense(p["out"], h, backend)


def generator(p: Params, z: jax.Array, y: jax.Array, backend: Backend = digital) -> jax.Array:
    """Decoder: images as columns (64, B) from latents (latent, B) and one-hot labels."""
    return jax.nn.sigmoid(_decoder_logits(p, z, y, backend))


def encode(p: Params, x: jax.Array, y: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Posterior mean and log-variance (latent, B) of images (64, B), digital."""
    h = jax.nn.relu(dense(p["fc0"], jnp.concatenate([x, y])))
    mean, log_var = jnp.split(dense(p["out"], h), 2)
    return mean, log_var


def latents(key: jax.Array, n: int, cfg: Config = Config()) -> np.ndarray:
    """Prior latents z ~ N(0, I), shape (n, latent): the inputs an edge node sends."""
    return np.asarray(jax.random.normal(key, (n, cfg.latent), jnp.float32))


def decode(
    params: Params, z: np.ndarray, labels: np.ndarray, backend: Backend = digital
) -> np.ndarray:
    """Images (B, 8, 8) in [0, 1] from latents (B, latent) and labels (B,)."""
    p = params["decoder"]
    zc = jnp.asarray(z, p["fc0"]["W"].dtype).T
    x = generator(p, zc, one_hot(labels).astype(zc.dtype), backend)
    return np.asarray(x.T).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)


def sample(
    params: Params, labels: np.ndarray, key: jax.Array, backend: Backend = digital
) -> np.ndarray:
    """Images (B, 8, 8) for ``labels`` from prior latents drawn with ``key``."""
    latent = params["decoder"]["fc0"]["W"].shape[1] - N_CLASSES
    return decode(params, latents(key, len(labels), Config(latent=latent)), labels, backend)


def reconstruct(params: Params, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Decode the posterior means of ``images`` (B, 8, 8): reconstructions, digital."""
    x = jnp.asarray(np.reshape(images, (len(images), N_PIXELS)).T, jnp.float32)
    y = one_hot(labels)
    mean, _ = encode(params["encoder"], x, y)
    out = generator(params["decoder"], mean, y)
    return np.asarray(out.T).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)


def negative_elbo(p: Params, x: jax.Array, labels: jax.Array, key: jax.Array) -> jax.Array:
    """Mean over the batch of cross-entropy (nats, summed over pixels) + KL(q || N(0, I))."""
    y = one_hot(labels)
    mean, log_var = encode(p["encoder"], x, y)
    z = mean + jnp.exp(0.5 * log_var) * jax.random.normal(key, mean.shape, jnp.float32)
    logits = _decoder_logits(p["decoder"], z, y, digital)
    recon = optax.sigmoid_binary_cross_entropy(logits, x).sum(axis=0)
    kl = 0.5 * (jnp.exp(log_var) + mean**2 - 1.0 - log_var).sum(axis=0)
    return (recon + kl).mean()


@float32_training
def train(
    data: Digits, seed: int, cfg: Config = Config(), progress: Progress | None = None
) -> tuple[Params, list[dict[str, float]]]:
    """Adam on the negative ELBO with the reparameterisation trick."""
    key_init, key_fit = jax.random.split(jax.random.key(seed))
    params = init(key_init, cfg)
    opt = optax.adam(cfg.learning_rate)
    x_all, y_all = jnp.asarray(data.x_train), jnp.asarray(data.y_train)

    def step(state, key):
        p, o = state
        k_batch, k_eps = jax.random.split(key)
        x, labels = batch(k_batch, x_all, y_all, cfg.batch)
        loss, g = jax.value_and_grad(negative_elbo)(p, x, labels, k_eps)
        updates, o = opt.update(g, o)
        return (optax.apply_updates(p, updates), o), {"neg_elbo": loss}

    (params, _), history = fit(step, (params, opt.init(params)), key_fit, cfg.steps, 250, progress)
    return to_numpy(params), history
