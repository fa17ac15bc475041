r"""Ring design and layout of the microring broadcast-and-weight bank (``circuits.mrr_bank``).

Channel grid
------------
N channels on the ITU-T G.694.1 frequency grid (``laser.grid_anchor``, spacing
``laser.grid_spacing`` = 100 GHz, i.e. ``awg.channel_spacing`` = 0.8 nm at 1550 nm),
centred on the grid channel nearest ``constants.wavelength``; channel k is the k-th
shortest wavelength and ring k of every row weights it.

Ring design: interleaved resonances, not heater pre-tuning
----------------------------------------------------------
Every ring must sit *blue* of its channel when unheated (heaters only red-shift) by a
park detuning of at least ``margin`` = s / 2 + 2 sigma_mm: half a channel spacing s for
the weight range (w = -1 sits half-way to the neighbouring channel) plus two standard
deviations of the fabrication mismatch between the rings of one row (``mismatch_sigma_nm``:
width and thickness are Gaussian fields with fabrication.correlation_length, so rings a
row apart differ far less than dies do). With identical rings, ring k would need k s of
extra heater pre-tuning, on average (N - 1) s / 2 more, i.e. 2 P_pi ((N - 1) s / 2) / FSR:
+14 mW per ring for N = 8 at R = 10 um (heater.p_pi = 22 mW per pi, a full FSR is 2 P_pi;
heater.max_power is 60 mW), ~0.9 W more for an 8 x 8 bank. Instead the unheated
resonances are interleaved on the grid by the geometry, so each heater only covers the
park detuning, 2 P_pi park / FSR ~ 3 mW per ring on the design (``MrrWeightBank.
heater_budget`` compares both). The die-level part of the fabrication error (sigma ~3.5
nm of resonance, ``resonance_sigma_nm``) moves all rings of a bank together by up to an
FSR; no park margin can absorb that, calibration does, at up to 2 P_pi per ring (a ring
fabricated red of its channel is heated onto its next order).

The resonances are stepped by co-stepping ring radius and waveguide width: ring k has
width w_k = w_0 + 2 nm j_k and radius R_k = K - w_k with K = R + w fixed. K fixed keeps
the ring centre (gap + w + R above the through bus) and hence the drop bus
(2 (gap + w + R)) at one height for every ring, so both buses stay straight lines; a
radius step alone would move the drop bus by 2 dR per ring. Since the wider guide's
higher n_eff outweighs the shorter circumference, d lambda / d w = lambda (L dn/dw - 2 pi
n_eff) / (n_g L) ~ +0.39 nm/nm at R = 10 um (dn/dw from the effective-index method the
ring model uses, ``components.waveguides.taper_index_offset``). Widths step by 2 nm so
the bus edges (+- w / 2) stay on the 1 nm grid; each ring takes the largest step whose
resonance stays at least ``margin`` blue of its channel. The gap (edge to edge) is the
same for every ring, so all rings have nearly the same coupling and linewidth.

The free spectral range must exceed N s, or a ring's next order would weight another
channel: the base radius is ``ring.radius`` where that holds, else the largest radius
that satisfies it (down to ``strip.min_bend_radius``: at most ~21 channels at 100 GHz).

Layout (``mrr_weight_bank``)
----------------------------
A west-to-east tree of ``mmi_1x2`` splitters broadcasts the input ``o1`` to M rows
(``rows`` not a power of two: the tree splits ceil/floor, so row r receives
2^-depth(r) of the light). Row r (through bus at y = -r ``row_pitch``)::

        ________________________________________________   drop return (U-turn)
       |                                                 |
       |  o3 ==(ring 0)== taper ==(ring 1)== ... ==(N-1) o4 (open add port)
       |   |                                             |__
       |__ (drop leaves ring 0 westward)                    \___ BPD o1 (PD1: drop)
    tree -> o1 ==(ring 0)== taper ==(ring 1)== ... ==(N-1) o2 -- BPD o2 (PD2: through)
                 e1 e2          e1 e2              e1 e2   (heater M2 contacts, south)

Ring centres are ``ring_pitch`` apart: two heater rings (outer radius R + heater.width / 2)
keep heater.crosstalk_distance (10 um) between them, where the heater crosstalk is
heater.crosstalk_10um (8 %) at the nearest points. The bus sections between rings are
``wg_taper`` cells from one ring's width to the next. The drop light leaves ring 0
westward, turns north, runs east above the rings and comes down into the photodiode
pair (``balanced_photodetector``), whose middle node carries I(drop) - I(through).

Core ports: optical ``o1``; electrical ``h{row}_{col}_e1/e2`` (heater contacts) and
``pd{row}_e1/e2/e3`` (photodiode pair: PD1 anode, difference output, PD2 cathode).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cache

import gdsfactory as gf
import klayout.db as kdb
from scipy import constants

from components.couplers import mmi_1x2
from components.photodetectors import balanced_photodetector
from components.rings import RingCavity, ring_add_drop_heater
from components.waveguides import (
    MIN_RADIUS,
    N_EFF,
    N_EFF_C2,
    N_G,
    ROUTING_RADIUS,
    T_REF,
    WAVELENGTH,
    euler_bend,
    layer_region,
    taper_index_offset,
    waveguide_straight,
    wg_taper,
)
from pdk.params import value

SPEED_OF_LIGHT = constants.c  # m/s
GRID_ANCHOR_GHZ = value("laser.grid_anchor") * 1e3  # THz -> GHz
GRID_SPACING_GHZ = value("laser.grid_spacing")
STRIP_WIDTH = value("strip.width")
RING_RADIUS = value("ring.radius")
BANK_GAP = value("ring.weight_bank_gap")
HEATER_HALF_WIDTH = value("heater.width") / 2
HEATER_CLEARANCE = value("heater.crosstalk_distance")  # um between neighbouring heater rings
WIDTH_STEP = 0.002  # um: +-w/2 bus edges stay on the 1 nm grid
MAX_WIDTH = 0.6  # um: ring_add_drop_heater's width range (TE1 appears above)
GRID = 0.001  # um
BEND = euler_bend(radius=ROUTING_RADIUS)
R_EFF = float(BEND.info["effective_radius"])  # um, footprint of one 90 deg routing bend
ROUTE_CLEARANCE = 2.0  # um between a route and a neighbouring waveguide end
TREE_LEVEL_PITCH = 60.0  # um between splitter levels: MMI (26.7 um) + two bend footprints
OUT_TAPER_LENGTH = 10.0  # um, last ring's bus width -> strip width before the detector
ROW_CLEARANCE = 20.0  # um between the footprints of neighbouring rows (M2 escape lanes)
NAMED = ("ring_", "bus", "bpd_", "out_taper_", "split_")  # instance names set by the layout


def _snap(x: float) -> float:
    return round(x / GRID) * GRID


# --- channel grid and fabrication spread ---------------------------------------------


def channel_wavelengths(n: int, spacing_ghz: float = GRID_SPACING_GHZ) -> tuple[float, ...]:
    """Vacuum wavelengths (um, ascending) of ``n`` channels on the ITU-T G.694.1 grid.

    f = anchor + j spacing (laser.grid_anchor, ``spacing_ghz``), centred on the grid
    channel nearest constants.wavelength; channel k is the k-th shortest wavelength.
    """
    if n < 1:
        raise ValueError(f"channels must be >= 1, got n={n}")
    if not spacing_ghz > 0:
        raise ValueError(f"spacing_ghz must be > 0, got {spacing_ghz}")
    f0 = SPEED_OF_LIGHT / (WAVELENGTH * 1e-6) / 1e9  # GHz
    centre = GRID_ANCHOR_GHZ + round((f0 - GRID_ANCHOR_GHZ) / spacing_ghz) * spacing_ghz
    freqs = [centre + ((n - 1) // 2 - k) * spacing_ghz for k in range(n)]
    return tuple(SPEED_OF_LIGHT / (f * 1e9) * 1e6 for f in freqs)


def spacing_in_nm(wl_um: float, spacing_ghz: float) -> float:
    """A frequency spacing (GHz) as a wavelength spacing (nm) at ``wl_um``: lambda^2 df / c."""
    return (wl_um * 1e-6) ** 2 * spacing_ghz * 1e9 / SPEED_OF_LIGHT * 1e9


def fabrication_index_sigma() -> float:
    """1-sigma effective-index error of a strip from width and thickness variation (1).

    sigma_n = sqrt((dn/dw sigma_w)^2 + (dn/dh sigma_h)^2) with fabrication.width_sigma,
    fabrication.thickness_sigma and the strip sensitivities strip.dn_eff_dw, strip.dn_eff_dh.
    """
    dn_w = value("strip.dn_eff_dw") * value("fabrication.width_sigma")
    dn_h = value("strip.dn_eff_dh") * value("fabrication.thickness_sigma")
    return math.hypot(dn_w, dn_h)


def resonance_sigma_nm(wl_um: float = WAVELENGTH) -> float:
    """1-sigma die-level resonance shift (nm) of a ring from fabrication: lambda sigma_n / n_g."""
    return wl_um * 1e3 * fabrication_index_sigma() / N_G


def mismatch_sigma_nm(distance_um: float, wl_um: float = WAVELENGTH) -> float:
    """1-sigma resonance difference (nm) of two rings ``distance_um`` apart.

    Width and thickness errors are Gaussian fields with correlation
    exp(-d^2 / (2 xi^2)) (fabrication.correlation_length xi), so the difference of two
    samples has variance 2 sigma^2 (1 - exp(-d^2 / (2 xi^2))).
    """
    xi = value("fabrication.correlation_length")
    rho = math.exp(-(distance_um**2) / (2 * xi**2))
    return resonance_sigma_nm(wl_um) * math.sqrt(2 * (1 - rho))


# --- ring design ----------------------------------------------------------------------


@cache
def _straight_part() -> float:
    """Circumference minus 2 pi R of the drawn add-drop ring (its two coupler straights, um)."""
    c = ring_add_drop_heater()
    return float(c.info["circumference"]) - 2 * math.pi * float(c.info["radius"])


def _resonance_cavity(radius: float, width: float) -> RingCavity:
    """A RingCavity good for resonance positions only (they do not depend on coupling):
    the drawn circumference and the width's effective index, as the ring model has them."""
    return RingCavity(
        circumference=2 * math.pi * radius + _straight_part(),
        n_eff=N_EFF + taper_index_offset(width, width),
        n_g=N_G,
        c2=N_EFF_C2,
        loss_db_per_cm=0.0,
        gap=BANK_GAP,
        coupling_lengths=(),
        bus_lengths=(),
        bus_loss_db_per_cm=0.0,
    )


@dataclass(frozen=True)
class RingDesign:
    """Geometry and unheated resonances of the N rings of a row (column k weights channel k).

    Attributes:
        wavelengths: channel wavelengths (um).
        radii, widths: ring k's radius and waveguide width (um); radius + width is constant.
        gap: ring-bus gap, edge to edge (um), all rings.
        order: azimuthal order of every ring's working resonance.
        resonances: unheated resonance of ring k near channel k (um).
        margin_nm: the least park detuning (nm) every ring keeps blue of its channel.
        fsr_nm: free spectral range of ring 0 at channel 0 (nm).
        spacing_nm: mean channel spacing (nm).
    """

    wavelengths: tuple[float, ...]
    radii: tuple[float, ...]
    widths: tuple[float, ...]
    gap: float
    order: int
    resonances: tuple[float, ...]
    margin_nm: float
    fsr_nm: float
    spacing_nm: float

    @property
    def park_nm(self) -> tuple[float, ...]:
        """Unheated detuning of each ring below its channel (nm), >= margin_nm."""
        return tuple((w - r) * 1e3 for w, r in zip(self.wavelengths, self.resonances, strict=True))


def max_channels(spacing_ghz: float = GRID_SPACING_GHZ) -> int:
    """Most channels a bank can weight: FSR of the smallest allowed ring / channel spacing."""
    wl = channel_wavelengths(1, spacing_ghz)[0]
    spacing_nm = spacing_in_nm(wl, spacing_ghz)
    fsr = wl**2 / (N_G * (2 * math.pi * MIN_RADIUS + _straight_part())) * 1e3
    return math.floor(fsr / spacing_nm)


def ring_pitch_um(radius: float, width: float) -> int:
    """Centre-to-centre ring pitch (um): heater.crosstalk_distance between the heater rings."""
    return math.ceil(2 * (radius + width / 2 + HEATER_HALF_WIDTH) + HEATER_CLEARANCE)


@cache
def ring_design(
    cols: int, gap: float = BANK_GAP, spacing_ghz: float = GRID_SPACING_GHZ
) -> RingDesign:
    """Radii and widths putting ring k's unheated resonance just blue of channel k.

    See the module docstring: base radius ring.radius (smaller where the FSR would
    not cover ``cols`` channels), widths in 2 nm steps with radius + width fixed,
    each ring at least ``margin`` = s/2 + 2 sigma_mismatch(row length) blue of its channel.

    Raises:
        ValueError: ``cols`` channels do not fit one FSR of a ring above the minimum
            radius, or the width steps would leave the ring's width range.
    """
    wls = channel_wavelengths(cols, spacing_ghz)
    wl_mid = sum(wls) / cols
    spacing_nm = spacing_in_nm(wl_mid, spacing_ghz)
    straight = _straight_part()
    r_fsr = (wl_mid**2 / (N_G * cols * spacing_nm * 1e-3) - straight) / (2 * math.pi)
    base = min(RING_RADIUS, math.floor(r_fsr / GRID) * GRID)
    if base < MIN_RADIUS:
        raise ValueError(
            f"cols={cols}: {cols} channels at {spacing_ghz:g} GHz need a ring FSR of "
            f"{cols * spacing_nm:.1f} nm, i.e. R < {r_fsr:.2f} um < strip.min_bend_radius "
            f"{MIN_RADIUS} um; at most {max_channels(spacing_ghz)} channels"
        )
    span = (cols - 1) * ring_pitch_um(base, STRIP_WIDTH)
    margin_nm = spacing_nm / 2 + 2 * mismatch_sigma_nm(span, wl_mid)
    # ring 0: the base width, the largest radius on the grid with its resonance >= margin blue
    target = wls[0] - margin_nm * 1e-3
    n_t = float(_resonance_cavity(base, STRIP_WIDTH).index(target))
    order = math.floor(n_t * (2 * math.pi * base + straight) / target)
    r0 = ((order * target / n_t - straight) / (2 * math.pi)) // GRID * GRID
    while _resonance_cavity(r0, STRIP_WIDTH).resonance(order, T_REF) > target:
        r0 -= GRID
    total = r0 + STRIP_WIDTH  # R + w, fixed for every ring
    radii, widths, res = [], [], []
    step = 0
    for wl in wls:
        target = wl - margin_nm * 1e-3

        def resonance(j: int) -> float:
            w = STRIP_WIDTH + j * WIDTH_STEP
            return _resonance_cavity(total - w, w).resonance(order, T_REF)

        while resonance(step + 1) <= target:
            step += 1
        width = round(STRIP_WIDTH + step * WIDTH_STEP, 6)
        if width > MAX_WIDTH:
            raise ValueError(
                f"cols={cols}: ring widths would reach {width:.3f} um > {MAX_WIDTH} um; "
                "use fewer channels or a wider channel spacing"
            )
        radii.append(round(total - width, 6))
        widths.append(width)
        res.append(resonance(step))
    fsr = _resonance_cavity(radii[0], widths[0]).fsr(wls[0]) * 1e3
    return RingDesign(
        wavelengths=wls,
        radii=tuple(radii),
        widths=tuple(widths),
        gap=float(gap),
        order=order,
        resonances=tuple(res),
        margin_nm=margin_nm,
        fsr_nm=fsr,
        spacing_nm=spacing_nm,
    )


# --- layout -----------------------------------------------------------------------------


def _route_bend(cross_section=None, radius=None, width=None, **_) -> gf.Component:
    """gdsfactory's router asks for a bend with these arguments; ours is the Euler bend."""
    return euler_bend(radius=radius or ROUTING_RADIUS)


def _route_straight(length: float, cross_section=None, **_) -> gf.Component:
    return waveguide_straight(length=length)


def _route(c: gf.Component, p1: gf.Port, p2: gf.Port, corners: list[tuple[float, float]]):
    gf.routing.route_single(
        c,
        p1,
        p2,
        cross_section="strip",
        bend=_route_bend,
        straight=_route_straight,
        waypoints=corners,
        auto_taper=False,
        on_error="error",
    )


def ring_centre(c: gf.Component) -> tuple[float, float]:
    """Centre (um) of the closed ring of a drawn add-drop ring, in the cell's frame."""
    for poly in layer_region(c, "WG").each():
        if poly.holes() > 0:
            box: kdb.Box = poly.bbox()
            centre = box.center()
            return centre.x * gf.kcl.dbu, centre.y * gf.kcl.dbu
    raise ValueError(f"{c.name}: no closed ring on WG")


@dataclass(frozen=True)
class _Node:
    """A splitter of the broadcast tree, covering rows [lo, hi)."""

    lo: int
    hi: int
    depth: int

    @property
    def split(self) -> int:
        return self.lo + (self.hi - self.lo + 1) // 2


def _tree(lo: int, hi: int, depth: int = 0) -> list[_Node]:
    if hi - lo < 2:
        return []
    node = _Node(lo, hi, depth)
    return [node, *_tree(lo, node.split, depth + 1), *_tree(node.split, hi, depth + 1)]


def row_depths(rows: int) -> tuple[int, ...]:
    """Number of 1x2 splitters between the input and each row (lossless share 2^-depth)."""
    depth = [0] * rows
    for node in _tree(0, rows):
        for r in range(node.lo, node.hi):
            depth[r] += 1
    return tuple(depth)


def _row(
    c: gf.Component, r: int, y: float, design: RingDesign, pitch: float, y_top: float
) -> gf.ComponentReference:
    """Place row r's rings, bus tapers, drop return and detector pair; return ring 0."""
    rings = []
    x0 = None  # ring 0's centre, with its through port at x = 0
    for k, (radius, width) in enumerate(zip(design.radii, design.widths, strict=True)):
        cell = ring_add_drop_heater(radius=radius, gap=design.gap, width=width)
        cx, _ = ring_centre(cell)
        if x0 is None:
            x0 = cx - cell.ports["o1"].x
        ref = c.add_ref(cell, name=f"ring_{r}_{k}")
        ref.dmove((_snap(x0 + k * pitch - cx), y - cell.ports["o1"].y))
        rings.append(ref)
        c.add_port(f"h{r}_{k}_e1", port=ref.ports["e1"])
        c.add_port(f"h{r}_{k}_e2", port=ref.ports["e2"])
    for k, (a, b) in enumerate(itertools.pairwise(rings)):
        for out, inp, bus in (("o2", "o1", "t"), ("o4", "o3", "d")):
            length = _snap(b.ports[inp].x - a.ports[out].x)
            taper = wg_taper(length=length, width1=design.widths[k], width2=design.widths[k + 1])
            t = c.add_ref(taper, name=f"bus{bus}_{r}_{k}")
            t.connect("o1", a.ports[out])
    last = rings[-1]
    bpd_cell = balanced_photodetector()
    # drop return: west out of ring 0, north, east above the rings, south into PD1
    x_w = _snap(rings[0].ports["o3"].x - R_EFF - ROUTE_CLEARANCE / 2)
    x_e = _snap(last.ports["o4"].x + ROUTE_CLEARANCE)
    x_pd = _snap(x_e + R_EFF + ROUTE_CLEARANCE / 2)
    bpd = c.add_ref(bpd_cell, name=f"bpd_{r}")
    bpd.dmove((x_pd - bpd_cell.ports["o2"].x, y - bpd_cell.ports["o2"].y))
    out_taper = c.add_ref(
        wg_taper(length=OUT_TAPER_LENGTH, width1=design.widths[-1], width2=STRIP_WIDTH),
        name=f"out_taper_{r}",
    )
    out_taper.connect("o1", last.ports["o2"])
    _route(c, out_taper.ports["o2"], bpd.ports["o2"], [])
    y_d = rings[0].ports["o3"].y
    y_pd1 = bpd.ports["o1"].y
    _route(
        c,
        rings[0].ports["o3"],
        bpd.ports["o1"],
        [(x_w, y_d), (x_w, y + y_top), (x_e, y + y_top), (x_e, y_pd1)],
    )
    for e in ("e1", "e2", "e3"):
        c.add_port(f"pd{r}_{e}", port=bpd.ports[e])
    return rings[0]


def bank_geometry(cols: int, gap: float, spacing_ghz: float) -> dict[str, float]:
    """Pitches (um) of a bank: ring centres along a row, rows, and the drop-return height."""
    design = ring_design(cols, gap, spacing_ghz)
    cell = ring_add_drop_heater(radius=design.radii[0], gap=gap, width=design.widths[0])
    ring_pitch = max(ring_pitch_um(r, w) for r, w in zip(design.radii, design.widths, strict=True))
    y_drop = cell.ports["o3"].y - cell.ports["o1"].y
    y_top = math.ceil(y_drop + 2 * R_EFF + ROUTE_CLEARANCE / 2)
    bpd = balanced_photodetector()
    below = max(cell.ports["o1"].y - cell.dbbox().bottom, bpd.ports["o2"].y - bpd.dbbox().bottom)
    row_pitch = math.ceil(y_top + 0.5 + below + ROW_CLEARANCE)
    return {"ring_pitch": ring_pitch, "row_pitch": row_pitch, "y_top": y_top}


@gf.cell
def mrr_weight_bank(
    rows: int = 4,
    cols: int = 4,
    gap: float = BANK_GAP,
    channel_spacing_ghz: float = GRID_SPACING_GHZ,
) -> gf.Component:
    """Broadcast-and-weight microring bank: ``rows`` x ``cols`` rings, balanced detection.

    See the module docstring for the floor plan. ``info``: the ring design
    (``radii``, ``widths``, ``wavelengths``, ``resonances``, ``margin_nm``, ``fsr_nm``),
    ``ring_pitch``, ``row_pitch`` (um) and each row's splitter ``depths``.
    """
    if rows < 1 or cols < 1:
        raise ValueError(f"mrr_weight_bank: rows={rows}, cols={cols}; both must be >= 1")
    design = ring_design(cols, gap, channel_spacing_ghz)
    geo = bank_geometry(cols, gap, channel_spacing_ghz)
    c = gf.Component()
    starts = [
        _row(c, r, -r * geo["row_pitch"], design, geo["ring_pitch"], geo["y_top"])
        for r in range(rows)
    ]
    inputs = [s.ports["o1"] for s in starts]
    x_v = _snap(inputs[0].x - R_EFF - ROUTE_CLEARANCE / 2 - 2 * R_EFF - ROUTE_CLEARANCE)
    nodes = _tree(0, rows)
    if not nodes:
        c.add_port("o1", port=inputs[0])
    else:
        mmi = mmi_1x2()
        out_dx = mmi.ports["o2"].x - mmi.ports["o1"].x
        deepest = max(n.depth for n in nodes)
        x_last = x_v - R_EFF - ROUTE_CLEARANCE / 2 - out_dx
        refs: dict[_Node, gf.ComponentReference] = {}

        def entry(lo: int, hi: int) -> float:
            sub = [n for n in nodes if (n.lo, n.hi) == (lo, hi)]
            return refs[sub[0]].ports["o1"].y if sub else inputs[lo].y

        for node in sorted(nodes, key=lambda n: -n.depth):  # children before parents
            y = _snap((entry(node.lo, node.split) + entry(node.split, node.hi)) / 2)
            x = _snap(x_last - (deepest - node.depth) * TREE_LEVEL_PITCH)
            ref = c.add_ref(mmi, name=f"split_{node.lo}_{node.hi}")
            ref.dmove((x - mmi.ports["o1"].x, y - mmi.ports["o1"].y))
            refs[node] = ref
        for node, ref in refs.items():
            for port, (lo, hi) in (("o2", (node.lo, node.split)), ("o3", (node.split, node.hi))):
                start = ref.ports[port]
                sub = [n for n in nodes if (n.lo, n.hi) == (lo, hi)]
                end = refs[sub[0]].ports["o1"] if sub else inputs[lo]
                x_turn = _snap((start.x + end.x) / 2) if sub else x_v
                _route(c, start, end, [(x_turn, start.y), (x_turn, end.y)])
        root = refs[nodes[0]]
        c.add_port("o1", port=root.ports["o1"])
    # routers leave instances named after their cell; a netlist needs each one by name
    for i, inst in enumerate(c.insts):
        if not inst.name.startswith(NAMED):
            inst.name = f"wg_{i}"
    c.info.update(
        {
            "rows": rows,
            "cols": cols,
            "gap": float(gap),
            "radii": list(design.radii),
            "widths": list(design.widths),
            "wavelengths": list(design.wavelengths),
            "resonances": list(design.resonances),
            "order": design.order,
            "margin_nm": design.margin_nm,
            "fsr_nm": design.fsr_nm,
            "ring_pitch": float(geo["ring_pitch"]),
            "row_pitch": float(geo["row_pitch"]),
            "depths": list(row_depths(rows)),
        }
    )
    return c
