"""Run the plant-in-the-loop co-simulation (``bench/tb_lock.py``) and collect its results."""

from __future__ import annotations

import json
from pathlib import Path

from cosim.control import hdl
from cosim.control.scenario import Scenario


def build_dir_for(root: Path, sim: str, n_rings: int, toplevel: str = "tb_ctrl") -> Path:
    """One build directory per simulator, testbench and ring count."""
    suffix = "-waves" if hdl.waves_requested() else ""
    return Path(root) / f"{toplevel}-{sim}-n{n_rings}{suffix}"


def build_ctrl(sim: str, n_rings: int, root: Path, n_nodes: int = 4, log_file: Path | None = None):
    """Build ``tb_ctrl`` for ``n_rings`` rings; returns (runner, build_dir)."""
    bdir = build_dir_for(Path(root).resolve(), sim, n_rings)
    params = {"N_RINGS": n_rings, "N_NODES": n_nodes}
    return hdl.build(sim, "tb_ctrl", params, bdir, log_file), bdir


def run_plant(
    scn: Scenario,
    sim: str,
    root: Path,
    log_file: Path | None = None,
    progress_file: Path | None = None,
) -> dict:
    """Co-simulate ``scn`` on ``sim``; the result dictionary written by the testbench.
    ``progress_file`` receives "phase simulated-seconds" while it runs."""
    build_log = None if log_file is None else Path(log_file).with_suffix(".build.log")
    runner, bdir = build_ctrl(sim, scn.n_rings, root, log_file=build_log)
    out = (bdir / f"plant-seed{scn.seed}.json").resolve()
    out.unlink(missing_ok=True)
    env = {"CONTROL_SCENARIO": json.dumps(scn.to_dict()), "CONTROL_RESULT": str(out)}
    if progress_file is not None:
        env["CONTROL_PROGRESS"] = str(Path(progress_file).resolve())
    hdl.run(
        runner, "tb_ctrl", "cosim.control.bench.tb_lock", bdir, "plant_in_the_loop", env, log_file
    )
    if not out.exists():
        raise RuntimeError(f"co-simulation wrote no results ({out}); see the simulator log")
    result = json.loads(out.read_text())
    result["sim"] = sim
    return result
