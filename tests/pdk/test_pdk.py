"""The PDK: activation, layers, views, cross-sections, stack and rule deck."""

from __future__ import annotations

import gdsfactory as gf
import klayout.lay as lay
import pytest

import pdk
from pdk.layer_stack import LAYER_STACK
from pdk.params import value
from pdk.rules import design_rules, load


def test_pdk_is_active_on_import():
    assert gf.get_active_pdk().name == pdk.PDK.name == "opticloud_soi220"


def test_two_metal_process_aliases_gdsfactory_top_metal_names():
    assert pdk.LAYER.MTOP == pdk.LAYER.M2 == pdk.LAYER.M3
    assert tuple(pdk.LAYER.M2) != tuple(pdk.LAYER.M1)


def test_lyp_export_loads_in_klayout(tmp_path):
    path = pdk.write_lyp(tmp_path / "opticloud.lyp")
    view = lay.LayoutView()
    view.load_layer_props(str(path))
    layers = set()
    it = view.begin_layers()
    while not it.at_end():
        node = it.current()
        if node.source_layer >= 0:
            layers.add((node.source_layer, node.source_datatype))
        it.next()
    for name in ("WG", "SLAB90", "HEATER", "VIAC", "M1", "VIA1", "M2", "PADOPEN", "GE", "NPP"):
        assert tuple(getattr(pdk.LAYER, name)) in layers, name


def test_strip_cross_section_uses_library_width_and_min_radius():
    xs = gf.get_cross_section("strip")
    assert xs.width == value("strip.width")
    assert xs.radius_min == value("strip.min_bend_radius")
    assert xs.radius >= xs.radius_min


@pytest.mark.parametrize(
    "name", ["strip", "rib", "heater_metal", "strip_heater_metal", "metal_routing", "rf_gsg"]
)
def test_cross_sections_draw_a_straight(name):
    c = gf.components.straight(length=20, cross_section=name)
    assert c.dbbox().width() == pytest.approx(20)


def test_layer_stack_is_220nm_soi():
    levels = LAYER_STACK.layers
    assert levels["core"].thickness == pytest.approx(0.22)
    assert levels["slab90"].thickness == pytest.approx(0.09)
    # metal above heater above core: nothing overlaps vertically
    assert levels["heater"].zmin > levels["core"].thickness
    assert levels["metal1"].zmin > levels["heater"].zmin + levels["heater"].thickness
    assert levels["metal2"].zmin > levels["metal1"].zmin + levels["metal1"].thickness


def test_rule_deck_covers_every_drawn_layer():
    rules = design_rules()
    for name in ("WG", "SLAB90", "GE", "HEATER", "VIAC", "M1", "VIA1", "M2", "PADOPEN"):
        assert name in rules.layers
        assert hasattr(pdk.LAYER, name)
    for enc in rules.enclosures:
        assert enc.inner in rules.layers
        assert all(o in rules.layers for o in enc.outer)


def test_rule_deck_rejects_unknown_field(tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        "grid: 0.001\nlayers:\n  WG: {min_width: 0.15, min_space: 0.15, min_area: 0, x: 1}\n"
    )
    with pytest.raises(ValueError, match="x"):
        load(bad)
