"""``opticloud bench circuits``: the benchmark path at the smallest size (no timing checks)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import cosim.cli  # noqa: F401
from circuits.bench import plan, time_evaluator
from cosim.cli.app import app

runner = CliRunner()
KEYS = (
    "sax_call_s",
    "structured_call_s",
    "sax_compile_s",
    "structured_compile_s",
    "speedup",
    "max_abs_diff",
)


def test_bench_runs_both_evaluators_and_they_agree():
    args = ["--json", "--kinds", "mrr", "--sizes", "2", "--structured-only-sizes", "3"]
    r = runner.invoke(app, ["bench", "circuits", *args, "--repeats", "1"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    both, alone = data["results"]["mrr"]["2"], data["results"]["mrr"]["3"]
    for rec in (both, alone):
        assert set(KEYS) <= set(rec)
        assert rec["structured_call_s"] > 0 and rec["structured_compile_s"] >= 0
    # SAX's KLU circuit of the layout netlist and the structured evaluator: same fields
    assert both["max_abs_diff"] <= 1e-9
    assert both["speedup"] == pytest.approx(both["sax_call_s"] / both["structured_call_s"])
    assert all(alone[k] is None for k in ("sax_call_s", "sax_compile_s", "speedup", "sax_mode"))
    assert alone["max_abs_diff"] is None
    assert data["config"]["nonidealities"]["fabrication"]
    assert both["sax_mode"] in ("jit", "eager")


def test_plan_skips_sizes_a_kind_cannot_take():
    runs, skipped = plan(["mzi", "awgr"], (4, 6), (8, 32))
    assert runs == [("mzi", 4, True), ("mzi", 8, False), ("awgr", 4, True), ("awgr", 8, False)]
    # N x N: 6 rows is no MMI tree (mzi), 6 ports no AWGR; both stop at 16
    assert {(s["kind"], s["n"]) for s in skipped} == {
        ("mzi", 6),
        ("mzi", 32),
        ("awgr", 6),
        ("awgr", 32),
    }


def test_time_evaluator_warms_up_then_takes_the_median():
    calls = []
    compile_s, call_s, out = time_evaluator(lambda: calls.append(1) or len(calls), repeats=3)
    assert len(calls) == 1 + 1 + 3  # warm-up (the compile), probe, repeats
    assert out == 1  # the warm-up call's result
    assert compile_s >= 0 and call_s >= 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--sizes", "4,x"], "--sizes"),
        (["--structured-only-sizes", "1"], "--structured-only-sizes"),
        (["--kinds", "photonic"], "--kinds"),
        (["--repeats", "0"], "--repeats"),
        (["--kinds", "awgr", "--sizes", "3", "--structured-only-sizes", ""], "nothing to run"),
    ],
)
def test_bench_refuses_bad_input(args, needle):
    r = runner.invoke(app, ["bench", "circuits", *args])
    assert r.exit_code == 2, r.output
    assert needle in r.output
