"""PSNR and SSIM against scikit-image; the Fréchet distance against closed forms and sqrtm."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from cosim.workloads import metrics


def _pairs(n=6, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.random((n, 8, 8))
    b = np.clip(a + rng.normal(0, 0.15, a.shape), 0, 1)
    return a, b


def test_psnr_matches_scikit_image_per_image():
    a, b = _pairs()
    want = [peak_signal_noise_ratio(x, y, data_range=1.0) for x, y in zip(a, b, strict=True)]
    np.testing.assert_allclose(metrics.psnr(a, b), want, rtol=1e-12)
    assert np.isinf(metrics.psnr(a[0], a[0])).all()
    with pytest.raises(ValueError, match="shapes differ"):
        metrics.psnr(a, b[:2])


def test_ssim_matches_scikit_image_per_image():
    a, b = _pairs(seed=1)
    for window in (3, 5):
        want = [
            structural_similarity(x, y, win_size=window, data_range=1.0)
            for x, y in zip(a, b, strict=True)
        ]
        np.testing.assert_allclose(metrics.ssim(a, b, window=window), want, rtol=1e-10)
    np.testing.assert_allclose(metrics.ssim(a, a), 1.0)
    with pytest.raises(ValueError, match="window = 9"):
        metrics.ssim(a, b, window=9)


def test_ssim_and_psnr_fall_as_noise_grows():
    rng = np.random.default_rng(3)
    a = rng.random((20, 8, 8))
    levels = [0.02, 0.1, 0.3]
    noisy = [np.clip(a + s * rng.standard_normal(a.shape), 0, 1) for s in levels]
    s = [metrics.ssim(a, x).mean() for x in noisy]
    p = [metrics.psnr(a, x).mean() for x in noisy]
    assert s[0] > s[1] > s[2] and p[0] > p[1] > p[2]


def test_frechet_distance_of_1d_gaussians_is_the_closed_form():
    # W2^2 between N(m1, s1^2) and N(m2, s2^2) is (m1 - m2)^2 + (s1 - s2)^2
    d = metrics.frechet_distance(np.array([1.0]), np.array([[4.0]]), np.array([-2.0]), [[0.25]])
    assert d == pytest.approx(9.0 + (2.0 - 0.5) ** 2, rel=1e-12)


def test_frechet_distance_matches_scipy_sqrtm_formula():
    rng = np.random.default_rng(4)
    A, B = rng.standard_normal((6, 6)), rng.standard_normal((6, 6))
    s1, s2 = A @ A.T + 0.1 * np.eye(6), B @ B.T + 0.1 * np.eye(6)
    m1, m2 = rng.standard_normal(6), rng.standard_normal(6)
    want = np.sum((m1 - m2) ** 2) + np.trace(s1 + s2 - 2 * scipy.linalg.sqrtm(s1 @ s2).real)
    assert metrics.frechet_distance(m1, s1, m2, s2) == pytest.approx(want, rel=1e-9)


def test_frechet_distance_with_singular_covariances():
    # dead ReLU units give zero rows/columns; diagonal case: sum (sqrt(a_i) - sqrt(b_i))^2
    a, b = np.array([0.0, 1.0, 4.0]), np.array([0.0, 9.0, 1.0])
    d = metrics.frechet_distance(np.zeros(3), np.diag(a), np.zeros(3), np.diag(b))
    assert d == pytest.approx(np.sum((np.sqrt(a) - np.sqrt(b)) ** 2), rel=1e-12)
    assert metrics.frechet_distance(np.zeros(3), np.diag(a), np.zeros(3), np.diag(a)) < 1e-12


def test_fid_of_samples_sees_a_mean_shift_and_not_a_resample():
    rng = np.random.default_rng(5)
    d, n = 8, 20_000
    f1, f2 = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    # estimator bias ~ d^2 / (2 n) per set for identity covariances: ~0.003 here
    assert metrics.fid(f1, f2) < 0.02
    assert metrics.fid(f1, f2 + 0.5) == pytest.approx(d * 0.25, abs=0.03)


def test_accuracy():
    assert metrics.accuracy(np.array([1, 2, 3, 4]), np.array([1, 2, 0, 4])) == 0.75
    with pytest.raises(ValueError, match="shapes"):
        metrics.accuracy(np.array([1, 2]), np.array([1, 2, 3]))
