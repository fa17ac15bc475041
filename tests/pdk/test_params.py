"""The device-parameter library: every entry carries value, unit and source."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from pdk import params


def test_every_parameter_has_unit_and_source():
    lib = params.library()
    assert len(lib) > 40
    for name, p in lib.items():
        assert p.name == name
        assert math.isfinite(p.value), name
        assert p.unit.strip(), name
        assert len(p.source) >= 5, name


def test_group_index_consistent_with_dispersion_of_compact_model():
    # Chrostowski & Hochberg: n_g = n_eff - lambda dn/dlambda with dn/dlambda = -1.1347 /um
    n_g = params.value("strip.n_eff") + params.value("constants.wavelength") * 1.1347
    assert n_g == pytest.approx(params.value("strip.n_g"), abs=1e-3)


def test_ring_default_fsr_covers_eight_channels_of_the_100ghz_grid():
    lam = params.value("constants.wavelength") * 1e3  # nm
    circumference = 2 * math.pi * params.value("ring.radius") * 1e3  # nm
    fsr = lam**2 / (params.value("strip.n_g") * circumference)
    assert fsr > 8 * params.value("awg.channel_spacing")


def test_entry_without_source_is_rejected(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("strip:\n  n_g: {value: 4.2, unit: '1'}\n")
    with pytest.raises(ValidationError, match="source"):
        params.load(bad)


def test_unknown_parameter_names_itself():
    with pytest.raises(KeyError, match=r"strip\.nope"):
        params.value("strip.nope")
