"""``opticloud train``: train a workload model from a seed, evaluate it, write weights."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cosim.cli.app import app, atomic_path, console, err_console, fail_usage, print_json, write_json

MODEL_NAMES = ("gan", "vae", "diffusion", "classifier")


@app.command()
def train(
    model: Annotated[str, typer.Argument(help="gan | vae | diffusion | classifier")],
    seed: Annotated[int, typer.Option("--seed", help="seed of initialisation and batches")],
    out: Annotated[
        Path,
        typer.Option("--out", help="folder for MODEL.npz, MODEL_samples.png, MODEL_metrics.json"),
    ] = Path("out/train"),
    json_out: Annotated[bool, typer.Option("--json", help="print the metrics as JSON")] = False,
) -> None:
    """Train MODEL (JAX/optax) on the scikit-learn digits, evaluate it, write its weights.

    Generators are judged by the committed classifier (accuracy, FID vs held-out digits).

    `--out cosim/workloads/weights` replaces the committed weights.
    """
    if model not in MODEL_NAMES:
        fail_usage(f"MODEL = {model!r}: must be one of {', '.join(MODEL_NAMES)}")
    if not 0 <= seed < 2**32:
        fail_usage(f"--seed = {seed}: must lie in [0, 2**32)")
    if out.exists() and not out.is_dir():
        fail_usage(f"--out = {out}: exists and is not a folder")

    from cosim.workloads import train as tr

    classifier = None
    if model != "classifier":
        try:
            classifier = tr.load_committed("classifier").params
        except FileNotFoundError as e:
            fail_usage(str(e))

    progress = Progress(
        TextColumn(f"training {model} (seed {seed})"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} steps"),
        TextColumn("{task.fields[losses]}"),
        TimeElapsedColumn(),
        console=err_console if json_out else console,
        transient=json_out,
    )
    with progress:
        task = progress.add_task("train", total=None, losses="compiling ...")

        def report(done: int, total: int, losses: dict[str, float]) -> None:
            text = "  ".join(f"{k} {v:.4g}" for k, v in losses.items())
            progress.update(task, completed=done, total=total, losses=text)

        trained = tr.train_model(model, seed, progress=report, classifier=classifier)

    files = {
        "weights": out / f"{model}.npz",
        "samples": out / f"{model}_samples.png",
        "metrics": out / f"{model}_metrics.json",
    }
    with atomic_path(files["weights"]) as tmp:
        tr.save(tmp, trained)
    with atomic_path(files["samples"]) as tmp:
        _plot_samples(trained, classifier, tmp)
    record = trained.meta | {"files": {k: str(v) for k, v in files.items()}}
    write_json(files["metrics"], record)
    if json_out:
        print_json(record)
        return
    table = Table(title=f"{model}, seed {seed}: {trained.meta['train_seconds']:.1f} s training")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, val in trained.metrics.items():
        if isinstance(val, float):
            table.add_row(key, f"{val:.4g}")
        elif isinstance(val, int):
            table.add_row(key, str(val))
    console.print(table)
    console.print(f"wrote [bold]{out}[/] ({', '.join(p.name for p in files.values())})")


def _plot_samples(trained, classifier, path: Path) -> None:
    """Generators: 4 samples of each digit. Classifier: test digits titled 'predicted (true)'."""
    import jax

    from cosim.workloads import classifier as clf
    from cosim.workloads import train as tr
    from cosim.workloads.data import balanced_labels, load_digits
    from cosim.workloads.plots import plot_grid

    if trained.model == "classifier":
        data = load_digits()
        images, truth = data.x_test[:40], data.y_test[:40]
        predicted = clf.predict(trained.params, images)
        titles = [f"{p} ({t})" for p, t in zip(predicted, truth, strict=True)]
        plot_grid(images, titles, path, title="classifier on held-out digits: predicted (true)")
        return
    labels = balanced_labels(40)
    images = tr.module(trained.model).sample(trained.params, labels, jax.random.key(tr.EVAL_SEED))
    predicted = clf.predict(classifier, images)
    titles = [f"{t}" if p == t else f"{t}->{p}" for p, t in zip(predicted, labels, strict=True)]
    acc = trained.metrics["accuracy"]
    plot_grid(images, titles, path, title=f"{trained.model}: requested digit (accuracy {acc:.1%})")
