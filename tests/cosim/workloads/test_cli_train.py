"""``opticloud train``: retrains the classifier in full and checks outputs and usage errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cosim.cli import app
from cosim.workloads import train

runner = CliRunner()


def one_line(text: str) -> str:
    """rich wraps long error lines (tmp paths) at the terminal width."""
    return " ".join(text.split())


def test_train_classifier_reproduces_the_committed_one(tmp_path):
    out = tmp_path / "w"
    res = runner.invoke(app, ["train", "classifier", "--seed", "0", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    record = json.loads(res.stdout)
    committed = train.load_committed("classifier")
    assert record["seed"] == 0 and record["config"] == committed.meta["config"]
    assert record["metrics"]["test_accuracy"] == pytest.approx(
        committed.metrics["test_accuracy"], abs=train.TOLERANCE["accuracy"]
    )
    assert record["metrics"]["test_accuracy"] > 0.95
    saved = train.load(out / "classifier.npz")
    assert saved.meta["params_sha256"] == record["params_sha256"]
    assert json.loads((out / "classifier_metrics.json").read_text()) == record
    assert (out / "classifier_samples.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in out.iterdir()) == [
        "classifier.npz",
        "classifier_metrics.json",
        "classifier_samples.png",
    ]  # no temporary files left behind


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["unet", "--seed", "0"], "MODEL = 'unet'"),
        (["gan", "--seed", "-1"], "--seed = -1"),
        (["gan", "--seed", str(2**32)], f"--seed = {2**32}"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "w"
    res = runner.invoke(app, ["train", *args, "--out", str(out)])
    assert res.exit_code == 2
    assert message in one_line(res.output)
    assert not out.exists()


def test_out_must_be_a_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = runner.invoke(app, ["train", "vae", "--seed", "0", "--out", str(blocker)])
    assert res.exit_code == 2 and "exists and is not a folder" in one_line(res.output)
    assert blocker.read_text() == "x"
