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


def test_demo_writes_the_opu_chip_and_fails_on_its_drc(tmp_path, monkeypatch):
    import cosim.cli.demo as demo_cli
    import pdk.drc
    from pdk.drc import DrcReport

    # the library sheet part of the demo has its own checks; only the OPU chip here
    library = {k: f"{k}.x" for k in ("gds", "png", "lyp", "drc", "drc_json", "specs_json")}
    library |= {"drc_violations": 0, "spec_failures": []}
    monkeypatch.setattr(demo_cli, "build_library_outputs", lambda folder: dict(library))
    out = tmp_path / "demo"
    r = runner.invoke(app, ["demo", "--out", str(out)])
    assert r.exit_code == 0, r.output
    for name in ("opu_chip.gds", "opu_chip.png", "opu_chip.lyrdb", "opu_chip_drc.json"):
        assert (out / name).stat().st_size > 0, name
    for key in ("opu_gds", "opu_png", "opu_drc", "opu_drc_json"):  # rows of the table
        assert key in r.output
    assert (out / "opu_chip.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((out / "opu_chip_drc.json").read_text())["violations"] == 0

    def dirty(layout, *args, **kwargs):
        return DrcReport(violations=1, by_rule={"M2.SPACE": 1}, top="opu_chip", dbu=0.001)

    monkeypatch.setattr(pdk.drc, "run_drc", dirty)
    r = runner.invoke(app, ["demo", "--out", str(tmp_path / "dirty")])
    assert r.exit_code == 1, r.output
    assert json.loads((tmp_path / "dirty" / "opu_chip_drc.json").read_text())["violations"] == 1
