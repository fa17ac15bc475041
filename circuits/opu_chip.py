r"""The OPU chip: one optical core with fibre I/O, pads and their wiring on a die.

Floor plan (``opu_chip``; every length follows from the core and its pad count)::

    +--------------------------------------------------------------------+ FLOORPLAN
    |  [pad][pad][pad] ...        north pad row (bond_pad_array)          |
    |    |    |    |      fan-out on M2, M1 under-passes where wires cross |
    |  G                +------------------------+                     G  |
    |  C >~~~~~~~~~~~~~~|      optical core      |~~~~~~~~~~~~~~~~~~~< C  |
    |  s   (inputs)     |  heater / PD contacts  |    (outputs, if any)   s |
    |                   +------------------------+                        |
    |  [pad][pad][pad] ...        south pad row                           |
    +--------------------------------------------------------------------+

* Optical I/O. The core's optical ports on its west edge (the WDM comb, the inputs)
  go to a ``grating_coupler_array_127`` at the west die edge, those on its east edge
  (outputs) to a second array at the east edge: one V-groove fibre array per edge,
  couplers on the 127 um grid. Each array has an alignment loopback pair (two extra
  couplers one pitch beyond its ends, joined by a waveguide) to align the fibre
  array before the core is measured. Optical ports with core waveguides between them
  and the outline (the SVD core's attenuator taps) are not brought out.
* Pads. Every electrical port of the core (heater contacts, photodiode terminals)
  gets a pad of its own -- no shared heater return, so no common-impedance coupling
  between heaters -- in a north and a south ``bond_pad_array`` at ``pad.pitch``.
  Ports already pad-sized (a travelling-wave modulator's GSG probe pads) are probed
  where they are and not wired.
* Wiring (:class:`circuits.pad_router.PadRouter`): every net first escapes the core,
  the escape points are matched to the pads in order round the core, then each net
  is wired to its pad. M2 (2 um Al) carries the current; M1 (0.6 um) is used for
  under-passes where wires must cross; nothing crosses on one metal. Metal may cross
  waveguides -- M1 is 2.3 um above the silicon core, where the TE0 power has decayed
  by exp(-2 k0 sqrt(n_eff^2 - n_clad^2) 2.3 um) ~ e^-37 -- but stays off heaters (it
  would change their thermal load), photodiodes and grating couplers (it would shadow
  the fibre).
* Wire width. The ring heater contacts are 3.5 um wide on M2, 5.5 um apart, so the
  wires are 3.5 um wide on a 5.5 um pitch. ``info`` gives the largest wire series
  resistance (next to the ring heater's ~220 ohm: ~6 ohm on the 4 x 4 die, ~20 ohm on
  8 x 8) and the current density at ``heater.max_power`` next to
  ``metal.em_current_density``: a 3.5 um M2 wire then carries ~2.4 mA/um^2 (the ring's
  own contact the same; ~2.0 mA/um^2 at the bank's 2 P_pi ceiling), above the
  conservative 1 mA/um^2 Al limit, and the thin M1 under-passes ~7.9 mA/um^2. Full
  heater power for life needs wider contacts and wires (a larger row pitch in the
  bank) or a thicker M1.

``CORES`` maps ``kind`` to the core's layout cell, so a core plugs in with one entry.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gdsfactory as gf
import klayout.db as kdb

from circuits.pad_router import PadRouter, Terminal
from components.grating_couplers import grating_coupler_array_127
from components.pads import bond_pad_array
from components.waveguides import layer_region
from pdk.layer_stack import THICKNESS
from pdk.layers import LAYER
from pdk.params import value

PAD_PITCH = value("pad.pitch")
PAD_SIZE = value("pad.size")
HEATER_MAX_POWER = value("heater.max_power")  # mW
EM_LIMIT = value("metal.em_current_density")  # mA/um^2
WIRE_WIDTH = 3.5  # um: the ring heater contact's M2 width (its neighbour is 5.5 um away)
WIRE_SPACE = 2.0  # um: the M2 spacing rule (M1's is 1 um)
DIE_MARGIN = 100.0  # um from pads and couplers to the die edge
GC_CLEARANCE = 60.0  # um between a coupler array and the routing channel round the core
CHANNEL_SPARE = 6  # routing tracks round the core beyond one per pad of the longer row
LABEL_SIZE = 20.0  # um, die label text height
KEEPOUT_LAYERS = ("HEATER", "GE")


def _layout_of(kind: str) -> Callable[[int, int], gf.Component]:
    """The layout cell of a ``kind`` core as the simulation builds it (same size checks,
    same channel grid): ``circuits.cores.make_core(kind, rows, cols).layout()``."""

    def layout(rows: int, cols: int) -> gf.Component:
        from circuits.cores import make_core

        return make_core(kind, rows, cols).layout()

    return layout


# kinds whose layouts route DRC-clean to their pads; not yet the Clements SVD core: its
# 64 heater contacts along an 8 mm mesh do not all find a path to pads in this floor plan
CORES: dict[str, Callable[[int, int], gf.Component]] = {
    kind: _layout_of(kind) for kind in ("mrr", "mzi", "awgr")
}


def _heater_current_ma(core: gf.Component) -> float:
    """Largest heater current (mA) in the core at heater.max_power: sqrt(P / R_min)."""
    kcl = core.kcl
    resistances = [
        float(kcl[ci].info["heater_resistance"])
        for ci in core.kdb_cell.called_cells()
        if "heater_resistance" in kcl[ci].info
    ]
    if not resistances:
        return 0.0
    return math.sqrt(HEATER_MAX_POWER * 1e-3 / min(resistances)) * 1e3


def _edge_ports(ref: gf.ComponentReference) -> dict[str, list[gf.Port]]:
    """The core's west- and east-facing optical ports with a clear line to that side
    of its outline (no waveguide of the core in the way), north to south."""
    box = ref.dbbox()
    wg = layer_region(ref.cell, "WG").transformed(ref.trans)
    dbu = ref.cell.kcl.dbu
    sides: dict[str, list[gf.Port]] = {"west": [], "east": []}
    for p in ref.ports:
        side = {180: "west", 0: "east"}.get(round(p.orientation) % 360)
        if p.port_type != "optical" or side is None:
            continue
        x_out = box.left if side == "west" else box.right
        x0, x1 = sorted((x_out, p.x - 0.01 if side == "west" else p.x + 0.01))
        lane = kdb.DBox(x0, p.y - p.width / 2, x1, p.y + p.width / 2)
        if (wg & kdb.Region(lane.to_itype(dbu))).is_empty():
            sides[side].append(p)
    return {side: sorted(ports, key=lambda p: -p.y) for side, ports in sides.items()}


def _array_extent(n: int) -> tuple[float, float]:
    """Length along the die edge and depth into the die (um) of an n-coupler array
    with its loopback pair."""
    box = grating_coupler_array_127(n=n, with_loopback=True).dbbox()
    return box.width(), box.height()


def _fibre_array(
    c: gf.Component, core_ports: list[gf.Port], side: str, x_edge: float
) -> dict[str, gf.Port]:
    """A loopback coupler array for ``core_ports`` (north to south, all on ``side``),
    its outer edge at ``x_edge``, centred on the ports and routed to them.

    Returns the fibre ports: ``fiber_<core port>`` and ``loop_<side>1/2``.
    """
    array = grating_coupler_array_127(n=len(core_ports), with_loopback=True)
    ref = c.add_ref(array, name=f"fibre_{side}")
    ref.rotate(-90 if side == "west" else 90)  # waveguides leave towards the core
    wg = sorted((p for p in ref.ports if p.port_type == "optical"), key=lambda p: -p.y)
    box = ref.dbbox()
    dx = x_edge - (box.left if side == "west" else box.right)
    dy = (core_ports[0].y + core_ports[-1].y) / 2 - (wg[0].y + wg[-1].y) / 2
    ref.dmove((gf.snap.snap_to_grid(dx), gf.snap.snap_to_grid(dy)))
    wg = sorted((p for p in ref.ports if p.port_type == "optical"), key=lambda p: -p.y)
    gf.routing.route_bundle(c, wg, core_ports, cross_section="strip", sort_ports=False)
    fibres = sorted((p for p in ref.ports if p.port_type == "vertical_te"), key=lambda p: -p.y)
    out = {f"loop_{side}1": fibres[0], f"loop_{side}2": fibres[-1]}
    for port, fibre in zip(core_ports, fibres[1:-1], strict=True):
        out[f"fiber_{port.name}"] = fibre
    return out


def _pad_groups(n: int, x0: float, x1: float, pitch: float) -> list[tuple[float, int]]:
    """Centres and sizes of the pad arrays of a row of ``n`` pads along a core spanning
    [x0, x1] (um): one array if the core is no longer than the row, else the pads split
    into as many arrays as fit side by side over the core (wires stay short)."""
    if n == 0:
        return []
    groups = max(1, min(n, math.floor((x1 - x0) / (n * pitch))))
    sizes = [n // groups + (1 if k < n % groups else 0) for k in range(groups)]
    step = (x1 - x0) / groups
    return [(x0 + (k + 0.5) * step, size) for k, size in enumerate(sizes)]


@gf.cell
def opu_chip(
    kind: str = "mrr",
    rows: int = 4,
    cols: int = 4,
    wire_width: float = WIRE_WIDTH,
    pad_pitch: float = PAD_PITCH,
    pad_size: float = PAD_SIZE,
) -> gf.Component:
    """The OPU die: a ``kind`` core of ``rows`` x ``cols``, fibre arrays, pads, wiring.

    Args:
        kind: core type, a key of ``CORES``: ``"mrr"`` microring weight bank, ``"mzi"``
            MZI weight bank, ``"awgr"`` AWGR convolver (sizes as ``circuits.cores``).
        rows, cols: core size (outputs x inputs).
        wire_width: M1/M2 wire width (um), at most the closest contact pitch minus the
            M2 spacing (3.5 um for the ring bank).
        pad_pitch, pad_size: pad-row pitch and pad side (um).

    Ports: ``pad_<core port>`` (pad centres, type ``pad``), one per wired electrical
    port of the core; ``fiber_<core port>`` (fibre spots of the signal couplers,
    ``vertical_te``) and ``loop_<west|east><1|2>`` (the alignment loopback pairs).

    ``info``: ``kind``, ``rows``, ``cols``, ``pads``, ``optical_io`` (signal couplers),
    ``gratings`` (with the loopback pairs), ``die_width_um``, ``die_height_um``,
    ``die_area_mm2``; the wiring: ``wire_width_um``, ``wire_length_m1_um``,
    ``wire_length_m2_um``, ``vias``, ``max_wire_resistance_ohm``; the current check:
    ``heater_max_current_ma`` (at heater.max_power), ``current_density_m1_ma_um2``,
    ``current_density_m2_ma_um2``, ``em_limit_ma_um2``; ``core_pads`` (pad-sized core
    ports left for direct probing).
    """
    if kind not in CORES:
        raise ValueError(f"opu_chip: kind={kind!r} is not one of {sorted(CORES)}")
    if rows < 1 or cols < 1:
        raise ValueError(f"opu_chip: rows={rows}, cols={cols}; both must be >= 1")
    core = CORES[kind](rows, cols)
    c = gf.Component()
    ref = c.add_ref(core, name="core")
    box = ref.dbbox()
    optical = _edge_ports(ref)
    electrical = [p for p in ref.ports if p.port_type == "electrical"]
    wired = [p for p in electrical if p.width < pad_size]
    n_pads = len(wired)
    n_north = math.ceil(n_pads / 2)
    channel = (n_north + CHANNEL_SPARE) * (wire_width + WIRE_SPACE)  # room round the core

    # die: the pad rows or core + channels + fibre arrays, whichever is larger
    half_w = box.width() / 2 + channel
    y_north, y_south = box.top + channel, box.bottom - channel  # pad faces
    for ports in optical.values():
        if ports:
            length, depth = _array_extent(len(ports))
            half_w = max(half_w, box.width() / 2 + channel + GC_CLEARANCE + depth)
            mid = (ports[0].y + ports[-1].y) / 2
            y_north = max(y_north, mid + length / 2 + GC_CLEARANCE)
            y_south = min(y_south, mid - length / 2 - GC_CLEARANCE)
    half_w = max(half_w, (n_north - 1) * pad_pitch / 2 + pad_size / 2) + DIE_MARGIN
    cx = box.center().x
    y_north, y_south = gf.snap.snap_to_grid(y_north), gf.snap.snap_to_grid(y_south)
    die = kdb.DBox(
        gf.snap.snap_to_grid(cx - half_w),
        y_south - pad_size - DIE_MARGIN,
        gf.snap.snap_to_grid(cx + half_w),
        y_north + pad_size + DIE_MARGIN,
    )

    fibres: dict[str, gf.Port] = {}
    arrays = []
    for side, ports in optical.items():
        if ports:
            edge = die.left + DIE_MARGIN if side == "west" else die.right - DIE_MARGIN
            fibres.update(_fibre_array(c, ports, side, edge))
            arrays.append(c.insts[f"fibre_{side}"])

    pads: list[gf.Port] = []
    for side, n in (("north", n_north), ("south", n_pads - n_north)):
        y_face = y_north if side == "north" else y_south
        for k, (x_mid, count) in enumerate(_pad_groups(n, box.left, box.right, pad_pitch)):
            array = bond_pad_array(columns=count, rows=1, pitch=pad_pitch, size=pad_size)
            row = c.add_ref(array, name=f"pads_{side}_{k}")
            if side == "south":
                row.rotate(180)
            xs = [p.x for p in row.ports]
            dx = gf.snap.snap_to_grid(x_mid - (min(xs) + max(xs)) / 2)
            row.dmove((dx, gf.snap.snap_to_grid(y_face - row.ports[0].y)))
            pads.extend(row.ports)

    # wiring: every wired port of the core to a pad of its own, between the pad rows
    terms = [Terminal.from_port(p) for p in wired]
    pad_terms = [Terminal.from_port(p, name=f"{p.name}@{i}") for i, p in enumerate(pads)]
    keepouts = kdb.Region()
    for layer in KEEPOUT_LAYERS:
        keepouts += layer_region(c, layer)
    for array in arrays:
        keepouts.insert(array.dbbox().to_itype(c.kcl.dbu))
    pitch = wire_width + WIRE_SPACE
    area = (die.left + DIE_MARGIN / 2, y_south - pitch, die.right - DIE_MARGIN / 2, y_north + pitch)
    router = PadRouter(c, area, keepouts, width=wire_width, space=WIRE_SPACE)
    routes = router.route(terms, pad_terms, core=(box.left, box.bottom, box.right, box.top))

    # die outline, label, ports
    c.add_polygon(
        [
            (die.left, die.bottom),
            (die.right, die.bottom),
            (die.right, die.top),
            (die.left, die.top),
        ],
        layer="FLOORPLAN",
    )
    label = f"opticloud OPU {kind} {rows}x{cols}"
    text = c.add_ref(gf.components.text(label, size=LABEL_SIZE, layer="TEXT"), name="label")
    text.dmove((die.left + DIE_MARGIN / 2 - text.dbbox().left, die.top - DIE_MARGIN / 2))
    for t, route in zip(terms, routes, strict=True):
        p = pads[int(route.pad.rsplit("@", 1)[1])]
        inward = 1 if round(p.orientation) == 270 else -1  # pad centre behind its face
        c.add_port(
            f"pad_{t.name}",
            center=(p.x, p.y + inward * pad_size / 2),
            width=pad_size,
            orientation=90,
            layer="M2",
            port_type="pad",
        )
    for name, port in fibres.items():
        c.add_port(name, port=port)

    current = _heater_current_ma(core)
    length = {lay: sum(r.length(lay) for r in routes) for lay in ("M1", "M2")}
    c.info.update(
        {
            "kind": kind,
            "rows": rows,
            "cols": cols,
            "pads": n_pads,
            "optical_io": sum(len(v) for v in optical.values()),
            "gratings": len(fibres),
            "die_width_um": round(die.width(), 3),
            "die_height_um": round(die.height(), 3),
            "die_area_mm2": round(die.width() * die.height() * 1e-6, 4),
            "wire_width_um": wire_width,
            "wire_length_m1_um": round(float(length["M1"]), 1),
            "wire_length_m2_um": round(float(length["M2"]), 1),
            "vias": sum(len(r.vias) for r in routes),
            "max_wire_resistance_ohm": round(max(r.resistance(wire_width) for r in routes), 3),
            "heater_max_current_ma": round(current, 3),
            "current_density_m1_ma_um2": round(current / (wire_width * THICKNESS["m1"]), 3),
            "current_density_m2_ma_um2": round(current / (wire_width * THICKNESS["m2"]), 3),
            "em_limit_ma_um2": EM_LIMIT,
            "core_pads": sorted(p.name for p in electrical if p.width >= pad_size),
        }
    )
    return c


# --- connectivity read off the layout -----------------------------------------------------


@dataclass(frozen=True)
class Connectivity:
    """Pads each wired core port reaches on M1/VIA1/M2 (``reached``) and the pads it
    should reach (``expected``: its own, plus those of ports the core itself joins,
    like the two ends of a travelling-wave electrode)."""

    reached: dict[str, tuple[str, ...]]
    expected: dict[str, tuple[str, ...]]

    @property
    def opens(self) -> list[str]:
        """Ports that reach none of their pads."""
        return [k for k, v in self.reached.items() if not set(v) & set(self.expected[k])]

    @property
    def shorts(self) -> list[str]:
        """Ports that reach a pad they should not."""
        return [k for k, v in self.reached.items() if set(v) - set(self.expected[k])]

    @property
    def ok(self) -> bool:
        return self.reached == self.expected


class _Nets:
    """KLayout net extraction (``LayoutToNetlist``) over M1 - VIA1 - M2 of a cell."""

    def __init__(self, gds: Path, cell: str) -> None:
        self.layout = kdb.Layout()
        self.layout.read(str(gds))
        top = self.layout.cell(cell)
        top.flatten(-1, True)
        self.l2n = kdb.LayoutToNetlist(kdb.RecursiveShapeIterator(self.layout, top, []))
        self.metals = {
            name: self.l2n.make_layer(self.layout.layer(*tuple(LAYER[name])), name)
            for name in ("M1", "VIA1", "M2")
        }
        for region in self.metals.values():
            self.l2n.connect(region)
        self.l2n.connect(self.metals["M1"], self.metals["VIA1"])
        self.l2n.connect(self.metals["VIA1"], self.metals["M2"])
        self.l2n.extract_netlist()

    def at(self, layer: str, point: kdb.DPoint) -> int | None:
        net = self.l2n.probe_net(self.metals[layer], point)
        return None if net is None else net.cluster_id

    def at_port(self, port: gf.Port, to_cell: kdb.DCplxTrans | None = None) -> int | None:
        """Net of the metal just behind a port's face (the port sits on its edge);
        ``to_cell`` maps the port's frame to this cell's."""
        a = math.radians(port.orientation)
        point = kdb.DPoint(port.x - 0.05 * math.cos(a), port.y - 0.05 * math.sin(a))
        layer = "M1" if gf.get_layer(port.layer) == gf.get_layer("M1") else "M2"
        return self.at(layer, to_cell * point if to_cell else point)


def pad_connectivity(chip: gf.Component) -> Connectivity:
    """Which pads each wired electrical port of the chip's core reaches, read off the
    drawn layout by KLayout's net extraction (independent of the router's records),
    next to what it should reach (from the same extraction on the bare core)."""
    pads = {p.name: p for p in chip.ports if p.port_type == "pad"}
    names = [name.removeprefix("pad_") for name in pads]
    core_ref = chip.insts["core"]
    with tempfile.TemporaryDirectory() as tmp:
        gds = Path(tmp) / "chip.gds"
        chip.write_gds(gds)
        chip_nets, core_nets = _Nets(gds, chip.name), _Nets(gds, core_ref.cell.name)
    to_core = core_ref.dcplx_trans.inverted()
    inner = {n: core_nets.at_port(core_ref.ports[n], to_core) for n in names}
    pad_net = {k: chip_nets.at("M2", kdb.DPoint(p.x, p.y)) for k, p in pads.items()}
    reached, expected = {}, {}
    for name in names:
        net = chip_nets.at_port(core_ref.ports[name])
        reached[name] = tuple(sorted(k for k, v in pad_net.items() if net is not None and v == net))
        joined = [n for n in names if inner[name] is not None and inner[n] == inner[name]]
        expected[name] = tuple(sorted(f"pad_{n}" for n in joined))
    return Connectivity(reached, expected)
