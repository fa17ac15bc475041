"""``opticloud generate``: usage errors exit 2 and write nothing; a small run writes its files.

The run test replaces the scenario lookup with explicit small settings (a 4 x 4 ideal
Clements core), so it checks the command's glue: options, progress, atomic outputs and
the JSON keys; the job's physics is tested in tests/cosim/workloads/test_generate.py.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import cosim.cli  # noqa: F401  (registers the commands)
from circuits.core import NonIdealities
from cosim.cli import generate as cli_generate
from cosim.cli.app import app

pytestmark = pytest.mark.xdist_group("optical-backend")  # shares the cores and tile cache

runner = CliRunner()
KEYS = ("psnr_db", "ssim", "fid_digital", "fid_optical", "accuracy_digital", "accuracy_optical")


def one_line(text: str) -> str:
    return " ".join(text.split())


def small_settings(model, scenario):
    return {
        "kind": "clements",
        "rows": 4,
        "cols": 4,
        "nonideal": NonIdealities.ideal(),
        "sigma_fs": 2e-3,
        "adc_bits": 8,
        "dac_bits": 8,
        "seed": 9,
        "symbol_rate_hz": 10e9,
        "power_w": 1.5,
        "received_power_dbm": -8.0,
        "node": "edge_test",
    }


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--model", "unet"], "--model = 'unet'"),
        (["--model", "gan", "-n", "0"], "-n = 0"),
        (["--model", "gan", "-n", "1"], "-n = 1"),
        (["--model", "gan", "--seed", "-1"], "--seed = -1"),
        (["--model", "vae", "--scenario", "no/such.yaml"], "--scenario = no/such.yaml"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path, args, needle):
    out = tmp_path / "o"
    r = runner.invoke(app, ["generate", *args, "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert needle in one_line(r.output)
    assert not out.exists()


def test_out_must_be_a_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = runner.invoke(app, ["generate", "--model", "gan", "--out", str(blocker)])
    assert r.exit_code == 2 and "exists and is not a folder" in one_line(r.output)
    assert blocker.read_text() == "x"


def test_a_small_run_writes_grid_and_metrics(tmp_path, monkeypatch):
    monkeypatch.setattr(cli_generate, "scenario_settings", small_settings)
    out = tmp_path / "run"
    r = runner.invoke(app, ["generate", "--model", "gan", "-n", "6", "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    record = json.loads(r.stdout)
    assert json.loads((out / "metrics.json").read_text()) == record
    assert (out / "gan_grid.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in out.iterdir()) == ["gan_grid.png", "metrics.json"]
    for key in KEYS:
        assert isinstance(record[key], float), key
    assert record["seed"] == 9  # the scenario's seed when --seed is not given
    assert record["node"] == "edge_test" and record["n"] == 6
    assert record["config"]["kind"] == "clements" and record["config"]["sigma_fs"] == 2e-3
    assert record["hardware"]["power_w"] == 1.5
    # the table form runs too, and --seed overrides the scenario's seed
    r2 = runner.invoke(
        app, ["generate", "--model", "gan", "-n", "6", "--seed", "4", "--out", str(tmp_path / "b")]
    )
    assert r2.exit_code == 0, r2.output
    assert json.loads((tmp_path / "b" / "metrics.json").read_text())["seed"] == 4
    assert "PSNR" in r2.output


def test_settings_the_backend_refuses_exit_2(tmp_path, monkeypatch):
    monkeypatch.setattr(
        cli_generate, "scenario_settings", lambda m, s: small_settings(m, s) | {"kind": "awgr"}
    )
    out = tmp_path / "o"
    r = runner.invoke(app, ["generate", "--model", "gan", "--out", str(out)])
    assert r.exit_code == 2 and "kind = 'awgr'" in one_line(r.output)
    assert not out.exists()


@pytest.mark.parametrize(
    ("yaml_text", "model", "needle"),
    [
        (
            "generative: {edge_b: gan, edge_c: gan}\n",
            "vae",
            "--model = 'vae': no tenant of the scenario",
        ),
        ("opu: {kind: photonic}\n", "gan", "opu.kind"),
        ("seed: -3\n", "gan", "seed"),
        (
            "opu: {kind: awgr}\nnetwork: {channels: {spacing_ghz: 100}}\n",
            "gan",
            "opu.kind = 'awgr'",
        ),
    ],
)
def test_scenario_problems_exit_2_before_any_simulation(tmp_path, yaml_text, model, needle):
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml_text)
    out = tmp_path / "o"
    r = runner.invoke(
        app, ["generate", "--model", model, "--scenario", str(path), "--out", str(out)]
    )
    assert r.exit_code == 2, r.output
    assert needle in one_line(r.output)
    assert not out.exists()
