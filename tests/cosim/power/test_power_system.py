"""System description: library defaults, and one clear error naming the bad field."""

from __future__ import annotations

import pytest
import yaml

from cosim.power import PowerConfigError, PowerSystem, load_power_system, validate_power_system
from pdk.params import value

GOOD = {
    "rows": 8,
    "cols": 8,
    "symbol_rate_gbd": 10.0,
    "n_opus": 4,
    "n_edge_nodes": 4,
    "heater_powers_mw": [10.0] * 256,
    "control_gate_count": 15293,
    "control_clock_mhz": 156.25,
}


def test_defaults_come_from_the_library():
    s = validate_power_system(GOOD)
    assert s.laser_power_dbm == value("laser.power")
    assert s.laser_wall_plug_efficiency == value("laser.wall_plug_efficiency")
    assert s.dac_bits == value("dac.bits") and s.adc_bits == value("adc.bits")
    assert s.effective_adc_enob == value("adc.enob")  # 8-bit default -> library ENOB
    assert s.edge_channels == 32  # 8 inputs x 4 OPUs
    assert s.outputs == 32
    assert hash(s) == hash(validate_power_system(GOOD))  # frozen, usable as a key


BAD = [
    ({"rows": 0}, "rows = 0"),
    ({"symbol_rate_gbd": -1.0}, "symbol_rate_gbd = -1.0"),
    ({"heater_powers_mw": [1.0, 75.0]}, "heater_powers_mw[1] = 75.0: above heater.max_power"),
    ({"heater_powers_mw": [-2.0]}, "heater_powers_mw[0] = -2.0"),
    ({"n_edge_nodes": 3}, "channels_per_node = None"),
    ({"adc_bits": 6, "adc_enob": 7.0}, "adc_enob = 7.0"),
    ({"modulator": "ring"}, "modulator = 'ring'"),
    ({"laser_power_dbm": 45.0}, "laser_power_dbm = 45.0"),
    ({"edfa_output_powers_dbm": [17.0, 50.0]}, "edfa_output_powers_dbm[1] = 50.0"),
    ({"control_flipflop_count": 10**6}, "control_flipflop_count = 1000000"),
    ({"symbol_rate": 10e9}, "symbol_rate: unknown key"),
]


@pytest.mark.parametrize(("change", "message"), BAD, ids=[m.split()[0] for _, m in BAD])
def test_bad_description_names_the_field(change, message):
    with pytest.raises(PowerConfigError) as err:
        validate_power_system({**GOOD, **change})
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_required_field():
    data = {k: v for k, v in GOOD.items() if k != "control_clock_mhz"}
    with pytest.raises(PowerConfigError, match="control_clock_mhz: required"):
        validate_power_system(data)


def test_replace_revalidates_and_yaml_round_trip(tmp_path):
    s = validate_power_system(GOOD)
    assert s.replace(rows=4).rows == 4
    with pytest.raises(PowerConfigError, match="cols = 0"):
        s.replace(cols=0)
    path = tmp_path / "power.yaml"
    path.write_text(yaml.safe_dump(GOOD))
    assert load_power_system(path) == s
    path.write_text("- 1\n- 2\n")
    with pytest.raises(PowerConfigError, match="expected a mapping"):
        load_power_system(path)
    assert isinstance(s, PowerSystem)
