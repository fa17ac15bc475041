"""Image grids of digits (matplotlib, Agg: no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cosim.workloads.data import IMAGE_SIZE


def plot_grid(
    images: np.ndarray,
    labels: Sequence[object] | np.ndarray | None,
    path: str | Path,
    columns: int = 10,
    title: str | None = None,
) -> Path:
    """Save images (N, 8, 8) or (N, 64), values in [0, 1], as a PNG grid with one label each.

    Ink is dark on white, as the digits were written. Returns ``path``.
    """
    images = np.reshape(np.asarray(images, np.float64), (-1, IMAGE_SIZE, IMAGE_SIZE))
    n = len(images)
    if n == 0:
        raise ValueError("plot_grid: no images")
    if labels is not None and len(labels) != n:
        raise ValueError(f"plot_grid: {len(labels)} labels for {n} images")
    if columns < 1:
        raise ValueError(f"plot_grid: columns = {columns} must be >= 1")
    columns = min(columns, n)
    rows = -(-n // columns)
    fig = Figure(figsize=(0.8 * columns, 0.9 * rows + (0.4 if title else 0.1)))
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, columns, squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if k >= n:
            continue
        ax.imshow(images[k], cmap="gray_r", vmin=0.0, vmax=1.0, interpolation="nearest")
        if labels is not None:
            ax.set_title(str(labels[k]), fontsize=8, pad=2)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return Path(path)
