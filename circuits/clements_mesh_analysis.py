r"""How well the Clements cores compute: fidelity per non-ideality, error-scaling laws, plots.

Figures of merit come from ``circuits.fidelity``: for the SVD core (``ClementsCore``) the
realised signed matrix against the target (relative Frobenius error, ENOB with the
target's range); for the single mesh (``ClementsMeshCore``) the unitary fidelity
F = |Tr(U0^H U)|^2 / N^2 of the field transfer after the receiver gain, and its
loss-normalised form.

Error-scaling laws of an uncorrected mesh (``coupler_error_infidelity``,
``phase_error_infidelity``): to second order a coupler whose power split is 1/2 + delta
rotates its two modes by a traceless generator, and each of the 2 per MZI adds
~ delta^2 / N to 1 - F, so 1 - F = 2 (N - 1) sigma_BS^2 (N (N - 1) couplers); a phase error
on one mode of the N (N - 1) (theta, phi) adds (N - 1) sigma^2 / N^2, so
1 - F = (N - 1)^2 / N sigma_phi^2 (derived for ``circuits.clements``; shared/SYSTEM.md
quotes the large-N Monte-Carlo estimates 1.9 N sigma_BS^2 and 0.9 N sigma_phi^2). Here
they are measured on the real layout: coupler errors enter as each 2x2 MMI's imbalance in
its compact model, phase errors as heater-power errors, programming from the design.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy.stats import ortho_group, unitary_group

from circuits.clements import decompose
from circuits.clements_mesh import (
    UNIT_PORTS,
    ClementsCore,
    ClementsMeshCore,
    DeviceState,
    StageTargets,
    Tables,
    _arm_split,
    _is_mmi,
    _kappa_to_db,
    program_powers,
)
from circuits.core import NonIdealities
from circuits.fidelity import Fidelity, evaluate

# each non-ideality alone, the order of the sweep and its plot
SINGLE: dict[str, dict[str, Any]] = {
    "propagation loss": {"propagation_loss": True},
    "MMI excess loss": {"excess_loss": True},
    "coupler imbalance": {"coupler_imbalance": True},
    "8-bit heater DAC": {"dac_bits": 8},
    "thermal crosstalk": {"thermal_crosstalk": True},
    "fabrication": {"fabrication": True},
}


def fidelity(
    core: ClementsCore | ClementsMeshCore, target: Any, nonideal: NonIdealities | None = None
) -> Fidelity:
    """Program ``target`` under ``nonideal`` and compare what the chip realises with it.

    SVD core: real W (rows x cols) -> relative Frobenius error, ENOB (range of W) and, for
    an orthogonal W, the unitary fidelity. Mesh core: unitary U -> also F and F_norm.
    """
    settings = core.program(target, nonideal)
    if isinstance(core, ClementsMeshCore):
        return evaluate(core.realised_unitary(settings), np.asarray(target, complex))
    return evaluate(core.realised_matrix(settings), np.asarray(target, float))


def nonideality_sweep(
    core: ClementsCore | ClementsMeshCore, target: Any, seed: int = 0
) -> dict[str, dict[str, Fidelity]]:
    """Fidelity with each non-ideality alone and with all of them (12-bit DAC), without and
    with calibration: ``{name: {"uncalibrated": F, "calibrated": F}}``."""
    cases = {name: NonIdealities(seed=seed, **kw) for name, kw in SINGLE.items()}
    cases["all (12-bit DAC)"] = NonIdealities.all_on(dac_bits=12, seed=seed, calibration=False)
    out = {}
    for name, ni in cases.items():
        cal = NonIdealities(**{**ni.to_dict(), "calibration": True})
        out[name] = {
            "uncalibrated": fidelity(core, target, ni),
            "calibrated": fidelity(core, target, cal),
        }
    return out


def dac_sweep(
    core: ClementsCore | ClementsMeshCore,
    target: Any,
    bits: tuple[int, ...] = (4, 6, 8, 10, 12),
    calibration: bool = False,
) -> dict[int, Fidelity]:
    """Fidelity against heater DAC resolution (all else ideal)."""
    return {
        b: fidelity(core, target, NonIdealities(dac_bits=b, calibration=calibration)) for b in bits
    }


def _haar(n: int, samples: int, seed: int) -> np.ndarray:
    return unitary_group.rvs(n, size=samples, random_state=seed).reshape(samples, n, n)


def _design_powers(core: ClementsMeshCore, unitaries: np.ndarray) -> tuple[np.ndarray, Tables]:
    tables = core.tables(NonIdealities.ideal())
    powers = [
        program_powers(core.topology, tables, StageTargets((decompose(u),)))[0] for u in unitaries
    ]
    return np.array(powers), tables


def _infidelity(transfers: Any, unitaries: np.ndarray) -> tuple[float, float]:
    n = unitaries.shape[-1]
    overlap = np.einsum("bij,bij->b", unitaries.conj(), np.asarray(transfers))
    loss = 1.0 - np.abs(overlap) ** 2 / n**2
    return float(loss.mean()), float(loss.std(ddof=1) / np.sqrt(len(loss)))


def coupler_error_infidelity(
    core: ClementsMeshCore, sigma: float, samples: int = 64, seed: int = 0
) -> tuple[float, float]:
    """Mean 1 - F (and its standard error) of Haar-random unitaries programmed from the
    design onto meshes whose every 2x2 MMI splits 1/2 + delta, delta ~ N(0, sigma) (power
    fraction), applied through the MMI model's imbalance. Everything else ideal."""
    rng = np.random.default_rng(seed)
    unitaries = _haar(core.n, samples, seed)
    powers, tables = _design_powers(core, unitaries)
    topo, comp = core.topology, core.topology.unit_cell
    subs = list(topo.sub_instances(comp).values())
    mmi = np.array([_is_mmi(k) for k in subs])
    rows = samples * len(topo.units)
    kappa = np.full((rows, len(subs)), 0.5)
    kappa[:, mmi] += rng.normal(0.0, sigma, (rows, int(mmi.sum())))
    ideal = core.state(NonIdealities.ideal())
    state = DeviceState(
        wl=ideal.wl,
        loss_db_per_cm=0.0,
        excess_loss_db=0.0,
        dt_top=ideal.dt_top,
        sub_dt={comp: np.zeros((rows, len(subs)))},
        sub_imbalance={comp: _kappa_to_db(kappa)},
        crosstalk=False,
    )
    m_top, m_bot = _arm_split(topo, state, comp, UNIT_PORTS)
    shape = (samples, len(topo.units), 2, 2)
    batch = tables._replace(m_top=m_top.reshape(shape), m_bot=m_bot.reshape(shape))
    axes = Tables(None, 0, 0, None, None, None, None)
    transfers = jax.vmap(core.evaluate, in_axes=(0, axes))(powers, batch)
    return _infidelity(transfers, unitaries)


def phase_error_infidelity(
    core: ClementsMeshCore, sigma: float, samples: int = 64, seed: int = 0
) -> tuple[float, float]:
    """Mean 1 - F (and standard error) with every theta and phi heater's phase off by
    N(0, sigma) rad (as a heater power error), the output screen exact, all else ideal."""
    rng = np.random.default_rng(seed)
    unitaries = _haar(core.n, samples, seed)
    powers, tables = _design_powers(core, unitaries)
    screen = {h for h in core.topology.output_heaters() if h is not None}
    mask = np.array([i not in screen for i in range(powers.shape[1])])
    noise = rng.normal(0.0, sigma, powers.shape) * mask / float(tables.rad_per_mw)
    transfers = jax.vmap(core.evaluate, in_axes=(0, None))(powers + noise, tables)
    return _infidelity(transfers, unitaries)


def core_report(size: int, nonideal: NonIdealities | None = None, seed: int = 0) -> dict[str, Any]:
    """Seeded figures of the size x size SVD core for the CLI: a Gaussian random W
    (relative Frobenius error, ENOB) and a Haar-random orthogonal W (unitary fidelity)."""
    ni = nonideal or NonIdealities.ideal(seed)
    rng = np.random.default_rng(seed)
    core = ClementsCore(size, size)
    w = rng.standard_normal((size, size))
    general = fidelity(core, w, ni)
    unitary = fidelity(core, ortho_group.rvs(size, random_state=seed), ni)
    return {
        "kind": core.kind,
        "size": size,
        "seed": seed,
        "nonideal": ni.to_dict(),
        "rel_frobenius_error": general.rel_frobenius_error,
        "enob": general.enob,
        "max_abs_error": general.max_abs_error,
        "fidelity": unitary.fidelity,
        "fidelity_normalised": unitary.fidelity_normalised,
    }


# --- plots (matplotlib, Agg; each returns its Figure) -------------------------------------


def _figure(width: float, height: float) -> Figure:
    """A figure on the Agg canvas (no pyplot state, no display)."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def plot_realised_vs_target(target: Any, realised: Any, title: str = "") -> Figure:
    """Heat maps of target, realised and their difference (real parts)."""
    t, r = np.real(np.asarray(target)), np.real(np.asarray(realised))
    fig = _figure(11, 3.4)
    axes = fig.subplots(1, 3)
    lim = float(np.max(np.abs(t))) or 1.0
    for ax, data, name in zip(axes[:2], (t, r), ("target", "realised"), strict=True):
        im = ax.imshow(data, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(name)
        fig.colorbar(im, ax=ax, shrink=0.8)
    err = r - t
    elim = float(np.max(np.abs(err))) or 1e-16
    im = axes[2].imshow(err, cmap="PuOr_r", vmin=-elim, vmax=elim)
    axes[2].set_title("realised - target")
    fig.colorbar(im, ax=axes[2], shrink=0.8)
    for ax in axes:
        ax.set_xticks(range(t.shape[1]))
        ax.set_yticks(range(t.shape[0]))
        ax.set_xlabel("input j")
        ax.set_ylabel("output i")
    if title:
        fig.suptitle(title)
    return fig


def plot_enob_vs_nonideality(sweep: dict[str, dict[str, Fidelity]]) -> Figure:
    """ENOB with each non-ideality alone and all together, without and with calibration."""
    names = list(sweep)
    x = np.arange(len(names))
    fig = _figure(9, 3.8)
    ax = fig.subplots()
    for k, (mode, colour) in enumerate((("uncalibrated", "tab:red"), ("calibrated", "tab:blue"))):
        vals = [min(sweep[n][mode].enob, 30.0) for n in names]
        ax.bar(x + (k - 0.5) * 0.38, vals, 0.38, label=mode, color=colour)
    ax.set_xticks(x, names, rotation=20, ha="right")
    ax.set_ylabel("ENOB (bits, capped at 30)")
    ax.set_title("Clements core: ENOB per non-ideality")
    ax.legend()
    return fig


def plot_enob_vs_dac_bits(results: dict[int, Fidelity]) -> Figure:
    """ENOB of the realised matrix against heater DAC resolution."""
    bits = sorted(results)
    fig = _figure(5, 3.6)
    ax = fig.subplots()
    ax.plot(bits, [results[b].enob for b in bits], "o-", label="core")
    ax.plot(bits, bits, "k--", lw=0.8, label="ENOB = DAC bits")
    ax.set_xlabel("heater DAC bits")
    ax.set_ylabel("ENOB (bits)")
    ax.legend()
    return fig


def plot_infidelity_scaling(
    ns: Any, coupler: Any, phase: Any, sigma_bs: float, sigma_phi: float
) -> Figure:
    """Monte-Carlo 1 - F (mean, standard error) against N, with the second-order laws and
    the shared/SYSTEM.md large-N estimates."""
    ns = np.asarray(ns, float)
    coupler, phase = np.asarray(coupler, float), np.asarray(phase, float)
    fig = _figure(10, 3.8)
    axes = fig.subplots(1, 2)
    fine = np.linspace(ns.min(), ns.max(), 100)
    laws = (
        (coupler, sigma_bs, 2 * (fine - 1), 1.9 * fine, "coupler error sigma_BS"),
        (phase, sigma_phi, (fine - 1) ** 2 / fine, 0.9 * fine, "phase error sigma_phi"),
    )
    for ax, (mc, sig, exact, estimate, what) in zip(axes, laws, strict=True):
        ax.errorbar(ns, mc[:, 0], yerr=mc[:, 1], fmt="o", label="this layout (MC)")
        ax.plot(fine, exact * sig**2, "k-", label="second order")
        ax.plot(fine, estimate * sig**2, "k:", label="SYSTEM.md estimate")
        ax.set_xlabel("N")
        ax.set_ylabel("1 - F")
        ax.set_title(f"{what} = {sig:g}")
        ax.legend()
    return fig


def enob_vs_n(
    ns: tuple[int, ...], nonideal: NonIdealities | None = None, seed: int = 0
) -> dict[int, Fidelity]:
    """ENOB of the n x n SVD core for a seeded Gaussian W at each size (one layout per n)."""
    out = {}
    for n in ns:
        w = np.random.default_rng(seed + n).standard_normal((n, n))
        out[n] = fidelity(ClementsCore(n, n), w, nonideal)
    return out


def plot_enob_vs_n(results: dict[str, dict[int, Fidelity]]) -> Figure:
    """ENOB against core size, one line per case (e.g. uncalibrated / calibrated)."""
    fig = _figure(5, 3.6)
    ax = fig.subplots()
    for label, per_n in results.items():
        ns = sorted(per_n)
        ax.plot(ns, [min(per_n[n].enob, 30.0) for n in ns], "o-", label=label)
    ax.set_xlabel("N (core is N x N)")
    ax.set_ylabel("ENOB (bits, capped at 30)")
    ax.legend()
    return fig
