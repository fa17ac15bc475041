r"""Microring broadcast-and-weight bank: netlist, structured evaluator, programming, fidelity.

Physics (Tait et al., "Broadcast and weight: an integrated network for scalable photonic
spike processing", J. Lightwave Technol. 32:4029, 2014; Tait et al., "Microring weight
banks", IEEE JSTQE 22(6), 2016). N wavelength channels, channel k carrying the
nonnegative input x_k, are broadcast to M rows by a 1 x M MMI tree. Row r is a bus with
N add-drop rings (``ring_add_drop_heater``); ring k sits near channel k (ring design and
floor plan: ``circuits.mrr_bank_layout``). The drop and through buses end on a balanced
photodiode pair, so the row current is

    i_r = R sum_k x_k (P_drop(r, lambda_k) - P_through(r, lambda_k)),

incoherent between wavelengths (their beat notes at >= 100 GHz fall outside the
detector bandwidth) and coherent within one: a channel reaches the drop bus through
every ring of the row (mostly its own), and light dropped by ring j passes the add
ports of rings j-1 ... 0, some of it coupling back to the through bus. The evaluator
keeps all of it (below).

Weights and their normalisation
-------------------------------
The lossless full scale of row r is R P_in g_r, g_r = 2^-depth_r its share of the
splitter tree: a lossless ring on resonance drops everything (w = +1), far off
resonance passes everything (w = -1). Loss (ring round trip, bus, splitter excess) and
finite detuning range shrink the reachable range; the weight is therefore

    w_rk = (P_drop - P_through) / (g_r eta),

with eta the bank's derating: the largest symmetric range every channel of every row
reaches in the design (all rings on resonance; all rings half a channel off), times
``HEADROOM``. eta (``full_scale_derating``) is 0.85 for a lossless 4 x 4 bank: a row of
all-negative weights leaves each inner channel between two half-detuned rings, which
drop ~6 % of it; with strip and splitter losses 0.77 (4 x 4) and 0.70 (8 x 8). The
receiver gain 1 / eta restores the scale: loss costs photocurrent, not accuracy. With
calibration each row's gain is also trimmed by its measured splitter share.

Structured evaluator
--------------------
Per ring the closed-form add-drop response of the ring model itself
(``components.rings.RingCavity.responses`` via the model's ``_add_drop_sdict``, so the
physics is one code), with each ring's drawn circumference, width, gap and coupler
lengths. A row is a chain of two-bus sections: east-going waves on the through bus,
west-going waves on the drop bus. A ring is a 2x2 scattering block between its west
(through in, drop out) and east (through out, add in) sides; a bus section is pure
propagation (``components.waveguides.propagation`` over the drawn lengths, with the
tapers' index offset). Blocks cascade by the Redheffer star product, which sums every
multiple pass (drop -> add -> through -> drop ...) exactly; ``lax.scan`` runs along the
row, ``vmap`` over rows and channels. Splitter amplitudes come from the MMI model.
``sax_fields`` evaluates the same bank as SAX's KLU circuit of the layout netlist; the
two agree to <= 1e-9 (tests).

Programming
-----------
For a target row w, solve F(delta) = g eta w for the N ring path offsets delta (um;
``components.rings.heater_delta`` maps heater power to it), with F the balanced
response of the *whole row* at the N channel wavelengths: every ring also filters its
neighbours' channels, so the equations are coupled. Start: each ring alone, where the
balanced response G = P (|drop|^2 - |through|^2) of the add-drop ring (Bogaerts et al.,
Laser Photon. Rev. 6:47, 2012) inverts in closed form,

    cos(phi) = [G (1 + r^2) - P k1^2 k2^2 a + P (t1^2 + t2^2 a^2)] / [2 r (P + G)],

r = t1 t2 a, P the row's path power factor (its detected power with every ring
anti-resonant), phi < 0 (resonance blue of the channel: heaters only red-shift). Then
damped Newton steps on the full row (Jacobian by forward-mode ``jax.jvp``, one column
per ring); the residual is reported. The power per ring follows from its path offset;
with thermal crosstalk the powers P solve C P = P_own, C the row's heater crosstalk
matrix (``crosstalk_matrix``): the crosstalk matrix is inverted.

Non-idealities (``circuits.core.NonIdealities``), sized from ``pdk/device_params.yaml``:

* propagation_loss: strip.loss in the rings (round trip and bus stubs), the bus tapers and
  the routing waveguides (known to programming: it only derates the full scale).
* excess_loss: mmi.excess_loss per splitter (known to programming).
* coupler_imbalance: each splitter's power ratio ~ N(0, mmi.imbalance) dB (seeded).
* dac_bits: heater drive voltage quantised over [0, sqrt(heater.max_power R_heater)].
* thermal_crosstalk: ring j's heater adds C_ij of its phase to ring i: the heater
  crosstalk function c(d) (``components.heaters.thermal_crosstalk``) applied locally,
  C_ij = <c(dist(p, heater j))> averaged over points p of ring i (each stretch of ring j's
  heater acts as a line source; valid for R > the 4 um thermal decay length).
* fabrication: width and thickness errors as Gaussian random fields over the die
  (fabrication.width_sigma, thickness_sigma, correlation_length), sampled at the ring
  centres; each ring's index moves by dn/dw dw + dn/dh dh (strip.dn_eff_dw, dn_eff_dh),
  applied as the ring model's equivalent temperature offset dn / (dn_eff/dT) (its one
  index input), and its gap by -dw (both edges move), applied as the ring's drawn gap.
  The die-level part dominates (sigma ~3.5 nm of resonance, ~0.4 FSR): uncalibrated, the
  bank is useless, as measured banks are.
* calibration: program against the measured device (noise-free): fabricated rings,
  splitter shares (receiver gain trim per row), crosstalk matrix; each ring goes to the
  nearest reachable resonance order (a ring fabricated red of its channel wraps to the
  next order, up to 2 heater.p_pi). DAC quantisation is not undone.

What the numbers say (4 x 4, seeds 0-2, ``enob_by_nonideality``; ENOB = log2(2 / (sqrt(12)
sigma)) over weights in [-1, 1]): losses alone cost no bits (known, they derate the full
scale); uncalibrated, splitter imbalance leaves ~6 bits, thermal crosstalk ~2, the
fabrication spread none (the rings miss their channels). Calibration restores all three
to float64 precision. What remains is the heater DAC: a weight's slope is steep (a 0.1 nm
linewidth on a 0.2 nm/mW heater), so a 12-bit DAC spanning heater.max_power (60 mW, the
range the calibrated, order-wrapping rings need) gives ~6 bits, 16 bits ~10 bits; all
non-idealities with calibration: ~4.8 bits at 12 bits, ~9.4 at 16 bits (2x2 to 8x8),
in line with the 9-11 bits reported for single microring weights.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

import gdsfactory as gf
import jax
import jax.numpy as jnp
import numpy as np
import sax

from circuits.core import NonIdealities
from circuits.fidelity import Fidelity, evaluate
from circuits.mrr_bank_layout import (
    GRID_SPACING_GHZ,
    bank_geometry,
    mrr_weight_bank,
    ring_centre,
    ring_design,
    row_depths,
)
from components import MODELS
from components.couplers import mmi_1x2_model
from components.heaters import P_PI, thermal_crosstalk
from components.rings import (
    RingCavity,
    _add_drop_sdict,
    add_drop_cavity,
    heater_delta,
)
from components.waveguides import DN_DT, LOSS_DB_CM, T_REF, optical_netlist, propagation
from pdk.params import value

jax.config.update("jax_enable_x64", True)

RESPONSIVITY = value("photodetector.responsivity")  # A/W
MAX_POWER = value("heater.max_power")  # mW
MMI_EXCESS_DB = value("mmi.excess_loss")
MMI_IMBALANCE_DB = value("mmi.imbalance")
DN_DW = value("strip.dn_eff_dw")  # 1/nm
DN_DH = value("strip.dn_eff_dh")  # 1/nm
WIDTH_SIGMA = value("fabrication.width_sigma")  # nm
THICKNESS_SIGMA = value("fabrication.thickness_sigma")  # nm
CORRELATION_LENGTH = value("fabrication.correlation_length")  # um
BANK_GAP = value("ring.weight_bank_gap")
HEADROOM = 0.98  # eta keeps 2 % of the design range in reserve for mixed neighbour states
WAVEGUIDES = {"waveguide_straight", "euler_bend", "wg_taper"}
NEWTON_TOL = 1e-12  # max |F - target| (balanced gain) at which the joint solve stops
NEWTON_MAX_ITER = 60
ARC_SAMPLES = 96  # points per ring for the crosstalk average


# --- netlist and topology ----------------------------------------------------------------


def _other(port: str) -> str:
    return {"o1": "o2", "o2": "o1"}[port]


@dataclass(frozen=True)
class BankTopology:
    """What the evaluators need from the layout, all read from its extracted netlist.

    Attributes:
        netlist: SAX netlist; the photodiodes are cut out and their inputs are the
            circuit ports ``r{row}_drop`` / ``r{row}_through``; input port ``o1``.
        rings: instance names, ``rings[r][k]``.
        splitters: splitter (mmi_1x2) instance names.
        path: (M, D) splitter index along row r's input path, -1 past its end.
        branch: (M, D) 0 if the path leaves that splitter by o2, 1 by o3.
        chains: waveguide runs between devices: name -> (length um, sum of length x
            index offset um); "in" (M,), "thr"/"drop" (M, N-1) between rings k and k+1,
            "out_thr"/"out_drop" (M,) from the last / first ring to the detector.
        centres: (M, N, 2) ring centres (um).
        heater_resistance: (N,) ohm, per column.
        splitter_settings: the splitters' geometry settings (all the same cell).
    """

    netlist: dict[str, Any]
    rings: tuple[tuple[str, ...], ...]
    splitters: tuple[str, ...]
    path: np.ndarray
    branch: np.ndarray
    chains: dict[str, tuple[np.ndarray, np.ndarray]]
    centres: np.ndarray
    heater_resistance: np.ndarray
    splitter_settings: dict[str, float]


def extract_netlist(c: gf.Component) -> dict[str, Any]:
    """Flat optical netlist of the bank (``components.waveguides.optical_netlist``)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Unconnected ports")
        return optical_netlist(c)


def bank_topology(c: gf.Component) -> BankTopology:
    """Trace the layout netlist of ``mrr_weight_bank``: device order, waveguide runs, paths."""
    rows, cols = int(c.info["rows"]), int(c.info["cols"])
    nl = extract_netlist(c)
    inst = nl["instances"]
    partner: dict[str, str] = {}
    for net in nl["nets"]:
        partner[net["p1"]], partner[net["p2"]] = net["p2"], net["p1"]

    def walk(start: str) -> tuple[str, float, float]:
        """Follow waveguides from device port ``start``; (next device port, L, sum L dn)."""
        length, ldn, here = 0.0, 0.0, start
        while True:
            if here not in partner:
                raise ValueError(f"bank netlist: {here} leads nowhere")
            name, port = partner[here].split(",")
            spec = inst[name]
            if spec["component"] not in WAVEGUIDES:
                return f"{name},{port}", length, ldn
            s = spec["settings"]
            piece = float(s["length"])
            length += piece
            ldn += piece * float(s.get("n_eff_offset", 0.0))
            here = f"{name},{_other(port)}"

    def expect(got: str, want: str) -> None:
        if got != want:
            raise ValueError(f"bank netlist: expected {want}, traced {got}")

    rings = tuple(tuple(f"ring_{r}_{k}" for k in range(cols)) for r in range(rows))
    for name in (n for row in rings for n in row):
        if inst.get(name, {}).get("component") != "ring_add_drop_heater":
            raise ValueError(f"bank netlist: no add-drop ring instance {name}")
    chains: dict[str, list] = {k: [] for k in ("thr", "drop", "out_thr", "out_drop")}
    detector_ports: dict[str, str] = {}
    for r, row in enumerate(rings):
        thr, drop = [], []
        for k in range(cols - 1):
            end, length, ldn = walk(f"{row[k]},o2")
            expect(end, f"{row[k + 1]},o1")
            thr.append((length, ldn))
            end, length, ldn = walk(f"{row[k + 1]},o3")
            expect(end, f"{row[k]},o4")
            drop.append((length, ldn))
        chains["thr"].append(thr)
        chains["drop"].append(drop)
        for key, start, pd_port, name in (
            ("out_thr", f"{row[-1]},o2", "o2", f"r{r}_through"),
            ("out_drop", f"{row[0]},o3", "o1", f"r{r}_drop"),
        ):
            end, length, ldn = walk(start)
            expect(end, f"bpd_{r},{pd_port}")
            chains[key].append((length, ldn))
            detector_ports[name] = partner[end]

    splitters = tuple(sorted(n for n, s in inst.items() if s["component"] == "mmi_1x2"))
    index = {n: i for i, n in enumerate(splitters)}
    paths: dict[int, tuple[list[tuple[int, int]], float, float]] = {}

    def descend(start: str, hops: list[tuple[int, int]], length: float, ldn: float) -> None:
        name, port = start.split(",")
        if inst[name]["component"] == "mmi_1x2":
            for b, out in enumerate(("o2", "o3")):
                end, piece, piece_dn = walk(f"{name},{out}")
                descend(end, [*hops, (index[name], b)], length + piece, ldn + piece_dn)
            return
        r = next((r for r, row in enumerate(rings) if row[0] == name), None)
        if r is None or port != "o1":
            raise ValueError(f"bank netlist: splitter tree ends at {start}")
        paths[r] = (hops, length, ldn)

    entry = nl["ports"]["o1"]
    descend(entry, [], 0.0, 0.0)
    if sorted(paths) != list(range(rows)):
        raise ValueError(f"bank netlist: the input reaches rows {sorted(paths)}, not {rows}")
    depth = max(1, max(len(p[0]) for p in paths.values()))
    path = -np.ones((rows, depth), dtype=int)
    branch = np.zeros((rows, depth), dtype=int)
    for r, (hops, _, _) in paths.items():
        for d, (i, b) in enumerate(hops):
            path[r, d], branch[r, d] = i, b

    # the SAX netlist: photodiodes cut out, their inputs become the circuit's outputs
    sax_nl = {
        "instances": {n: s for n, s in inst.items() if not n.startswith("bpd_")},
        "nets": [
            n for n in nl["nets"] if not (n["p1"].startswith("bpd_") or n["p2"].startswith("bpd_"))
        ],
        "ports": {"o1": entry, **detector_ports},
        "placements": {n: p for n, p in nl["placements"].items() if not n.startswith("bpd_")},
    }

    def arr(key: str) -> tuple[np.ndarray, np.ndarray]:
        a = np.asarray(chains[key], dtype=float).reshape(rows, -1, 2)
        return a[..., 0], a[..., 1]

    refs = {i.name: i for i in c.insts}
    centres = np.zeros((rows, cols, 2))
    for r, row in enumerate(rings):
        for k, n in enumerate(row):
            ref = refs[n]
            cx, cy = ring_centre(ref.cell)
            p = ref.dcplx_trans * gf.kdb.DPoint(cx, cy)
            centres[r, k] = (p.x, p.y)
    resistance = np.array([float(refs[n].cell.info["heater_resistance"]) for n in rings[0]])
    split_settings = (
        {k: float(inst[splitters[0]]["settings"][k]) for k in ("width_mmi", "length_mmi")}
        if splitters
        else {}
    )
    chain_arrays = {
        "in": (
            np.array([paths[r][1] for r in range(rows)]),
            np.array([paths[r][2] for r in range(rows)]),
        ),
        "thr": arr("thr"),
        "drop": arr("drop"),
        "out_thr": tuple(a[:, 0] for a in arr("out_thr")),
        "out_drop": tuple(a[:, 0] for a in arr("out_drop")),
    }
    return BankTopology(
        netlist=sax_nl,
        rings=rings,
        splitters=splitters,
        path=path,
        branch=branch,
        chains=chain_arrays,
        centres=centres,
        heater_resistance=resistance,
        splitter_settings=split_settings,
    )


# --- thermal crosstalk ---------------------------------------------------------------------


def crosstalk_matrix(centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """C[i, j]: path offset on ring i per unit own offset of ring j's heater (C[i, i] = 1).

    Each stretch of heater j acts locally as a line source: a point p of ring i gets
    c(d) (``components.heaters.thermal_crosstalk``) with d its distance to heater j's
    circle, | |p - o_j| - R_j |; C_ij is the mean over ring i.
    ``centres``: (n, 2) um, ``radii``: (n,) um.
    """
    centres, radii = np.asarray(centres, float), np.asarray(radii, float)
    theta = 2 * np.pi * (np.arange(ARC_SAMPLES) + 0.5) / ARC_SAMPLES
    ring = np.stack([np.cos(theta), np.sin(theta)], -1)
    points = centres[:, None, :] + radii[:, None, None] * ring  # (n, S, 2)
    dist = np.linalg.norm(points[:, None, :, :] - centres[None, :, None, :], axis=-1)
    d = np.abs(dist - radii[None, :, None])  # (i, j, S)
    c = np.asarray(thermal_crosstalk(d)).mean(axis=-1)
    np.fill_diagonal(c, 1.0)
    return c


# --- device state: everything but the heater powers ---------------------------------------


@dataclass(frozen=True)
class FabricationDraw:
    """Seeded width/thickness errors (nm) at each ring centre, (M, N) each."""

    width_nm: np.ndarray
    thickness_nm: np.ndarray


def gaussian_field(points: np.ndarray, sigma: float, xi: float, rng) -> np.ndarray:
    """One sample of a zero-mean Gaussian field with covariance sigma^2 exp(-d^2 / (2 xi^2)).

    Exact at the given points (n, 2): the symmetric square root of the covariance.
    """
    d2 = np.sum((points[:, None, :] - points[None, :, :]) ** 2, axis=-1)
    cov = sigma**2 * np.exp(-d2 / (2 * xi**2))
    vals, vecs = np.linalg.eigh(cov)
    root = vecs * np.sqrt(np.clip(vals, 0.0, None))
    return root @ rng.standard_normal(len(points))


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent seeded streams, so switching one non-ideality leaves the others' draws."""
    names = ("width", "thickness", "imbalance")
    seqs = np.random.SeedSequence(seed).spawn(len(names))
    return {n: np.random.default_rng(s) for n, s in zip(names, seqs, strict=True)}


def draw_fabrication(centres: np.ndarray, seed: int) -> FabricationDraw:
    """Width and thickness errors at the ring centres (um), seeded."""
    rngs = _streams(seed)
    pts = centres.reshape(-1, 2)
    shape = centres.shape[:2]
    w = gaussian_field(pts, WIDTH_SIGMA, CORRELATION_LENGTH, rngs["width"]).reshape(shape)
    h = gaussian_field(pts, THICKNESS_SIGMA, CORRELATION_LENGTH, rngs["thickness"])
    return FabricationDraw(width_nm=w, thickness_nm=h.reshape(shape))


_RING_FIELDS = ("circumference", "n_eff", "gap", "cl1", "cl2", "bl1", "bl2")


def _cavity_fields(cavity: RingCavity) -> dict[str, float]:
    return {
        "circumference": cavity.circumference,
        "n_eff": cavity.n_eff,
        "gap": cavity.gap,
        "cl1": cavity.coupling_lengths[0],
        "cl2": cavity.coupling_lengths[1],
        "bl1": cavity.bus_lengths[0],
        "bl2": cavity.bus_lengths[1],
    }


@dataclass(frozen=True)
class BankState:
    """A bank as built (plant) or as designed (model): all but the heater powers.

    Attributes:
        gaps: (M, N) each ring's gap (um) as the ring model is given it.
        temperature: (M, N) ring temperature (K): T_REF plus the fabrication index error
            as its equivalent temperature offset dn / (dn_eff/dT).
        imbalance_db: (n_splitters,) splitter power ratios o2/o3 (dB).
        excess_loss_db: splitter excess loss (dB).
        loss_db_per_cm: routing and bus-taper loss (dB/cm).
        crosstalk: (N, N) heater crosstalk matrix of a row (identity if off).
        arrays: the pytree the jitted evaluator takes.
    """

    gaps: np.ndarray
    temperature: np.ndarray
    imbalance_db: np.ndarray
    excess_loss_db: float
    loss_db_per_cm: float
    crosstalk: np.ndarray
    arrays: dict[str, Any] = field(repr=False)


# --- the structured evaluator ----------------------------------------------------------------


def _star(a, b):
    """Redheffer star product of two-bus blocks (rl, tlr, trl, rr): a west of b."""
    den = 1.0 - a[3] * b[0]
    return (
        a[0] + a[2] * b[0] * a[1] / den,
        b[1] * a[1] / den,
        a[2] * b[2] / den,
        b[3] + b[1] * a[3] * b[2] / den,
    )


def _ring_block(ring: dict[str, Any], wl, temperature, delta):
    """(rl, tlr, trl, rr) of one ring: drop o1->o3, through o1->o2, add-through o4->o3,
    add o4->o2, from the ring model's own S-matrix (``_add_drop_sdict``)."""
    cavity = RingCavity(
        circumference=ring["circumference"],
        n_eff=ring["n_eff"],
        n_g=ring["n_g"],
        c2=ring["c2"],
        loss_db_per_cm=ring["loss"],
        gap=ring["gap"],
        coupling_lengths=(ring["cl1"], ring["cl2"]),
        bus_lengths=(ring["bl1"], ring["bl2"]),
        bus_loss_db_per_cm=ring["bus_loss"],
    )
    s = _add_drop_sdict(cavity, wl, temperature, delta)
    return (s[("o1", "o3")], s[("o1", "o2")], s[("o4", "o3")], s[("o4", "o2")])


def _chain(length, ldn, wl, loss):
    """A waveguide run: strip propagation over ``length`` plus the tapers' index offsets."""
    return propagation(length, wl, T_REF, loss) * jnp.exp(2j * jnp.pi * ldn / wl)


def _row_fields(arrays: dict[str, Any], r_ring, r_temp, r_delta, r_chain, wl):
    """(drop, through) fields at a row's detector inputs per unit field at its first ring."""
    loss = arrays["loss"]

    def ring_at(k):
        return {
            **{f: r_ring[f][k] for f in _RING_FIELDS},
            **{f: arrays["ring_scalars"][f] for f in ("n_g", "c2", "loss", "bus_loss")},
        }

    first = _ring_block(ring_at(0), wl, r_temp[0], r_delta[0])

    def step(block, k):
        p = _chain(r_chain["thr"][0][k - 1], r_chain["thr"][1][k - 1], wl, loss)
        q = _chain(r_chain["drop"][0][k - 1], r_chain["drop"][1][k - 1], wl, loss)
        block = (block[0], block[1] * p, block[2] * q, block[3] * p * q)
        return _star(block, _ring_block(ring_at(k), wl, r_temp[k], r_delta[k])), None

    n = r_temp.shape[0]
    block, _ = jax.lax.scan(step, first, jnp.arange(1, n))
    drop = block[0] * _chain(*r_chain["out_drop"], wl, loss)
    thr = block[1] * _chain(*r_chain["out_thr"], wl, loss)
    return jnp.stack([drop, thr])


def _fields_impl(arrays: dict[str, Any], delta, wl, splitter_settings: tuple) -> jnp.ndarray:
    """(M, C, 2) complex fields [drop, through] at the detector inputs per unit input field.

    ``delta``: (M, N) ring path offsets (um); ``wl``: (C,) wavelengths (um).
    """

    def one_wl(w):
        if splitter_settings:
            s = mmi_1x2_model(
                **dict(splitter_settings),
                wl=w,
                excess_loss_db=arrays["excess_loss_db"],
                imbalance_db=arrays["imbalance_db"],
            )
            amp = jnp.stack([s[("o1", "o2")], s[("o1", "o3")]], -1)  # (n_split, 2)
            hops = amp[jnp.clip(arrays["path"], 0), arrays["branch"]]
            tree = jnp.prod(jnp.where(arrays["path"] >= 0, hops, 1.0), axis=-1)
        else:
            tree = jnp.ones(arrays["temperature"].shape[0], complex)
        tree = tree * _chain(*arrays["chains"]["in"], w, arrays["loss"])
        chains = {k: v for k, v in arrays["chains"].items() if k != "in"}
        rows = jax.vmap(
            lambda ring, temp, dlt, ch: _row_fields(arrays, ring, temp, dlt, ch, w),
        )(arrays["ring"], arrays["temperature"], delta, chains)
        return rows * tree[:, None]

    return jnp.moveaxis(jax.vmap(one_wl)(jnp.asarray(wl, float)), 0, 1)


# --- the bank --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MrrSettings:
    """Programmed state of the bank.

    Attributes:
        powers_mw: (M, N) heater powers as driven (after the DAC), mW.
        voltages_v: (M, N) heater drive voltages, V.
        row_norm: (M,) balanced optical gain per unit weight (g_r eta, trimmed by the
            measured splitter share when calibrated): W_realised = G / row_norm.
        target: (M, N) the target weights.
        residual: max |F(delta) - target| of the joint row solve, in weight units.
        iterations: Newton iterations used.
        clipped: rings whose power was capped at heater.max_power.
        nonideal: the non-idealities it was programmed for.
    """

    powers_mw: np.ndarray
    voltages_v: np.ndarray
    row_norm: np.ndarray
    target: np.ndarray
    residual: float
    iterations: int
    clipped: int
    nonideal: NonIdealities

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready settings."""
        return {
            "powers_mw": self.powers_mw.tolist(),
            "voltages_v": self.voltages_v.tolist(),
            "row_norm": self.row_norm.tolist(),
            "residual": self.residual,
            "iterations": self.iterations,
            "clipped": self.clipped,
            "nonideal": self.nonideal.to_dict(),
            "total_power_mw": float(self.powers_mw.sum()),
        }


class MrrWeightBank:
    """Microring broadcast-and-weight core, ``rows`` x ``cols`` (implements ``OpticalCore``).

    Args:
        rows: outputs M (rows of rings, one balanced detector each).
        cols: inputs N (wavelength channels, rings per row); at most
            ``circuits.mrr_bank_layout.max_channels()`` (FSR limit).
        gap: ring-bus gap (um), default ring.weight_bank_gap.
        channel_spacing_ghz: channel grid spacing, default laser.grid_spacing.
    """

    kind = "mrr"

    def __init__(
        self,
        rows: int,
        cols: int,
        gap: float = BANK_GAP,
        channel_spacing_ghz: float = GRID_SPACING_GHZ,
    ) -> None:
        for name, v in (("rows", rows), ("cols", cols)):
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"MrrWeightBank: {name}={v!r}; must be an integer >= 1")
        self.rows, self.cols = int(rows), int(cols)
        self.gap = float(gap)
        self.channel_spacing_ghz = float(channel_spacing_ghz)
        self.design = ring_design(self.cols, self.gap, self.channel_spacing_ghz)
        self.wavelengths = np.array(self.design.wavelengths)
        self.depths = np.array(row_depths(self.rows))
        self.geometry = bank_geometry(self.cols, self.gap, self.channel_spacing_ghz)
        self._states: dict[tuple, BankState] = {}
        self._eta: dict[tuple, float] = {}

    # --- layout and netlist ---

    def layout(self) -> gf.Component:
        """The routed, DRC-clean layout the netlist is extracted from."""
        return mrr_weight_bank(self.rows, self.cols, self.gap, self.channel_spacing_ghz)

    @cached_property
    def topology(self) -> BankTopology:
        """The layout's netlist, traced (see :class:`BankTopology`)."""
        return bank_topology(self.layout())

    @cached_property
    def _cavities(self) -> list[RingCavity]:
        return [
            add_drop_cavity(r, self.gap, w)
            for r, w in zip(self.design.radii, self.design.widths, strict=True)
        ]

    @cached_property
    def row_crosstalk(self) -> np.ndarray:
        """(N, N) heater crosstalk matrix of a row (rows are identical)."""
        return crosstalk_matrix(self.topology.centres[0], np.array(self.design.radii))

    def inter_row_crosstalk(self) -> float:
        """Largest heater crosstalk between rings of neighbouring rows (neglected; ~1e-6)."""
        if self.rows < 2:
            return 0.0
        pts = self.topology.centres[:2].reshape(-1, 2)
        radii = np.tile(self.design.radii, 2)
        c = crosstalk_matrix(pts, radii)
        return float(c[: self.cols, self.cols :].max())

    # --- states ---

    def state(self, nonideal: NonIdealities | None = None, plant: bool = True) -> BankState:
        """The bank as built (``plant``) or as the uncalibrated programmer knows it (design).

        The design knows the drawn geometry and the PDK's loss values (the switches in
        ``nonideal``); not the fabrication errors, splitter imbalance or crosstalk.
        """
        ni = nonideal or NonIdealities.ideal()
        key = (
            ni.propagation_loss,
            ni.excess_loss,
            plant and ni.coupler_imbalance,
            plant and ni.thermal_crosstalk,
            plant and ni.fabrication,
            ni.seed if plant else 0,
        )
        if key not in self._states:
            self._states[key] = self._build_state(*key)
        return self._states[key]

    def _build_state(self, prop, excess, imbalance, crosstalk, fab, seed) -> BankState:
        m, n = self.rows, self.cols
        topo = self.topology
        temperature = np.full((m, n), T_REF)
        gaps = np.full((m, n), self.gap)
        cavities = [[cav for cav in self._cavities] for _ in range(m)]
        if fab:
            draw = draw_fabrication(topo.centres, seed)
            temperature = T_REF + (DN_DW * draw.width_nm + DN_DH * draw.thickness_nm) / DN_DT
            # on the 1 nm grid: the ring model reads its coupler off the drawn gap, so an
            # off-grid gap would pick up a snapping error in the drawn coupler length
            gaps = np.round(self.gap - draw.width_nm * 1e-3, 3)
            cavities = [
                [
                    add_drop_cavity(self.design.radii[k], float(gaps[r, k]), self.design.widths[k])
                    for k in range(n)
                ]
                for r in range(m)
            ]
        rng = _streams(seed)["imbalance"]
        imb = (
            rng.normal(0.0, MMI_IMBALANCE_DB, len(topo.splitters))
            if imbalance
            else np.zeros(len(topo.splitters))
        )
        fields = [[_cavity_fields(c) for c in row] for row in cavities]
        c0 = cavities[0][0]
        arrays = {
            "ring": {f: jnp.asarray([[x[f] for x in row] for row in fields]) for f in _RING_FIELDS},
            # the ring model's loss input sets ring and bus-stub loss alike, as here
            "ring_scalars": {
                "n_g": jnp.asarray(c0.n_g),
                "c2": jnp.asarray(c0.c2),
                "loss": jnp.asarray(LOSS_DB_CM if prop else 0.0),
                "bus_loss": jnp.asarray(LOSS_DB_CM if prop else 0.0),
            },
            "temperature": jnp.asarray(temperature),
            # one ring per row: a dummy section, so the (empty) scan over sections still traces
            "chains": {
                k: tuple(jnp.asarray(a if a.size else np.zeros((m, 1))) for a in v)
                for k, v in topo.chains.items()
            },
            "path": jnp.asarray(topo.path),
            "branch": jnp.asarray(topo.branch),
            "imbalance_db": jnp.asarray(imb),
            "excess_loss_db": jnp.asarray(MMI_EXCESS_DB if excess else 0.0),
            "loss": jnp.asarray(LOSS_DB_CM if prop else 0.0),
        }
        return BankState(
            gaps=gaps,
            temperature=temperature,
            imbalance_db=imb,
            excess_loss_db=MMI_EXCESS_DB if excess else 0.0,
            loss_db_per_cm=LOSS_DB_CM if prop else 0.0,
            crosstalk=self.row_crosstalk if crosstalk else np.eye(n),
            arrays=arrays,
        )

    # --- evaluators ---

    @cached_property
    def _fields_jit(self) -> Callable:
        settings = tuple(sorted(self.topology.splitter_settings.items()))
        return jax.jit(partial(_fields_impl, splitter_settings=settings))

    def fields(self, state: BankState, delta, wl) -> jnp.ndarray:
        """(M, C, 2) [drop, through] fields for ring path offsets ``delta`` (M, N, um).

        The wavelength axis is padded to a power of two (>= 16) so that sweeps of
        different lengths share compiled code.
        """
        wl = np.atleast_1d(np.asarray(wl, float))
        size = max(16, 1 << (wl.size - 1).bit_length())
        padded = np.concatenate([wl, np.full(size - wl.size, wl[-1])])
        out = self._fields_jit(state.arrays, jnp.asarray(delta, float), jnp.asarray(padded))
        return out[:, : wl.size]

    def effective_powers(self, powers_mw, state: BankState) -> np.ndarray:
        """Heater power each ring feels (mW): own plus crosstalk, C @ P per row."""
        return np.asarray(powers_mw, float) @ state.crosstalk.T

    def balanced(self, state: BankState, delta) -> jnp.ndarray:
        """(M, N) P_drop - P_through at the channel wavelengths, unit input power per channel."""
        f = self.fields(state, delta, self.wavelengths)
        p = jnp.abs(f) ** 2
        return p[..., 0] - p[..., 1]

    @cached_property
    def _sax_circuit(self) -> Callable:
        circuit, _ = sax.circuit(self.topology.netlist, models=MODELS, backend="klu")
        return circuit

    def sax_fields(self, state: BankState, powers_eff_mw, wl) -> np.ndarray:
        """The same (M, C, 2) fields from SAX's KLU circuit of the layout netlist.

        ``powers_eff_mw``: (M, N) power each ring's heater model sees (crosstalk included).
        """
        topo = self.topology
        settings: dict[str, Any] = {
            "wl": jnp.asarray(wl, float),
            "loss_db_per_cm": state.loss_db_per_cm,
            "excess_loss_db": state.excess_loss_db,
        }
        p = np.asarray(powers_eff_mw, float)
        for r, row in enumerate(topo.rings):
            for k, name in enumerate(row):
                settings[name] = {
                    "power": float(p[r, k]),
                    "temperature": float(state.temperature[r, k]),
                    "gap": float(state.gaps[r, k]),
                }
        for i, name in enumerate(topo.splitters):
            settings[name] = {"imbalance_db": float(state.imbalance_db[i])}
        s = self._sax_circuit(**settings)
        out = np.stack(
            [
                np.stack(
                    [np.asarray(s[("o1", f"r{r}_drop")]), np.asarray(s[("o1", f"r{r}_through")])],
                    -1,
                )
                for r in range(self.rows)
            ]
        )
        return out.reshape(self.rows, -1, 2)

    # --- programming ---

    def _stacked_cavity(self, state: BankState) -> RingCavity:
        a = state.arrays
        ring, sc = a["ring"], a["ring_scalars"]
        return RingCavity(
            circumference=ring["circumference"],
            n_eff=ring["n_eff"],
            n_g=sc["n_g"],
            c2=sc["c2"],
            loss_db_per_cm=sc["loss"],
            gap=ring["gap"],
            coupling_lengths=(ring["cl1"], ring["cl2"]),
            bus_lengths=(ring["bl1"], ring["bl2"]),
            bus_loss_db_per_cm=sc["bus_loss"],
        )

    def resonance_offsets(self, state: BankState) -> np.ndarray:
        """(M, N) smallest path offset delta >= 0 (um) putting ring k on channel k.

        Resonance: n(lambda, T) L + delta = m lambda; delta = ceil(n L / lambda) lambda - n L.
        """
        cav = self._stacked_cavity(state)
        wl = self.wavelengths
        path = np.asarray(cav.index(wl, state.arrays["temperature"]) * cav.circumference)
        return np.ceil(path / wl) * wl - path

    def _half_spacing_offset(self, state: BankState) -> np.ndarray:
        """(M, N) path offset (um) moving ring k's resonance by half a channel spacing."""
        cav = self._stacked_cavity(state)
        n_g = np.asarray(cav.group_index(self.wavelengths))
        return (
            0.5
            * self.design.spacing_nm
            * 1e-3
            * n_g
            * np.asarray(cav.circumference)
            / (self.wavelengths)
        )

    def full_scale_derating(self, nonideal: NonIdealities | None = None) -> float:
        """eta: the symmetric weight range the design reaches on every channel, x HEADROOM.

        Design bank with the loss switches of ``nonideal``; extremes: all rings on their
        channels (w -> +) and all rings half a channel blue of them (w -> -). In units of
        each row's lossless full scale g_r.
        """
        ni = nonideal or NonIdealities.ideal()
        key = (ni.propagation_loss, ni.excess_loss)
        if key in self._eta:
            return self._eta[key]
        st = self.state(ni, plant=False)
        on = self.resonance_offsets(st)
        g = 2.0 ** -self.depths[:, None]
        high = np.asarray(self.balanced(st, on)) / g
        low = np.asarray(self.balanced(st, on - self._half_spacing_offset(st))) / g
        self._eta[key] = HEADROOM * float(min(high.min(), (-low).min()))
        return self._eta[key]

    @cached_property
    def _jacobian(self) -> Callable:
        settings = tuple(sorted(self.topology.splitter_settings.items()))
        wl = jnp.asarray(self.wavelengths)

        def balanced(arrays, delta):
            f = _fields_impl(arrays, delta, wl, settings)
            p = jnp.abs(f) ** 2
            return p[..., 0] - p[..., 1]

        def value_and_jac(arrays, delta):
            def column(k):
                tangent = jnp.zeros_like(delta).at[:, k].set(1.0)
                return jax.jvp(lambda d: balanced(arrays, d), (delta,), (tangent,))

            values, cols = jax.vmap(column)(jnp.arange(delta.shape[1]))
            return values[0], jnp.moveaxis(cols, 0, -1)  # (M, N), (M, N, N): dF_rj / dd_rk

        return jax.jit(value_and_jac)

    def isolated_offsets(self, state: BankState, target: np.ndarray) -> np.ndarray:
        """(M, N) path offsets (um) treating each ring as alone on its row: the closed-form
        inverse of its balanced response (module docstring), the joint solve's start.

        ``target``: (M, N) balanced gains P_drop - P_through. The row's path power factor
        is measured as the through power with every ring anti-resonant.
        """
        cav = self._stacked_cavity(state)
        wl = self.wavelengths
        (t1, k1), (t2, k2) = (tuple(np.asarray(x) for x in c) for c in cav.couplings(wl))
        a = np.asarray(cav.round_trip_amplitude)
        r = t1 * t2 * a
        on = self.resonance_offsets(state)
        # path power factor of each row: detected power with every ring anti-resonant
        p = np.sum(np.abs(np.asarray(self.fields(state, on + wl / 2, wl))) ** 2, axis=-1)
        num = target * (1 + r**2) - p * k1**2 * k2**2 * a + p * (t1**2 + t2**2 * a**2)
        cos_phi = np.clip(num / (2 * r * (p + target)), -1.0, 1.0)
        delta = on - np.arccos(cos_phi) * wl / (2 * np.pi)
        return np.where(delta < 0, delta + wl, delta)

    def _linewidth_offset(self, state: BankState) -> np.ndarray:
        """(M, N) path offset (um) of one loaded linewidth: lambda (1 - r) / (pi sqrt(r))."""
        cav = self._stacked_cavity(state)
        (t1, _), (t2, _) = (
            tuple(np.asarray(x) for x in c) for c in cav.couplings(self.wavelengths)
        )
        r = t1 * t2 * np.asarray(cav.round_trip_amplitude)
        return self.wavelengths * (1 - r) / (np.pi * np.sqrt(r))

    def solve_offsets(
        self, state: BankState, target: np.ndarray, start: np.ndarray | None = None
    ) -> tuple[np.ndarray, float, int]:
        """Ring path offsets (M, N, um) giving balanced gains ``target`` (M, N), jointly per row.

        Damped Newton on the full row response (steps capped at one linewidth, halved
        while the residual grows). Returns (offsets, max |F - target|, iterations).
        """
        target = np.asarray(target, float)
        delta = self.isolated_offsets(state, target) if start is None else np.array(start)
        cap = self._linewidth_offset(state)
        value, jac = (np.asarray(x) for x in self._jacobian(state.arrays, jnp.asarray(delta)))
        res = value - target
        it, stalled = 0, 0
        while it < NEWTON_MAX_ITER and np.max(np.abs(res)) > NEWTON_TOL and stalled < 3:
            it += 1
            step = np.clip(np.linalg.solve(jac, res[..., None])[..., 0], -cap, cap)
            norm = np.max(np.abs(res), axis=1)
            scale = np.ones(self.rows)
            for _ in range(30):  # halve the step of every row whose residual grew
                trial = delta - scale[:, None] * step
                v, j = (np.asarray(x) for x in self._jacobian(state.arrays, jnp.asarray(trial)))
                worse = np.max(np.abs(v - target), axis=1) > norm
                if not worse.any():
                    break
                scale = np.where(worse, scale / 2, scale)
            # at the float64 floor the residual stops falling: three such steps end the solve
            stalled = stalled + 1 if np.max(np.abs(v - target)) > 0.5 * norm.max() else 0
            delta, value, jac, res = trial, v, j, v - target
        return delta, float(np.max(np.abs(res))), it

    def _row_norm(self, nonideal: NonIdealities) -> np.ndarray:
        """(M,) balanced gain per unit weight: g_r eta, x the measured share when calibrated."""
        norm = 2.0**-self.depths * self.full_scale_derating(nonideal)
        if not nonideal.calibration:
            return norm
        shares = []
        for plant in (True, False):
            st = self.state(nonideal, plant=plant)
            far = self.resonance_offsets(st) + self.wavelengths / 2
            thr = np.abs(np.asarray(self.fields(st, far, self.wavelengths))[..., 1]) ** 2
            shares.append(thr.mean(axis=1))
        return norm * shares[0] / shares[1]

    def program(self, W: np.ndarray, nonideal: NonIdealities | None = None) -> MrrSettings:
        """Heater settings realising target weights ``W`` (rows x cols, in [-1, 1]).

        Uncalibrated: solved against the design; calibrated: against the built bank
        (fabrication, splitter shares, crosstalk). Then the crosstalk matrix is inverted
        (when known), powers capped at heater.max_power and put through the DAC.
        """
        ni = nonideal or NonIdealities.ideal()
        W = self._check_matrix(W)
        model = self.state(ni, plant=ni.calibration)
        row_norm = self._row_norm(ni)
        target = W * row_norm[:, None]
        delta, residual, iters = self.solve_offsets(model, target)
        unit = float(heater_delta(1.0))  # um per mW
        for _ in range(3):  # a ring its neighbours overheat goes one order on
            own = np.linalg.solve(model.crosstalk, (delta / unit).T).T
            cold = own < 0
            if not cold.any():
                break
            delta, residual, more = self.solve_offsets(
                model, target, delta + np.where(cold, self.wavelengths, 0.0)
            )
            iters += more
        own = np.maximum(own, 0.0)
        clipped = int(np.sum(own > MAX_POWER))
        own = np.minimum(own, MAX_POWER)
        volts = np.sqrt(own * 1e-3 * self.topology.heater_resistance)
        if ni.dac_bits is not None:
            volts = quantise_voltage(volts, self.topology.heater_resistance, ni.dac_bits)
        powers = volts**2 / self.topology.heater_resistance * 1e3
        return MrrSettings(
            powers_mw=powers,
            voltages_v=volts,
            row_norm=row_norm,
            target=W,
            residual=residual / float(row_norm.min()),
            iterations=iters,
            clipped=clipped,
            nonideal=ni,
        )

    def _check_matrix(self, W: Any) -> np.ndarray:
        W = np.asarray(W, dtype=float)
        if W.shape != (self.rows, self.cols):
            raise ValueError(f"W has shape {W.shape}; this bank needs ({self.rows}, {self.cols})")
        if not np.all(np.isfinite(W)):
            raise ValueError("W has non-finite entries")
        bad = np.abs(W) > 1.0
        if bad.any():
            raise ValueError(f"W entries must lie in [-1, 1]; got {W[bad].ravel()[0]!r}")
        return W

    def realised_matrix(
        self, settings: MrrSettings, nonideal: NonIdealities | None = None
    ) -> np.ndarray:
        """Realised weights (rows x cols) at the channel wavelengths, structured evaluator."""
        st = self.state(nonideal or settings.nonideal)
        delta = np.asarray(heater_delta(self.effective_powers(settings.powers_mw, st)))
        return np.asarray(self.balanced(st, delta)) / settings.row_norm[:, None]

    def sax_matrix(
        self, settings: MrrSettings, nonideal: NonIdealities | None = None
    ) -> np.ndarray:
        """The same matrix from SAX's KLU circuit of the layout-extracted netlist."""
        st = self.state(nonideal or settings.nonideal)
        f = self.sax_fields(st, self.effective_powers(settings.powers_mw, st), self.wavelengths)
        p = np.abs(f) ** 2
        return (p[..., 0] - p[..., 1]) / settings.row_norm[:, None]

    def matmul(
        self, W: np.ndarray, X: np.ndarray, nonideal: NonIdealities | None = None
    ) -> np.ndarray:
        """Optical W @ X for nonnegative channel powers X (cols x batch), signed by balanced
        detection: y_r = sum_k w_rk x_k, in the units of X (the receiver's 1 / row_norm gain
        applied)."""
        X = np.asarray(X, dtype=float)
        if X.ndim not in (1, 2) or X.shape[0] != self.cols:
            raise ValueError(f"X has shape {X.shape}; needs ({self.cols},) or ({self.cols}, batch)")
        if not np.all(np.isfinite(X)) or np.any(X < 0):
            raise ValueError("X must be finite and nonnegative (optical intensities)")
        settings = self.program(W, nonideal)
        return self.realised_matrix(settings) @ X

    def photocurrents(self, settings: MrrSettings, channel_power_mw: np.ndarray) -> np.ndarray:
        """Balanced photocurrents (mA) of the rows for channel powers (cols,) or (cols, batch) mW
        at the input: i_r = R sum_k (P_drop - P_through) (photodetector.responsivity)."""
        st = self.state(settings.nonideal)
        delta = np.asarray(heater_delta(self.effective_powers(settings.powers_mw, st)))
        return RESPONSIVITY * np.asarray(self.balanced(st, delta)) @ np.asarray(channel_power_mw)

    # --- figures of merit ---

    def random_target(self, seed: int = 0) -> np.ndarray:
        """Seeded uniform weights in [-1, 1]."""
        return np.random.default_rng(seed).uniform(-1.0, 1.0, (self.rows, self.cols))

    def fidelity(self, nonideal: NonIdealities | None = None, seed: int = 0) -> Fidelity:
        """Fidelity of a seeded random target (full range R = 2 for weights in [-1, 1])."""
        ni = nonideal or NonIdealities.ideal(seed=seed)
        W = self.random_target(seed)
        return evaluate(self.realised_matrix(self.program(W, ni)), W, full_range=2.0)

    def heater_budget(self, nonideal: NonIdealities | None = None) -> dict[str, float]:
        """Heater power (mW) at mid-scale weights (w = 0) for this design and for the
        alternative of identical rings pre-tuned by their heaters to channels 0..N-1.

        Identical rings would all park where ring 0 does; ring k then needs k channel
        spacings more: 2 P_pi (park_0 + (lambda_k - lambda_0) - d(0)) / FSR.
        """
        ni = nonideal or NonIdealities.ideal()
        s = self.program(np.zeros((self.rows, self.cols)), ni)
        p = s.powers_mw
        fsr = self.design.fsr_nm
        shift = (self.wavelengths - self.wavelengths[0]) * 1e3 + self.design.park_nm[0]
        per_nm = 2 * P_PI / fsr
        stepped = p[0]
        equal = stepped[0] + per_nm * (shift - shift[0])
        return {
            "mean_mw": float(p.mean()),
            "max_mw": float(p.max()),
            "total_mw": float(p.sum()),
            "equal_rings_mean_mw": float(equal.mean()),
            "equal_rings_max_mw": float(equal.max()),
            "equal_rings_total_mw": float(equal.mean() * p.size),
            "max_power_mw": MAX_POWER,
        }


def quantise_voltage(volts: np.ndarray, resistance: np.ndarray, bits: int) -> np.ndarray:
    """Heater drive voltage through a ``bits``-bit DAC spanning [0, sqrt(P_max R)] (V)."""
    if not isinstance(bits, (int, np.integer)) or bits < 1:
        raise ValueError(f"dac_bits={bits!r}; must be an integer >= 1")
    full = np.sqrt(MAX_POWER * 1e-3 * np.asarray(resistance))
    levels = 2**bits - 1
    return np.round(np.asarray(volts) / full * levels) / levels * full


# --- evaluators for the benchmark --------------------------------------------------------------


def structured_fn(bank: MrrWeightBank, nonideal: NonIdealities | None = None) -> Callable:
    """Structured evaluator ``f(powers_mw (M, N), wl (C,)) -> (M, C, 2)`` complex fields.

    [drop, through] at the detector inputs per unit input field (jit-compiled, once per
    array shape); ``powers_mw`` is the power each ring's heater model sees (crosstalk
    included). Non-idealities are those of ``nonideal`` (the built bank).
    """
    st = bank.state(nonideal)
    run = bank._fields_jit

    def f(powers_mw, wl):
        delta = heater_delta(jnp.asarray(powers_mw, float))
        return run(st.arrays, delta, jnp.asarray(wl, float))

    return f


def sax_fn(bank: MrrWeightBank, nonideal: NonIdealities | None = None) -> Callable:
    """``f(powers_mw (M, N), wl (C,)) -> (M, C, 2)`` as :func:`structured_fn`, from SAX's KLU
    circuit of the layout netlist (not jitted: each call runs the circuit)."""
    st = bank.state(nonideal)
    return lambda powers_mw, wl: bank.sax_fields(st, powers_mw, wl)


# --- sweeps and plots ---------------------------------------------------------------------------

ENOB_CAP = 30.0  # bits shown for results exact to float64 (ENOB of a ~1e-10 error)


def _cases(dac_bits: int) -> dict[str, dict[str, Any]]:
    return {
        "ideal": {},
        "propagation loss": {"propagation_loss": True},
        "excess loss": {"excess_loss": True},
        "coupler imbalance": {"coupler_imbalance": True},
        f"DAC {dac_bits} bit": {"dac_bits": dac_bits},
        "thermal crosstalk": {"thermal_crosstalk": True},
        "fabrication": {"fabrication": True},
        "all": {
            "propagation_loss": True,
            "excess_loss": True,
            "coupler_imbalance": True,
            "dac_bits": dac_bits,
            "thermal_crosstalk": True,
            "fabrication": True,
        },
    }


def enob_by_nonideality(
    bank: MrrWeightBank, seeds: tuple[int, ...] = (0,), dac_bits: int = 12
) -> dict[str, dict[str, float]]:
    """Mean ENOB over ``seeds`` with each non-ideality alone (and all), without and with
    calibration: ``{case: {"uncalibrated": bits, "calibrated": bits}}``."""
    out: dict[str, dict[str, float]] = {}
    for name, switches in _cases(dac_bits).items():
        out[name] = {}
        for label, cal in (("uncalibrated", False), ("calibrated", True)):
            bits = [
                bank.fidelity(NonIdealities(**switches, calibration=cal, seed=s), seed=s).enob
                for s in seeds
            ]
            out[name][label] = float(np.mean(np.minimum(bits, ENOB_CAP)))
    return out


def enob_vs_dac_bits(
    bank: MrrWeightBank, bits: tuple[int, ...] = (8, 10, 12, 14, 16), seed: int = 0
) -> dict[int, float]:
    """ENOB vs heater-DAC resolution (calibrated, all other non-idealities off)."""
    return {
        b: min(
            bank.fidelity(NonIdealities(dac_bits=b, calibration=True, seed=seed), seed).enob,
            ENOB_CAP,
        )
        for b in bits
    }


def enob_vs_size(
    sizes: tuple[int, ...], nonideal: NonIdealities, seeds: tuple[int, ...] = (0,)
) -> dict[int, float]:
    """Mean ENOB of square n x n banks under ``nonideal`` (seed replaced per draw)."""
    out = {}
    for n in sizes:
        bank = MrrWeightBank(n, n)
        bits = [
            bank.fidelity(NonIdealities(**{**nonideal.to_dict(), "seed": s}), seed=s).enob
            for s in seeds
        ]
        out[n] = float(np.mean(np.minimum(bits, ENOB_CAP)))
    return out


def _figure(*args, **kwargs):
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    return Figure(*args, **kwargs)


def plot_spectra(
    bank: MrrWeightBank,
    settings: MrrSettings | None = None,
    row: int = 0,
    points: int = 1500,
):
    """Through and drop transmission (dB) of one row over the channel band, channels marked.

    ``settings`` default: every weight 0 on the ideal bank.
    """
    if settings is None:
        settings = bank.program(np.zeros((bank.rows, bank.cols)))
    st = bank.state(settings.nonideal)
    span = bank.design.spacing_nm * 1e-3
    wl = np.linspace(bank.wavelengths[0] - span, bank.wavelengths[-1] + span, points)
    delta = np.asarray(heater_delta(bank.effective_powers(settings.powers_mw, st)))
    f = np.asarray(bank.fields(st, delta, wl))[row]
    fig = _figure(figsize=(8, 4))
    ax = fig.add_subplot()
    for j, label in enumerate(("drop", "through")):
        ax.plot(wl * 1e3, 10 * np.log10(np.abs(f[:, j]) ** 2 + 1e-12), label=label)
    for k, w in enumerate(bank.wavelengths):
        ax.axvline(w * 1e3, color="0.6", lw=0.8, ls="--")
        ax.text(w * 1e3, 1, f"w={settings.target[row, k]:+.2f}", ha="center", fontsize=7)
    ax.set_xlabel("wavelength (nm)")
    ax.set_ylabel("transmission to detector (dB)")
    ax.set_ylim(-40, 3)
    ax.set_title(f"MRR bank row {row}: {bank.rows} x {bank.cols}, channels dashed")
    ax.legend(loc="lower left")
    return fig


def plot_matrices(target: np.ndarray, realised: np.ndarray, title: str = "MRR bank"):
    """Target, realised and error heat maps of a weight matrix."""
    fig = _figure(figsize=(11, 3.4))
    err = np.asarray(realised) - np.asarray(target)
    panels = (("target", target, 1.0), ("realised", realised, 1.0), ("error", err, None))
    for i, (name, m, lim) in enumerate(panels):
        ax = fig.add_subplot(1, 3, i + 1)
        vmax = lim if lim is not None else max(float(np.abs(m).max()), 1e-15)
        im = ax.imshow(m, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        ax.set_title(name)
        ax.set_xlabel("input (channel)")
        ax.set_ylabel("output (row)")
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_enob_by_nonideality(
    results: dict[str, dict[str, float]], dac_sweep: dict[int, float] | None = None
):
    """Bars: ENOB with each non-ideality alone, uncalibrated and calibrated (capped at
    ENOB_CAP for float64-exact results); optional second panel: ENOB vs DAC bits."""
    fig = _figure(figsize=(11 if dac_sweep else 8, 4))
    ax = fig.add_subplot(1, 2 if dac_sweep else 1, 1)
    names = list(results)
    x = np.arange(len(names))
    for j, label in enumerate(("uncalibrated", "calibrated")):
        vals = [max(results[n][label], 0.0) for n in names]
        ax.bar(x + (j - 0.5) * 0.4, vals, width=0.4, label=label)
    ax.set_xticks(x, names, rotation=30, ha="right")
    ax.set_ylabel("ENOB (bits)")
    ax.set_title(f"MRR bank ENOB per non-ideality (cap {ENOB_CAP:g})")
    ax.set_ylim(0, ENOB_CAP * 1.25)
    ax.legend(loc="upper right", ncol=2)
    if dac_sweep:
        ax2 = fig.add_subplot(1, 2, 2)
        ax2.plot(list(dac_sweep), list(dac_sweep.values()), "o-")
        ax2.set_xlabel("heater DAC bits")
        ax2.set_ylabel("ENOB (bits)")
        ax2.set_title("calibrated, DAC only")
    fig.tight_layout()
    return fig


def plot_enob_vs_size(results: dict[int, float], label: str = ""):
    """ENOB vs bank size N (N x N)."""
    fig = _figure(figsize=(5, 4))
    ax = fig.add_subplot()
    ax.plot(list(results), list(results.values()), "o-", label=label or None)
    ax.set_xlabel("N (N x N bank)")
    ax.set_ylabel("ENOB (bits)")
    ax.set_title("MRR bank ENOB vs size")
    if label:
        ax.legend()
    return fig
