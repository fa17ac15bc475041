"""The optical backend: exact where the physics is exact, bounded where it quantises.

Independent references: NumPy's float64 ``W @ X`` (ideal cores realise their targets to
~1e-11), the core's own ``realised_matrix`` of a tile programmed outside the backend,
the uniform quantiser's LSB / 2 bound, Gaussian statistics of the receiver noise, and
the digital images of the committed generators.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

from circuits.core import NonIdealities
from circuits.cores import CoreSizeError
from cosim.workloads import train
from cosim.workloads.data import balanced_labels
from cosim.workloads.optical import OpticalBackend, adc_lsb, adc_quantise, dac_quantise

# one worker should hold the cores (JAX compilation) and the realised-tile cache for all of
# these; the MRR bank (the slowest to compile) is used by one test only
pytestmark = pytest.mark.xdist_group("optical-backend")

IDEAL = NonIdealities.ideal()


def backend(kind="clements", size=4, sigma_fs=0.0, adc_bits=None, dac_bits=None, seed=0, ni=IDEAL):
    return OpticalBackend(kind, size, size, ni, sigma_fs, adc_bits, dac_bits, seed)


@pytest.mark.parametrize("shape", [(4, 4), (7, 10), (1, 9), (13, 3)])
def test_signed_two_pass_scheme_and_tiling_are_exact_on_an_ideal_core(shape):
    rng = np.random.default_rng(sum(shape))
    W = rng.normal(size=shape) * 3.0
    X = rng.normal(size=(shape[1], 6))
    X[0, 0] = 0.0
    b = backend()
    Y = b(W, X)
    assert np.abs(Y - W @ X).max() <= 1e-9 * np.abs(W).max() * np.abs(X).max() * shape[1]
    tiles = -(-shape[0] // 4) * -(-shape[1] // 4)
    assert b.stats.tile_loads == tiles
    assert b.stats.symbols == tiles * 2 * 6  # two passes per vector: x+ and x-
    assert b.stats.macs == shape[0] * shape[1] * 6
    # nonnegative inputs need no x- pass: half the symbols, still exact
    b2 = backend()
    Y2 = b2(W, np.abs(X))
    assert np.abs(Y2 - W @ np.abs(X)).max() <= 1e-9 * np.abs(W).max() * np.abs(X).max() * shape[1]
    assert b2.stats.symbols == tiles * 6


def test_on_the_mrr_bank_products_are_exact_when_ideal_and_follow_the_chip_when_not():
    """Ideal bank: a signed, tiled product is W @ X. Uncalibrated, imbalanced bank: the
    product is the bank's own realised matrix (programmed outside the backend) times X."""
    rng = np.random.default_rng(0)
    W, X = rng.normal(size=(7, 10)), rng.normal(size=(10, 3))
    assert np.abs(backend("mrr")(W, X) - W @ X).max() <= 1e-9 * np.abs(W @ X).max()
    ni = NonIdealities(coupler_imbalance=True, excess_loss=True, seed=3)
    W = rng.uniform(-1, 1, (4, 4))
    W[0, 0] = 1.0  # max |W| = 1: the backend programs W itself
    X = rng.uniform(0, 1, (4, 5))
    X[0] = 1.0  # every column's max is 1: no input scaling
    b = backend("mrr", ni=ni)
    realised = b.core.realised_matrix(b.core.program(W, ni), ni)
    assert np.abs(realised - W).max() > 1e-3  # the imperfection is visible
    np.testing.assert_allclose(b(W, X), realised @ X, rtol=0, atol=1e-12)


def test_repeated_products_do_not_reprogram(monkeypatch):
    b = backend(ni=NonIdealities.ideal(seed=987))  # its own cache entry: nothing programmed yet
    programmed = []
    original = b.core.program
    monkeypatch.setattr(b.core, "program", lambda W, ni: programmed.append(1) or original(W, ni))
    W = np.random.default_rng(7).normal(size=(9, 9))
    X = np.ones((9, 2))
    b(W, X)
    first = len(programmed)
    assert first == 9  # 3 x 3 tiles, all new
    b(W, X)
    b(W * 2.0, X)  # the same tiles after per-layer scaling
    assert len(programmed) == first
    assert b.stats.tile_loads == 27 and b.stats.distinct_tiles == 9


@pytest.mark.parametrize("bits", [3, 6, 10])
def test_adc_error_is_at_most_half_an_lsb_per_tile_pass(bits):
    rng = np.random.default_rng(bits)
    fs = 4.0
    y = rng.uniform(-fs, fs, 20000)
    q = adc_quantise(y, bits, fs)
    lsb = adc_lsb(bits, fs)
    assert np.abs(q - y).max() <= lsb / 2 + 1e-12
    assert np.abs(q - y).max() > 0.45 * lsb  # it does quantise
    assert len(np.unique(q)) <= 2**bits - 1
    assert adc_quantise(np.array([0.0, 9.0, -9.0]), bits, fs).tolist() == [0.0, fs, -fs]
    # through the backend: one tile, scales 1, nonnegative inputs -> one pass per output
    W = rng.uniform(-1, 1, (4, 4))
    W[0, 0] = -1.0
    X = rng.uniform(0, 1, (4, 300))
    X[1] = 1.0
    err = backend(adc_bits=bits)(W, X) - W @ X
    assert np.abs(err).max() <= lsb / 2 + 1e-9
    # two column tiles x two passes: at most four half-LSBs per output, times the scales
    W2, X2 = rng.normal(size=(4, 8)), rng.normal(size=(8, 300))
    err2 = backend(adc_bits=bits)(W2, X2) - W2 @ X2
    bound = 4 * lsb / 2 * np.abs(W2).max() * np.abs(X2).max(axis=0)
    assert np.all(np.abs(err2) <= bound + 1e-9)


def test_dac_levels_and_bound():
    x = np.linspace(0, 1, 1001)
    q = dac_quantise(x, 4)
    assert np.abs(q - x).max() <= 0.5 / 15 + 1e-12
    assert set(np.round(q * 15, 9)) <= set(range(16))
    assert dac_quantise(x, None) is x


def test_receiver_noise_has_the_stated_rms():
    """sigma_fs of the full scale FS = cols per sample: one pass for nonnegative inputs."""
    W = np.eye(4)
    X = np.full((4, 20000), 0.5)
    X[0] = 1.0
    err = backend(sigma_fs=0.01, seed=5)(W, X) - W @ X
    assert np.std(err) == pytest.approx(0.01 * 4, rel=0.03)
    assert abs(np.mean(err)) < 3 * 0.04 / np.sqrt(err.size)


def test_the_seed_makes_the_noise_reproducible():
    rng = np.random.default_rng(1)
    W, X = rng.normal(size=(6, 5)), rng.normal(size=(5, 7))
    a = backend(sigma_fs=0.02, adc_bits=8, dac_bits=6, seed=11)(W, X)
    b = backend(sigma_fs=0.02, adc_bits=8, dac_bits=6, seed=11)(W, X)
    c = backend(sigma_fs=0.02, adc_bits=8, dac_bits=6, seed=12)(W, X)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-3


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "awgr"}, "kind = 'awgr'"),
        ({"kind": "photonic"}, "kind = 'photonic'"),
        ({"kind": "mzi", "rows": 3}, "rows=3"),
        ({"cols": 1}, "cols=1"),
        ({"sigma_fs": -0.1}, "sigma_fs = -0.1"),
        ({"sigma_fs": float("nan")}, "sigma_fs = nan"),
        ({"adc_bits": 1}, "adc_bits = 1"),
        ({"adc_bits": 8.0}, "adc_bits = 8.0"),
        ({"dac_bits": 0}, "dac_bits = 0"),
        ({"dac_bits": 25}, "dac_bits = 25"),
        ({"seed": -1}, "seed = -1"),
        ({"nonideal": "ideal"}, "nonideal = 'ideal'"),
    ],
)
def test_bad_arguments_name_the_field(kwargs, field):
    args = {"kind": "mrr", "rows": 4, "cols": 4, "nonideal": IDEAL, "sigma_fs": 0.0}
    args |= {"adc_bits": None, "dac_bits": None, "seed": 0} | kwargs
    with pytest.raises((ValueError, CoreSizeError), match=None) as e:
        OpticalBackend(**args)
    assert field in str(e.value)


def test_bad_operands_are_refused():
    b = backend()
    with pytest.raises(ValueError, match="cannot multiply"):
        b(np.ones((4, 3)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="X has non-finite"):
        b(np.ones((4, 4)), np.full((4, 1), np.nan))


def _float64(params):
    return jax.tree.map(lambda a: np.asarray(a, np.float64) if a.dtype.kind == "f" else a, params)


@pytest.mark.parametrize("model", train.GENERATORS)
def test_an_ideal_optical_path_reproduces_the_digital_images(model):
    """Ideal 4 x 4 core, every tile really programmed (2,362 / 5,440 / 10,944 tiles for GAN,
    VAE, diffusion), no noise, no converters: the images are the digital ones to <= 1e-6.
    A receiver noise of 1e-5 of full scale already moves pixels by more (the check can
    fail). The Clements core, whose closed-form SVD programming is the fastest in the
    ideal case (~1 ms per tile against ~5 ms for the MRR bank's Newton solve), keeps this
    within the test budget; the MRR bank's products are checked above."""
    mod = train.module(model)
    labels, key = balanced_labels(4), jax.random.key(2)
    with jax.enable_x64(True):
        params = _float64(train.load_committed(model).params)
        digital = mod.sample(params, labels, key)
        ideal = mod.sample(params, labels, key, backend("clements"))
        noisy = mod.sample(params, labels, key, backend("clements", sigma_fs=1e-5))
    assert digital.dtype == np.float64 and ideal.dtype == np.float64
    assert np.abs(ideal - digital).max() <= 1e-6
    assert np.abs(noisy - digital).max() > 1e-6
