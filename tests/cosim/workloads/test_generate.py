"""The generative job: metrics, hardware figures and the quality-vs-noise trend.

Independent references: MAC and symbol counts worked out by hand from the GAN's layer
shapes, the tiling and the sign of each layer's inputs; the definitions of images/s and
energy per image; the physics that more receiver noise (less optical power) cannot make
the images closer to the digital ones.
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest

from circuits.core import NonIdealities
from cosim.workloads import generate as job

pytestmark = pytest.mark.xdist_group("optical-backend")  # shares the cores and tile cache


def settings(**over):
    base = {
        "kind": "clements",
        "rows": 4,
        "cols": 4,
        "nonideal": NonIdealities.ideal(),
        "sigma_fs": 1e-3,
        "adc_bits": 8,
        "dac_bits": 8,
        "seed": 0,
        "symbol_rate_hz": 10e9,
        "power_w": 2.0,
        "received_power_dbm": -10.0,
    }
    return base | over


def ceil(a, b):
    return -(-a // b)


def test_gan_run_carries_metrics_and_hand_counted_hardware_figures(tmp_path):
    r = job.generate("gan", settings(), n=10, seed=3)
    m = r.metrics
    for key in ("psnr_db", "ssim", "fid_digital", "fid_optical"):
        assert math.isfinite(m[key]), key
    assert 0 <= m["accuracy_digital"] <= 1 and 0 <= m["accuracy_optical"] <= 1
    assert m["seed"] == 3 and m["n"] == 10 and m["config"]["seed"] == 3
    assert m["config"]["nonideal"] == NonIdealities.ideal().to_dict()
    assert m["config"]["received_power_dbm"] == -10.0
    assert r.digital.shape == r.optical.shape == (10, 8, 8)
    assert 0 < m["psnr_db"] < job.PSNR_CAP_DB and 0 < m["ssim"] < 1
    hw = m["hardware"]
    # GAN: dense 26->128, dense 128->256, conv 3x3 16->8 and 8->1 on 8x8 maps (64 columns)
    macs = 128 * 26 + 256 * 128 + 8 * 144 * 64 + 1 * 72 * 64
    assert hw["macs_per_image"] == macs
    # 4x4 tiles; only fc0's inputs are signed, and only its first 4 column tiles (z, 16
    # entries; the one-hot label is nonnegative) need the x- pass
    symbols = 32 * 7 + 32 * 4 + 64 * 32 + 2 * 36 * 64 + 1 * 18 * 64
    assert hw["symbols_per_image"] == symbols
    assert hw["tile_loads"] == 32 * 7 + 64 * 32 + 2 * 36 + 18
    assert hw["images_per_s"] == pytest.approx(10e9 / symbols)
    assert hw["energy_per_image_j"] == pytest.approx(2.0 * symbols / 10e9)
    assert hw["peak_tops"] == pytest.approx(2 * 16 * 10e9 / 1e12)
    assert hw["utilisation"] == pytest.approx(macs / (16 * symbols))
    assert hw["programming_time_s"] == pytest.approx(hw["tile_loads"] * 10e-6)
    png = job.plot_comparison(r, tmp_path / "grid.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_quality_falls_monotonically_as_receiver_noise_grows():
    """sigma_fs stands in for shrinking optical power (receiver-noise limited: sigma ~ 1/P)."""
    psnr, ssim = [], []
    for sigma in (3e-4, 1e-3, 3e-3, 1e-2):
        m = job.generate(
            "gan", settings(sigma_fs=sigma, adc_bits=None, dac_bits=None), n=20
        ).metrics
        psnr.append(m["psnr_db"])
        ssim.append(m["ssim"])
    assert all(a > b for a, b in pairwise(psnr)), psnr
    assert all(a >= b for a, b in pairwise(ssim)), ssim
    assert psnr[0] - psnr[-1] > 20  # 30x the noise: ~30 dB


def test_same_seed_same_images_other_seed_other_images():
    a = job.generate("gan", settings(), n=4, seed=1)
    b = job.generate("gan", settings(), n=4, seed=1)
    c = job.generate("gan", settings(), n=4, seed=2)
    np.testing.assert_array_equal(a.optical, b.optical)
    assert a.metrics == b.metrics
    assert np.abs(a.digital - c.digital).max() > 1e-3  # other latents


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: job.generate("unet", settings(), n=4), "model = 'unet'"),
        (lambda: job.generate("gan", settings(), n=1), "n = 1"),
        (lambda: job.generate("gan", settings(), n=4, seed=-2), "seed = -2"),
        (lambda: job.check_settings({"kind": "mrr"}), "missing rows"),
        (lambda: job.check_settings(settings(symbol_rate_hz=0)), "symbol_rate_hz = 0"),
        (lambda: job.check_settings(settings(power_w=-1.0)), "power_w = -1.0"),
        (lambda: job.check_settings(settings(nonideal={"bogus": 1})), "settings.nonideal"),
        (lambda: job.make_backend(settings(adc_bits=0), 0), "adc_bits = 0"),
    ],
)
def test_bad_input_names_the_field(call, needle):
    with pytest.raises(ValueError) as e:
        call()
    assert needle in str(e.value)


def test_nonideal_may_come_as_a_dict():
    s = job.check_settings(settings(nonideal=NonIdealities.ideal(seed=4).to_dict()))
    assert s["nonideal"] == NonIdealities.ideal(seed=4)
