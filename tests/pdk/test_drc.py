"""DRC engine: each deliberately broken layout is caught by exactly the rule it breaks,
and its corrected twin (usually sitting exactly on the limit) passes.

The reference is the rule deck itself (``design_rules.yaml``): every fault below is
built by hand with a known distance, area or vertex position against that number.
"""

from __future__ import annotations

import json

import gdsfactory as gf
import klayout.db as kdb
import klayout.rdb as rdb
import pytest

import pdk  # noqa: F401  (activates the PDK)
from pdk.drc import GRID_RULE, DrcInputError, run_drc
from pdk.rules import design_rules

RULES = design_rules()


def _box(c: gf.Component, layer: str, x0: float, y0: float, x1: float, y1: float) -> None:
    c.add_polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], layer=layer)


def _heater_with_contact(m1_margin: float = 0.75, viac_size: float = 0.5) -> gf.Component:
    """TiN heater 10 x 2 um with a contact stack at its left end: VIAC centred 1 um
    from the end, M1 reaching ``m1_margin`` um past the VIAC on its left side and
    0.75 um on the others."""
    c = gf.Component()
    _box(c, "HEATER", 0, 0, 10, 2)
    v0, v1 = 1 - viac_size / 2, 1 + viac_size / 2
    _box(c, "VIAC", v0, v0, v1, v1)
    _box(c, "M1", v0 - m1_margin, v0 - 0.75, v1 + 0.75, v1 + 0.75)
    return c


def _waveguides(width: float = 0.5, gap: float | None = None) -> gf.Component:
    c = gf.Component()
    _box(c, "WG", 0, 0, 5, width)
    if gap is not None:
        _box(c, "WG", 0, width + gap, 5, 2 * width + gap)
    return c


def _pad(opening_margin: float) -> gf.Component:
    c = gf.Component()
    _box(c, "M2", 0, 0, 80, 80)
    m = opening_margin
    _box(c, "PADOPEN", m, m, 80 - m, 80 - m)
    return c


def _square(layer: str, side: float) -> gf.Component:
    c = gf.Component()
    _box(c, layer, 0, 0, side, side)
    return c


def _failing(layout, **kw) -> dict[str, int]:
    report = run_drc(layout, **kw)
    assert report.violations == sum(report.by_rule.values())
    return report.failing


# (faulty layout, rule it must trip, corrected layout)
CASES = {
    "narrow_wg": (lambda: _waveguides(width=0.149), "WG.WIDTH", lambda: _waveguides(width=0.15)),
    "close_wg": (lambda: _waveguides(gap=0.149), "WG.SPACE", lambda: _waveguides(gap=0.15)),
    "small_wg": (lambda: _square("WG", 0.22), "WG.AREA", lambda: _square("WG", 0.224)),
    "heater_uncontacted": (
        lambda: _square("HEATER", 2.0),
        "HEATER.CONTACTED",
        _heater_with_contact,
    ),
    "viac_m1_margin": (
        lambda: _heater_with_contact(m1_margin=0.099),
        "VIAC.ENC.M1",
        lambda: _heater_with_contact(m1_margin=0.1),
    ),
    "padopen_m2_margin": (lambda: _pad(1.999), "PADOPEN.ENC.M2", lambda: _pad(2.0)),
}


@pytest.mark.parametrize("case", CASES)
def test_fault_caught_by_exactly_its_rule_and_fix_passes(case):
    faulty, rule, fixed = CASES[case]
    failing = _failing(faulty())
    assert set(failing) == {rule}, failing
    assert _failing(fixed()) == {}


def test_viac_outside_m1_and_padopen_outside_m2_are_caught():
    c = _heater_with_contact()
    _box(c, "VIAC", 8, 0.75, 8.5, 1.25)  # on the heater, but no metal above it
    assert _failing(c) == {"VIAC.ENC.M1": 1}
    c = _pad(2.0)
    _box(c, "PADOPEN", 100, 0, 120, 20)  # an opening onto bare passivation
    assert _failing(c) == {"PADOPEN.ENC.M2": 1}


def test_sliver_tip_is_still_a_width_violation():
    """The 80 deg ignore angle must not hide genuine slivers: a 28 deg tip."""
    c = gf.Component()
    c.add_polygon([(0, 0), (4, 1), (0, 2)], layer="WG")
    assert set(_failing(c)) == {"WG.WIDTH"}


@pytest.mark.parametrize(
    "make",
    [
        lambda: gf.components.ring(radius=5, width=0.5, layer="WG"),
        lambda: gf.components.ring(radius=3, width=0.5, angle_resolution=0.5, layer="WG"),
        lambda: gf.components.bend_euler(cross_section="strip"),
        lambda: gf.components.bend_euler(cross_section="strip", radius=5, angle=180),
        lambda: gf.components.bend_circular(cross_section="strip", radius=5),
        lambda: gf.components.coupler(cross_section="strip"),
        lambda: gf.components.ring_single(cross_section="strip"),
    ],
    ids=["ring", "ring_fine", "euler90", "euler180", "arc_r5", "coupler", "ring_single"],
)
def test_curved_waveguides_have_no_false_positives(make):
    assert _failing(make()) == {}


def _write_with_dbu(path, dbu: float, points_dbu: list[tuple[int, int]]) -> None:
    ly = kdb.Layout()
    ly.dbu = dbu
    top = ly.create_cell("TOP")
    top.shapes(ly.layer(1, 0)).insert(kdb.Polygon([kdb.Point(x, y) for x, y in points_dbu]))
    ly.write(str(path))


def test_off_grid_vertex_in_finer_dbu_file(tmp_path):
    # dbu 0.1 nm: a 5 x 0.5 um WG whose top-left corner sits at x = 0.5 nm
    bad, good = tmp_path / "bad.gds", tmp_path / "good.gds"
    _write_with_dbu(bad, 1e-4, [(0, 0), (50000, 0), (50000, 5000), (5, 5000)])
    _write_with_dbu(good, 1e-4, [(0, 0), (50000, 0), (50000, 5000), (10, 5000)])
    assert _failing(bad) == {GRID_RULE: 1}
    assert _failing(good) == {}


def test_off_grid_cell_placement_is_caught_in_top_coordinates(tmp_path):
    """A cell drawn on-grid but placed 0.5 nm off: every placed vertex is off-grid."""
    ly = kdb.Layout()
    ly.dbu = 1e-4
    top, wg = ly.create_cell("TOP"), ly.create_cell("WG5")
    wg.shapes(ly.layer(1, 0)).insert(kdb.Box(0, 0, 50000, 5000))
    top.insert(kdb.CellInstArray(wg.cell_index(), kdb.Trans(0, 0)))
    top.insert(kdb.CellInstArray(wg.cell_index(), kdb.Trans(5, 20000)))
    path = tmp_path / "placed.gds"
    ly.write(str(path))
    assert _failing(path) == {GRID_RULE: 4}


def test_off_grid_vertex_against_coarser_grid():
    coarse = RULES.model_copy(update={"grid": 0.005})
    c = _waveguides(width=0.5)
    assert _failing(c, rules=coarse) == {}
    c.add_polygon([(0, 2), (5, 2), (5, 2.503), (0, 2.5)], layer="WG")  # y = 2.503 off 5 nm
    assert _failing(c, rules=coarse) == {GRID_RULE: 1}


def test_every_rule_reported_even_when_clean():
    report = run_drc(_heater_with_contact())
    expected = {f"{layer}.{kind}" for layer in RULES.layers for kind in ("WIDTH", "SPACE", "AREA")}
    expected |= {r.name for r in RULES.enclosures} | {r.name for r in RULES.overlaps}
    assert set(report.by_rule) == expected | {GRID_RULE}
    assert report.violations == 0 and report.clean


def test_lyrdb_and_json_reports(tmp_path):
    c = _waveguides(width=0.1, gap=0.1)  # two narrow lines, too close together
    report = run_drc(c)
    assert set(report.failing) == {"WG.WIDTH", "WG.SPACE"}

    db = rdb.ReportDatabase("")
    db.load(str(report.write_lyrdb(tmp_path / "r.lyrdb")))
    counts = {cat.name(): cat.num_items() for cat in db.each_category()}
    assert counts == report.by_rule
    # markers are in um (in dbu they would reach x = 5000) and sit on the drawn shapes
    drawn = kdb.DBox(0, 0, 5, 0.3).enlarged(1e-9)
    assert all(_item_bbox(item).inside(drawn) for item in db.each_item())

    data = json.loads(report.write_json(tmp_path / "r.json").read_text())
    assert set(data) == {"violations", "by_rule", "file", "top"}
    assert data["by_rule"] == report.by_rule and data["violations"] == report.violations


def _item_bbox(item) -> kdb.DBox:
    (value,) = list(item.each_value())
    assert value.is_edge_pair()
    return value.edge_pair().bbox()


def test_file_and_component_give_the_same_report(tmp_path):
    c = _waveguides(width=0.1, gap=0.1)
    path = tmp_path / "wg.gds"
    c.write_gds(path)
    from_file = run_drc(path)
    assert from_file.by_rule == run_drc(c).by_rule
    assert from_file.file == str(path)


def test_unusable_inputs_raise_one_clear_error(tmp_path):
    with pytest.raises(DrcInputError, match="does not exist"):
        run_drc(tmp_path / "nope.gds")
    junk = tmp_path / "junk.gds"
    junk.write_text("not a layout")
    with pytest.raises(DrcInputError, match="not a readable GDS"):
        run_drc(junk)
    ok = tmp_path / "ok.gds"
    _write_with_dbu(ok, 1e-3, [(0, 0), (5000, 0), (5000, 500), (0, 500)])
    with pytest.raises(DrcInputError, match="'NOPE' not found"):
        run_drc(ok, top="NOPE")
    odd = tmp_path / "odd.gds"
    _write_with_dbu(odd, 3e-4, [(0, 0), (5000, 0), (5000, 500), (0, 500)])
    with pytest.raises(DrcInputError, match="not commensurate"):
        run_drc(odd)
