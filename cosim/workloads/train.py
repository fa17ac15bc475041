"""Train, evaluate, save and load the four models; the committed weights live in ``weights/``.

A weights file (``<model>.npz``) holds the parameters under ``params/<path>`` and one
JSON string ``meta``: model, seed, config, data split, library versions, the SHA-256 of
the parameters and the metrics obtained. ``opticloud train MODEL --seed S`` reproduces
the committed file's metrics (bit-for-bit on the same machine and library versions;
within :data:`TOLERANCE` elsewhere, where floating-point rounding may send a GAN down a
different trajectory).

Generators are judged digitally by the committed classifier: :data:`N_EVAL` samples with
balanced labels and latents/noise from :data:`EVAL_SEED`, for accuracy against the
requested labels and FID against the held-out real digits.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import jax
import numpy as np

from cosim.workloads import metrics
from cosim.workloads.data import Digits, balanced_labels, load_digits
from cosim.workloads.fit import Progress, float32_training
from cosim.workloads.layers import MatmulLog, Params

GENERATORS = ("gan", "vae", "diffusion")
MODELS = (*GENERATORS, "classifier")
# The part of each generator's parameters that runs at inference (on the optical core);
# the rest (discriminator, encoder) exists only for training.
INFERENCE_PART = {"gan": "generator", "vae": "decoder", "diffusion": "denoiser"}
WEIGHTS_DIR = Path(__file__).parent / "weights"
N_EVAL = 1000
EVAL_SEED = 20250806
# Retraining from the seed must land within these of the committed metrics. Elsewhere a
# rerun differs from ours at worst like a different seed; seeds 0, 1, 2 of each generator
# (same code, this machine) spread by up to 1.6 accuracy points and 19.5 % in FID around
# seed 0 (diffusion FID 9.7 / 10.6 / 11.6, GAN 6.1 / 4.9 / 6.5, VAE 5.6 / 5.6 / 5.9).
TOLERANCE = {"accuracy": 0.03, "fid_relative": 0.25}


@dataclass(frozen=True)
class Trained:
    """Parameters of one model and the record of how they were made."""

    model: str
    params: Params
    meta: dict[str, Any]

    @property
    def metrics(self) -> dict[str, Any]:
        return self.meta["metrics"]


def module(model: str) -> ModuleType:
    """The module (``gan``, ``vae``, ``diffusion``, ``classifier``) implementing ``model``."""
    if model not in MODELS:
        raise ValueError(f"model = {model!r}: must be one of {', '.join(MODELS)}")
    return importlib.import_module(f"cosim.workloads.{model}")


def weights_path(model: str, folder: str | Path = WEIGHTS_DIR) -> Path:
    module(model)  # validates the name
    return Path(folder) / f"{model}.npz"


def train_model(
    model: str,
    seed: int,
    progress: Progress | None = None,
    classifier: Params | None = None,
    config: Any = None,
) -> Trained:
    """Train ``model`` from ``seed`` with its default (or the given) config, then evaluate.

    Generators are evaluated with ``classifier`` (default: the committed one).
    """
    mod = module(model)
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed = {seed!r}: must lie in [0, 2**32)")
    cfg = mod.Config() if config is None else config
    data = load_digits()
    t0 = time.perf_counter()
    params, history = mod.train(data, seed, cfg, progress)
    seconds = time.perf_counter() - t0
    if model != "classifier" and classifier is None:
        classifier = load(weights_path("classifier")).params
    meta = {
        "model": model,
        "seed": seed,
        "config": asdict(cfg),
        "data": data.config(),
        "final_losses": history[-1],
        "train_seconds": round(seconds, 2),
        "params_sha256": digest(params),
        "versions": _versions(),
        "metrics": evaluate(model, params, classifier, data),
    }
    if classifier is not None and model != "classifier":
        meta["classifier_sha256"] = digest(classifier)
    return Trained(model, params, meta)


@float32_training
def evaluate(
    model: str,
    params: Params,
    classifier: Params | None = None,
    data: Digits | None = None,
    n: int = N_EVAL,
    eval_seed: int = EVAL_SEED,
) -> dict[str, Any]:
    """Digital quality metrics of a trained model (see the module docstring)."""
    from cosim.workloads import classifier as clf

    mod = module(model)
    data = load_digits() if data is None else data
    test_images = data.x_test.reshape(-1, 8, 8)
    if model == "classifier":
        return {
            "test_accuracy": metrics.accuracy(clf.predict(params, data.x_test), data.y_test),
            "train_accuracy": metrics.accuracy(clf.predict(params, data.x_train), data.y_train),
            "fid_real_train_vs_test": metrics.fid(
                clf.features(params, data.x_train), clf.features(params, data.x_test)
            ),
        }
    if classifier is None:
        raise ValueError(f"evaluate({model!r}) needs the classifier's parameters")
    labels = balanced_labels(n)
    images = mod.sample(params, labels, jax.random.key(eval_seed))
    predicted = clf.predict(classifier, images)
    log = MatmulLog()
    mod.sample(params, labels[:1], jax.random.key(eval_seed), log)
    out: dict[str, Any] = {
        "n_samples": n,
        "eval_seed": eval_seed,
        "accuracy": metrics.accuracy(predicted, labels),
        "accuracy_per_class": [
            metrics.accuracy(predicted[labels == c], labels[labels == c]) for c in range(10)
        ],
        "fid": metrics.fid(clf.features(classifier, images), clf.features(classifier, test_images)),
        "fid_real_train_vs_test": metrics.fid(
            clf.features(classifier, data.x_train), clf.features(classifier, test_images)
        ),
        "matmuls_per_image": len(log.shapes),
        "macs_per_image": log.macs,
    }
    if model == "vae":
        recon = mod.reconstruct(params, test_images, data.y_test)
        out["reconstruction_psnr_db"] = float(np.mean(metrics.psnr(test_images, recon)))
        out["reconstruction_ssim"] = float(np.mean(metrics.ssim(test_images, recon)))
    return out


def digest(params: Params) -> str:
    """SHA-256 over the parameter arrays (names, dtypes, shapes and bytes)."""
    h = hashlib.sha256()
    for name, arr in sorted(_flatten(params).items()):
        a = np.ascontiguousarray(arr)
        h.update(f"{name}:{a.dtype.str}:{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save(path: str | Path, trained: Trained) -> Path:
    """Write parameters and meta to ``path`` (.npz, no pickles)."""
    arrays = {f"params/{k}": v for k, v in _flatten(trained.params).items()}
    meta = json.dumps(trained.meta, sort_keys=True)
    with open(path, "wb") as f:
        np.savez(f, meta=np.asarray(meta), **arrays)
    return Path(path)


def load(path: str | Path) -> Trained:
    """Read a weights file written by :func:`save`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no weights at {path}: run `opticloud train {path.stem} --seed 0 --out {path.parent}`"
        )
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        flat = {k.removeprefix("params/"): z[k] for k in z.files if k.startswith("params/")}
    return Trained(meta["model"], _unflatten(flat), meta)


def load_committed(model: str) -> Trained:
    """The committed weights of ``model``."""
    return load(weights_path(model))


def _flatten(tree: Params, prefix: str = "") -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for k, v in tree.items():
        if isinstance(v, dict):
            out |= _flatten(v, f"{prefix}{k}/")
        else:
            out[f"{prefix}{k}"] = np.asarray(v)
    return out


def _unflatten(flat: dict[str, np.ndarray]) -> Params:
    tree: Params = {}
    for name, arr in flat.items():
        *parents, leaf = name.split("/")
        node = tree
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = arr
    return tree


def _versions() -> dict[str, str]:
    import optax
    import sklearn

    return {
        "python": platform.python_version(),
        "jax": jax.__version__,
        "optax": optax.__version__,
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "machine": platform.machine(),
    }
