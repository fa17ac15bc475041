r"""Two-metal maze router for chip-level pad routing (M1 / M2 with VIA1).

Optical cores put their heater and photodiode contacts *inside* the core: a
microring bank's heater contacts face south into the 20 um lanes between rows,
boxed in by the next row, the splitter tree and the detectors. A bundle router
(``gf.routing.route_bundle``) needs its ports on a free edge, so these nets are
routed by a grid maze router instead (Lee 1961 / Hart, Nilsson & Raphael 1968 A*):

* The grid is *non-uniform*: every terminal's centre line is a track, and the gaps
  are filled at the wire pitch ``width + space``, so wires leave the contacts
  straight and neighbouring tracks are exactly one legal pitch apart.
* A node is blocked on a layer if a wire square of side ``width`` centred there
  would come closer than ``space`` to a foreign shape (obstacles are dilated by
  ``width / 2 + space``, box by box, which errs on the safe side at corners). Gaps
  between tracks never exceed the pitch, smaller than any dilated obstacle, so a
  wire between two free nodes cannot cut through one.
* Each routed wire blocks, for the other nets, every node closer than
  ``width + space`` to its centre line; a node near two nets is lost to both.
* The search state is (node, layer, direction): a bend costs ``bend_cost``, a
  via ``via_cost`` (both in um of top-metal wire), and wire length is weighted by
  the layer's sheet resistance (rho / thickness), so the router prefers the thick
  top metal and uses M1 for short under-passes where wires must cross.
* Every terminal leaves its contact straight in its port direction (a forced
  stub to the first free node), and these stubs, like the pads' entries, are
  reserved before any net is routed.
* Two phases. First every net *escapes* the core (search to any node outside the
  core box), the net with the cheapest escape first: that stacks the wires leaving
  one side of a row of contacts in a staircase, each one a track further out. The
  escape points, taken in order round the core, are then matched to the pads in
  order round the die (the cyclic shift with the least squared distance), which
  keeps the fan-out free of crossings; then each net is wired from its escape point
  to its pad, shortest first. A net that finds no path moves to the front and
  everything is rerouted.
* A path may pass near itself on tracks closer than a pitch (the grid keeps
  *different* nets apart, not one net from itself): such notches are filled with
  metal of the same net when the wires are drawn.

Keep-outs (heaters, photodiodes, grating couplers) block both metals: metal over a
heater changes its thermal load, over a grating it shadows the fibre.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import gdsfactory as gf
import klayout.db as kdb
import numpy as np

from components.modulators import metal_via_stack
from components.waveguides import layer_region
from pdk.drc import IGNORE_ANGLE_DEG
from pdk.layer_stack import THICKNESS
from pdk.params import value
from pdk.rules import design_rules

_RULES = design_rules()
LAYERS = ("M1", "M2")
GRID = 0.001  # um, manufacturing grid
EPS = 0.0005  # um, keeps "exactly at the legal distance" legal after dilation
# sheet resistance (ohm/sq) = resistivity / thickness; metal.resistivity in uOhm cm
SHEET_RESISTANCE = {
    name: value("metal.resistivity") * 1e-8 / (THICKNESS[name.lower()] * 1e-6) for name in LAYERS
}
AXIS = {0: 0, 180: 0, 90: 1, 270: 1}  # port orientation -> 0 horizontal, 1 vertical


class RoutingError(RuntimeError):
    """No legal path for a net, or a terminal whose straight exit collides.

    ``partial`` holds the routes of the last try (``PadRouter._draw`` them to look).
    """

    def __init__(self, message: str, partial: list[Route] | None = None) -> None:
        super().__init__(message)
        self.partial = partial or []


@dataclass(frozen=True)
class Terminal:
    """An electrical contact a wire attaches to: a port face on M1 or M2.

    Attributes:
        name: net name (unique per routing job).
        x, y: centre of the port face (um).
        orientation: direction the wire leaves in (deg: 0 east, 90 north, ...).
        layer: ``"M1"`` or ``"M2"``.
        width: port width (um); the stub is at most this wide.
    """

    name: str
    x: float
    y: float
    orientation: int
    layer: str
    width: float

    @classmethod
    def from_port(cls, port: gf.Port, name: str | None = None) -> Terminal:
        """The terminal of a gdsfactory port (its name unless ``name`` is given)."""
        names = {gf.get_layer(n): n for n in LAYERS}
        layer = gf.get_layer(port.layer)
        if layer not in names:
            raise RoutingError(f"port {port.name}: layer {port.layer} is not M1 or M2")
        orientation = round(port.orientation) % 360
        if orientation not in AXIS:
            raise RoutingError(f"port {port.name}: orientation {port.orientation} is not Manhattan")
        return cls(
            name=name or port.name,
            x=float(port.x),
            y=float(port.y),
            orientation=orientation,
            layer=names[layer],
            width=float(port.width),
        )

    @property
    def axis(self) -> int:
        return AXIS[self.orientation]

    @property
    def sign(self) -> int:
        return 1 if self.orientation in (0, 90) else -1


@dataclass(frozen=True)
class Stub:
    """Straight wire from a port face ``a`` to its first free grid node ``b`` (um)."""

    layer: str
    a: tuple[float, float]
    b: tuple[float, float]
    width: float

    @property
    def span(self) -> tuple[float, float, float, float]:
        (ax, ay), (bx, by) = self.a, self.b
        return (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))


@dataclass
class Route:
    """One routed net: its pad, the two stubs, centre-line segments per layer, vias (um)."""

    net: str
    pad: str
    stubs: tuple[Stub, Stub]
    segments: list[tuple[str, tuple[float, float], tuple[float, float]]] = field(
        default_factory=list
    )
    vias: list[tuple[float, float]] = field(default_factory=list)

    def length(self, layer: str) -> float:
        """Drawn centre-line length on ``layer`` (um), stubs included."""
        runs = [(s.layer, s.a, s.b) for s in self.stubs] + self.segments
        return sum(abs(b[0] - a[0]) + abs(b[1] - a[1]) for lay, a, b in runs if lay == layer)

    def resistance(self, width: float) -> float:
        """Series resistance of the wire (ohm): sheet resistance x squares; vias neglected."""
        return sum(SHEET_RESISTANCE[lay] * self.length(lay) / width for lay in LAYERS)


def _snap(x: float) -> float:
    return round(x / GRID) * GRID


def _grow(box: tuple[float, float, float, float], d: float) -> tuple[float, float, float, float]:
    return (box[0] - d, box[1] - d, box[2] + d, box[3] + d)


def _tracks(required: Sequence[float], lo: float, hi: float, pitch: float) -> np.ndarray:
    """Sorted track coordinates in [lo, hi]: every required one, the gaps filled at
    ``pitch`` from below (a last gap wider than the pitch split in two)."""
    req = sorted({_snap(r) for r in required if lo <= r <= hi} | {_snap(lo), _snap(hi)})
    out: list[float] = [req[0]]
    for a, b in itertools.pairwise(req):
        x = a + pitch
        while x <= b - pitch + GRID / 2:
            out.append(_snap(x))
            x += pitch
        if b - out[-1] > pitch + GRID / 2:
            out.append(_snap((out[-1] + b) / 2))
        out.append(b)
    return np.array(sorted(set(out)))


def _boxes(region: kdb.Region, dbu: float) -> list[tuple[float, float, float, float]]:
    """Boxes (um) covering every shape of ``region``: the shape itself if it is a box,
    else the bounding boxes of its trapezoid decomposition (covers curves tightly)."""
    out = []
    for poly in region.each():
        for part in [poly] if poly.is_box() else poly.decompose_trapezoids():
            b = part.bbox()
            out.append((b.left * dbu, b.bottom * dbu, b.right * dbu, b.top * dbu))
    return out


class Grid:
    """Track grid with per-layer node occupancy ``occ[layer][i, j]``: 0 free, -1
    unusable for every net, k > 0 usable by owner k only."""

    def __init__(self, xs: np.ndarray, ys: np.ndarray) -> None:
        self.xs, self.ys = xs, ys
        self.occ = {lay: np.zeros((len(xs), len(ys)), dtype=np.int32) for lay in LAYERS}

    def _slices(self, x0: float, y0: float, x1: float, y1: float) -> tuple[slice, slice]:
        i0, i1 = np.searchsorted(self.xs, x0, "left"), np.searchsorted(self.xs, x1, "right")
        j0, j1 = np.searchsorted(self.ys, y0, "left"), np.searchsorted(self.ys, y1, "right")
        return slice(i0, i1), slice(j0, j1)

    def block(self, layer: str, box: tuple[float, float, float, float]) -> None:
        """Nodes inside ``box`` (closed, um) become unusable for every net."""
        si, sj = self._slices(*box)
        self.occ[layer][si, sj] = -1

    def claim(self, layer: str, box: tuple[float, float, float, float], owner: int) -> None:
        """Nodes inside ``box`` become usable by ``owner`` only (by nobody if another
        owner claimed them before)."""
        si, sj = self._slices(*box)
        view = self.occ[layer][si, sj]
        view[view == 0] = owner
        view[(view > 0) & (view != owner)] = -1

    def hand_over(self, old: int, new: int) -> None:
        """Give everything ``old`` owns to ``new`` (a pad's reserved entry to its net)."""
        for occ in self.occ.values():
            occ[occ == old] = new

    def flat(self, i: int, j: int) -> int:
        return i * len(self.ys) + j


State = tuple[int, int, int]  # (flat node, layer index, direction 0 horizontal / 1 vertical)


class PadRouter:
    """Wire terminals to pads on M1/M2 around the metal already drawn in a component.

    Args:
        component: the cell to route in; its flattened M1/M2 shapes are obstacles.
        area: routing area (um), (x0, y0, x1, y1).
        keepouts: shapes (database units of ``component``) neither metal may cross.
        width: wire width (um), also the side of the via landings.
        space: clearance (um) kept to foreign metal on both layers (>= the M2 rule).
        via_cost, bend_cost: penalties in um of top-metal wire.
    """

    def __init__(
        self,
        component: gf.Component,
        area: tuple[float, float, float, float],
        keepouts: kdb.Region,
        width: float,
        space: float | None = None,
        via_cost: float = 40.0,
        bend_cost: float = 10.0,
    ) -> None:
        rule_space = max(_RULES.min_space(lay) for lay in LAYERS)
        rule_width = max(_RULES.min_width(lay) for lay in LAYERS)
        space = rule_space if space is None else space
        if space < rule_space:
            raise ValueError(f"space={space} um is below the metal spacing rule {rule_space} um")
        if width < rule_width or abs(width / (2 * GRID) - round(width / (2 * GRID))) > 1e-6:
            raise ValueError(
                f"width={width} um: must be >= {rule_width} um and a multiple of {2 * GRID} um"
            )
        self.c = component
        self.area = area
        self.keepouts = keepouts
        self.width, self.space = width, space
        self.pitch = width + space
        self.reach = self.pitch - EPS  # closer centre lines of two nets would violate space
        self.via_cost, self.bend_cost = via_cost, bend_cost
        rmin = min(SHEET_RESISTANCE.values())
        self.cost = [SHEET_RESISTANCE[lay] / rmin for lay in LAYERS]
        self.dbu = component.kcl.dbu

    # --- public ---------------------------------------------------------------------

    def route(
        self,
        terminals: Sequence[Terminal],
        pads: Sequence[Terminal],
        core: tuple[float, float, float, float],
        attempts: int = 6,
    ) -> list[Route]:
        """Wire every terminal to a pad of its own; draw wires and vias; return the routes.

        Args:
            terminals: the contacts to wire (inside or on the edge of ``core``).
            pads: pad faces, at least as many as terminals.
            core: the box (um) the nets escape from before fanning out to the pads.
            attempts: reorderings tried before giving up.

        Wires are drawn as one merged region per layer, vias as references of one
        M1/M2 landing cell; ``Route.pad`` names the pad each net got.

        Raises:
            RoutingError: a net has no path in any of the ``attempts`` orderings.
        """
        names = [t.name for t in terminals] + [p.name for p in pads]
        if len(set(names)) != len(names):
            raise ValueError("terminal and pad names must be unique")
        if len(pads) < len(terminals):
            raise ValueError(f"{len(terminals)} terminals but only {len(pads)} pads")
        first: list[int] = []
        fail: _NetFailedError | None = None
        for _ in range(attempts):
            try:
                routes = self._route_all(terminals, pads, core, first)
            except _NetFailedError as err:
                fail = err
                first = [err.index] + [k for k in first if k != err.index]
                continue
            self._draw(routes)
            return routes
        partial = fail.partial if fail else []
        raise RoutingError(f"routing failed after {attempts} orderings: {fail}", partial)

    # --- set-up -----------------------------------------------------------------------

    def _grid(self, terminals: Sequence[Terminal]) -> Grid:
        x0, y0, x1, y1 = self.area
        xs = _tracks([t.x for t in terminals if t.axis == 1], x0, x1, self.pitch)
        ys = _tracks([t.y for t in terminals if t.axis == 0], y0, y1, self.pitch)
        grid = Grid(xs, ys)
        half = self.width / 2 + self.space - EPS
        for lay in LAYERS:
            for box in _boxes(layer_region(self.c, lay), self.dbu):
                grid.block(lay, _grow(box, half))
        for box in _boxes(self.keepouts, self.dbu):
            for lay in LAYERS:
                grid.block(lay, _grow(box, half))
        return grid

    def _own_shape(self, metal: kdb.Region, t: Terminal) -> kdb.Region:
        """The merged metal polygon the terminal's port face belongs to (dbu)."""
        d = -t.sign * 0.01  # a point just behind the face, inside the metal
        px, py = (t.x + d, t.y) if t.axis == 0 else (t.x, t.y + d)
        x, y = round(px / self.dbu), round(py / self.dbu)
        return metal.interacting(kdb.Region(kdb.Box(x - 1, y - 1, x + 1, y + 1)))

    def _exit(self, grid: Grid, t: Terminal) -> tuple[tuple[int, int], Stub]:
        """First node straight out of ``t`` that is free on its layer, and the stub to it."""
        along, across = (grid.xs, grid.ys) if t.axis == 0 else (grid.ys, grid.xs)
        pos, off = (t.x, t.y) if t.axis == 0 else (t.y, t.x)
        k = int(np.searchsorted(across, _snap(off)))
        if k >= len(across) or abs(across[k] - off) > 2 * GRID:
            raise RoutingError(f"{t.name}: the port centre line is not a track")
        ahead = np.flatnonzero(along * t.sign > pos * t.sign + GRID)
        for m in ahead if t.sign > 0 else ahead[::-1]:
            node = (int(m), k) if t.axis == 0 else (k, int(m))
            if grid.occ[t.layer][node] == 0:
                end = (float(along[m]), off) if t.axis == 0 else (off, float(along[m]))
                return node, Stub(t.layer, (t.x, t.y), end, min(t.width, self.width))
        raise RoutingError(f"{t.name}: no free node straight out of the port")

    def _stub_box(self, stub: Stub, grow: int = 0) -> kdb.Box:
        """The stub as drawn (dbu): port face to node centre plus half a wire; ``grow``
        dbu all round."""
        (ax, ay), (bx, by) = stub.a, stub.b
        ext, h = self.width / 2, stub.width / 2
        if ax == bx:
            y0, y1 = (ay, by + ext) if by > ay else (by - ext, ay)
            box = (ax - h, y0, ax + h, y1)
        else:
            x0, x1 = (ax, bx + ext) if bx > ax else (bx - ext, ax)
            box = (x0, ay - h, x1, ay + h)
        return kdb.Box(*(round(v / self.dbu) for v in box)).enlarged(grow)

    def _reserve(
        self, grid: Grid, metal: dict, drawn: dict, t: Terminal, owner: int
    ) -> tuple[tuple[int, int], Stub]:
        """Exit node and stub of ``t``, claimed for ``owner``. The stub must keep the
        spacing to every other shape on its layer (other stubs included) and to every
        keep-out but the one its own contact sits in."""
        node, stub = self._exit(grid, t)
        own = self._own_shape(metal[t.layer], t)
        clearance = round(self.space / self.dbu) - 1  # touching at the rule is legal
        lane = kdb.Region(self._stub_box(stub, clearance))
        for what, foreign in (
            ("metal", metal[t.layer] - own + drawn[t.layer]),
            ("a keep-out", self.keepouts.merged().not_interacting(own)),
        ):
            hit = foreign.interacting(lane)
            if not hit.is_empty():
                raise RoutingError(
                    f"{t.name}: the straight exit from the port comes closer than "
                    f"{self.space} um to {what} at {hit.bbox().to_dtype(self.dbu)}"
                )
        drawn[t.layer].insert(self._stub_box(stub))
        grid.claim(t.layer, _grow(stub.span, self.reach), owner)
        return node, stub

    # --- search ---------------------------------------------------------------------

    def _search(
        self,
        grid: Grid,
        owner: int,
        start: State,
        done: Callable[[int, int], bool],
        h: Callable[[float, float], float],
    ) -> tuple[list[State], float]:
        """Cheapest state path from ``start`` to a state with ``done(node, layer)``, and its
        cost (A*).

        Wire length is weighted by sheet resistance relative to the thicker metal,
        each bend costs ``bend_cost``, each via ``via_cost``; ``h(x, y)`` must not
        exceed the remaining Manhattan length to a goal (admissible).
        """
        nx, ny = len(grid.xs), len(grid.ys)
        usable = [
            ((grid.occ[lay] == 0) | (grid.occ[lay] == owner)).ravel().tolist() for lay in LAYERS
        ]
        xs, ys = grid.xs.tolist(), grid.ys.tolist()
        cost, cmin = self.cost, min(self.cost)
        if not usable[start[1]][start[0]]:
            raise RoutingError("the start node is taken")

        def f(node: int) -> float:
            return h(xs[node // ny], ys[node % ny]) * cmin

        best = {start: 0.0}
        parent: dict[State, State | None] = {start: None}
        heap = [(f(start[0]), -0.0, start)]  # ties go to the state nearer the goal
        while heap:
            _, g, state = heapq.heappop(heap)
            g = -g
            node, lay, d = state
            if done(node, lay):
                break
            if g > best[state]:
                continue
            i, j = divmod(node, ny)
            if d == 0:
                steps = [(i + 1 < nx, node + ny, xs[min(i + 1, nx - 1)] - xs[i])]
                steps.append((i > 0, node - ny, xs[i] - xs[max(i - 1, 0)]))
            else:
                steps = [(j + 1 < ny, node + 1, ys[min(j + 1, ny - 1)] - ys[j])]
                steps.append((j > 0, node - 1, ys[j] - ys[max(j - 1, 0)]))
            nexts = [
                ((n, lay, d), dist * cost[lay]) for ok, n, dist in steps if ok and usable[lay][n]
            ]
            nexts.append(((node, lay, 1 - d), self.bend_cost))
            if usable[1 - lay][node]:
                nexts.append(((node, 1 - lay, d), self.via_cost))
            for nxt, c in nexts:
                ng = g + c
                if ng < best.get(nxt, math.inf) - 1e-9:
                    best[nxt] = ng
                    parent[nxt] = state
                    heapq.heappush(heap, (ng + f(nxt[0]), -ng, nxt))
        else:
            raise RoutingError("no path")
        path: list[State] = []
        s: State | None = state
        while s is not None:
            path.append(s)
            s = parent[s]
        return path[::-1], g

    def _claim_path(self, grid: Grid, owner: int, path: list[State]) -> None:
        ny = len(grid.ys)
        for (n0, l0, _), (n1, l1, _) in itertools.pairwise(path):
            (i0, j0), (i1, j1) = divmod(n0, ny), divmod(n1, ny)
            box = (
                float(grid.xs[min(i0, i1)]),
                float(grid.ys[min(j0, j1)]),
                float(grid.xs[max(i0, i1)]),
                float(grid.ys[max(j0, j1)]),
            )
            for lay in {l0, l1}:
                grid.claim(LAYERS[lay], _grow(box, self.reach), owner)

    # --- the two phases ---------------------------------------------------------------

    def _route_all(
        self,
        terminals: Sequence[Terminal],
        pads: Sequence[Terminal],
        core: tuple[float, float, float, float],
        first: list[int],
    ) -> list[Route]:
        grid = self._grid([*terminals, *pads])
        metal = {lay: layer_region(self.c, lay) for lay in LAYERS}
        drawn = {lay: kdb.Region() for lay in LAYERS}
        n = len(terminals)
        starts = [self._reserve(grid, metal, drawn, t, k + 1) for k, t in enumerate(terminals)]
        entries = [self._reserve(grid, metal, drawn, p, n + 1 + m) for m, p in enumerate(pads)]
        ny = len(grid.ys)

        # phase 1: out of the core box, cheapest escape first (this stacks the wires
        # leaving one side in a staircase: each next one a track further out)
        bx0, by0, bx1, by1 = _grow(core, self.pitch)

        def outside(node: int, _: int) -> bool:
            x, y = grid.xs[node // ny], grid.ys[node % ny]
            return x < bx0 or x > bx1 or y < by0 or y > by1

        def to_edge(x: float, y: float) -> float:
            return max(0.0, min(x - bx0, bx1 - x, y - by0, by1 - y))

        def start(k: int) -> State:
            t = terminals[k]
            return (grid.flat(*starts[k][0]), LAYERS.index(t.layer), t.axis)

        def alone(k: int) -> float:  # escape cost with no other net drawn yet
            try:
                return self._search(grid, k + 1, start(k), outside, to_edge)[1]
            except RoutingError:
                return math.inf

        cost = {k: alone(k) for k in range(n) if k not in first}
        order = first + sorted(cost, key=cost.__getitem__)
        escapes: list[list[State]] = [[] for _ in range(n)]
        for k in order:
            t = terminals[k]
            try:
                escapes[k] = self._search(grid, k + 1, start(k), outside, to_edge)[0]
            except RoutingError as err:
                raise _NetFailedError(
                    k, RoutingError(f"{t.name}: no way out of the core: {err}")
                ) from None
            self._claim_path(grid, k + 1, escapes[k])

        # match escape points to pads in cyclic order round the core centre
        match = _cyclic_match(
            [self._xy(grid, e[-1][0]) for e in escapes],
            [self._xy(grid, grid.flat(*node)) for node, _ in entries],
            ((core[0] + core[2]) / 2, (core[1] + core[3]) / 2),
        )
        for k, m in enumerate(match):
            grid.hand_over(n + 1 + m, k + 1)

        # phase 2: escape point -> pad, shortest first
        def span(k: int) -> float:
            (x, y), (px, py) = (
                self._xy(grid, escapes[k][-1][0]),
                (pads[match[k]].x, pads[match[k]].y),
            )
            return abs(x - px) + abs(y - py)

        order = first + sorted((k for k in range(n) if k not in first), key=span)
        routes: list[Route | None] = [None] * n
        for k in order:
            m = match[k]
            goal = grid.flat(*entries[m][0])
            gx, gy = self._xy(grid, goal)
            pad_layer = LAYERS.index(pads[m].layer)

            def arrived(node: int, lay: int, goal=goal, pad_layer=pad_layer) -> bool:
                return node == goal and lay == pad_layer

            def dist(x: float, y: float, gx=gx, gy=gy) -> float:
                return abs(x - gx) + abs(y - gy)

            try:
                tail = self._search(grid, k + 1, escapes[k][-1], arrived, dist)[0]
            except RoutingError as err:
                raise _NetFailedError(
                    k,
                    RoutingError(f"{terminals[k].name}: no path to pad {pads[m].name}: {err}"),
                    [r for r in routes if r is not None],
                ) from None
            self._claim_path(grid, k + 1, tail)
            routes[k] = self._to_route(
                grid, terminals[k], pads[m], (starts[k][1], entries[m][1]), escapes[k] + tail[1:]
            )
        return routes  # type: ignore[return-value]

    @staticmethod
    def _xy(grid: Grid, node: int) -> tuple[float, float]:
        i, j = divmod(node, len(grid.ys))
        return float(grid.xs[i]), float(grid.ys[j])

    # --- output -----------------------------------------------------------------------

    def _to_route(
        self, grid: Grid, t: Terminal, pad: Terminal, stubs: tuple[Stub, Stub], path: list[State]
    ) -> Route:
        route = Route(net=t.name, pad=pad.name, stubs=stubs)
        pts = [(*self._xy(grid, node), LAYERS[lay]) for node, lay, _ in path]
        pts = [p for k, p in enumerate(pts) if k == 0 or p != pts[k - 1]]  # bends repeat a node
        run = [pts[0]]
        for p in pts[1:]:
            if p[2] != run[-1][2]:  # layer change: a via at this node
                route.vias.append((p[0], p[1]))
                self._add_run(route, run)
                run = [p]
            else:
                run.append(p)
        self._add_run(route, run)
        return route

    @staticmethod
    def _add_run(route: Route, run: list[tuple[float, float, str]]) -> None:
        """Collinear-merged segments of a same-layer run of nodes."""
        if len(run) < 2:
            return
        corners = [run[0]]
        for prev, cur, nxt in zip(run, run[1:], run[2:], strict=False):
            if (prev[0] == cur[0]) != (cur[0] == nxt[0]):
                corners.append(cur)
        corners.append(run[-1])
        for a, b in itertools.pairwise(corners):
            route.segments.append((a[2], (a[0], a[1]), (b[0], b[1])))

    def _net_region(self, route: Route, layer: str) -> kdb.Region:
        """The wire of one net on ``layer`` (dbu), gaps narrower than the spacing filled.

        Different nets never come closer than the spacing (the grid sees to that), but
        one path may pass near itself on tracks closer than a pitch: the notch left
        between the two runs is filled, which only widens the net's own metal.
        """
        h = self.width / 2
        region = kdb.Region()
        for lay, a, b in route.segments:
            if lay == layer:
                box = (min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1]))
                region.insert(kdb.Box(*(round(v / self.dbu) for v in _grow(box, h))))
        for stub in route.stubs:
            if stub.layer == layer:
                region.insert(self._stub_box(stub))
        for x, y in route.vias:
            region.insert(kdb.Box(*(round(v / self.dbu) for v in _grow((x, y, x, y), h))))
        region.merge()
        space = round(self.space / self.dbu)
        for _ in range(3):
            gaps = region.space_check(space, False, kdb.Metrics.Euclidian, IGNORE_ANGLE_DEG)
            if gaps.is_empty():
                break
            region = (region + gaps.polygons()).merged()
        return region

    def _draw(self, routes: Sequence[Route]) -> None:
        for lay in LAYERS:
            region = kdb.Region()
            for route in routes:
                region += self._net_region(route, lay)
            self.c.shapes(gf.get_layer(lay)).insert(region.merged())
        via = metal_via_stack((self.width, self.width))
        for route in routes:
            for x, y in route.vias:
                self.c.add_ref(via).dmove((x, y))


def _cyclic_match(
    points: Sequence[tuple[float, float]],
    pads: Sequence[tuple[float, float]],
    centre: tuple[float, float],
) -> list[int]:
    """Pad index for each point: both taken in angular order round ``centre`` and
    paired with the cyclic shift of least total squared distance, so that wires from
    points on a closed curve round the centre to pads round it need not cross."""
    cx, cy = centre

    def angle(p: tuple[float, float]) -> float:
        return math.atan2(p[1] - cy, p[0] - cx) % (2 * math.pi)

    po = sorted(range(len(points)), key=lambda k: angle(points[k]))
    qo = sorted(range(len(pads)), key=lambda k: angle(pads[k]))
    a = np.array([points[k] for k in po])
    b = np.array([pads[k] for k in qo])
    n, m = len(a), len(b)
    costs = [float(np.sum((a - b[(np.arange(n) + s) % m]) ** 2)) for s in range(m)]
    shift = int(np.argmin(costs))
    match = [0] * n
    for i, k in enumerate(po):
        match[k] = qo[(i + shift) % m]
    return match


class _NetFailedError(Exception):
    def __init__(self, index: int, error: RoutingError, partial: list[Route] | None = None):
        super().__init__(str(error))
        self.index, self.error, self.partial = index, error, partial or []
