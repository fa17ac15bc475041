"""The digits set, its split, labels and the image grid."""

from __future__ import annotations

import numpy as np
import pytest

from cosim.workloads.data import balanced_labels, load_digits, one_hot
from cosim.workloads.plots import plot_grid


def test_split_covers_all_digits_stratified_and_scaled():
    d = load_digits()
    assert len(d.y_train) + len(d.y_test) == 1797  # the UCI test set bundled by sklearn
    assert d.x_train.shape[1] == 64 and d.x_train.dtype == np.float32
    assert d.x_train.min() == 0.0 and d.x_train.max() == 1.0
    # stratified: every class keeps its share in the held-out set within one image
    share = np.bincount(d.y_test, minlength=10) / np.bincount(d.y_train, minlength=10)
    assert np.allclose(share, 0.3 / 0.7, atol=0.03)
    again = load_digits.__wrapped__(0, 0.3)
    np.testing.assert_array_equal(again.x_test, d.x_test)
    other = load_digits.__wrapped__(1, 0.3)
    assert not np.array_equal(other.y_test, d.y_test)
    with pytest.raises(ValueError, match=r"test_fraction = 1\.5"):
        load_digits(0, 1.5)


def test_labels_and_one_hot():
    labels = balanced_labels(1000)
    assert np.all(np.bincount(labels) == 100)
    y = np.asarray(one_hot(np.array([3, 0, 9])))
    assert y.shape == (10, 3) and np.array_equal(np.argmax(y, axis=0), [3, 0, 9])
    with pytest.raises(ValueError, match=r"digits 0\.\.9"):
        one_hot(np.array([10]))
    with pytest.raises(ValueError, match="n = 0"):
        balanced_labels(0)


def test_plot_grid_writes_a_png(tmp_path):
    d = load_digits()
    path = plot_grid(d.x_test[:12], d.y_test[:12], tmp_path / "grid.png", columns=5, title="t")
    assert path.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="3 labels for 12 images"):
        plot_grid(d.x_test[:12], [1, 2, 3], tmp_path / "bad.png")
