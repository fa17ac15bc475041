"""The generative section of ``opticloud run``: every tenant's generator on its own OPU.

The published system ran several image generators in parallel, one per tenant, each
tenant an edge node with its own wavelength band and its own OPU at the centre. Here
each tenant's OPU takes its noise from the scenario's waveform run
(:func:`cosim.e2e.tenants.backend_settings`: that run carries the other tenants' bands,
so AWG/ROADM crosstalk between tenants is in it), and its generator runs through
:func:`cosim.workloads.generate.generate`. Reported per tenant: image quality against
the digital model, images/s of the modelled hardware, TOPS used, energy per image; and
the quality of one generator against fibre length (all links scaled, launch power
fixed), laser power, ADC bits and core kind, one at a time, each point a fresh
waveform run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure as MplFigure

from cosim.e2e.pipeline import RunResult
from cosim.e2e.scenario import Scenario
from cosim.e2e.tenants import backend_settings, remember
from cosim.report_page import Figure, Section, Table, Text
from cosim.workloads.generate import GenerateResult, generate

Progress = Callable[[str], None]


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


QUALITY_SWEEPS: dict[str, tuple[Any, ...]] = {
    "fibre_scale": (0.5, 1.0, 2.0),  # x every link length, launch power fixed
    "laser_power_dbm": (0.0, 5.0, 10.0),
    "adc_bits": (4, 6, 8),
    "kind": ("mrr", "mzi"),  # the weight-bank cores (clements programs too slowly here)
}


def sweep_point(sc: Scenario, axis: str, v: Any) -> Scenario:
    """The scenario with one quality-sweep axis set to ``v``."""
    if axis == "fibre_scale":
        return scaled_links(sc, float(v))
    if axis == "adc_bits":  # the converter keeps its loss of effective bits
        adc = sc.network.receiver.adc
        loss = (adc.bits - adc.enob) if adc.bits is not None and adc.enob is not None else 0
        enob = None if adc.enob is None else max(v - loss, 1.0)
        return sc.updated({"network.receiver.adc.bits": v, "network.receiver.adc.enob": enob})
    path = {
        "laser_power_dbm": "network.transmitter.laser.power_dbm",
        "kind": "opu.kind",
    }[axis]
    return sc.updated({path: v})


def quality_sweeps(
    sc: Scenario,
    model: str,
    sweeps: dict[str, Sequence[Any]] | None = None,
    n: int = 64,
    progress: Progress | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """``model`` on its tenant's OPU against each axis of ``sweeps`` (default
    :data:`QUALITY_SWEEPS`), the others at the scenario's values; every point is a
    fresh waveform run of the changed scenario and the same latents."""
    say = progress or (lambda _m: None)
    node = next(nd for nd, m in sc.tenants if m == model)
    out: dict[str, list[dict[str, Any]]] = {}
    for axis, values in (sweeps or QUALITY_SWEEPS).items():
        rows = []
        for v in values:
            say(f"generative: {model}, {axis} = {v}")
            s = sweep_point(sc, axis, v)
            settings = backend_settings(s, node)
            m = generate(model, settings, n=n, seed=sc.seed).metrics
            rows.append(
                {
                    axis: v,
                    "network_km": sum(link.length_km for link in s.network.links),
                    "received_power_dbm": settings["received_power_dbm"],
                    "sigma_fs": settings["sigma_fs"],
                }
                | {k: m[k] for k in ("psnr_db", "ssim", "accuracy_optical", "fid_optical")}
            )
        out[axis] = rows
    return out


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


def _sweeps_figure(model: str, sweeps: dict[str, list[dict[str, Any]]]) -> MplFigure:
    fig = MplFigure(figsize=(2.3 * len(sweeps) + 0.6, 4.2), layout="constrained")
    axes = fig.subplots(2, len(sweeps), squeeze=False)
    labels = {
        "fibre_scale": "total fibre in the network (km)",
        "laser_power_dbm": "laser power (dBm)",
        "adc_bits": "ADC bits",
        "kind": "core kind",
    }
    for col, (axis, rows) in enumerate(sweeps.items()):
        x = [r["network_km"] if axis == "fibre_scale" else r[axis] for r in rows]
        if axis == "kind":
            x = list(range(len(rows)))
            for ax in axes[:, col]:
                ax.set_xticks(x, [r[axis] for r in rows])
        axes[0, col].plot(x, [r["psnr_db"] for r in rows], "o-")
        axes[1, col].plot(x, [100 * r["accuracy_optical"] for r in rows], "o-")
        axes[1, col].set_xlabel(labels.get(axis, axis))
    axes[0, 0].set_ylabel("PSNR optical vs digital (dB)")
    axes[1, 0].set_ylabel("classifier accuracy (%)")
    fig.suptitle(f"{model}: image quality against one parameter at a time", fontsize=9)
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
    tenants: list[TenantResult],
    sweeps: dict[str, list[dict[str, Any]]] | None,
    model: str | None,
) -> Section:
    """The report section: tenant table, image grids, quality sweeps."""
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
    if sweeps and model:
        items.append(Figure(f"{model} quality sweeps", _sweeps_figure(model, sweeps)))
        for axis, rows in sweeps.items():
            items.append(
                Table(f"{model} against {axis}", list(rows[0]), [list(r.values()) for r in rows])
            )
    return Section("generative AI", items)
