"""``opticloud control lock``: a short co-simulation end to end, and bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cosim.cli.app import app

pytestmark = pytest.mark.xdist_group("control-cli")


def test_lock_command_writes_plot_and_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # build/ and out/ land here
    out = tmp_path / "out"
    args = ["control", "lock", "--rings", "2", "--drift-k", "0.5", "--ramp-k-per-ms", "0.1"]
    result = CliRunner().invoke(app, [*args, "--json", "--out", str(out), "--seed", "3"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{") :])
    assert report["locked"] == [True, True]
    assert all(isinstance(i, int) for i in report["iterations_to_lock"])
    assert report["max_weight_error_lsb"] <= 1.0
    assert report["criteria_failures"] == []
    assert report["scoreboard"]["mismatches"] == []
    assert report["seed"] == 3 and report["scenario"]["n_rings"] == 2
    assert (out / "lock.png").stat().st_size > 10_000
    assert json.loads((out / "lock.json").read_text())["locked"] == [True, True]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--rings", "17"], "--rings"),
        (["--drift-k", "-1"], "--drift-k"),
        (["--drift-k", "15"], "--drift-k"),
        (["--ramp-k-per-ms", "0"], "--ramp-k-per-ms"),
    ],
)
def test_lock_command_rejects_bad_input_without_writing(tmp_path, args, field):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["control", "lock", *args, "--out", str(out)])
    assert result.exit_code == 2
    assert field in result.output
    assert not out.exists()


def test_lock_command_exits_1_when_the_criteria_fail(tmp_path, monkeypatch):
    """A 2 K/ms ramp is beyond what the loop holds to +-1 LSB: reported, exit code 1."""
    monkeypatch.chdir(tmp_path)
    args = ["control", "lock", "--rings", "1", "--drift-k", "0.5", "--ramp-k-per-ms", "2"]
    result = CliRunner().invoke(app, [*args, "--json", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output[result.output.index("{") :])
    assert any("ramp" in f for f in report["criteria_failures"])
