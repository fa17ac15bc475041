"""Yosys generic synthesis of the control RTL: no latches; cell counts reported."""

from __future__ import annotations

import json
import subprocess

import pytest

from cosim.control import hdl
from cosim.control.synth import synthesize

pytestmark = pytest.mark.xdist_group("control-synth")


def test_rtl_synthesises_without_latches(build_root):
    r = synthesize("opticloud_ctrl")  # defaults: 8 rings, 4 nodes, 16-bit DAC, 12-bit ADC
    report = {k: v for k, v in r.items() if k != "log"}
    (build_root / "synth.json").write_text(json.dumps(report, indent=2))
    print(f"\nYosys synth opticloud_ctrl: {r['cells']} cells {r['cells_by_type']}")
    assert r["latches"] == 0
    flops = sum(n for t, n in r["cells_by_type"].items() if "DFF" in t)
    assert flops > 1000  # the per-ring state of eight rings is really there
    assert r["cells"] > 5000


def test_latch_check_catches_a_latch(tmp_path):
    src = tmp_path / "latchy.sv"
    src.write_text(
        "module latchy (input logic en, input logic d, output logic q);\n"
        "  always @* if (en) q = d;\n"
        "endmodule\n"
    )
    assert synthesize("latchy", sources=[src])["latches"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"N_RINGS": 1, "N_NODES": 1},
        {"N_RINGS": 4, "DAC_BITS": 12},
        {"N_RINGS": 16, "N_NODES": 8, "DAC_BITS": 14, "ADC_BITS": 10},
    ],
)
def test_rtl_is_verilator_lint_clean(params):
    """Verilator -Wall finds nothing (widths, unused signals, latches, ...)."""
    hdl.ensure_verilator()
    cmd = ["verilator", "--lint-only", "-Wall", f"-I{hdl.RTL_DIR}", "--top-module"]
    cmd += ["opticloud_ctrl", *(f"-G{k}={v}" for k, v in params.items())]
    proc = subprocess.run(
        [*cmd, *map(str, hdl.RTL_SOURCES)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "%Warning" not in proc.stderr
