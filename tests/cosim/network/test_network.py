"""Network topology, routes and per-node budget against hand calculations; the
waveform simulation of a small network against its budget."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml
from scipy.constants import c, h

from cosim.link.awg import centre_transmission
from cosim.link.config import ConfigError
from cosim.network.budget import network_budget, node_budget
from cosim.network.simulate import simulate_network
from cosim.network.topology import DEFAULT_TOPOLOGY, load_network_config, node_path, route
from pdk.params import value


def awg_loss_db(cfg, nu) -> float:
    """Mean loss (dB) of one pass through the network's AWG for carriers ``nu``, from the
    drawn router's model (3 dB at the router's centre channel, more further out)."""
    t = centre_transmission(cfg.awg_stage().router(), tuple(float(v) for v in nu))
    assert np.all(-10 * np.log10(t) >= value("awg.insertion_loss") - 0.01)
    return float(np.mean(-10 * np.log10(t)))


@pytest.fixture(scope="module")
def default():
    return load_network_config()


def test_default_topology_is_the_system_scenario(default):
    edges = [n for n in default.nodes if n.kind == "edge"]
    assert len(edges) == 4
    access = sorted(lk.length_km for lk in default.links if {lk.a, lk.b} & {n.name for n in edges})
    assert access[0] == 5 and access[-1] == 25
    ring = [lk for lk in default.links if lk.amplifier is not None]
    assert sum(lk.length_km for lk in ring) == 50  # the metro ring
    bands = [set(n.channels) for n in edges]
    assert all(a.isdisjoint(b) for i, a in enumerate(bands) for b in bands[i + 1 :])
    for n in edges:  # every band reaches the centre and is dropped to its own OPU port
        assert route(default, n.name)[-1][0] == default.centre
        assert node_path(default, n.name)[-1].type == "demux"


def test_routes_take_the_shorter_way_round_the_ring(default):
    hops = [name for name, _ in route(default, "edge_c")]
    assert hops == ["roadm_3", "roadm_4", "centre"]  # 20 km, not 30 km the other way


def test_per_node_loss_latency_and_dispersion(default):
    nb = node_budget(default, "edge_b")
    il = awg_loss_db(default, nb.nu)
    # 10 km access + 2 x 10 km ring; add mux, one express ROADM (2 AWGs), drop demux
    assert nb.fibre_km == 30
    assert nb.passive_loss_db == pytest.approx(30 * value("fiber.loss") + 4 * il)
    # group delay n_g / c per km (4.9 us/km, shared/SYSTEM.md), dispersion D L
    assert np.all(np.abs(nb.latency_s / (30e3 * value("fiber.group_index") / c) - 1) < 2e-4)
    assert np.all(np.abs(nb.dispersion_ps_per_nm / (30 * value("fiber.dispersion")) - 1) < 0.05)


def test_osnr_of_edge_a_by_hand(default):
    """edge_a: one EDFA (gain 5 dB = 10 km span + drop AWG) before the drop demux.
    OSNR = P_in / (2 n_sp h nu (G - 1) B_ref), n_sp = (F G - 1) / (2 (G - 1))."""
    nb = node_budget(default, "edge_a")
    amp = next(e for e in node_path(default, "edge_a") if e.type == "edfa")
    g, f = 10 ** (amp.gain_db / 10), 10 ** (amp.noise_figure_db / 10)
    p_in = nb.budget.rows[-3].signal_w  # after the 10 km span, into the EDFA
    ase = (f * g - 1) * h * nb.nu * 12.5e9  # = 2 n_sp h nu (G - 1) B_ref
    expected = 10 * np.log10(p_in * g / ase)
    # the drop AWG's Gaussian passband trims the ASE across the 12.5 GHz slightly
    np.testing.assert_allclose(nb.osnr_db, expected, atol=0.1)
    assert np.all(nb.osnr_db > expected)


BAD = [
    (
        lambda d: d["links"].append({"a": "roadm_1", "b": "edge_z", "length_km": 3}),
        "links[9].b",
        "edge_z",
    ),
    (
        lambda d: d["links"].__setitem__(0, {"a": "edge_a", "b": "roadm_1", "length_km": -2}),
        "links[0].length_km",
        "-2",
    ),
    (lambda d: d["nodes"][1]["channels"].append(0), "nodes[1].channels", "already"),
    (
        lambda d: d["links"].__setitem__(4, {**d["links"][4], "amplifier": {"noise_figure_db": 2}}),
        "noise_figure_db",
        "3 dB",
    ),
    (lambda d: d.__setitem__("colour", "blue"), "colour", "unknown key"),
    (
        lambda d: d["links"].__setitem__(0, {"a": "edge_a", "b": "edge_b", "length_km": 2}),
        "edge_a",
        "no fibre route",
    ),
]


@pytest.mark.parametrize(("edit", "field", "hint"), BAD)
def test_bad_topology_names_the_field(tmp_path, edit, field, hint):
    data = yaml.safe_load(DEFAULT_TOPOLOGY.read_text())
    edit(data)
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as err:
        load_network_config(path)
    assert field in str(err.value) and hint in str(err.value)


SMALL = {
    "grid": {"n_symbols": 256},
    "nodes": [
        {"name": "a", "kind": "edge", "channels": [0, 1]},
        {"name": "b", "kind": "edge", "channels": [2, 3]},
        {"name": "r1", "kind": "roadm"},
        {"name": "r2", "kind": "roadm"},
        {"name": "hub", "kind": "centre"},
    ],
    "links": [
        {"a": "a", "b": "r1", "length_km": 5},
        {"a": "b", "b": "r2", "length_km": 20},
        {"a": "r1", "b": "r2", "length_km": 10, "amplifier": {}},
        {"a": "r2", "b": "hub", "length_km": 15, "amplifier": {}},
    ],
}


def test_small_network_waveforms_agree_with_the_budget(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(SMALL))
    cfg = load_network_config(path)
    budgets = {nb.node: nb for nb in network_budget(cfg)}
    results = simulate_network(cfg)
    assert [r.channel for r in results] == [0, 1, 2, 3]
    for r in results:
        nb = budgets[r.node]
        j = nb.channels.index(r.channel)
        # path gain of the mean power (independent of this record's share of ones):
        # waveform (dispersion, AWG passbands on the real spectrum) vs budget, 0.1 dB
        budget_gain = nb.received_power_dbm[j] - nb.budget.rows[0].signal_dbm[j]
        assert r.received_power_dbm - r.launch_power_dbm == pytest.approx(budget_gain, abs=0.1)
        assert 5 < r.snr_db < 40 and r.q_factor > 5
    # node a travels further (r1 -> r2 express -> hub): it loses more than b's band does
    il_a, il_b = (awg_loss_db(cfg, budgets[n].nu) for n in "ab")
    assert budgets["a"].passive_loss_db == pytest.approx(30 * 0.2 + 4 * il_a)
    assert math.isclose(budgets["b"].passive_loss_db, 35 * 0.2 + 2 * il_b)
