r"""The generative job: one tenant's images, digitally and through its optical core, compared.

For a generator (``gan``, ``vae``, ``diffusion``) and the backend settings of its tenant
(``settings``: the dict ``cosim.e2e.tenants.backend_settings`` returns, keys
:data:`SETTINGS_KEYS`), :func:`generate` draws seeded latents (or diffusion noise) for
balanced labels, runs the model twice on the *same* inputs, once with the exact digital
product and once with :class:`cosim.workloads.optical.OpticalBackend`, and compares:

* ``psnr_db``, ``ssim``: mean over images of PSNR and SSIM of optical vs digital
  (``cosim.workloads.metrics``; pixels in [0, 1]). Identical images have infinite PSNR;
  it is reported as :data:`PSNR_CAP_DB`, the PSNR of a float32-resolution difference
  (2^-24) on every pixel, so that means and JSON stay finite;
* ``fid_digital``, ``fid_optical``: Fréchet distance of each set to the held-out real
  digits in the committed classifier's feature space (the yardstick ``opticloud train``
  uses). FID is biased upward at small n (the issue asks >= 1,000 samples for the full
  run); the two share n, latents and reference, so their difference is the optical cost;
* ``accuracy_digital``, ``accuracy_optical``: the classifier's decision on the generated
  digits against the requested labels.

Both runs are float64 (committed float32 weights cast up), so the digital reference is
exact to float64 and every difference is the optical path's.

Hardware figures (``hardware``), for one OPU of the tenant (definitions of symbols and
tile loads in :mod:`cosim.workloads.optical`):

* ``macs_per_image`` (``layers.MatmulLog`` on the digital run), ``symbols_per_image``;
* ``images_per_s = symbol_rate / symbols_per_image``: the streaming bound of the
  modelled hardware; ``effective_tops = 2 macs_per_image images_per_s / 1e12`` against
  the core's ``peak_tops = 2 rows cols symbol_rate / 1e12`` (``utilisation``: what the
  two signed passes, zero padding and skipped passes leave);
* ``energy_per_image_j = power_w / images_per_s`` with ``power_w`` the tenant's power
  (the scenario states what it counts);
* thermal reprogramming: each tile load waits one heater time constant
  (``heater.tau``, a lower bound on settling), ``programming_time_s`` for the run, and
  ``images_per_s_with_programming`` over the whole run (tile loads are shared by the n
  images of the batch).

Results carry the run seed and the backend config (settings echoed, JSON-ready).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import numpy as np

from circuits.core import NonIdealities
from cosim.workloads import classifier as clf
from cosim.workloads import metrics, train
from cosim.workloads.data import balanced_labels, load_digits
from cosim.workloads.layers import MatmulLog, digital
from cosim.workloads.optical import OpticalBackend, Stats
from pdk.params import value

GENERATORS = train.GENERATORS
SETTINGS_KEYS = (
    "kind",
    "rows",
    "cols",
    "nonideal",
    "sigma_fs",
    "adc_bits",
    "dac_bits",
    "seed",
    "symbol_rate_hz",
    "power_w",
    "received_power_dbm",
)
PSNR_CAP_DB = float(10 * np.log10(1.0 / 2.0**-48))  # 144.5 dB: 2^-24 error on every pixel
MAX_SEED = 2**32
LABEL_ROWS = 3  # pixel rows above each image in the grid, for its label

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class GenerateResult:
    """Images of one run and their metrics.

    Attributes:
        model: the generator.
        labels: requested digits (n,).
        digital, optical: images (n, 8, 8) in [0, 1].
        predicted_digital, predicted_optical: the classifier's digits (n,).
        metrics: the JSON-ready record (module docstring).
    """

    model: str
    labels: np.ndarray
    digital: np.ndarray
    optical: np.ndarray
    predicted_digital: np.ndarray
    predicted_optical: np.ndarray
    metrics: dict[str, Any]


def check_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The backend settings as a plain dict, or one ValueError naming the bad field.

    ``nonideal`` may be a ``NonIdealities`` or its dict; ``received_power_dbm`` may be
    None (only echoed). The backend itself checks kind, size, noise, bits and seed.
    """
    missing = [k for k in SETTINGS_KEYS if k not in settings]
    if missing:
        raise ValueError(f"settings: missing {', '.join(missing)}")
    out = {k: settings[k] for k in SETTINGS_KEYS}
    ni = out["nonideal"]
    if isinstance(ni, Mapping):
        try:
            ni = NonIdealities(**ni)
        except TypeError as e:
            raise ValueError(f"settings.nonideal = {dict(ni)!r}: {e}") from None
    if not isinstance(ni, NonIdealities):
        raise ValueError(f"settings.nonideal = {ni!r}: must be NonIdealities or its dict")
    out["nonideal"] = ni
    for key, positive in (("symbol_rate_hz", True), ("power_w", False)):
        v = out[key]
        number = isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
        if not number or not math.isfinite(v) or v < 0 or (positive and v == 0):
            bound = "> 0" if positive else ">= 0"
            raise ValueError(f"settings.{key} = {v!r}: must be a finite number {bound}")
    return out


def make_backend(
    settings: Mapping[str, Any], seed: int, progress: Callable[[int, int], None] | None = None
) -> OpticalBackend:
    """The tenant's optical backend, receiver noise seeded with ``seed``."""
    s = check_settings(settings)
    return OpticalBackend(
        s["kind"],
        s["rows"],
        s["cols"],
        s["nonideal"],
        s["sigma_fs"],
        s["adc_bits"],
        s["dac_bits"],
        seed,
        progress=progress,
    )


def generate(
    model: str,
    settings: Mapping[str, Any],
    n: int = 64,
    seed: int | None = None,
    progress: Progress | None = None,
) -> GenerateResult:
    """Run ``model`` digitally and optically on the same seeded inputs; compare.

    Args:
        model: ``gan``, ``vae`` or ``diffusion``.
        settings: the tenant's backend settings (:data:`SETTINGS_KEYS`).
        n: images (>= 2: FID needs a covariance); labels cycle 0..9.
        seed: seed of the latents / diffusion noise and of the receiver noise; None =
            ``settings["seed"]``.
        progress: optional ``progress(stage, done, total)``, stages ``programming``
            (tiles) and ``optical`` (matrix products).
    """
    if model not in GENERATORS:
        raise ValueError(f"model = {model!r}: must be one of {', '.join(GENERATORS)}")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 2:
        raise ValueError(f"n = {n!r}: must be an integer >= 2 (FID needs a covariance)")
    s = check_settings(settings)
    seed = s["seed"] if seed is None else seed
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"seed = {seed!r}: must be an integer in [0, 2**32)")
    if not 0 <= seed < MAX_SEED:
        raise ValueError(f"seed = {seed!r}: must be an integer in [0, 2**32)")
    report = progress or (lambda stage, done, total: None)
    backend = make_backend(s, int(seed), lambda d, t: report("programming", d, t))

    mod = train.module(model)
    labels = balanced_labels(n)
    key = jax.random.key(int(seed))
    weights: dict[bytes, np.ndarray] = {}

    def recording(W, X):
        W = np.asarray(W)
        weights.setdefault(W.tobytes() + str(W.shape).encode(), W)
        return digital(W, X)

    log = MatmulLog(recording)
    calls = {"done": 0}

    def optical(W, X):
        Y = backend(W, X)
        calls["done"] += 1
        report("optical", calls["done"], len(log.shapes))
        return Y

    with jax.enable_x64(True):
        params = _float64(train.load_committed(model).params)
        images_digital = mod.sample(params, labels, key, log)
        backend.program_weights(weights.values())
        images_optical = mod.sample(params, labels, key, optical)

    cls = train.load_committed("classifier").params
    predicted_d = clf.predict(cls, images_digital)
    predicted_o = clf.predict(cls, images_optical)
    record = _quality(images_digital, images_optical, predicted_d, predicted_o, labels, cls)
    record |= {
        "model": model,
        "n": int(n),
        "seed": int(seed),
        "config": backend.config()
        | {k: _plain(s[k]) for k in ("symbol_rate_hz", "power_w", "received_power_dbm")},
        "hardware": hardware_figures(
            backend.stats, log.macs, n, s["symbol_rate_hz"], s["power_w"], s["rows"], s["cols"]
        ),
    }
    return GenerateResult(
        model, labels, images_digital, images_optical, predicted_d, predicted_o, record
    )


def _quality(
    img_d: np.ndarray,
    img_o: np.ndarray,
    pred_d: np.ndarray,
    pred_o: np.ndarray,
    labels: np.ndarray,
    cls: Any,
) -> dict[str, Any]:
    psnr = np.minimum(metrics.psnr(img_d, img_o), PSNR_CAP_DB)
    real = clf.features(cls, load_digits().x_test)
    f_d, f_o = clf.features(cls, img_d), clf.features(cls, img_o)
    return {
        "psnr_db": float(np.mean(psnr)),
        "psnr_db_min": float(np.min(psnr)),
        "psnr_cap_db": PSNR_CAP_DB,
        "ssim": float(np.mean(metrics.ssim(img_d, img_o))),
        "max_abs_pixel_error": float(np.max(np.abs(img_o - img_d))),
        "fid_digital": metrics.fid(f_d, real),
        "fid_optical": metrics.fid(f_o, real),
        "fid_optical_vs_digital": metrics.fid(f_o, f_d),
        "fid_reference": "held-out real digits (sklearn digits test split), classifier features",
        "accuracy_digital": metrics.accuracy(pred_d, labels),
        "accuracy_optical": metrics.accuracy(pred_o, labels),
    }


def hardware_figures(
    stats: Stats,
    macs: int,
    n: int,
    symbol_rate_hz: float,
    power_w: float,
    rows: int,
    cols: int,
) -> dict[str, float | int]:
    """Throughput and energy of one OPU running the run (module docstring)."""
    symbols_per_image = stats.symbols / n
    macs_per_image = macs / n
    images_per_s = symbol_rate_hz / symbols_per_image if symbols_per_image else math.inf
    tau_s = value("heater.tau") * 1e-6  # us
    programming_s = stats.tile_loads * tau_s
    run_s = stats.symbols / symbol_rate_hz + programming_s
    peak = 2 * rows * cols * symbol_rate_hz / 1e12
    effective = 2 * macs_per_image * images_per_s / 1e12
    return {
        "macs_per_image": macs_per_image,
        "matmul_calls": stats.calls,
        "distinct_tiles": stats.distinct_tiles,
        "tile_loads": stats.tile_loads,
        "symbols": stats.symbols,
        "symbols_per_image": symbols_per_image,
        "symbol_rate_hz": float(symbol_rate_hz),
        "images_per_s": images_per_s,
        "peak_tops": peak,
        "effective_tops": effective,
        "utilisation": effective / peak,
        "power_w": float(power_w),
        "energy_per_image_j": power_w / images_per_s,
        "heater_tau_s": tau_s,
        "programming_time_s": programming_s,
        "images_per_s_with_programming": n / run_s if run_s > 0 else math.inf,
    }


def mosaic(images: np.ndarray, columns: int, gap: int = 1, head: int = 0) -> np.ndarray:
    """Images (k, h, w) tiled row-major into one array: NaN gaps between columns, and a
    NaN strip of ``head`` pixels above each row (room for labels)."""
    k, h, w = images.shape
    rows = -(-k // columns)
    out = np.full((rows * (h + head), columns * (w + gap) - gap), np.nan)
    for i, im in enumerate(images):
        r, c = divmod(i, columns)
        top = r * (h + head) + head
        out[top : top + h, c * (w + gap) : c * (w + gap) + w] = im
    return out


def plot_comparison(result: GenerateResult, path: str | Path, max_images: int = 40) -> Path:
    """PNG: digital and optical images side by side, and |optical - digital|.

    Each image is labelled with its requested digit, in red as ``requested->read`` when
    the classifier reads another digit. The first ``max_images`` images are shown.
    """
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    k = min(max_images, len(result.labels))
    columns = min(8, k)
    rows = -(-k // columns)
    size = result.digital.shape[1]
    diff = np.abs(result.optical[:k] - result.digital[:k])
    m, c = result.metrics, result.metrics["config"]
    fig = Figure(figsize=(3 * 0.6 * columns + 1.4, 0.85 * rows + 1.2), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 3)
    grey = colormaps["gray_r"].with_extremes(bad="white")
    panels = (
        ("digital", result.digital[:k], result.predicted_digital, m["accuracy_digital"]),
        ("optical", result.optical[:k], result.predicted_optical, m["accuracy_optical"]),
    )
    for ax, (name, images, predicted, acc) in zip(axes, panels, strict=False):
        tiles = mosaic(images, columns, head=LABEL_ROWS)
        ax.imshow(tiles, cmap=grey, vmin=0, vmax=1, interpolation="nearest")
        for i in range(k):
            r, col = divmod(i, columns)
            t, p = int(result.labels[i]), int(predicted[i])
            ax.text(
                col * (size + 1) + size / 2 - 0.5,
                r * (size + LABEL_ROWS) + LABEL_ROWS - 0.8,
                str(t) if t == p else f"{t}->{p}",
                fontsize=7,
                ha="center",
                va="bottom",
                color="black" if t == p else "tab:red",
            )
        ax.set_title(f"{name}: classifier accuracy {acc:.0%}", fontsize=9)
        ax.set_axis_off()
    im = axes[2].imshow(
        mosaic(diff, columns, head=LABEL_ROWS),
        cmap=colormaps["magma"].with_extremes(bad="white"),
        vmin=0,
        vmax=max(float(diff.max()), 1e-12),
        interpolation="nearest",
    )
    axes[2].set_title("|optical - digital| (pixels in [0, 1])", fontsize=9)
    axes[2].set_axis_off()
    fig.colorbar(im, ax=axes[2], shrink=0.8)
    fig.suptitle(
        f"{result.model} on {c['kind']} {c['rows']}x{c['cols']}: sigma_fs {c['sigma_fs']:.2g}, "
        f"ADC {c['adc_bits']} b, DAC {c['dac_bits']} b, seed {m['seed']}: "
        f"PSNR {m['psnr_db']:.1f} dB, SSIM {m['ssim']:.3f}",
        fontsize=10,
    )
    fig.savefig(path, dpi=120)
    return Path(path)


def _float64(params: Any) -> Any:
    return jax.tree.map(lambda a: np.asarray(a, np.float64) if a.dtype.kind == "f" else a, params)


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v
