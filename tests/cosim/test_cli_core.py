"""``opticloud core``: figures consistent with the written matrices; bad input refused."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import cosim.cli  # noqa: F401
from cosim.cli.app import app

runner = CliRunner()


def test_core_reports_fidelity_of_the_written_matrices(tmp_path):
    out = tmp_path / "run"
    args = ["--kind", "mrr", "--size", "2", "--seed", "3", "--dac-bits", "10", "--json"]
    r = runner.invoke(app, ["core", *args, "--out", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert json.loads((out / "core.json").read_text()) == data
    assert (out / "heatmap.png").read_bytes()[:4] == b"\x89PNG"
    for key in ("kind", "size", "rel_frobenius_error", "enob", "fidelity", "seed"):
        assert key in data
    assert (data["kind"], data["size"], data["rows"], data["seed"]) == ("mrr", 2, 2, 3)
    ni = data["nonidealities"]
    assert ni["dac_bits"] == 10 and ni["calibration"] and ni["fabrication"] and ni["seed"] == 3
    # recompute the figures from the matrices themselves (ENOB over R = 2, weights in [-1, 1])
    W, R = np.array(data["target"]), np.array(data["realised"])
    assert np.all(np.abs(W) <= 1)
    err = R - W
    assert data["rel_frobenius_error"] == pytest.approx(np.linalg.norm(err) / np.linalg.norm(W))
    sigma = np.sqrt(np.mean(err**2))
    assert data["enob"] == pytest.approx(np.log2(2 / (np.sqrt(12) * sigma)))
    assert 0 < data["enob"] < data["enob_cap"]  # a 10-bit heater DAC costs bits
    assert data["fidelity"] is None  # not a unitary core


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--kind", "photonic", "--size", "4"], "--kind"),
        (["--kind", "mrr", "--size", "1"], "--size"),
        (["--kind", "awgr", "--size", "32"], "--size"),
        (["--kind", "awgr", "--size", "4", "--rows", "2"], "--rows"),
        (["--kind", "mzi", "--size", "4", "--rows", "3"], "--rows"),
        (["--kind", "mrr", "--size", "4", "--seed", "-1"], "--seed"),
        (["--kind", "mrr", "--size", "4", "--dac-bits", "0"], "--dac-bits"),
        (["--kind", "mrr", "--size", "4", "--dac-bits", "25"], "--dac-bits"),
        (["--kind", "mrr", "--size", "4", "--ideal", "--dac-bits", "8"], "--dac-bits"),
    ],
)
def test_core_refuses_bad_input(tmp_path, args, needle):
    out = tmp_path / "o"
    r = runner.invoke(app, ["core", *args, "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert needle in r.output
    assert not out.exists()
