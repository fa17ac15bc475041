"""The seam: im2col convolution against XLA's convolution, scaling, noise, product log."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cosim.workloads import layers


def _conv_reference(x, W, b, pad, stride):
    """XLA's own convolution, in our (C, H, W, B) / (O, I, kh, kw) layout."""
    y = jax.lax.conv_general_dilated(
        x,
        W,
        window_strides=(stride, stride),
        padding=[(pad, pad), (pad, pad)],
        dimension_numbers=("CHWN", "OIHW", "CHWN"),
        precision=jax.lax.Precision.HIGHEST,
    )
    return y + b[:, None, None, None]


@pytest.mark.parametrize(("k", "pad", "stride"), [(3, 1, 1), (3, 0, 1), (2, 0, 2), (3, 1, 2)])
def test_conv2d_via_im2col_matches_xla_convolution(k, pad, stride):
    rng = np.random.default_rng(k + 10 * pad + 100 * stride)
    x = jnp.asarray(rng.standard_normal((3, 8, 8, 5)))
    p = {"W": jnp.asarray(rng.standard_normal((4, 3, k, k))), "b": jnp.asarray(rng.random(4))}
    got = layers.conv2d(p, x, pad=pad, stride=stride)
    want = _conv_reference(x, p["W"], p["b"], pad, stride)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_conv2d_sends_one_product_per_layer_through_the_backend():
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.standard_normal((2, 8, 8, 3)))
    p = {"W": jnp.asarray(rng.standard_normal((5, 2, 3, 3))), "b": jnp.zeros(5)}
    log = layers.MatmulLog()
    layers.conv2d(p, x, log, pad=1)
    # one (C_out, C_in kh kw) weight matrix times one patch column per pixel and image
    assert log.shapes == [(5, 2 * 9, 8 * 8 * 3)]
    assert log.macs == 5 * 18 * 64 * 3


def test_upsample2x_is_a_kronecker_product_with_ones():
    x = np.arange(2 * 3 * 3 * 2, dtype=float).reshape(2, 3, 3, 2)
    got = np.asarray(layers.upsample2x(jnp.asarray(x)))
    want = np.stack(
        [[np.kron(x[c, :, :, b], np.ones((2, 2))) for b in range(2)] for c in range(2)]
    ).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(got, want)


def test_matmul_rejects_bad_shapes_and_bad_backends():
    W, X = jnp.ones((3, 4)), jnp.ones((4, 2))
    with pytest.raises(ValueError, match=r"W\(3, 4\) cannot multiply X\(5, 2\)"):
        layers.matmul(W, jnp.ones((5, 2)))
    with pytest.raises(ValueError, match="2-D"):
        layers.matmul(W, jnp.ones(4))
    with pytest.raises(ValueError, match=r"returned shape \(2, 3\), not \(3, 2\)"):
        layers.matmul(W, X, lambda W, X: (W @ X).T)


def test_scaled_backend_is_exact_and_keeps_operands_in_full_scale():
    rng = np.random.default_rng(1)
    W = jnp.asarray(rng.standard_normal((6, 5)) * 7.0)
    X = jnp.asarray(rng.standard_normal((5, 9)) * 0.3)
    X = X.at[:, 4].set(0.0)  # an all-zero column must not divide by zero
    seen = []

    def inner(Ws, Xs):
        seen.append((float(jnp.max(jnp.abs(Ws))), np.asarray(jnp.max(jnp.abs(Xs), axis=0))))
        return Ws @ Xs

    for per_column in (False, True):
        got = layers.scaled(inner, per_column)(W, X)
        np.testing.assert_allclose(got, W @ X, rtol=1e-12, atol=1e-12)
    (w_max, x_tensor), (_, x_cols) = seen
    assert w_max == pytest.approx(1.0)
    assert x_tensor.max() == pytest.approx(1.0)
    np.testing.assert_allclose(np.delete(x_cols, 4), 1.0)  # every vector at DAC full scale
    assert x_cols[4] == 0.0


def test_gaussian_noise_backend_has_the_stated_noise():
    rng = np.random.default_rng(2)
    W, X = rng.standard_normal((64, 64)), rng.standard_normal((64, 500))
    exact = W @ X
    np.testing.assert_array_equal(layers.gaussian_noise(0.0)(W, X), exact)
    err = layers.gaussian_noise(0.05, seed=3)(W, X) - exact
    # 32,000 draws: the std estimate spreads by 1/sqrt(2 * 32000) = 0.4 %, 2 % is 5 sigma
    assert err.std() == pytest.approx(0.05 * np.abs(exact).max(), rel=0.02)
    assert abs(err.mean()) < 5 * err.std() / np.sqrt(err.size)
    with pytest.raises(ValueError, match=r"sigma = -0\.1"):
        layers.gaussian_noise(-0.1)


def test_matmul_log_counts_macs_of_an_mlp():
    key = jax.random.key(0)
    p1, p2 = layers.init_dense(key, 10, 7), layers.init_dense(key, 7, 3)
    log = layers.MatmulLog()
    x = jnp.ones((10, 4))
    layers.dense(p2, layers.dense(p1, x, log), log)
    assert log.shapes == [(7, 10, 4), (3, 7, 4)]
    assert log.macs == 4 * (7 * 10 + 3 * 7)
