"""Configuration: PDK defaults, and one clear error naming the field for bad input."""

from __future__ import annotations

import pytest
import yaml

from cosim.link.config import ConfigError, LinkConfig, load_link_config
from pdk.params import value


def test_defaults_come_from_the_pdk():
    cfg = LinkConfig()
    span = cfg.path[1]
    assert span.loss_db_per_km == value("fiber.loss")
    assert span.dispersion_ps_per_nm_km == value("fiber.dispersion")
    assert cfg.path[2].noise_figure_db == value("edfa.noise_figure")
    assert cfg.receiver.tia.noise_density_pa_per_rthz == value("tia.noise_density")
    assert cfg.transmitter.laser.rin_db_per_hz == value("laser.rin")
    # the default pre-amplifier compensates the span and both AWGs
    assert cfg.path[2].gain_db == pytest.approx(50 * 0.2 + 2 * value("awg.insertion_loss"))
    assert hash(cfg) == hash(LinkConfig())  # static jit argument


BAD = [
    ({"path": [{"type": "fibre", "length_km": -5}]}, "path[0].fibre.length_km", "-5"),
    (
        {"path": [{"type": "edfa", "gain_db": 20, "noise_figure_db": 2.5}]},
        "noise_figure_db",
        "3 dB",
    ),
    ({"channels": {"frequencies_thz": [193.1, 193.25]}}, "channels.frequencies_thz[1]", "grid"),
    ({"grid": {"samples_per_symbol": 4}}, "grid.samples_per_symbol", "Nyquist"),
    ({"receiver": {"tia": {"gain_ohm": 300}}}, "receiver.tia.gain_ohm", "unknown key"),
    ({"transmitter": {"driver": {"swing_v": 9.0}}}, "transmitter.driver.swing_v", "monotonic"),
    ({"path": [{"type": "fiber"}]}, "path[0]", "fiber"),
    ({"transmitter": {"dac": {"sample_rate_gsps": 15}}}, "sample_rate_gsps", "multiple"),
    ({"path": [{"type": "edfa"}]}, "path[0].edfa", "exactly one"),
    ({"transmitter": {"mzm": {"length_um": 100}}}, "transmitter.mzm.length_um", "[200, 8000]"),
    ({"channels": {"count": 12}}, "path[0].channels = 8", "one output"),
    ({"path": [{"type": "mux", "channels": 40}]}, "path[0].mux.channels", "[2, 24]"),
]


@pytest.mark.parametrize(("data", "field", "hint"), BAD)
def test_bad_configuration_names_the_field(tmp_path, data, field, hint):
    path = tmp_path / "link.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as err:
        load_link_config(path)
    msg = str(err.value)
    assert field in msg and hint in msg
    assert "\n" not in msg


def test_unreadable_or_non_mapping_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.yaml"):
        load_link_config(tmp_path / "nope.yaml")
    bad = tmp_path / "list.yaml"
    bad.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_link_config(bad)
