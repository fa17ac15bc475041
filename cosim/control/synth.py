"""Generic Yosys synthesis of the control RTL: latch check and cell counts."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from cosim.control.hdl import RTL_DIR, RTL_SOURCES

# every latch or set/reset cell Yosys can map to in generic synthesis
LATCH_SELECT = "t:$_DLATCH* t:$dlatch* t:$_SR_* t:$sr t:$adlatch"


def synthesize(
    top: str = "opticloud_ctrl",
    parameters: dict[str, int] | None = None,
    sources: list[Path] | None = None,
) -> dict:
    """Run ``synth`` on ``top``; returns ``{"latches", "cells", "cells_by_type", "log"}``.

    ``latches`` counts latch cells (must be 0); the counts are Yosys's generic gate
    library after ``synth`` (no technology mapping), summed over the flattened design.
    """
    yosys = shutil.which("yosys")
    if yosys is None:
        raise RuntimeError("yosys not found on PATH (Debian package yosys)")
    srcs = " ".join(str(s) for s in (sources or RTL_SOURCES))
    chparam = " ".join(f"-set {k} {v}" for k, v in (parameters or {}).items())
    with tempfile.TemporaryDirectory() as tmp:
        stat = Path(tmp) / "stat.json"
        latches = Path(tmp) / "latches.txt"
        script = [
            f"read_verilog -sv -I{RTL_DIR} {srcs}",
            f"chparam {chparam} {top}" if chparam else "",
            f"synth -flatten -top {top}",
            "check -assert",
            f"select -list {LATCH_SELECT}",
            f"tee -q -o {latches} select -count {LATCH_SELECT}",
            f"tee -q -o {stat} stat -json",
        ]
        proc = subprocess.run(
            [yosys, "-q", "-p", "; ".join(s for s in script if s)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"yosys failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        count_text = latches.read_text()
        design = json.loads(stat.read_text())["design"]
    n_latches = int(count_text.split()[-2]) if "objects" in count_text else 0
    return {
        "top": top,
        "parameters": parameters or {},
        "latches": n_latches,
        "cells": design["num_cells"],
        "cells_by_type": design["num_cells_by_type"],
        "log": proc.stdout,
    }
