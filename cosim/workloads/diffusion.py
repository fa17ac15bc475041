"""Small class-conditional denoising diffusion model (DDPM, Ho et al. 2020) with T steps.

Forward process q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I) on images scaled to
[-1, 1], with the cosine schedule of Nichol & Dhariwal 2021 (betas clipped at 0.999),
which keeps a useful signal-to-noise ladder when T is as small as 20-50. The denoiser
(the tenant's model, all products through the seam) predicts the added noise::

    [x_t (64); sinusoidal time embedding (32); one-hot label (10)]
        -> dense 256 -> dense 256 -> dense 256 -> dense 64      (SiLU between)

Sampling runs the T-step ancestral chain: 4 T sequential products per image, so errors
of an analog core accumulate. Each step predicts x_0 from the noise estimate, clips it
to [-1, 1] and draws x_{t-1} from the Gaussian posterior q(x_{t-1} | x_t, x_0) (Ho et
al. eqs. 6-7; variance beta~_t).
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
    steps_t: int = 40  # diffusion steps T
    time_dim: int = 32
    hidden: int = 256
    steps: int = 6000  # optimiser steps
    batch: int = 128
    learning_rate: float = 1e-3


def schedule(T: int, s: float = 0.008) -> dict[str, np.ndarray]:
    """Cosine schedule (Nichol & Dhariwal 2021, eq. 17), float64 arrays indexed t = 1..T at 0..T-1.

    Returns beta, alpha = 1 - beta, abar (cumulative product), abar_prev (abar_{t-1},
    with abar_0 = 1) and the posterior variance beta~ = beta (1 - abar_prev) / (1 - abar).
    """
    if T < 2:
        raise ValueError(f"steps_t = {T}: a diffusion needs at least 2 steps")
    t = np.arange(T + 1) / T
    f = np.cos((t + s) / (1 + s) * np.pi / 2) ** 2
    beta = np.clip(1.0 - f[1:] / f[:-1], 0.0, 0.999)
    alpha = 1.0 - beta
    abar = np.cumprod(alpha)
    abar_prev = np.concatenate([[1.0], abar[:-1]])
    return {
        "beta": beta,
        "alpha": alpha,
        "abar": abar,
        "abar_prev": abar_prev,
        "posterior_var": beta * (1.0 - abar_prev) / (1.0 - abar),
    }


def time_embedding(t: jax.Array, dim: int, T: int) -> jax.Array:
    """Sinusoidal embedding (dim, B) of integer steps t (B,) (Vaswani et al. 2017), digital."""
    half = dim // 2
    freqs = jnp.exp(-jnp.log(1000.0) * jnp.arange(half, dtype=jnp.float32) / half)
    angle = (t.astype(jnp.float32) / T * 1000.0)[None, :] * freqs[:, None]
    return jnp.concatenate([jnp.sin(angle), jnp.cos(angle)])


def init(key: jax.Array, cfg: Config = Config()) -> Params:
    k = jax.random.split(key, 4)
    n_in = N_PIXELS + cfg.time_dim + N_CLASSES
    return {
        "denoiser": {
            "fc0": init_dense(k[0], n_in, cfg.hidden),
            "fc1": init_dense(k[1], cfg.hidden, cfg.hidden),
            "fc2": init_dense(k[2], cfg.hidden, cfg.hidden),
            "out": init_dense(k[3], cfg.hidden, N_PIXELS, gain=1.0),
        }
    }


def denoiser(
    p: Params, x_t: jax.Array, temb: jax.Array, y: jax.Array, backend: Backend = digital
) -> jax.Array:
    """Noise estimate (64, B) from x_t (64, B), time embedding and one-hot labels."""
    h = jax.nn.silu(dense(p["fc0"], jnp.concatenate([x_t, temb, y]), backend))
    h = jax.nn.silu(dense(p["fc1"], h, backend))
    h = jax.nn.silu(dense(p["fc2"], h, backend))
    return dense(p["out"], h, backend)


def _config_of(params: Params) -> tuple[int, int]:
    """(T, time_dim) of trained parameters (T is stored with them as ``steps_t``)."""
    n_in = params["denoiser"]["fc0"]["W"].shape[1]
    return int(params["steps_t"]), n_in - N_PIXELS - N_CLASSES


def noises(key: jax.Array, n: int, T: int) -> np.ndarray:
    """All the randomness of n chains: x_T and the T - 1 posterior draws, (T, n, 64)."""
    return np.asarray(jax.random.normal(key, (T, n, N_PIXELS), jnp.float32))


def denoise_chain(
    params: Params, z: np.ndarray, labels: np.ndarray, backend: Backend = digital
) -> np.ndarray:
    """Run the reverse chain from given noise ``z`` (T, B, 64): images (B, 8, 8) in [0, 1].

    ``z[0]`` is x_T; ``z[j]`` (j = 1 .. T-1) is the posterior noise drawn at step
    t = T - j + 1; the last step (t = 1) returns its posterior mean, unperturbed.
    """
    T, time_dim = _config_of(params)
    p = params["denoiser"]
    dtype = p["fc0"]["W"].dtype
    if z.shape[0] != T or z.shape[2] != N_PIXELS or z.shape[1] != len(labels):
        raise ValueError(f"noise z{z.shape} must be (T={T}, {len(labels)}, {N_PIXELS})")
    sch = {k: jnp.asarray(v, dtype) for k, v in schedule(T).items()}
    y = one_hot(labels).astype(dtype)
    x = jnp.asarray(z[0], dtype).T
    B = x.shape[1]
    for k, t in enumerate(range(T, 0, -1)):
        i = t - 1
        temb = time_embedding(jnp.full((B,), t), time_dim, T).astype(dtype)
        eps = denoiser(p, x, temb, y, backend)
        x0 = jnp.clip((x - jnp.sqrt(1 - sch["abar"][i]) * eps) / jnp.sqrt(sch["abar"][i]), -1, 1)
        c0 = jnp.sqrt(sch["abar_prev"][i]) * sch["beta"][i] / (1 - sch["abar"][i])
        ct = jnp.sqrt(sch["alpha"][i]) * (1 - sch["abar_prev"][i]) / (1 - sch["abar"][i])
        x = c0 * x0 + ct * x
        if t > 1:
            x = x + jnp.sqrt(sch["posterior_var"][i]) * jnp.asarray(z[k + 1], dtype).T
    images = (jnp.clip(x, -1, 1) + 1) / 2
    return np.asarray(images.T).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)


def sample(
    params: Params, labels: np.ndarray, key: jax.Array, backend: Backend = digital
) -> np.ndarray:
    """Images (B, 8, 8) for ``labels``, all chain noise drawn from ``key``."""
    T, _ = _config_of(params)
    return denoise_chain(params, noises(key, len(labels), T), labels, backend)


@float32_training
def train(
    data: Digits, seed: int, cfg: Config = Config(), progress: Progress | None = None
) -> tuple[Params, list[dict[str, float]]]:
    """Adam on the simple loss E ||eps - eps_theta(x_t, t, y)||^2 (Ho et al. eq. 14)."""
    key_init, key_fit = jax.random.split(jax.random.key(seed))
    params = init(key_init, cfg)
    abar = jnp.asarray(schedule(cfg.steps_t)["abar"], jnp.float32)
    opt = optax.adam(cfg.learning_rate)
    x_all, y_all = jnp.asarray(data.x_train) * 2 - 1, jnp.asarray(data.y_train)

    def loss_fn(p, x0, labels, t, eps):
        a = abar[t - 1][None, :]
        x_t = jnp.sqrt(a) * x0 + jnp.sqrt(1 - a) * eps
        temb = time_embedding(t, cfg.time_dim, cfg.steps_t)
        return jnp.mean((denoiser(p, x_t, temb, one_hot(labels)) - eps) ** 2)

    def step(state, key):
        p, o = state
        k_batch, k_t, k_eps = jax.random.split(key, 3)
        x0, labels = batch(k_batch, x_all, y_all, cfg.batch)
        t = jax.random.randint(k_t, (cfg.batch,), 1, cfg.steps_t + 1, dtype=jnp.int32)
        eps = jax.random.normal(k_eps, x0.shape, jnp.float32)
        loss, g = jax.value_and_grad(loss_fn)(p["denoiser"], x0, labels, t, eps)
        updates, o = opt.update(g, o)
        return ({"denoiser": optax.apply_updates(p["denoiser"], updates)}, o), {"loss": loss}

    state = ({"denoiser": params["denoiser"]}, opt.init(params["denoiser"]))
    (params, _), history = fit(step, state, key_fit, cfg.steps, 250, progress)
    return to_numpy(params) | {"steps_t": np.asarray(cfg.steps_t, np.int32)}, history
