"""The generative section of ``opticloud run``: every tenant's generator on its own OPU.

The published system ran several image generators in parallel, one per tenant, each
tenant an edge node with its own wavelength band and its own OPU at the centre. Here
each tenant's OPU takes its noise from the scenario's waveform run
(:func:`cosim.e2e.tenants.backend_settings`: that run carries the other tenants' bands,
so AWG/ROADM crosstalk between tenants is in it), and its generator runs through
:func:`cosim.workloads.generate.generate`. Reported per tenant: image quality against
the digital model, images/s of the modelled hardware, TOPS used, energy per image; and
the quality of one generator against fibre length (all links scaled, launch power
fixed), each point a fresh waveform run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure as MplFigure

from cosim.e2e.pipeline import RunResult
from cosim.e2e.scenario import Scenario
from cosim.e2e.tenants import backend_settings, remember
from cosim.reports.html import Figure, Section, Table, Text
from cosim.workloads.generate import GenerateResult, generate

Progress = Callable[[str], None]
DISTANCE_SCALES = (0.5, 1.0, 2.0)  # x every link length of the scenario


@dataclass
class TenantResult:
    node: str
    model: str
    result: GenerateResult


def scaled_links(sc: Scenario, factor: float) -> Scenario:
    """The scenario with every fibre length times ``factor`` (launch power unchanged)."""
    links = [
        {**link, "length_km": link["length_km"] * factor}
        for link in sc.model_dump(mode="json")["network"]["links"]
    ]
    return sc.updated({"network.links": links})


def run_tenants(
    sc: Scenario, result: RunResult, n: int = 64, progress: Progress | None = None
) -> list[TenantResult]:
    """Each tenant's generator through its OPU (the run's own waveform noise)."""
    say = progress or (lambda _m: None)
    remember(sc, result)
    out = []
    for node, model in sc.tenants:
        say(f"generative: {model} on {node}'s OPU")
        settings = backend_settings(sc, node)
        out.append(TenantResult(node, model, generate(model, settings, n=n, seed=sc.seed)))
    return out


def quality_vs_distance(
    sc: Scenario,
    model: str,
    scales: Sequence[float] = DISTANCE_SCALES,
    n: int = 64,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """``model`` on its tenant's OPU with all fibre lengths scaled: one row per scale."""
    say = progress or (lambda _m: None)
    node = next(nd for nd, m in sc.tenants if m == model)
    rows = []
    for f in scales:
        say(f"generative: {model}, fibre x{f:g}")
        s = scaled_links(sc, f)
        settings = backend_settings(s, node)
        m = generate(model, settings, n=n, seed=sc.seed).metrics
        km = sum(link.length_km for link in s.network.links)
        rows.append(
            {
                "scale": f,
                "network_km": km,
                "received_power_dbm": settings["received_power_dbm"],
                "sigma_fs": settings["sigma_fs"],
            }
            | {k: m[k] for k in ("psnr_db", "ssim", "accuracy_optical", "fid_optical")}
        )
    return rows


def _grid_figure(t: TenantResult, k: int = 16) -> MplFigure:
    k = min(k, len(t.result.labels))
    fig = MplFigure(figsize=(6.4, 1.9), layout="constrained")
    axes = fig.subplots(2, k, squeeze=False)
    for i in range(k):
        for row, images in enumerate((t.result.digital, t.result.optical)):
            ax = axes[row, i]
            ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0, i].set_title(str(int(t.result.labels[i])), fontsize=7)
    axes[0, 0].set_ylabel("digital", fontsize=7)
    axes[1, 0].set_ylabel("optical", fontsize=7)
    fig.suptitle(f"{t.model} on {t.node}'s OPU", fontsize=9)
    return fig


def _distance_figure(model: str, rows: list[dict[str, Any]]) -> MplFigure:
    fig = MplFigure(figsize=(6.4, 2.6), layout="constrained")
    a, b = fig.subplots(1, 2)
    km = [r["network_km"] for r in rows]
    a.plot(km, [r["psnr_db"] for r in rows], "o-")
    a.set_xlabel("total fibre in the network (km)")
    a.set_ylabel("PSNR optical vs digital (dB)")
    b.plot(km, [100 * r["accuracy_optical"] for r in rows], "o-", label="optical")
    b.set_xlabel("total fibre in the network (km)")
    b.set_ylabel("classifier accuracy (%)")
    fig.suptitle(f"{model}: quality vs fibre length (launch power fixed)", fontsize=9)
    return fig


def tenant_metrics(tenants: list[TenantResult]) -> dict[str, Any]:
    """JSON-ready per-tenant figures for metrics.json."""
    keys = ("psnr_db", "ssim", "fid_digital", "fid_optical", "accuracy_digital", "accuracy_optical")
    hw = ("images_per_s", "effective_tops", "energy_per_image_j", "images_per_s_with_programming")
    return {
        t.node: {"model": t.model}
        | {k: float(t.result.metrics[k]) for k in keys}
        | {k: float(t.result.metrics["hardware"][k]) for k in hw}
        for t in tenants
    }


def generative_section(
    tenants: list[TenantResult], distance: list[dict[str, Any]] | None, model: str | None
) -> Section:
    """The report section: tenant table, image grids, quality vs distance."""
    table = Table(
        "tenants",
        [
            "node",
            "model",
            "PSNR (dB)",
            "SSIM",
            "accuracy digital",
            "accuracy optical",
            "FID digital",
            "FID optical",
            "images/s",
            "TOPS used",
            "energy/image (J)",
        ],
        [
            [
                t.node,
                t.model,
                m["psnr_db"],
                m["ssim"],
                m["accuracy_digital"],
                m["accuracy_optical"],
                m["fid_digital"],
                m["fid_optical"],
                m["hardware"]["images_per_s"],
                m["hardware"]["effective_tops"],
                m["hardware"]["energy_per_image_j"],
            ]
            for t in tenants
            for m in (t.result.metrics,)
        ],
        caption="Same latents and labels digitally and through each tenant's OPU. FID in the "
        "classifier's feature space against held-out real digits (biased upward at this n; "
        "the two columns share n). images/s: streaming bound of the modelled hardware "
        "(symbol rate / symbols per image), without heater reprogramming time.",
    )
    items: list[Any] = [
        Text(
            "how",
            "Every linear and convolution layer runs on the tenant's OPU through the "
            "statistical model of the waveform co-simulation (realised tile matrices of the "
            "programmed core; receiver noise and link impairments measured on this run); "
            "activations run in electronics.",
        ),
        table,
    ]
    items += [Figure(f"{t.model} images", _grid_figure(t)) for t in tenants]
    if distance and model:
        items.append(Figure(f"{model} vs distance", _distance_figure(model, distance)))
        items.append(
            Table(
                f"{model} vs distance",
                list(distance[0]),
                [[r[k] for k in distance[0]] for r in distance],
            )
        )
    return Section("generative AI", items)
