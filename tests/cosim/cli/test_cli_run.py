"""``opticloud run``: bad input exits 2 and writes nothing; a small run writes the report
folder with the documented metrics, and a real browser draws every figure of the page."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cosim.cli  # noqa: F401  (registers the commands)
from cosim.cli.app import app
from cosim.e2e import power as pw
from cosim.e2e.report import METRIC_KEYS, NODE_KEYS

runner = CliRunner()
SMALL = Path(__file__).parents[1] / "e2e" / "small_scenario.yaml"
# A controller's Yosys counts, as input to the power model (Yosys itself is exercised by
# tests/cosim/control/test_control_synth.py)
SYNTH = {"cells": 19361, "flipflops": 3714, "parameters": {"N_RINGS": 16}}


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("yaml_text", "needle"),
    [
        ("opu: {rows: 0}\n", "opu.rows"),
        ("opu: {colour: red}\n", "opu.colour"),
        ("network: {transmitter: {laser: {power_dbm: 45}}}\n", "laser.power_dbm = 45"),
        ("network: {grid: {symbol_rate_gbd: 40}}\n", "dac.sample_rate_gsps = 10"),
        ("seed: -1\n", "seed"),
    ],
)
def test_bad_scenario_exits_2_naming_the_field_and_writes_nothing(tmp_path, yaml_text, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text)
    out = tmp_path / "out"
    r = runner.invoke(app, ["run", "--scenario", str(path), "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert needle in one_line(r.output)
    assert len(one_line(r.output).split("error:")) == 2  # one message
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_missing_file_and_used_folder_are_refused(tmp_path):
    r = runner.invoke(app, ["run", "--scenario", str(tmp_path / "nope.yaml")])
    assert r.exit_code == 2 and "no such file" in one_line(r.output)
    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("x")
    r = runner.invoke(app, ["sweep", "--out", str(used)])
    assert r.exit_code == 2 and "not an empty folder" in one_line(r.output)
    assert [p.name for p in used.iterdir()] == ["keep.txt"]


def test_too_few_images_is_a_usage_error(tmp_path):
    out = tmp_path / "out"
    r = runner.invoke(app, ["run", "--images", "1", "--out", str(out)])
    assert r.exit_code == 2 and "--images" in one_line(r.output)
    assert not out.exists()


def test_missing_yosys_stops_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(pw.shutil, "which", lambda _name: None)
    out = tmp_path / "out"
    r = runner.invoke(app, ["run", "--out", str(out)])
    assert r.exit_code == 1 and "yosys" in r.output
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.xdist_group("e2e")
def test_run_writes_the_report_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(pw, "control_synthesis", lambda n_edge_nodes: dict(SYNTH))
    out = tmp_path / "run"
    args = ["run", "--scenario", str(SMALL), "--out", str(out), "--json", "--no-generative"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert json.loads(r.stdout) == metrics
    assert set(METRIC_KEYS) <= set(metrics)
    assert list(metrics["nodes"]) == ["edge_a", "edge_b", "edge_c", "edge_d"]
    assert all(set(node) == set(NODE_KEYS) for node in metrics["nodes"].values())
    assert {"opu", "tx", "network"} == set(metrics["mw_per_tops"])
    numbers = [metrics[k] for k in ("enob", "nrmse", "snr_db", "enob_analytic", "tops")]
    numbers += list(metrics["mw_per_tops"].values()) + list(metrics["pj_per_mac"].values())
    numbers += [v for node in metrics["nodes"].values() for v in node.values()]
    assert all(isinstance(v, float) and math.isfinite(v) for v in numbers)
    assert metrics["drc_violations"] == 0 and metrics["seed"] == 0
    assert metrics["tops"] == pytest.approx(2 * 4 * 4 * 10e9 * 4 / 1e12)
    for name in ("report.html", "opu_chip.gds", "opu_chip.png", "scenario.yaml"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "opu_chip.png").read_bytes()[:4] == b"\x89PNG"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no staging folder left
    drawn, total = _figures_drawn(out / "report.html", tmp_path)
    assert drawn == total == 7


def _figures_drawn(page: Path, tmp_path: Path) -> tuple[int, int]:
    """(drawn, total) figures as the page's load script records them in headless Chromium."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("OPTICLOUD_SKIP_BROWSER") == "1":
            pytest.skip("OPTICLOUD_SKIP_BROWSER=1 and no Chromium installed")
        pytest.fail("Chromium is not installed: run `make test` (Debian package chromium)")
    home = tmp_path / "home"
    home.mkdir()
    profile = f"--user-data-dir={tmp_path / 'profile'}"
    cmd = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", profile, "--dump-dom"]
    cmd.append(page.resolve().as_uri())
    done = subprocess.run(
        cmd, capture_output=True, text=True, timeout=60, env={**os.environ, "HOME": str(home)}
    )
    body = re.search(r"<body[^>]*>", done.stdout)
    assert body, done.stderr[-2000:]
    drawn = re.search(r'data-figures-drawn="(\d+)"', body.group(0))
    total = re.search(r'data-figures-total="(\d+)"', body.group(0))
    assert drawn and total, body.group(0)
    return int(drawn.group(1)), int(total.group(1))
