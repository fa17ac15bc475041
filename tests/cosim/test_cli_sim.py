"""``opticloud sim``: Touchstone output matches the model and the closed form."""

from __future__ import annotations

import numpy as np
import pytest
import skrf
from typer.testing import CliRunner

import cosim.cli  # noqa: F401
from cosim.cli.app import app
from pdk.params import value

runner = CliRunner()


def test_straight_touchstone_has_closed_form_loss(tmp_path):
    length = 5000.0  # um
    r = runner.invoke(
        app,
        [
            "sim",
            "waveguide_straight",
            "--set",
            f"length={length}",
            "--wl",
            "1.54:1.56:11",
            "--out",
            str(tmp_path),
        ],
    )
    assert r.exit_code == 0, r.output
    net = skrf.Network(str(tmp_path / "waveguide_straight.s2p"))
    expected = 10 ** (-value("strip.loss") * length * 1e-4 / 10)
    assert np.abs(net.s[:, 1, 0]) ** 2 == pytest.approx(expected, rel=1e-6)
    assert np.abs(net.s[:, 0, 0]).max() < 1e-12
    assert (tmp_path / "waveguide_straight.png").read_bytes()[:4] == b"\x89PNG"
    # frequency axis is c / wavelength
    assert net.f.min() == pytest.approx(299_792_458 / 1.56e-6, rel=1e-9)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["sim", "waveguide_straight", "--wl", "1.6:1.5:11"], "START"),
        (["sim", "waveguide_straight", "--wl", "1.5:1.6"], "START:STOP:POINTS"),
        (["sim", "waveguide_straight", "--wl", "0.5:1.6:11"], "outside"),
        (["sim", "waveguide_straight", "--wl", "1.5:1.6:2.5"], "POINTS"),
        (["sim", "waveguide_straight", "--set", "lenght=3"], "lenght"),
        (["sim", "waveguide_straight", "--set", "length=-3"], "length"),
        (["sim", "waveguide_straight", "--set", "temperature=hot"], "temperature"),
        (["sim", "nope"], "nope"),
    ],
)
def test_sim_refuses_bad_input(tmp_path, args, needle):
    r = runner.invoke(app, [*args, "--out", str(tmp_path / "o")])
    assert r.exit_code == 2, r.output
    assert needle in r.output
    assert not (tmp_path / "o").exists()
