"""``opticloud drc``: exit 0 on a clean file, 1 with counts on a faulty one, 2 (and no
report files) on input that is not a layout."""

from __future__ import annotations

import json

import gdsfactory as gf
import klayout.rdb as rdb
import pytest
from typer.testing import CliRunner

import cosim.cli  # noqa: F401  (registers commands)
import pdk  # noqa: F401  (activates the PDK)
from cosim.cli.app import app

runner = CliRunner()


def _gds(path, wg_width: float, gap: float) -> str:
    """Two 5 um strip waveguides ``wg_width`` um wide, ``gap`` um apart."""
    c = gf.Component()
    c.add_polygon([(0, 0), (5, 0), (5, wg_width), (0, wg_width)], layer="WG")
    y = wg_width + gap
    c.add_polygon([(0, y), (5, y), (5, y + wg_width), (0, y + wg_width)], layer="WG")
    c.write_gds(path)
    return str(path)


def test_clean_file_exits_0_and_writes_both_reports(tmp_path):
    gds = _gds(tmp_path / "clean.gds", wg_width=0.5, gap=0.5)
    r = runner.invoke(app, ["drc", gds])
    assert r.exit_code == 0, r.output
    assert "0 violation" in r.output
    summary = json.loads((tmp_path / "clean.drc.json").read_text())
    assert summary["violations"] == 0 and summary["file"] == gds
    assert (tmp_path / "clean.lyrdb").stat().st_size > 0


def test_violating_file_exits_1_with_json_counts(tmp_path):
    gds = _gds(tmp_path / "bad.gds", wg_width=0.1, gap=0.1)
    out = tmp_path / "reports"
    r = runner.invoke(app, ["drc", gds, "--json", "--report-dir", str(out)])
    assert r.exit_code == 1, r.output
    data = json.loads(r.stdout)
    failing = {k: n for k, n in data["by_rule"].items() if n}
    assert set(failing) == {"WG.WIDTH", "WG.SPACE"}
    assert data["violations"] == sum(failing.values())
    assert json.loads((out / "bad.drc.json").read_text()) == data
    db = rdb.ReportDatabase("")
    db.load(str(out / "bad.lyrdb"))
    assert db.num_items() == data["violations"]
    assert not (tmp_path / "bad.lyrdb").exists()  # --report-dir, not beside the file


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [("missing.gds", None, "does not exist"), ("junk.gds", "not a layout", "not a readable GDS")],
)
def test_unusable_file_exits_2_and_writes_nothing(tmp_path, name, content, needle):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    r = runner.invoke(app, ["drc", str(path)])
    assert r.exit_code == 2, r.output
    assert needle in " ".join(r.output.split())  # rich wraps long lines
    assert sorted(p.name for p in tmp_path.iterdir()) == ([name] if content else [])


def test_unknown_top_cell_exits_2(tmp_path):
    gds = _gds(tmp_path / "clean.gds", wg_width=0.5, gap=0.5)
    r = runner.invoke(app, ["drc", gds, "--top", "NO_SUCH_CELL"])
    assert r.exit_code == 2 and "NO_SUCH_CELL" in " ".join(r.output.split())
    assert not (tmp_path / "clean.lyrdb").exists()
