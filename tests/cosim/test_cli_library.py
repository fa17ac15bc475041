"""CLI: cells, gds, verify, demo — including refusal of bad input with exit code 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import cosim.cli  # noqa: F401  (registers commands)
from components.registry import CELLS
from cosim.cli.app import app

runner = CliRunner()


def test_cells_json_lists_every_cell_with_parameters():
    r = runner.invoke(app, ["cells", "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert {row["name"] for row in rows} == set(CELLS)
    pad = next(row for row in rows if row["name"] == "bond_pad")
    (size,) = [p for p in pad["parameters"] if p["name"] == "size"]
    assert size["unit"] == "um" and size["min"] == 40


def test_gds_writes_file_and_png(tmp_path):
    out, png = tmp_path / "pad.gds", tmp_path / "pad.png"
    r = runner.invoke(
        app, ["gds", "bond_pad", "--set", "size=90", "-o", str(out), "--png", str(png)]
    )
    assert r.exit_code == 0, r.output
    assert out.stat().st_size > 0 and png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["gds", "no_such_cell"], "no_such_cell"),
        (["gds", "bond_pad", "--set", "sise=90"], "sise"),
        (["gds", "bond_pad", "--set", "size=big"], "size"),
        (["gds", "bond_pad", "--set", "size=-5"], "size"),
        (["gds", "bond_pad", "--set", "size"], "key=value"),
        (["gds", "bond_pad_array", "--set", "columns=2.5"], "columns"),
    ],
)
def test_gds_refuses_bad_input_with_exit_2_and_writes_nothing(tmp_path, args, needle):
    out = tmp_path / "x.gds"
    r = runner.invoke(app, [*args, "-o", str(out)])
    assert r.exit_code == 2, r.output
    assert needle in r.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_verify_json_pass_and_fail(tmp_path):
    r = runner.invoke(app, ["verify", "bond_pad", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    q = data["cells"][0]["quantities"]["pad_size_um"]
    assert q["passed"] and q["value"] == 80
    r = runner.invoke(app, ["verify", "bond_pad_array", "--set", "pitch=150", "--json"])
    assert r.exit_code == 1
    assert json.loads(r.stdout)["passed"] is False


def test_verify_unknown_cell_is_usage_error():
    r = runner.invoke(app, ["verify", "nope"])
    assert r.exit_code == 2 and "nope" in r.output


def test_help_everywhere():
    for cmd in ([], ["cells"], ["gds"], ["verify"], ["demo"], ["drc"]):
        r = runner.invoke(app, [*cmd, "--help"])
        assert r.exit_code == 0, (cmd, r.output)
