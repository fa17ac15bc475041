"""``opticloud link``, ``opticloud network`` and ``opticloud bench link`` end to end."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from cosim.cli import app

runner = CliRunner()

SMALL_LINK = {"grid": {"n_symbols": 256}, "channels": {"count": 2}}
SMALL_NET = {
    "grid": {"n_symbols": 256},
    "nodes": [
        {"name": "a", "kind": "edge", "channels": [0]},
        {"name": "b", "kind": "edge", "channels": [1]},
        {"name": "r", "kind": "roadm"},
        {"name": "hub", "kind": "centre"},
    ],
    "links": [
        {"a": "a", "b": "r", "length_km": 5},
        {"a": "b", "b": "r", "length_km": 12},
        {"a": "r", "b": "hub", "length_km": 20, "amplifier": {}},
    ],
}


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def test_link_writes_plots_and_json(tmp_path):
    cfg = write(tmp_path, "link.yaml", SMALL_LINK)
    out = tmp_path / "out"
    res = runner.invoke(app, ["link", "--config", str(cfg), "--json", "--out", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["seed"] == 0 and len(data["channels"]) == 2
    for ch in data["channels"]:
        for key in ("received_power_dbm", "osnr_db", "snr_db", "q_factor", "ber"):
            assert isinstance(ch[key], float), key
        assert ch["osnr_db"] > 30 and ch["q_factor"] > 5
    for name in ("eye.png", "spectrum.png", "budget.png", "quality.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    assert json.loads((out / "link.json").read_text())["channels"] == data["channels"]
    assert data["budget"][0]["stage"] == "transmitter"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"path": [{"type": "fibre", "length_km": -1}]}, "length_km"),
        ({"path": [{"type": "edfa", "gain_db": 10, "noise_figure_db": 1}]}, "noise_figure_db"),
        ({"channels": {"frequencies_thz": [193.13]}}, "frequencies_thz[0]"),
        ({"grid": {"samples_per_symbol": 6}}, "samples_per_symbol"),
        ({"reciever": {}}, "reciever"),
    ],
)
def test_link_bad_config_exit_2_no_output(tmp_path, data, field):
    cfg = write(tmp_path, "bad.yaml", data)
    out = tmp_path / "out"
    res = runner.invoke(app, ["link", "--config", str(cfg), "--out", str(out)])
    assert res.exit_code == 2
    msg = "".join(res.stderr.splitlines())  # rich wraps long lines at the terminal width
    assert field in msg and res.stderr.count("error:") == 1
    assert not out.exists()


def test_network_json_per_node(tmp_path):
    cfg = write(tmp_path, "net.yaml", SMALL_NET)
    out = tmp_path / "net"
    res = runner.invoke(app, ["network", "--config", str(cfg), "--json", "--out", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    nodes = {n["node"]: n for n in data["nodes"]}
    assert set(nodes) == {"a", "b"}
    assert nodes["a"]["route"] == ["a", "r", "hub"]
    # latency 25 km x 4.9 us/km; loss 25 x 0.2 dB + add mux + drop demux, each at least
    # the AWG's calibrated 3 dB (the drawn router loses more away from its centre)
    assert nodes["a"]["latency_us"] == pytest.approx(25 * 4.897, rel=1e-3)
    assert 25 * 0.2 + 6.0 - 0.02 < nodes["a"]["passive_loss_db"] < 25 * 0.2 + 6.0 + 3.0
    for n in nodes.values():
        assert {"osnr_db", "snr_db", "latency_us", "net_loss_db"} <= set(n)
    assert (out / "network.png").exists() and (out / "network.json").exists()


def test_network_unknown_node_exit_2(tmp_path):
    bad = dict(SMALL_NET, links=[*SMALL_NET["links"], {"a": "r", "b": "nowhere", "length_km": 1}])
    res = runner.invoke(app, ["network", "--config", str(write(tmp_path, "n.yaml", bad)), "--json"])
    assert res.exit_code == 2
    msg = "".join(res.stderr.splitlines())
    assert "links[3].b" in msg and "nowhere" in msg
    assert res.stdout == ""


def test_bench_link_json_tiny():
    res = runner.invoke(
        app, ["bench", "link", "--json", "--channels", "2", "--samples", "1024", "--repeats", "1"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["speedup"] > 0 and data["channels"] == 2
    assert data["noise_free_max_value_difference"] < 1e-12
    bad = runner.invoke(app, ["bench", "link", "--samples", "1000"])
    assert bad.exit_code == 2
