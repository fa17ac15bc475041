"""Image-quality metrics: PSNR, SSIM, Fréchet distance in a classifier's feature space, accuracy.

PSNR and SSIM compare two images of the same latents and labels (e.g. digital vs
optical); FID compares two *sets* of images through the statistics of their features;
accuracy checks generated digits against the labels that were asked for.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# Wang et al. 2004 constants: C1 = (K1 L)^2, C2 = (K2 L)^2 with L the data range.
SSIM_K1 = 0.01
SSIM_K2 = 0.03
# The 2004 paper uses an 11x11 Gaussian window (sigma 1.5) on ~512 px images; our
# digits are 8x8 (a 32x32 bitmap pooled 4x4), so the window shrinks to 3x3, the
# smallest that still holds a local mean, variance and covariance (36 windows per image).
SSIM_WINDOW = 3


def _as_batch(images: np.ndarray, name: str) -> np.ndarray:
    a = np.asarray(images, np.float64)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3:
        raise ValueError(f"{name}: expected images (N, H, W) or (H, W), got shape {a.shape}")
    return a


def psnr(reference: np.ndarray, images: np.ndarray, data_range: float = 1.0) -> np.ndarray:
    """Peak signal-to-noise ratio (dB) per image: 10 log10(R^2 / MSE); +inf if identical.

    reference, images: (N, H, W) or (H, W); data_range R: the full scale of the pixels.
    """
    ref, img = _as_batch(reference, "reference"), _as_batch(images, "images")
    if ref.shape != img.shape:
        raise ValueError(f"psnr: shapes differ, {ref.shape} vs {img.shape}")
    if not data_range > 0:
        raise ValueError(f"psnr: data_range = {data_range!r} must be > 0")
    mse = np.mean((ref - img) ** 2, axis=(1, 2))
    with np.errstate(divide="ignore"):
        return 10 * np.log10(data_range**2 / mse)


def ssim(
    reference: np.ndarray,
    images: np.ndarray,
    data_range: float = 1.0,
    window: int = SSIM_WINDOW,
) -> np.ndarray:
    """Mean structural similarity per image (Wang et al., IEEE TIP 13:600, 2004, eq. 13).

    SSIM = (2 mu_x mu_y + C1)(2 s_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(s_x^2 + s_y^2 + C2))
    over every ``window`` x ``window`` patch (uniform weights, unbiased variances), averaged
    over the patches of each image. Same definition as scikit-image's
    ``structural_similarity(..., win_size=window, gaussian_weights=False)``.
    """
    ref, img = _as_batch(reference, "reference"), _as_batch(images, "images")
    if ref.shape != img.shape:
        raise ValueError(f"ssim: shapes differ, {ref.shape} vs {img.shape}")
    if window < 2 or window > min(ref.shape[1:]):
        raise ValueError(f"ssim: window = {window} must lie in [2, {min(ref.shape[1:])}]")
    wx = sliding_window_view(ref, (window, window), axis=(1, 2))  # (N, h, w, k, k)
    wy = sliding_window_view(img, (window, window), axis=(1, 2))
    mx, my = wx.mean(axis=(-2, -1)), wy.mean(axis=(-2, -1))
    n = window * window
    dx, dy = wx - mx[..., None, None], wy - my[..., None, None]
    vx = (dx**2).sum(axis=(-2, -1)) / (n - 1)
    vy = (dy**2).sum(axis=(-2, -1)) / (n - 1)
    cxy = (dx * dy).sum(axis=(-2, -1)) / (n - 1)
    c1, c2 = (SSIM_K1 * data_range) ** 2, (SSIM_K2 * data_range) ** 2
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return s.mean(axis=(1, 2))


def frechet_distance(mu1: np.ndarray, s1: np.ndarray, mu2: np.ndarray, s2: np.ndarray) -> float:
    """Fréchet (2-Wasserstein squared) distance between N(mu1, S1) and N(mu2, S2).

    d^2 = ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))  (Dowson & Landau 1982; the
    FID of Heusel et al. 2017). S1 S2 is similar to the symmetric PSD matrix
    S1^(1/2) S2 S1^(1/2), so Tr (S1 S2)^(1/2) is the sum of the square roots of that
    matrix's eigenvalues: exact also for the singular covariances of ReLU features
    (dead units), where ``scipy.linalg.sqrtm(S1 @ S2)`` warns and loses accuracy.
    """
    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    s1, s2 = np.atleast_2d(s1), np.atleast_2d(s2)
    if mu1.shape != mu2.shape or s1.shape != s2.shape or s1.shape != (mu1.size, mu1.size):
        raise ValueError(
            f"frechet_distance: shapes mu {mu1.shape}/{mu2.shape}, S {s1.shape}/{s2.shape}"
        )
    w, v = np.linalg.eigh((s1 + s1.T) / 2)
    root1 = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
    inner = root1 @ s2 @ root1
    tr_covmean = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh((inner + inner.T) / 2), 0.0, None)))
    d = float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * tr_covmean)
    return max(d, 0.0)  # rounding can leave -1e-12 for identical inputs


def feature_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (unbiased) covariance of features (N, d)."""
    f = np.asarray(features, np.float64)
    if f.ndim != 2 or len(f) < 2:
        raise ValueError(f"feature_stats: need features (N >= 2, d), got shape {f.shape}")
    return f.mean(axis=0), np.cov(f, rowvar=False)


def fid(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Fréchet distance between the Gaussian fits of two feature sets (N, d)."""
    return frechet_distance(*feature_stats(features_a), *feature_stats(features_b))


def accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of predicted classes equal to the requested labels."""
    predicted, labels = np.asarray(predicted), np.asarray(labels)
    if predicted.shape != labels.shape or predicted.ndim != 1 or predicted.size == 0:
        raise ValueError(f"accuracy: shapes {predicted.shape} and {labels.shape} must be (N,)")
    return float(np.mean(predicted == labels))
