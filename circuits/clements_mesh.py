r"""Coherent Clements mesh and SVD core: layout, netlist, structured evaluator, programming.

Layout (``clements_mesh(n)``)
-----------------------------
Modes 0..N-1 run west to east, top to bottom, ``mode_pitch`` apart. Column c holds the
MZIs of ``circuits.clements`` on mode pairs (k, k+1), k = c mod 2, c mod 2 + 2, ...; each
column is::

    phase stage | fan-in | MZI column | fan-out  (-> next column's phase stage)

* Phase stage: a ``thermo_optic_phase_shifter`` (phi) on the upper input of every MZI and
  a straight of the shifter's drawn optical length on every other mode, so all modes stay
  equal in length, loss and thermal response.
* MZI column: ``mzi_2x2_heater`` cells (theta = the top-arm heater); the upper mode enters
  the MZI's o2 and leaves o3 (``components.mzi.MZI_PORTS``). Fans are routed with
  ``gf.routing.route_single`` (Euler bends of the minimum radius) between the mode lines
  and the MZI's 1.27 um port pitch; all fans have one shape, hence one length.
* A mode that skips a column (mode 0 in odd columns, mode N-1 where the parity leaves it
  out) is routed outward, away from the mesh, through a ``loss_matched_passthrough``: a
  1x2 MMI, two equal arms, a 1x2 MMI. In phase, it transmits (a^2 + b^2) = the excess loss
  of two MMIs whatever their imbalance, i.e. what the MZI it bypasses loses in its two
  2x2 MMIs. The detour height is solved so its drawn path equals fan-in + MZI (port to
  port, MMIs included) + fan-out to the 1 nm grid (checked when drawn). So every mode has
  the same loss and group delay through every column: the lossy mesh stays a scaled
  unitary, over wavelength and ambient temperature. (Without them each skip is 0.4 dB
  short: with both losses on, the 4 x 4 SVD core fell from 11 to 4.3 ENOB.) Left: the MMI
  models carry no propagation loss over their bodies, so the modelled paths differ by
  the 22 um the 1x2 and 2x2 bodies differ in: 0.003 dB per skip.
* After the last column an output phase screen (a shifter on every mode).

``svd_core(rows, cols)`` chains (Miller, Photon. Res. 1:1, 2013; Shen et al., Nat.
Photon. 11:441, 2017; ``circuits.svd``)::

    V^H mesh (no output screen) -> Sigma: MZI attenuators -> U mesh (with output screen)

n = max(rows, cols). The V^H mesh needs no output screen: a diagonal phase commutes with
Sigma and is absorbed by the U mesh's shifters (pushed through, see Programming).
Sigma is two staggered half-columns (attenuators on even, then odd modes: a 67 um tall
MZI does not fit one mode pitch); each mode passes one attenuator and one straight of
the MZI's width, so Sigma is balanced too. An attenuator takes light in o2, out o3; its
o1 (``att_<m>_dark``) and o4 (``att_<m>_drop``, the rejected power) are core ports for a
terminator or a monitor photodiode.

Heater contacts (M2) are core ports named after the heater: ``phi_<c>_<k>_e1/e2``,
``theta_<c>_<k>_e1/e2``, ``out_<m>_e1/e2`` (``v_``/``u_`` prefixed, and ``att_<m>``, in
the SVD core); the OPU chip routes them to pads.

Netlist and SAX reference
-------------------------
``core_netlist`` extracts the recursive netlist from the layout: the core's own (optical
ports and nets, each instance's ``info`` folded into its settings,
``components.waveguides.optical_netlist``) plus the MZI's and the dummy's. ``sax.circuit``
(KLU backend) resolves them as sub-circuits of their own netlists; the MZI's registered
model is the SAX circuit of that same netlist (``components.mzi.mzi_circuit``), so this
changes nothing but lets settings reach each arm and coupler by instance name: heater
powers, per-MMI imbalance, per-waveguide temperature.

Structured evaluator
--------------------
``CoreTopology`` traces the extracted netlist from the inputs: every chain of two-ports
between MZIs is one scalar (the product of its instances' S21), every MZI a 2x2. A
sub-circuit's S-matrix is linear in each arm's transmission, S = e^{i psi_t} M_top +
e^{i psi_b} M_bot with psi the heater-driven phase of the top/bottom arm; M_top, M_bot come
from its SAX sub-circuit evaluated with the top arm at 0 and pi (exact for these
feed-forward, reflectionless models). ``device_tables`` evaluates every instance's own
model once per wavelength and device draw; the jitted evaluator (``structured_fn``) only
turns powers into phases and multiplies (``lax.scan`` over column pairs), so it matches
SAX to ~1e-12 with every non-ideality on and takes milliseconds at N = 64.

Heater phase and thermal crosstalk
----------------------------------
A heater at power P adds phi = pi P / P_pi (lambda0 / lambda) to its waveguide
(``components.heaters.heater_phase``). A parallel waveguide at lateral distance d that
overlaps the heated length picks up c(d) phi times the overlapped fraction
(``components.heaters.thermal_crosstalk``); the layout puts neighbouring MZIs' arms
2 pitch - 62 um = 18 um apart (c = 0.010). In SAX that phase is the victim's temperature
rise dT = c phi lambda0 / (2 pi dn_eff/dT L), L its drawn length: the strip models' n_eff
is linear in T, so both give the same phase at every wavelength.

Fabrication variation
---------------------
Width and thickness errors are Gaussian random fields over the die (fabrication.*:
sigma and correlation length), sampled at every instance centre by random Fourier
features. They shift n_eff by dn/dw dw + dn/dh dh (strip.dn_eff_dw, strip.dn_eff_dh),
applied as the instance's equivalent temperature offset dn / (dn_eff/dT) for the same
reason. A 2x2 MMI's width error detunes it from its self-imaging length
L_pi = 4 n_r W_e^2 / (3 lambda): in the two-mode picture its cross power is
sin^2(pi L / (2 L_pi)), so kappa = 1/2 - (pi / 2) dW / W_e, applied as its imbalance.

Programming
-----------
``circuits.clements.decompose`` gives (theta, phi) per MZI and the output phases. The
static phases of the real layout (routes, arms, fabrication and crosstalk if known) are
absorbed by *phase pushing*: for an MZI whose inputs carry extra phases (a_u, a_l),
T(theta, phi) diag(a_u, a_l) = a_l T(theta, phi + arg a_u - arg a_l), so phi absorbs the
difference and a_l moves on to both outputs; the output screen takes out what arrives.
Phases are wrapped to [0, 2 pi) and mapped to powers P = P_pi phase / pi (lambda / lambda0)
<= heater.max_power; drive voltages V = sqrt(P R) with R from the drawn heater.
Exact for 50:50 couplers. The uncalibrated core is programmed from the *design* (nominal
layout and PDK losses, ideal couplers, no fabrication error, no crosstalk), the receiver
gain set from the design loss; the calibrated one from the device's own tables (as
characterised on the chip): crosstalk solved by iterating the push (each pass inverts
the crosstalk of the last powers, a contraction since c <= 0.09), then every power
polished by L-BFGS-B on the realised matrix within [0, max_power], which recovers most
of the coupler imbalance (cf. Bandyopadhyay et al., Optica 8:1247, 2021), and the gain
and LO phase fitted. DAC quantisation of the heater drive voltage comes last.

Matrix product with intensity inputs (``ClementsCore.matmul``)
-------------------------------------------------------------
A coherent core multiplies fields, so the nonnegative inputs x_j are written onto one
laser split N ways as real field amplitudes E_j = sqrt(P_in) x_j / max(x) (push-pull MZMs
biased at null give a real, chirp-free field; Shen et al. 2017). The outputs are read by
balanced homodyne detection against a local oscillator from the same laser,
phase-locked to the programmed output plane: I_k ~ 2 R sqrt(P_LO) Re(E_k), signed, so
y = Re(gain T) x; the electronics multiply back max(x) and the SVD scale.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Annotated, Any, NamedTuple

import gdsfactory as gf
import jax
import jax.numpy as jnp
import numpy as np
import sax
from scipy.optimize import minimize

import components  # noqa: F401  (registers the cells and their models)
from circuits.clements import MeshPhases, _grids, _mix_pairs, decompose, mesh_positions
from circuits.core import NonIdealities
from circuits.svd import program_svd
from components.couplers import MMI_EXCESS_LOSS_DB, MMI_IMBALANCE_DB, mmi_1x2
from components.heaters import P_PI, heater_phase, thermal_crosstalk, thermo_optic_phase_shifter
from components.mzi import MZI_PORTS, arm_lengths, mzi_2x2_heater
from components.registry import CELLS, MODELS, Range
from components.waveguides import (
    DN_DT,
    LOSS_DB_CM,
    MIN_RADIUS,
    MIN_STRIP_LENGTH,
    T_REF,
    euler_bend,
    optical_netlist,
    waveguide_straight,
)
from pdk.params import value

# --- layout ------------------------------------------------------------------------------

ROUTE_RADIUS = MIN_RADIUS  # um: fans and detours use the shortest legal Euler bends
FAN_DX = 20.0  # um, horizontal run of a fan (its two bends need 2 R_eff = 14.2 um)
_GRID = 1e-3  # um
_MATCH_TOL = 2.5e-3  # um: paths of one column agree to the grid rounding of their parts

ModePitch = Annotated[
    float,
    Range(
        36.0,
        200.0,
        "um",
        "two 67 um tall MZIs fit in two pitches with >= 5 um to spare; fans need > 29.6 um",
    ),
]


def _route_bend(radius: float = ROUTE_RADIUS, **_: Any) -> gf.Component:
    """The router's bend: this library's Euler bend (the router also passes a
    cross-section and width, which our strip-only cell fixes itself)."""
    return euler_bend(radius=radius)


def _route_straight(length: float, **_: Any) -> gf.Component:
    return waveguide_straight(length=round(length, 3))


def _virtual_port(x: float, y: float, orientation: float, like: gf.Port) -> gf.Port:
    return gf.Port(
        name="v",
        center=(x, y),
        width=like.width,
        orientation=orientation,
        layer=like.layer,
        port_type="optical",
    )


def _route(
    c: gf.Component,
    name: str,
    p1: gf.Port,
    p2: gf.Port,
    waypoints: list[tuple[float, float]] | None = None,
) -> float:
    """Route p1 -> p2 with library cells (Euler bends, straights); drawn length in um.

    The route's instances are named ``<name>_<i>`` in light order, so the netlist (which
    renames anonymous instances) keeps them recognisable.
    """
    route = gf.routing.route_single(
        c,
        p1,
        p2,
        cross_section="strip",
        bend=_route_bend,
        straight=_route_straight,
        radius=ROUTE_RADIUS,
        auto_taper=False,
        waypoints=waypoints,
        on_error="error",
    )
    for i, inst in enumerate(route.instances):
        inst.name = f"{name}_{i}"
    return sum(float(c.kcl[i.cell_index].info["length"]) for i in route.instances)


def _place(c: gf.Component, cell: gf.Component, name: str, port: str, x: float, y: float):
    ref = c.add_ref(cell, name=name)
    p = ref.ports[port]
    ref.move((x - p.x, y - p.y))
    return ref


def mzi_path_length(mzi: gf.Component) -> float:
    """Drawn optical path (um) of an MZI cell from o2 to o3: its arm plus both couplers."""
    top, _ = arm_lengths(mzi)
    couplers = sorted(
        (i for i in mzi.insts if len([p for p in i.ports if p.port_type == "optical"]) == 4),
        key=lambda i: i.dbbox().left,
    )
    span = couplers[-1].dbbox().left - couplers[0].dbbox().right
    return top + (mzi.xsize - span)


@gf.cell
def loss_matched_passthrough(length: float) -> gf.Component:
    """Two-port dummy matching an MZI's loss on a mesh pass-through: a 1x2 MMI, two equal
    arms, a 1x2 MMI combining them in phase (``length`` um long overall).

    Its transmission is (a^2 + b^2) t_arm = 10^(-2 x excess / 20) t_arm for 1x2 amplitudes
    a, b whatever their imbalance: the two couplers' excess loss of the MZI it stands in
    for. Passive (no heater), 30 um tall, arms of minimum-radius Euler bends.

    ``info``: ``path_length`` (um), the drawn o1 -> o2 path through one arm and both MMIs.
    """

    def draw(length_x: float) -> gf.Component:
        return gf.components.mzi(
            delta_length=0.0,
            length_y=MIN_STRIP_LENGTH,
            length_x=length_x,
            bend=_route_bend,
            straight=_route_straight,
            splitter=mmi_1x2(),
            combiner=mmi_1x2(),
            cross_section="strip",
            auto_rename_ports=False,
            min_length=MIN_STRIP_LENGTH,
        )

    shortest = draw(MIN_STRIP_LENGTH)
    if length < shortest.xsize:
        raise ValueError(f"loss_matched_passthrough: length={length} um < {shortest.xsize:.3f} um")
    m = draw(round(MIN_STRIP_LENGTH + length - shortest.xsize, 3))
    c = gf.Component()
    ref = c << m
    west, east = sorted(ref.ports.filter(port_type="optical"), key=lambda p: p.x)
    c.add_port("o1", port=west)
    c.add_port("o2", port=east)
    ref.flatten(1)
    arm = sum(
        float(i.cell.info["length"])
        for i in c.insts
        if i.cell.function_name in ("euler_bend", "waveguide_straight") and i.dbbox().center().y > 0
    )
    mmis = [i for i in c.insts if i.cell.function_name == "mmi_1x2"]
    span = max(i.dbbox().left for i in mmis) - min(i.dbbox().right for i in mmis)
    c.info["path_length"] = arm + (c.xsize - span)
    return c


class _Builder:
    """Places the stages of a mesh core into one flat component, west to east.

    ``ends[m]`` is the east-facing port where the light of mode m is so far; a stage
    that finds no end for a mode makes its input a core port (gdsfactory numbering:
    west ports o1 (bottom) .. oN (top), i.e. mode m enters at o{N - m}).
    """

    def __init__(self, c: gf.Component, n: int, pitch: float) -> None:
        self.c, self.n, self.pitch = c, n, pitch
        self.ps = thermo_optic_phase_shifter()
        self.ps_len = float(self.ps.info["optical_length"])
        self.mzi = mzi_2x2_heater()
        self.mzi_in_dy = self.mzi.ports[MZI_PORTS["upper_in"]].y  # o2 above the MZI axis
        bend = _route_bend()
        self.bend_excess = float(bend.info["length"]) - 2 * float(bend.info["effective_radius"])
        fan = FAN_DX + (pitch / 2 - self.mzi_in_dy) + 2 * self.bend_excess
        self.mzi_path = mzi_path_length(self.mzi)
        self.unit_path = 2 * fan + self.mzi_path
        self.dummy = loss_matched_passthrough(length=self.mzi.xsize)
        self.dummy_path = float(self.dummy.info["path_length"])
        self.heaters: list[str] = []
        self.x = 0.0
        self.ends: dict[int, gf.Port] = {}

    def y(self, mode: int) -> float:
        return -mode * self.pitch

    def _heater(self, ref, name: str) -> None:
        for e in ("e1", "e2"):
            self.c.add_port(f"{name}_{e}", port=ref.ports[e])
        self.heaters.append(name)

    def _join(self, mode: int, port: gf.Port) -> None:
        """Check the stage input meets the light so far, or make it a core input."""
        if mode not in self.ends:
            self.c.add_port(f"o{self.n - mode}", port=port)
            return
        end = self.ends[mode]
        if abs(end.x - port.x) > _GRID or abs(end.y - port.y) > _GRID:
            raise RuntimeError(f"mode {mode}: stage input at {port.center}, light at {end.center}")

    def phase_stage(self, prefix: str, label: str, heated: dict[int, str]) -> None:
        """Shifters on the ``heated`` modes (mode -> instance name), straights of the
        shifter's drawn optical length on the others (``<prefix>wg_<label>_<mode>``)."""
        straight = waveguide_straight(length=self.ps_len)
        for m in range(self.n):
            if m in heated:
                ref = _place(self.c, self.ps, heated[m], "o1", self.x, self.y(m))
                self._heater(ref, heated[m])
            else:
                name = f"{prefix}wg_{label}_{m}"
                ref = _place(self.c, straight, name, "o1", self.x, self.y(m))
            self._join(m, ref.ports["o1"])
            self.ends[m] = ref.ports["o2"]
        self.x += self.ps_len

    def mzi_column(self, prefix: str, col: int) -> None:
        """Fans, the MZIs of column ``col`` and length-matched detours for skipped modes."""
        pairs = list(range(col % 2, self.n - 1, 2))
        x_mzi = self.x + FAN_DX
        x_next = x_mzi + self.mzi.xsize + FAN_DX
        paths = []
        new_ends: dict[int, gf.Port] = {}
        for k in pairs:
            y_axis = 0.5 * (self.y(k) + self.y(k + 1))
            name = f"{prefix}theta_{col}_{k}"
            ref = _place(
                self.c, self.mzi, name, MZI_PORTS["upper_in"], x_mzi, y_axis + self.mzi_in_dy
            )
            self._heater(ref, name)
            roles = ((k, "upper_in", "upper_out"), (k + 1, "lower_in", "lower_out"))
            for m, p_in, p_out in roles:
                fan_in = _route(self.c, f"{name}_in{m}", self.ends[m], ref.ports[MZI_PORTS[p_in]])
                out = ref.ports[MZI_PORTS[p_out]]
                stop = _virtual_port(x_next, self.y(m), 180, out)
                fan_out = _route(self.c, f"{name}_out{m}", out, stop)
                paths.append(fan_in + self.mzi_path + fan_out)
                new_ends[m] = _virtual_port(x_next, self.y(m), 0, out)
        for m in sorted({0, self.n - 1} - {q for k in pairs for q in (k, k + 1)}):
            paths.append(self._detour(f"{prefix}pass_{col}_{m}", m, x_next))
            new_ends[m] = _virtual_port(x_next, self.y(m), 0, self.ends[m])
        if max(abs(p - self.unit_path) for p in paths) > _MATCH_TOL:
            raise RuntimeError(
                f"column {col}: drawn paths {sorted(set(round(p, 4) for p in paths))} um "
                f"differ from the design {self.unit_path:.4f} um"
            )
        self.ends.update(new_ends)
        self.x = x_next

    def _detour(self, name: str, mode: int, x_next: float) -> float:
        """Route a skipped edge mode outward through a ``loss_matched_passthrough`` dummy,
        at the height that makes its drawn path equal the MZI paths."""
        start = self.ends[mode]
        run = x_next - start.x
        dummy = self.dummy
        excess = self.dummy_path - dummy.xsize
        height = round((self.unit_path - run - excess - 4 * self.bend_excess) / 2, 3)
        side = 1.0 if mode == 0 else -1.0
        y = self.y(mode) + side * height
        ref = _place(self.c, dummy, f"{name}_dummy", "o1", start.x + (run - dummy.xsize) / 2, y)
        stop = _virtual_port(x_next, self.y(mode), 180, start)
        return (
            _route(self.c, f"{name}_up", start, ref.ports["o1"])
            + self.dummy_path
            + _route(self.c, f"{name}_down", ref.ports["o2"], stop)
        )

    def attenuators(self, prefix: str, modes: list[int]) -> None:
        """Half a Sigma column: attenuator MZIs on ``modes`` (o2 -> o3 on the mode line),
        straights of the MZI's width on the others; dark ports become core ports."""
        straight = waveguide_straight(length=self.mzi.xsize)
        for m in range(self.n):
            if m in modes:
                name = f"{prefix}{m}"
                ref = _place(self.c, self.mzi, name, MZI_PORTS["upper_in"], self.x, self.y(m))
                self._heater(ref, name)
                self.c.add_port(f"{name}_dark", port=ref.ports[MZI_PORTS["lower_in"]])
                self.c.add_port(f"{name}_drop", port=ref.ports[MZI_PORTS["lower_out"]])
                p_in, p_out = MZI_PORTS["upper_in"], MZI_PORTS["upper_out"]
            else:
                ref = _place(self.c, straight, f"{prefix}wg_{m}", "o1", self.x, self.y(m))
                p_in, p_out = "o1", "o2"
            self._join(m, ref.ports[p_in])
            self.ends[m] = ref.ports[p_out]
        self.x += self.mzi.xsize

    def mesh(self, prefix: str, output_screen: bool) -> None:
        for col in range(self.n):
            heated = {k: f"{prefix}phi_{col}_{k}" for k in range(col % 2, self.n - 1, 2)}
            self.phase_stage(prefix, str(col), heated)
            self.mzi_column(prefix, col)
        if output_screen:
            self.phase_stage(prefix, "out", {m: f"{prefix}out_{m}" for m in range(self.n)})

    def finish(self) -> None:
        """East ports: gdsfactory numbering continues counter-clockwise, o{N+1} at the top."""
        for m in range(self.n):
            end = self.ends[m]
            self.c.add_port(f"o{self.n + 1 + m}", port=_virtual_port(end.x, end.y, 0, end))
        self.c.info.update(
            {
                "n_modes": self.n,
                "mode_pitch": self.pitch,
                "heaters": len(self.heaters),
                "unit_path_length": round(self.unit_path, 4),
                "length_um": round(self.x, 3),
            }
        )


def _check_modes(name: str, n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 2 <= n <= 64:
        raise ValueError(f"{name}={n!r} is invalid; allowed: an integer in [2, 64]")
    return int(n)


def _check_pitch(mode_pitch: Any) -> float:
    rng = ModePitch.__metadata__[0]
    if not isinstance(mode_pitch, int | float) or not rng.contains(float(mode_pitch)):
        raise ValueError(f"mode_pitch={mode_pitch!r} is invalid; allowed: {rng.describe()}")
    return float(mode_pitch)


@gf.cell
def clements_mesh(n: int = 4, mode_pitch: ModePitch = 40.0) -> gf.Component:
    """N x N rectangular Clements mesh of heater MZIs with phase stages and an output screen.

    Args:
        n: number of modes N (2..64); N (N - 1) / 2 MZIs in N columns.
        mode_pitch: distance between mode waveguides (um).

    Ports: inputs o1..oN west (mode m at o{N - m}, mode 0 on top), outputs o{N+1}..o{2N}
    east (mode m at o{N + 1 + m}); heater contacts ``<heater>_e1/_e2`` (M2).
    ``info``: ``n_modes``, ``mode_pitch``, ``heaters``, ``unit_path_length`` (um, every
    mode's path per column), ``length_um``.
    """
    _check_modes("n", n)
    c = gf.Component()
    b = _Builder(c, n, _check_pitch(mode_pitch))
    b.mesh("", output_screen=True)
    b.finish()
    return c


@gf.cell
def svd_core(rows: int = 4, cols: int = 4, mode_pitch: ModePitch = 40.0) -> gf.Component:
    """SVD core W = U Sigma V^H: V^H mesh -> MZI attenuators -> U mesh (n = max(rows, cols)).

    Args:
        rows: outputs M (the first M output modes carry y).
        cols: inputs N (the first N input modes carry x).
        mode_pitch: distance between mode waveguides (um).

    Ports as ``clements_mesh`` with n modes, plus ``att_<m>_dark`` and ``att_<m>_drop``
    (the attenuators' unused input and rejected output). Heaters ``v_*``, ``att_<m>``, ``u_*``.
    """
    _check_modes("rows", rows)
    _check_modes("cols", cols)
    n = max(rows, cols)
    c = gf.Component()
    b = _Builder(c, n, _check_pitch(mode_pitch))
    b.mesh("v_", output_screen=False)
    b.attenuators("att_", list(range(0, n, 2)))
    b.attenuators("att_", list(range(1, n, 2)))
    b.mesh("u_", output_screen=True)
    b.finish()
    c.info.update({"rows": rows, "cols": cols})
    return c


# --- netlist ----------------------------------------------------------------------------

# cells resolved as SAX sub-circuits of their own netlist; the first are the 2x2 units
SUBCIRCUITS = ("mzi_2x2_heater", "loss_matched_passthrough")
UNIT_CELLS = ("mzi_2x2_heater",)


def _instances(c: gf.Component) -> dict[str, Any]:
    """Instance name -> instance (``c.insts[name]`` searches linearly)."""
    return {i.name: i for i in c.insts}


def _cell_of(inst: Any) -> gf.Component:
    """The gdsfactory cell an instance places (its factory called with its settings)."""
    cell = inst.cell
    factory = {**CELLS, "loss_matched_passthrough": loss_matched_passthrough}[cell.function_name]
    return factory(**cell.settings.model_dump())


def core_netlist(c: gf.Component) -> dict[str, dict[str, Any]]:
    """Recursive SAX netlist extracted from the layout: the core's (optical ports and nets,
    each instance's ``info`` folded into its settings, ``components.waveguides.optical_netlist``)
    and, for every sub-circuit cell it places (the MZI), that cell's own."""
    top = optical_netlist(c)
    net = {c.name: top}
    insts = _instances(c)
    for name, inst in top["instances"].items():
        comp = inst["component"]
        if comp in SUBCIRCUITS and comp not in net:
            net[comp] = optical_netlist(_cell_of(insts[name]))
    return net


def circuit_models(netlist: dict[str, Any]) -> dict[str, Any]:
    """``components.MODELS`` minus the cells the recursive netlist resolves itself (the MZI's
    registered model is the SAX circuit of that same sub-netlist)."""
    return {k: v for k, v in MODELS.items() if k not in netlist}


# --- topology: the netlist traced into stages --------------------------------------------

_IN, _OUT = ("upper_in", "lower_in"), ("upper_out", "lower_out")
_HEATABLE = ("waveguide_straight", "thermo_optic_phase_shifter")  # straight pieces a heater warms
_XT_FLOOR = 1e-12  # crosstalk coefficients below this are dropped (d > 110 um)


@dataclass(frozen=True)
class Unit:
    """One MZI instance: a mixing unit on modes (k, k+1) or an attenuator on mode (m,)."""

    name: str
    kind: str  # "mix" | "att"
    modes: tuple[int, ...]
    inputs: tuple[int, ...]  # segment feeding each used input (upper, lower)
    x: float  # um, west edge


@dataclass(frozen=True)
class Segment:
    """A chain of two-port instances (light order) between units / core ports."""

    instances: tuple[str, ...]
    mode: int
    end: str  # unit name, or "" for a core output


@dataclass(frozen=True)
class Piece:
    """A horizontal waveguide heaters can heat: where it sits and which phase slot it joins.

    ``path``: instance path for SAX settings, (instance,) or (unit, sub-instance).
    """

    path: tuple[str, ...]
    slot: int
    length: float  # um, the length its model propagates over
    y: float  # um, waveguide centre
    x0: float
    x1: float


@dataclass(frozen=True)
class Heater:
    """A thermo-optic heater: its piece and heated x-range (um)."""

    name: str
    piece: int
    x0: float
    x1: float


def _two_port_length(settings: dict[str, Any]) -> float:
    return float(settings.get("optical_length", settings.get("length")))


def _absolute_box(inst: Any, sub: Any = None) -> Any:
    """Bounding box (um) of an instance, or of its sub-instance ``sub``, in the core's frame."""
    return inst.dbbox() if sub is None else sub.dbbox().transformed(inst.dcplx_trans)


class CoreTopology:
    """The layout netlist of a mesh core, traced from its inputs into evaluation stages.

    Attributes:
        n: modes; inputs/outputs: core port of each mode.
        units: every MZI, light order within stages; segments: two-port chains.
        stages: ("mesh", index array (N, N-1 pairs...)) / ("att", units per mode), in order.
        pieces, heaters: what heaters heat; ``slots`` = segments, then (top, bottom) arm
            of every unit.
    """

    def __init__(self, c: gf.Component) -> None:
        self.component = c
        self.inst = _instances(c)
        self.netlist = core_netlist(c)
        top = self.netlist[c.name]
        self.n = int(c.info["n_modes"])
        self.inputs = [f"o{self.n - m}" for m in range(self.n)]
        self.outputs = [f"o{self.n + 1 + m}" for m in range(self.n)]
        self.instances = top["instances"]
        link: dict[tuple[str, str], tuple[str, str]] = {}
        for net in top["nets"]:
            a, b = (tuple(net[k].split(",")) for k in ("p1", "p2"))
            link[a], link[b] = b, a
        port_of = {tuple(v.split(",")): k for k, v in top["ports"].items()}
        self._link, self._port_of = link, port_of
        self.units: list[Unit] = []
        self.segments: list[Segment] = []
        self._trace()
        self.stages = self._stages()
        self._pieces()

    # tracing
    def _walk(self, start: tuple[str, str], mode: int) -> tuple[int, tuple[str, str] | None]:
        """Follow two-port instances from the instance port ``start`` (light enters there)."""
        chain: list[str] = []
        here = start
        while True:
            inst, port = here
            if self.instances[inst]["component"] in UNIT_CELLS:
                self.segments.append(Segment(tuple(chain), mode, inst))
                return len(self.segments) - 1, here
            chain.append(inst)
            out = "o2" if port == "o1" else "o1"
            if (inst, out) in self._port_of:
                self.segments.append(Segment(tuple(chain), mode, ""))
                return len(self.segments) - 1, None
            here = self._link[(inst, out)]

    def _trace(self) -> None:
        top = self.netlist[self.component.name]
        pending: dict[str, dict[str, tuple[int, int]]] = {}  # unit -> role -> (segment, mode)
        frontier = [(tuple(top["ports"][p].split(",")), m) for m, p in enumerate(self.inputs)]
        self.output_segments: dict[int, int] = {}
        while frontier:
            start, mode = frontier.pop(0)
            seg, hit = self._walk(start, mode)
            if hit is None:
                self.output_segments[mode] = seg
                continue
            unit, port = hit
            role = next(r for r, p in MZI_PORTS.items() if p == port)
            pending.setdefault(unit, {})[role] = (seg, mode)
            roles = pending[unit]
            dark = (unit, MZI_PORTS["lower_in"]) in self._port_of
            if dark and "upper_in" in roles:
                x = self.inst[unit].dbbox().left
                self.units.append(Unit(unit, "att", (mode,), (seg,), x))
                frontier.append((self._link[(unit, MZI_PORTS["upper_out"])], mode))
            elif len(roles) == 2:
                (s_u, m_u), (s_l, m_l) = roles["upper_in"], roles["lower_in"]
                if m_l != m_u + 1:
                    raise ValueError(f"{unit}: inputs carry modes {m_u}, {m_l}, not a pair")
                x = self.inst[unit].dbbox().left
                self.units.append(Unit(unit, "mix", (m_u, m_l), (s_u, s_l), x))
                for m, role in zip((m_u, m_l), _OUT, strict=True):
                    frontier.append((self._link[(unit, MZI_PORTS[role])], m))
        if sorted(self.output_segments) != list(range(self.n)):
            raise ValueError(
                f"traced outputs {sorted(self.output_segments)}, not all {self.n} modes"
            )

    def _stages(self) -> list[tuple[str, np.ndarray]]:
        """Group units by x into layers; consecutive mixing layers form a mesh, checked to
        be the rectangular Clements arrangement; consecutive attenuator layers one Sigma."""
        order = sorted(
            range(len(self.units)), key=lambda i: (round(self.units[i].x, 3), self.units[i].modes)
        )
        layers: list[list[int]] = []
        for i in order:
            if layers and abs(self.units[layers[-1][0]].x - self.units[i].x) < _GRID:
                layers[-1].append(i)
            else:
                layers.append([i])
        stages: list[tuple[str, list[list[int]]]] = []
        for layer in layers:
            kind = self.units[layer[0]].kind
            if any(self.units[i].kind != kind for i in layer):
                raise ValueError("a column mixes attenuators and mixing MZIs")
            if stages and stages[-1][0] == kind and (kind == "att" or len(stages[-1][1]) < self.n):
                stages[-1][1].append(layer)
            else:
                stages.append((kind, [layer]))
        out = []
        for kind, cols in stages:
            if kind == "att":
                per_mode = {self.units[i].modes[0]: i for layer in cols for i in layer}
                if sorted(per_mode) != list(range(self.n)):
                    raise ValueError(f"Sigma stage covers modes {sorted(per_mode)}")
                out.append(("att", np.array([per_mode[m] for m in range(self.n)])))
                continue
            slots = {}
            for col, layer in enumerate(cols):
                for i in layer:
                    slots[(col, self.units[i].modes[0])] = i
            expected = [tuple(p) for p in mesh_positions(self.n)]
            if sorted(slots) != sorted(expected):
                raise ValueError(f"mesh of {len(cols)} columns is not a rectangular Clements mesh")
            out.append(("mesh", np.array([slots[p] for p in expected])))
        return out

    # heaters and the waveguides they heat
    def _pieces(self) -> None:
        seg_of = {inst: s for s, seg in enumerate(self.segments) for inst in seg.instances}
        n_seg = len(self.segments)
        pieces: list[Piece] = []
        heaters: list[Heater] = []

        def add(path, slot, settings, comp, box) -> None:
            if comp not in _HEATABLE or box.width() <= box.height():
                return
            pieces.append(
                Piece(path, slot, _two_port_length(settings), box.center().y, box.left, box.right)
            )
            if comp == "thermo_optic_phase_shifter":
                half = 0.5 * float(settings["length"])
                x0, x1 = box.center().x - half, box.center().x + half
                heaters.append(Heater(path[0], len(pieces) - 1, x0, x1))

        for inst, s in seg_of.items():
            spec = self.instances[inst]
            add((inst,), s, spec["settings"], spec["component"], _absolute_box(self.inst[inst]))
        unit_of = {u.name: i for i, u in enumerate(self.units)}
        dummy_of = {d: i for i, d in enumerate(self.dummies)}
        for comp, names in self.composites.items():
            sub_net = self.netlist[comp]
            for name in names:
                for sub in _cell_of(self.inst[name]).insts:
                    spec = sub_net["instances"].get(sub.name)
                    if spec is None:
                        continue
                    arm = 0 if sub.dbbox().center().y > 0 else 1  # cell axis at y = 0
                    if name in unit_of:
                        slot = n_seg + 2 * unit_of[name] + arm
                    else:
                        slot = n_seg + 2 * (len(self.units) + dummy_of[name]) + arm
                    box = _absolute_box(self.inst[name], sub)
                    add((name, sub.name), slot, spec["settings"], spec["component"], box)
        self.pieces, self.heaters = pieces, heaters
        self.n_slots = n_seg + 2 * (len(self.units) + len(self.dummies))
        self.heater_index = {h.name: i for i, h in enumerate(heaters)}
        self._crosstalk()

    def _crosstalk(self) -> None:
        """Coefficients K[piece, heater]: 1 on the heater's own piece, c(d) x overlap
        fraction on parallel pieces (``components.heaters.thermal_crosstalk``)."""
        y = np.array([p.y for p in self.pieces])
        x0 = np.array([p.x0 for p in self.pieces])
        x1 = np.array([p.x1 for p in self.pieces])
        rows, cols, coef = [], [], []
        for h, heater in enumerate(self.heaters):
            overlap = np.clip(np.minimum(x1, heater.x1) - np.maximum(x0, heater.x0), 0.0, None)
            k = (
                np.asarray(thermal_crosstalk(y - y[heater.piece]))
                * overlap
                / (heater.x1 - heater.x0)
            )
            k[heater.piece] = 0.0
            near = np.flatnonzero(k > _XT_FLOOR)
            rows += [heater.piece, *near]
            cols += [h] * (len(near) + 1)
            coef += [1.0, *k[near]]
        self.k_piece = np.array(rows, dtype=int)
        self.k_heater = np.array(cols, dtype=int)
        self.k_coef = np.array(coef)
        self.k_self = np.array(
            [self.heaters[h].piece == p for p, h in zip(rows, cols, strict=True)], dtype=bool
        )
        self.slot_of_piece = np.array([p.slot for p in self.pieces], dtype=int)

    # roles for programming
    def heater_of(self, unit: Unit) -> tuple[int, int | None]:
        """(theta heater, phi heater or None) of a unit: its own arm heater and the one
        shifter in the segment feeding its upper input."""
        theta = self.heater_index[unit.name]
        phis = [
            self.heater_index[i]
            for i in self.segments[unit.inputs[0]].instances
            if i in self.heater_index
        ]
        if len(phis) > 1:
            raise ValueError(f"{unit.name}: {len(phis)} shifters before the upper input")
        return theta, (phis[0] if phis else None)

    def output_heaters(self) -> list[int | None]:
        """The output-screen heater on each mode (None where the core has none)."""
        out = []
        for m in range(self.n):
            seg = self.segments[self.output_segments[m]]
            hs = [self.heater_index[i] for i in seg.instances if i in self.heater_index]
            out.append(hs[-1] if hs else None)
        return out

    # instance inventories (fabrication draws and SAX settings address these)
    @property
    def two_ports(self) -> list[str]:
        """Top-level two-port instances, in segment order."""
        return [i for seg in self.segments for i in seg.instances]

    @cached_property
    def composites(self) -> dict[str, list[str]]:
        """Sub-circuit cell -> its instances: the MZI units (``units`` order), then the
        two-port dummies (segment order)."""
        out: dict[str, list[str]] = {}
        for u in self.units:
            out.setdefault(self.instances[u.name]["component"], []).append(u.name)
        if len(out) > 1:
            raise ValueError(f"core mixes MZI variants {sorted(out)}")
        for name in self.two_ports:
            comp = self.instances[name]["component"]
            if comp in self.netlist:
                out.setdefault(comp, []).append(name)
        return out

    @cached_property
    def dummies(self) -> list[str]:
        """Two-port sub-circuit instances (loss-matched pass-throughs), segment order."""
        return [i for c, names in self.composites.items() if c not in UNIT_CELLS for i in names]

    @cached_property
    def dummy_of_segment(self) -> np.ndarray:
        """Index of the dummy in each segment, ``len(dummies)`` where there is none."""
        where = {d: i for i, d in enumerate(self.dummies)}
        out = []
        for seg in self.segments:
            found = [where[i] for i in seg.instances if i in where]
            if len(found) > 1:
                raise ValueError(f"segment of mode {seg.mode} holds {len(found)} dummies")
            out.append(found[0] if found else len(self.dummies))
        return np.array(out, dtype=int)

    @cached_property
    def leaves(self) -> list[str]:
        """Top-level two-ports that are leaf cells (have a compact model of their own)."""
        return [i for i in self.two_ports if self.instances[i]["component"] not in self.netlist]

    def sub_instances(self, comp: str) -> dict[str, str]:
        """Sub-instance name -> component in sub-circuit cell ``comp``."""
        return {k: v["component"] for k, v in self.netlist[comp]["instances"].items()}

    @cached_property
    def centres(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Centres (um) of the leaves (T, 2) and, per sub-circuit cell, of each instance's
        sub-instances (B, n_sub, 2), in the orders of ``leaves``, ``composites`` and
        ``sub_instances``."""
        top = np.array(
            [(p.x, p.y) for p in (_absolute_box(self.inst[i]).center() for i in self.leaves)]
        )
        subs: dict[str, np.ndarray] = {}
        for comp, names in self.composites.items():
            order = list(self.sub_instances(comp))
            out = np.zeros((len(names), len(order), 2))
            for b, name in enumerate(names):
                boxes = {s.name: s for s in _cell_of(self.inst[name]).insts}
                for j, sub in enumerate(order):
                    p = _absolute_box(self.inst[name], boxes[sub]).center()
                    out[b, j] = (p.x, p.y)
            subs[comp] = out
        return top.reshape(-1, 2), subs

    def top_arm_straight(self, comp: str) -> tuple[str, float]:
        """The longest straight on the top arm of sub-circuit ``comp``: (name, length um)."""
        cell = _cell_of(self.inst[self.composites[comp][0]])
        subs = self.netlist[comp]["instances"]
        best = max(
            (
                i
                for i in cell.insts
                if subs[i.name]["component"] == "waveguide_straight" and i.dbbox().center().y > 0
            ),
            key=lambda i: float(subs[i.name]["settings"]["length"]),
        )
        return best.name, float(subs[best.name]["settings"]["length"])

    @property
    def unit_cell(self) -> str:
        return self.instances[self.units[0].name]["component"]

    @cached_property
    def unit_heater_sub(self) -> str:
        """The MZI sub-instance that is the unit's (theta) heater."""
        subs = self.sub_instances(self.unit_cell)
        (name,) = [k for k, v in subs.items() if v == "thermo_optic_phase_shifter"]
        return name

    @cached_property
    def sub_circuits(self) -> dict[str, Any]:
        """SAX circuit (KLU) of each sub-circuit cell's netlist with the leaf models."""
        models = circuit_models(self.netlist)
        return {
            comp: sax.circuit(self.netlist[comp], models=models, backend="klu")[0]
            for comp in self.composites
        }

    @cached_property
    def sax_circuit(self) -> Any:
        """SAX circuit (KLU backend) of the whole extracted netlist: the reference."""
        circuit, _ = sax.circuit(self.netlist, models=circuit_models(self.netlist), backend="klu")
        return circuit


# --- non-idealities realised: the device state -------------------------------------------

WAVELENGTH = value("constants.wavelength")  # um
P_MAX = value("heater.max_power")  # mW
DN_DW = value("strip.dn_eff_dw")  # 1/nm
DN_DH = value("strip.dn_eff_dh")  # 1/nm
WIDTH_SIGMA = value("fabrication.width_sigma")  # nm
THICKNESS_SIGMA = value("fabrication.thickness_sigma")  # nm
CORRELATION_LENGTH = value("fabrication.correlation_length")  # um
_FEATURES = 2048  # random Fourier features per fabrication field


def gaussian_field(
    points: np.ndarray, sigma: float, xi: float, rng: np.random.Generator
) -> np.ndarray:
    """A zero-mean Gaussian random field with covariance sigma^2 exp(-d^2 / (2 xi^2)) at
    ``points`` (P, 2) um, by random Fourier features (Rahimi & Recht, NIPS 2007): linear in
    P, so it scales to the thousands of instances of a 64-mode core."""
    omega = rng.standard_normal((_FEATURES, 2)) / xi
    phase = rng.uniform(0.0, 2 * np.pi, _FEATURES)
    weights = rng.standard_normal(_FEATURES)
    basis = np.cos(np.asarray(points, float) @ omega.T + phase)
    return sigma * np.sqrt(2.0 / _FEATURES) * (basis @ weights)


def mmi_kappa_shift(width_error_nm: Any, effective_width_um: float) -> np.ndarray:
    """Change of a 2x2 MMI's cross-power fraction for a body width error (nm).

    Two-mode picture of paired interference: kappa = sin^2(pi L / (2 L_pi)) with
    L = L_pi / 2 at design and L_pi ~ W_e^2 (Soldano & Pennings 1995), so
    d kappa = (pi / 2) d(L / L_pi) = -(pi / 2) dW / W_e.
    """
    return -0.5 * np.pi * np.asarray(width_error_nm) * 1e-3 / effective_width_um


def _kappa_to_db(kappa: Any) -> np.ndarray:
    """Imbalance (dB, bar / cross power) of a coupler with cross-power fraction kappa."""
    kappa = np.asarray(kappa, float)
    return 10.0 * np.log10((1.0 - kappa) / kappa)


def _is_mmi(component: str) -> bool:
    return component in ("mmi_1x2", "mmi_2x2")


@dataclass(frozen=True)
class DeviceState:
    """Everything the optics depend on besides the heater powers.

    Attributes:
        wl: wavelength (um).
        loss_db_per_cm: waveguide loss (dB/cm); 0 without propagation loss.
        excess_loss_db: MMI excess loss (dB); 0 without excess loss.
        dt_top: (T,) temperature offset (K) of each leaf two-port (``CoreTopology.leaves``):
            the fabrication index error as dn / (dn_eff/dT).
        sub_dt: per sub-circuit cell, (B, n_sub) the same for its sub-instances (MMIs: 0).
        sub_imbalance: per sub-circuit cell, (B, n_sub) MMI bar/cross power ratio (dB).
        crosstalk: whether heaters warm their neighbours.
    """

    wl: float
    loss_db_per_cm: float
    excess_loss_db: float
    dt_top: np.ndarray
    sub_dt: dict[str, np.ndarray]
    sub_imbalance: dict[str, np.ndarray]
    crosstalk: bool


def device_state(
    topo: CoreTopology, nonideal: NonIdealities | None = None, wl: float = WAVELENGTH
) -> DeviceState:
    """The chip as built under ``nonideal`` (seeded): losses, coupler splits, fabrication.

    Coupler imbalance: every MMI at the PDK's mmi.imbalance. Fabrication: width and
    thickness fields at every instance centre; a 2x2 MMI's width error also detunes its
    split (``mmi_kappa_shift``); a 1x2 MMI splits by symmetry and keeps its ratio.
    """
    ni = nonideal or NonIdealities.ideal()
    top, subs = topo.centres
    base = 1.0 / (1.0 + 10.0 ** (MMI_IMBALANCE_DB / 10.0)) if ni.coupler_imbalance else 0.5
    kappa = {comp: np.full(pts.shape[:2], base) for comp, pts in subs.items()}
    dt_top = np.zeros(len(top))
    sub_dt = {comp: np.zeros(pts.shape[:2]) for comp, pts in subs.items()}
    if ni.fabrication:
        points = np.concatenate([top, *(p.reshape(-1, 2) for p in subs.values())])
        rng_w, rng_h = (np.random.default_rng(q) for q in np.random.SeedSequence(ni.seed).spawn(2))
        dw = gaussian_field(points, WIDTH_SIGMA, CORRELATION_LENGTH, rng_w)
        dh = gaussian_field(points, THICKNESS_SIGMA, CORRELATION_LENGTH, rng_h)
        dt = (DN_DW * dw + DN_DH * dh) / DN_DT
        dt_top, start = dt[: len(top)], len(top)
        for comp, pts in subs.items():
            size = pts.shape[0] * pts.shape[1]
            sub_dt[comp] = dt[start : start + size].reshape(pts.shape[:2])
            width = dw[start : start + size].reshape(pts.shape[:2])
            start += size
            for j, (sub, kind) in enumerate(topo.sub_instances(comp).items()):
                if kind == "mmi_2x2":
                    cell = _cell_of(topo.inst[topo.composites[comp][0]])
                    w_e = float(
                        next(i for i in cell.insts if i.name == sub).cell.info["effective_width"]
                    )
                    kappa[comp][:, j] += mmi_kappa_shift(width[:, j], w_e)
    for comp in subs:
        mmi = np.array([_is_mmi(k) for k in topo.sub_instances(comp).values()])
        sub_dt[comp][:, mmi] = 0.0  # the MMI model has no temperature input
        kappa[comp][:, ~mmi] = 0.5
    return DeviceState(
        wl=float(wl),
        loss_db_per_cm=LOSS_DB_CM if ni.propagation_loss else 0.0,
        excess_loss_db=MMI_EXCESS_LOSS_DB if ni.excess_loss else 0.0,
        dt_top=dt_top,
        sub_dt=sub_dt,
        sub_imbalance={comp: _kappa_to_db(k) for comp, k in kappa.items()},
        crosstalk=bool(ni.thermal_crosstalk),
    )


def design_state(topo: CoreTopology, nonideal: NonIdealities | None, wl: float) -> DeviceState:
    """What the designer knows without measuring: the nominal layout with the PDK's losses
    (deterministic), ideal couplers, no fabrication error and no crosstalk."""
    ni = nonideal or NonIdealities.ideal()
    known = NonIdealities(propagation_loss=ni.propagation_loss, excess_loss=ni.excess_loss)
    return device_state(topo, known, wl)


def _sub_settings(topo: CoreTopology, state: DeviceState, comp: str, rows: Any) -> dict[str, Any]:
    """Per-sub-instance settings of sub-circuit ``comp`` for its instances ``rows``
    (an index array: values are arrays over instances; an int: scalars)."""
    out: dict[str, Any] = {}
    for j, (sub, kind) in enumerate(topo.sub_instances(comp).items()):
        if _is_mmi(kind):
            out[sub] = {"imbalance_db": state.sub_imbalance[comp][rows, j]}
        else:
            out[sub] = {"temperature": T_REF + state.sub_dt[comp][rows, j]}
    return out


def _globals(state: DeviceState) -> dict[str, float]:
    return {
        "wl": state.wl,
        "loss_db_per_cm": state.loss_db_per_cm,
        "excess_loss_db": state.excess_loss_db,
    }


# --- device tables and the structured evaluator ------------------------------------------


class Tables(NamedTuple):
    """Per-wavelength, per-device numbers the jitted evaluator multiplies (a JAX pytree).

    seg: (S + 1,) static transmission of each chain's leaf two-ports (heaters at 0 mW;
    the last entry is 1, for an unused input); m_top, m_bot: (U, 2, 2) each MZI's top-
    and bottom-arm contributions (rows: upper/lower output, columns: upper/lower input);
    d_top, d_bot: (D + 1,) the same for each dummy (last: 1 and 0, no dummy);
    k_coef: heater-to-slot phase coefficients (0 where crosstalk is off);
    rad_per_mw: pi / P_pi * lambda0 / lambda.
    """

    seg: jax.Array
    m_top: jax.Array
    m_bot: jax.Array
    d_top: jax.Array
    d_bot: jax.Array
    k_coef: jax.Array
    rad_per_mw: jax.Array


def _settings_for(model: Any, settings: dict[str, Any]) -> dict[str, Any]:
    accepted = sax.get_settings(model)
    return {k: v for k, v in settings.items() if k in accepted}


@cache
def _jitted(model: Callable[..., Any]) -> Callable[..., Any]:
    """A compact model or sub-circuit compiled once per argument shape (eager evaluation
    would compile every primitive of every model separately)."""
    return jax.jit(lambda kw: model(**kw))


def _stack_settings(model: Any, specs: list[dict[str, Any]]) -> dict[str, Any]:
    """The numeric settings the model takes, as arrays over instances (geometry such as
    drawn lengths differs between instances; models broadcast over it)."""
    keys = set(sax.get_settings(model)) & set(specs[0])
    out = {}
    for k in keys:
        vals = [spec[k] for spec in specs]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in vals):
            out[k] = np.asarray(vals, float)
        elif any(v != vals[0] for v in vals):
            raise ValueError(f"{k}: non-numeric setting differs between instances: {set(vals)}")
    return out


def _two_port_s21(topo: CoreTopology, state: DeviceState) -> dict[str, complex]:
    """S21 of every top-level two-port at zero heater power: leaves by their own models
    (one vectorised call per cell type), dummies by their sub-circuit."""
    groups: dict[str, list[int]] = {}
    for i, name in enumerate(topo.leaves):
        groups.setdefault(topo.instances[name]["component"], []).append(i)
    out: dict[str, complex] = {}
    for comp, idx in groups.items():
        model = MODELS[comp]
        specs = [topo.instances[topo.leaves[i]]["settings"] for i in idx]
        kw = _stack_settings(model, specs)
        extra = {**_globals(state), "temperature": T_REF + state.dt_top[idx]}
        kw.update(_settings_for(model, extra))
        s = _jitted(model)(kw)
        values = np.broadcast_to(np.asarray(s[("o1", "o2")]), (len(idx),))
        out.update({topo.leaves[i]: complex(v) for i, v in zip(idx, values, strict=True)})
    return out


def _arm_split(topo: CoreTopology, state: DeviceState, comp: str, ports: tuple) -> tuple:
    """Top- and bottom-arm terms of sub-circuit ``comp`` for the instances of ``state``
    (its ``sub_dt``/``sub_imbalance`` rows): evaluated with the top arm as is and shifted by
    pi, S = e^{i psi_t} M_top + e^{i psi_b} M_bot gives M_top = (S0 - S_pi) / 2 and
    M_bot = (S0 + S_pi) / 2 (exact: each arm enters linearly). A unit's arm is shifted by
    its heater, a dummy's by warming its longest top straight."""
    count = state.sub_dt[comp].shape[0]
    rows = np.concatenate([np.arange(count)] * 2)
    settings = _sub_settings(topo, state, comp, rows)
    shift = np.repeat([0.0, 1.0], count)
    if comp in UNIT_CELLS:
        pi_power = np.pi / float(heater_phase(1.0, state.wl))  # mW for a pi shift at wl
        settings[topo.unit_heater_sub]["power"] = shift * pi_power
    else:
        sub, length = topo.top_arm_straight(comp)
        dt_pi = state.wl / (2 * DN_DT * length)  # 2 pi dn/dT dT L / lambda = pi
        settings[sub]["temperature"] = settings[sub]["temperature"] + shift * dt_pi
    s = _jitted(topo.sub_circuits[comp])({**_globals(state), **settings})
    m = np.array(
        [[np.broadcast_to(np.asarray(s[(o, i)]), (2 * count,)) for i in ports[1]] for o in ports[0]]
    )
    m = np.moveaxis(m, -1, 0)
    m0, m1 = m[:count], m[count:]
    return 0.5 * (m0 - m1), 0.5 * (m0 + m1)


UNIT_PORTS = ([MZI_PORTS[r] for r in _OUT], [MZI_PORTS[r] for r in _IN])


def device_tables(topo: CoreTopology, state: DeviceState) -> Tables:
    """Evaluate every instance's own compact model once for ``state`` (numbers the jitted
    evaluator then only multiplies)."""
    s21 = _two_port_s21(topo, state)
    seg = [np.prod([s21[i] for i in s.instances if i in s21]) for s in topo.segments]
    m_top, m_bot = _arm_split(topo, state, topo.unit_cell, UNIT_PORTS)
    d_top, d_bot = np.ones(0, complex), np.zeros(0, complex)
    for comp in topo.composites:
        if comp not in UNIT_CELLS:
            top, bot = _arm_split(topo, state, comp, (["o2"], ["o1"]))
            d_top, d_bot = top[:, 0, 0], bot[:, 0, 0]
    coef = topo.k_coef if state.crosstalk else topo.k_coef * topo.k_self
    return Tables(
        seg=jnp.asarray(np.array([*seg, 1.0]), complex),
        m_top=jnp.asarray(m_top),
        m_bot=jnp.asarray(m_bot),
        d_top=jnp.asarray(np.append(d_top, 1.0), complex),
        d_bot=jnp.asarray(np.append(d_bot, 0.0), complex),
        k_coef=jnp.asarray(coef, float),
        rad_per_mw=jnp.asarray(float(heater_phase(1.0, state.wl))),
    )


def structured_fn(topo: CoreTopology) -> Callable[[Any, Tables], jax.Array]:
    """Jitted f(powers_mw (H,), tables) -> (n, n) complex field transfer of the core.

    Rows are output modes, columns input modes. The heater powers set slot phases
    (own phase plus crosstalk, ``Tables.k_coef``); chains multiply their inputs' MZIs;
    meshes are applied column pair by column pair with ``lax.scan``. One trace per
    topology; vmap it over batches of power sets (``jax.vmap(f, in_axes=(0, None))``).
    """
    n, n_seg, n_units = topo.n, len(topo.segments), len(topo.units)
    dummy_of = jnp.asarray(topo.dummy_of_segment)
    k_slot = jnp.asarray(topo.slot_of_piece[topo.k_piece])
    k_heater = jnp.asarray(topo.k_heater)
    inputs = np.array([u.inputs + (n_seg,) * (2 - len(u.inputs)) for u in topo.units])
    out_segs = jnp.asarray([topo.output_segments[m] for m in range(n)])
    even, odd = _grids(n)
    stages = [(kind, jnp.asarray(idx)) for kind, idx in topo.stages]

    def evaluate(powers: Any, tables: Tables) -> jax.Array:
        drive = tables.k_coef * jnp.asarray(powers, float)[k_heater]
        phase = jnp.zeros(topo.n_slots).at[k_slot].add(drive) * tables.rad_per_mw
        arms = jnp.exp(1j * phase[n_seg:]).reshape(-1, 2)
        d_arms = jnp.concatenate([arms[n_units:], jnp.ones((1, 2))])
        dummy = d_arms[:, 0] * tables.d_top + d_arms[:, 1] * tables.d_bot
        seg = tables.seg * jnp.exp(1j * jnp.concatenate([phase[:n_seg], jnp.zeros(1)]))
        seg = seg * jnp.concatenate([dummy[dummy_of], jnp.ones(1)])
        arms = arms[:n_units]
        blocks = arms[:, 0, None, None] * tables.m_top + arms[:, 1, None, None] * tables.m_bot
        blocks = blocks * seg[inputs][:, None, :]
        a = jnp.eye(n, dtype=blocks.dtype)
        for kind, idx in stages:
            if kind == "att":
                a = blocks[idx, 0, 0][:, None] * a
                continue
            t = jnp.concatenate([blocks[idx], jnp.eye(2, dtype=blocks.dtype)[None]])

            def column_pair(
                x: jax.Array, ts: tuple[jax.Array, jax.Array]
            ) -> tuple[jax.Array, None]:
                return _mix_pairs(_mix_pairs(x, ts[0], 0), ts[1], 1), None

            a, _ = jax.lax.scan(column_pair, a, (t[even], t[odd]))
        return seg[out_segs][:, None] * a

    return jax.jit(evaluate)


# --- the SAX reference -------------------------------------------------------------------


def _crosstalk_temperatures(
    topo: CoreTopology, state: DeviceState, powers: np.ndarray
) -> np.ndarray:
    """Temperature rise (K) of every piece from its neighbours' heaters (own heater excluded),
    the rise that gives the crosstalk phase c phi0 (lambda0 / lambda) through dn_eff/dT."""
    if not state.crosstalk:
        return np.zeros(len(topo.pieces))
    phi0 = np.pi * np.asarray(powers, float) / P_PI
    other = ~topo.k_self
    xt = np.zeros(len(topo.pieces))
    np.add.at(xt, topo.k_piece[other], topo.k_coef[other] * phi0[topo.k_heater[other]])
    lengths = np.array([p.length for p in topo.pieces])
    return xt * WAVELENGTH / (2 * np.pi * DN_DT * lengths)


def sax_settings(topo: CoreTopology, state: DeviceState, powers: Any) -> dict[str, Any]:
    """SAX settings of the extracted netlist, by instance name: heater powers (mW), every
    waveguide's temperature (fabrication + crosstalk, K), every MMI's imbalance (dB)."""
    powers = np.asarray(powers, float)
    settings: dict[str, Any] = dict(_globals(state))
    for i, name in enumerate(topo.leaves):
        settings[name] = {"temperature": T_REF + state.dt_top[i]}
    for comp, names in topo.composites.items():
        for b, name in enumerate(names):
            settings[name] = _sub_settings(topo, state, comp, b)
    for piece, dt in zip(topo.pieces, _crosstalk_temperatures(topo, state, powers), strict=True):
        target = settings
        for key in piece.path:
            target = target[key]
        target["temperature"] = target["temperature"] + dt
    for heater, p in zip(topo.heaters, powers, strict=True):
        target = settings
        for key in topo.pieces[heater.piece].path:
            target = target[key]
        target["power"] = float(p)
    return settings


def sax_fn(topo: CoreTopology, *, jit: bool = True) -> Callable[[Any, DeviceState], np.ndarray]:
    """f(powers_mw (H,), state) -> (n, n) complex transfer from SAX's circuit (KLU backend)
    of the extracted layout netlist, settings addressed by instance name: the reference.

    ``jit``: compile the circuit on the first call (tens of seconds already at n = 3-4,
    then milliseconds per call), as a benchmark wants; False evaluates it eagerly
    (seconds per call, no compile), as a one-off check wants. The SAX circuit itself is
    built on first use.
    """
    built: list[Callable[..., Any]] = []

    def evaluate(powers: Any, state: DeviceState) -> np.ndarray:
        if not built:
            raw = topo.sax_circuit
            built.append(jax.jit(lambda settings: raw(**settings)) if jit else lambda kw: raw(**kw))
        s = built[0](sax_settings(topo, state, powers))
        return np.array([[complex(s[(o, i)]) for i in topo.inputs] for o in topo.outputs])

    return evaluate


# --- programming: phase pushing onto the real devices --------------------------------------

_WRAP = 2 * np.pi


@dataclass(frozen=True)
class StageTargets:
    """Target phases of every stage of a core, in ``CoreTopology.stages`` order.

    meshes: one ``MeshPhases`` per mesh stage; sigmas: one amplitude vector (n,) in [0, 1]
    per attenuator stage; a mesh without an output screen (the SVD's V^H) has its output
    phases pushed on into the next stage.
    """

    meshes: tuple[MeshPhases, ...]
    sigmas: tuple[np.ndarray, ...] = ()


def _static_view(topo: CoreTopology, tables: Tables, powers: np.ndarray | None) -> tuple:
    """Segments and unit arm terms with the crosstalk phases that ``powers`` put on every
    slot (own heaters excluded), as numpy: (segments, M_top, M_bot)."""
    n_seg, n_units = len(topo.segments), len(topo.units)
    phase = np.zeros(topo.n_slots)
    if powers is not None:
        other = ~topo.k_self
        np.add.at(
            phase,
            topo.slot_of_piece[topo.k_piece[other]],
            np.asarray(tables.k_coef)[other] * powers[topo.k_heater[other]],
        )
        phase *= float(tables.rad_per_mw)
    arms = np.exp(1j * phase[n_seg:]).reshape(-1, 2)
    d_arms = np.concatenate([arms[n_units:], np.ones((1, 2))])
    dummy = d_arms[:, 0] * np.asarray(tables.d_top) + d_arms[:, 1] * np.asarray(tables.d_bot)
    seg = np.asarray(tables.seg)[:-1] * np.exp(1j * phase[:n_seg]) * dummy[topo.dummy_of_segment]
    m_top = np.asarray(tables.m_top) * arms[:n_units, 0, None, None]
    m_bot = np.asarray(tables.m_bot) * arms[:n_units, 1, None, None]
    return seg, m_top, m_bot


def push_phases(
    topo: CoreTopology, tables: Tables, targets: StageTargets, powers: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Heater phases (rad, [0, 2 pi), per heater) realising ``targets`` on ``tables``.

    Walks the stages in light order keeping ``acc[m]``: the field on mode m relative to
    the target's. For an MZI whose inputs carry (a_u, a_l), the tables' two arm terms
    times diag(a_u, a_l) give the static phases eps_theta = arg(M_top[0,1] / M_bot[0,1]),
    eps_phi = arg(M_bot[0,0] / M_bot[0,1]) - pi/2 and the output factors
    g_u = -2i M_bot[0,1], g_l = 2 M_bot[1,1] (exact for 50:50 couplers: the unit is then
    diag(g_u, g_l) T(theta + eps_theta, phi + eps_phi)). An attenuator's top-to-top term
    A e^{i theta} + B = -2i B e^{i t/2} sin(t/2) with t = theta + arg(A/B) - pi. The
    output screen takes out what arrives. ``powers`` (mW) adds their crosstalk to the
    static phases. Returns (phases, |acc|: the realised-to-target amplitude per mode).
    """
    seg, m_top, m_bot = _static_view(topo, tables, powers)
    phases = np.zeros(len(topo.heaters))
    acc = np.ones(topo.n, complex)
    meshes, sigmas = iter(targets.meshes), iter(targets.sigmas)
    for kind, idx in topo.stages:
        if kind == "att":
            sigma = next(sigmas)
            for m, u in enumerate(idx):
                unit = topo.units[u]
                a = acc[m] * seg[unit.inputs[0]]
                top, bot = m_top[u, 0, 0] * a, m_bot[u, 0, 0] * a
                t = 2 * np.arcsin(sigma[m])
                phases[topo.heater_of(unit)[0]] = (t - np.angle(top / bot) + np.pi) % _WRAP
                acc[m] = -2j * bot * np.exp(0.5j * t)
            continue
        target = next(meshes)
        for pos, u in enumerate(idx):
            unit = topo.units[u]
            k = unit.modes[0]
            cols = np.array([acc[k] * seg[unit.inputs[0]], acc[k + 1] * seg[unit.inputs[1]]])
            top, bot = m_top[u] * cols, m_bot[u] * cols
            h_theta, h_phi = topo.heater_of(unit)
            if h_phi is None:
                raise ValueError(f"{unit.name}: no phase shifter before its upper input")
            phases[h_theta] = (target.theta[pos] - np.angle(top[0, 1] / bot[0, 1])) % _WRAP
            eps_phi = np.angle(bot[0, 0] / bot[0, 1]) - np.pi / 2
            phases[h_phi] = (target.phi[pos] - eps_phi) % _WRAP
            acc[k], acc[k + 1] = -2j * bot[0, 1], 2 * bot[1, 1]
        acc = acc * np.exp(-1j * target.output_phases)
    for m, h in enumerate(topo.output_heaters()):
        out = acc[m] * seg[topo.output_segments[m]]
        if h is not None:
            phases[h] = -np.angle(out) % _WRAP
        acc[m] = abs(out) if h is not None else out
    return phases, acc


def _continue_branch(phases: np.ndarray, previous: np.ndarray | None, top: float) -> np.ndarray:
    """Phases in [0, top): on the 2 pi branch nearest ``previous`` when that is in range
    (so an iteration never jumps a heater by a full period), else wrapped to [0, 2 pi)."""
    if previous is None:
        return phases % _WRAP
    near = previous + (phases - previous + np.pi) % _WRAP - np.pi
    return np.where((near >= 0) & (near < top), near, phases % _WRAP)


def program_powers(
    topo: CoreTopology,
    tables: Tables,
    targets: StageTargets,
    *,
    crosstalk_iterations: int = 0,
    tol_mw: float = 1e-9,
) -> tuple[np.ndarray, np.ndarray]:
    """Heater powers (mW) realising ``targets`` on ``tables``, and |acc| (see ``push_phases``).

    With ``crosstalk_iterations`` > 0 the push is repeated with the crosstalk of the last
    powers among the static phases: each pass solves the crosstalk of the previous one,
    a fixed-point inversion of the crosstalk matrix (contraction: c(d) <= 0.09 here).
    """
    rad_per_mw = float(tables.rad_per_mw)
    top = P_MAX * rad_per_mw
    phases, acc = push_phases(topo, tables, targets)
    powers = phases / rad_per_mw
    for _ in range(crosstalk_iterations):
        phases, acc = push_phases(topo, tables, targets, powers)
        new = _continue_branch(phases, powers * rad_per_mw, top) / rad_per_mw
        done = np.max(np.abs(new - powers)) < tol_mw
        powers = new
        if done:
            break
    if np.any(powers > P_MAX):
        raise ValueError(f"heater power {powers.max():.1f} mW exceeds heater.max_power {P_MAX} mW")
    return powers, acc


def heater_resistances(topo: CoreTopology) -> np.ndarray:
    """Resistance (ohm) of every heater, from its drawn HEATER polygon (cell ``info``)."""
    out = []
    for h in topo.heaters:
        path = topo.pieces[h.piece].path
        cell = topo.inst[path[0]].cell
        if len(path) == 2:
            cell = next(i.cell for i in _cell_of(topo.inst[path[0]]).insts if i.name == path[1])
        out.append(float(cell.info["resistance"]))
    return np.array(out)


def dac_quantise(powers_mw: Any, bits: int, resistance_ohm: Any) -> np.ndarray:
    """Powers after a ``bits``-bit voltage DAC driving each resistive heater.

    The driver sets V = sqrt(P R) in 2^bits - 1 uniform steps up to sqrt(P_max R)
    (heater.max_power), so the power steps grow with the drive: dP = 2 sqrt(P P_max) / 2^bits.
    """
    if isinstance(bits, bool) or not isinstance(bits, int | np.integer) or not 1 <= bits <= 32:
        raise ValueError(f"dac_bits={bits!r} is invalid; allowed: an integer in [1, 32]")
    r = np.asarray(resistance_ohm, float)
    v_max = np.sqrt(P_MAX * 1e-3 * r)
    levels = 2**bits - 1
    v = np.sqrt(np.clip(np.asarray(powers_mw, float), 0.0, P_MAX) * 1e-3 * r)
    return (np.round(v / v_max * levels) * v_max / levels) ** 2 / r * 1e3


def _gain_fit(t: jax.Array, target: jax.Array, homodyne: bool) -> jax.Array:
    """Least-squares electronic gain g (complex: LO phase and amplitude) of g t ~ target;
    for homodyne detection only Re(g t) is matched."""
    if not homodyne:
        return jnp.vdot(t, target) / jnp.vdot(t, t)
    a, b = jnp.real(t).ravel(), -jnp.imag(t).ravel()
    ridge = 1e-12 * (a @ a + b @ b)  # T real (ideal): the quadrature gain is undetermined
    gram = jnp.array([[a @ a + ridge, a @ b], [a @ b, b @ b + ridge]])
    rhs = jnp.array([a @ jnp.real(target).ravel(), b @ jnp.real(target).ravel()])
    g = jnp.linalg.solve(gram, rhs)
    return g[0] + 1j * g[1]


def _detected(t: jax.Array, g: jax.Array, homodyne: bool) -> jax.Array:
    return jnp.real(g * t) if homodyne else g * t


@cache
def _polish_objective(
    evaluate: Callable[[Any, Tables], jax.Array], homodyne: bool
) -> Callable[..., tuple[jax.Array, jax.Array]]:
    """Jitted value and gradient of ||g T(P)[:M, :N] - target||^2 (g the fitted gain)."""

    def loss(p: jax.Array, tables: Tables, target: jax.Array) -> jax.Array:
        t = evaluate(p, tables)[: target.shape[0], : target.shape[1]]
        g = _gain_fit(t, target, homodyne)
        return jnp.sum(jnp.abs(_detected(t, g, homodyne) - target) ** 2)

    return jax.jit(jax.value_and_grad(loss))


def polish_powers(
    evaluate: Callable[[Any, Tables], jax.Array],
    tables: Tables,
    powers: np.ndarray,
    target: np.ndarray,
    *,
    homodyne: bool,
    max_iter: int = 400,
) -> np.ndarray:
    """Refine heater powers by L-BFGS-B on ||g T(P)[:M, :N] - target||^2 within
    [0, heater.max_power] (g the fitted gain): in-situ calibration against the measured
    transfer, here the device's own model (Bandyopadhyay et al., Optica 8:1247, 2021)."""
    objective = _polish_objective(evaluate, homodyne)
    target = jnp.asarray(target)

    def fun(p: np.ndarray) -> tuple[float, np.ndarray]:
        v, g = objective(jnp.asarray(p), tables, target)
        return float(v), np.asarray(g, float)

    res = minimize(
        fun,
        powers,
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, P_MAX)] * len(powers),
        options={"maxiter": max_iter, "ftol": 1e-15, "gtol": 1e-12},
    )
    return res.x if res.fun <= fun(powers)[0] else powers


# --- the cores ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CoreSettings:
    """A programmed core: heater drive and the electronic side of the readout.

    Attributes:
        heaters: heater names (``CoreTopology.heaters`` order).
        powers_mw: electrical power per heater (mW); voltages_v: the drive V = sqrt(P R).
        gain: electronic gain (complex: amplitude and LO phase) applied to the optical
            transfer T: the core reports Re(gain T) (homodyne) or gain T.
        scale: digital factor multiplied back (sigma_max(W) of the SVD; 1 for a unitary).
        shape: (rows, cols) of the target; wl: wavelength (um);
        nonideal: the non-idealities it was programmed under (calibration on or off).
    """

    heaters: tuple[str, ...]
    powers_mw: np.ndarray
    voltages_v: np.ndarray
    gain: complex
    scale: float
    shape: tuple[int, int]
    wl: float
    nonideal: NonIdealities

    def to_dict(self) -> dict[str, Any]:
        return {
            "heaters": {
                h: {"power_mw": float(p), "voltage_v": float(v)}
                for h, p, v in zip(self.heaters, self.powers_mw, self.voltages_v, strict=True)
            },
            "gain": [float(np.real(self.gain)), float(np.imag(self.gain))],
            "scale": self.scale,
            "shape": list(self.shape),
            "wl_um": self.wl,
            "nonideal": self.nonideal.to_dict(),
        }


def _state_key(ni: NonIdealities, wl: float) -> tuple:
    return (
        ni.propagation_loss,
        ni.excess_loss,
        ni.coupler_imbalance,
        ni.thermal_crosstalk,
        ni.fabrication,
        ni.seed if ni.fabrication else 0,
        round(float(wl), 9),
    )


class _MeshCore(ABC):
    """Shared machinery: topology, evaluators, device tables, programming."""

    homodyne = True

    def __init__(self, n: int, wl: float, mode_pitch: float) -> None:
        self.n, self.wl, self.mode_pitch = n, float(wl), float(mode_pitch)
        if not np.isfinite(self.wl) or not 1.2 < self.wl < 1.7:
            raise ValueError(f"wl={wl!r} um is invalid; allowed: (1.2, 1.7) um")
        self._tables: dict[tuple, Tables] = {}
        self._states: dict[tuple, DeviceState] = {}

    @abstractmethod
    def layout(self) -> gf.Component:
        """The layout this core's topology is traced from (mesh or SVD core)."""

    def at_wavelength(self, wl: float) -> Any:
        """The same chip (layout, topology, compiled evaluators shared) at another
        wavelength (um), e.g. another WDM channel."""
        for shared in ("topology", "evaluate", "resistances"):  # build once, share
            getattr(self, shared)
        other = copy.copy(self)
        _MeshCore.__init__(other, self.n, wl, self.mode_pitch)
        other._tables, other._states = self._tables, self._states  # keyed by wavelength
        return other

    @cached_property
    def topology(self) -> CoreTopology:
        return CoreTopology(self.layout())

    @cached_property
    def evaluate(self) -> Callable[[Any, Tables], jax.Array]:
        """The jitted structured evaluator f(powers_mw, tables) -> n x n transfer."""
        return structured_fn(self.topology)

    @cached_property
    def sax_evaluate(self) -> Callable[[Any, DeviceState], np.ndarray]:
        """The SAX reference, evaluated eagerly (a check, not a benchmark)."""
        return sax_fn(self.topology, jit=False)

    @cached_property
    def resistances(self) -> np.ndarray:
        return heater_resistances(self.topology)

    def state(self, nonideal: NonIdealities | None = None, *, design: bool = False) -> DeviceState:
        """The chip as built (or, ``design``, as the designer knows it) at ``self.wl``."""
        ni = nonideal or NonIdealities.ideal()
        key = ("design" if design else "device", *_state_key(ni, self.wl))
        if key not in self._states:
            maker = design_state if design else device_state
            self._states[key] = maker(self.topology, ni, self.wl)
        return self._states[key]

    def tables(self, nonideal: NonIdealities | None = None, *, design: bool = False) -> Tables:
        ni = nonideal or NonIdealities.ideal()
        key = ("design" if design else "device", *_state_key(ni, self.wl))
        if key not in self._tables:
            self._tables[key] = device_tables(self.topology, self.state(ni, design=design))
        return self._tables[key]

    def _program(
        self, targets: StageTargets, target: np.ndarray, ni: NonIdealities, scale: float
    ) -> CoreSettings:
        topo = self.topology
        if ni.calibration:
            tables = self.tables(ni)
            iters = 100 if ni.thermal_crosstalk else 0
            powers, _ = program_powers(topo, tables, targets, crosstalk_iterations=iters)
            powers = polish_powers(self.evaluate, tables, powers, target, homodyne=self.homodyne)
        else:
            powers, acc = program_powers(topo, self.tables(ni, design=True), targets)
            gain = 1.0 / float(np.mean(np.abs(acc)))
        if ni.dac_bits is not None:
            powers = dac_quantise(powers, ni.dac_bits, self.resistances)
        if ni.calibration:  # the receiver gain and LO phase are measured last
            t = self.evaluate(powers, self.tables(ni))[: target.shape[0], : target.shape[1]]
            gain = complex(_gain_fit(t, jnp.asarray(target), self.homodyne))
        return CoreSettings(
            heaters=tuple(h.name for h in topo.heaters),
            powers_mw=np.asarray(powers, float),
            voltages_v=np.sqrt(np.asarray(powers, float) * 1e-3 * self.resistances),
            gain=complex(gain),
            scale=float(scale),
            shape=target.shape,
            wl=self.wl,
            nonideal=ni,
        )

    def transfer(self, settings: CoreSettings, nonideal: NonIdealities | None = None) -> np.ndarray:
        """The n x n optical field transfer of the chip (structured evaluator)."""
        ni = nonideal or settings.nonideal
        return np.asarray(self.evaluate(settings.powers_mw, self.tables(ni)))

    def sax_transfer(
        self, settings: CoreSettings, nonideal: NonIdealities | None = None
    ) -> np.ndarray:
        """The same from SAX's KLU circuit of the extracted layout netlist."""
        ni = nonideal or settings.nonideal
        return self.sax_evaluate(settings.powers_mw, self.state(ni))

    def _detect(self, t: np.ndarray, settings: CoreSettings) -> np.ndarray:
        rows, cols = settings.shape
        out = settings.gain * t[:rows, :cols]
        return settings.scale * (np.real(out) if self.homodyne else out)


class ClementsCore(_MeshCore):
    """Arbitrary real M x N matrix on the coherent SVD core (``svd_core``), homodyne readout.

    ``program`` decomposes W = scale U Sigma V^H (``circuits.svd.program_svd``), maps the
    phases onto heater powers and returns ``CoreSettings``; ``realised_matrix`` is
    scale Re(gain T)[:M, :N] with T the chip's field transfer at ``wl``.
    """

    kind = "clements"

    def __init__(
        self, rows: int, cols: int, wl: float = WAVELENGTH, mode_pitch: float = 40.0
    ) -> None:
        self.rows, self.cols = _check_modes("rows", rows), _check_modes("cols", cols)
        super().__init__(max(rows, cols), wl, mode_pitch)

    def layout(self) -> gf.Component:
        return svd_core(self.rows, self.cols, mode_pitch=self.mode_pitch)

    def _check_w(self, W: Any) -> np.ndarray:
        W = np.asarray(W)
        if W.shape != (self.rows, self.cols):
            raise ValueError(f"W must have shape ({self.rows}, {self.cols}), got {W.shape}")
        if not np.isrealobj(W) or not np.all(np.isfinite(W)):
            raise ValueError("W must be a finite real matrix")
        if not np.any(W):
            raise ValueError("W is the zero matrix: nothing to program")
        return W.astype(float)

    def program(self, W: Any, nonideal: NonIdealities | None = None) -> CoreSettings:
        """Heater powers (and voltages) realising the real matrix W (rows x cols)."""
        W = self._check_w(W)
        prog = program_svd(W)
        targets = StageTargets((prog.v_mesh, prog.u_mesh), (prog.sigma,))
        return self._program(targets, W / prog.scale, nonideal or NonIdealities.ideal(), prog.scale)

    def realised_matrix(
        self, settings: CoreSettings, nonideal: NonIdealities | None = None
    ) -> np.ndarray:
        """scale Re(gain T)[:rows, :cols]: the signed matrix the homodyne receivers see."""
        return self._detect(self.transfer(settings, nonideal), settings)

    def sax_matrix(
        self, settings: CoreSettings, nonideal: NonIdealities | None = None
    ) -> np.ndarray:
        return self._detect(self.sax_transfer(settings, nonideal), settings)

    def matmul(self, W: Any, X: Any, nonideal: NonIdealities | None = None) -> np.ndarray:
        """Optical W @ X for nonnegative intensity inputs X (cols x batch).

        Inputs become real field amplitudes on one carrier, E = x / max(x) (the scale
        returns electronically); outputs are the in-phase homodyne components.
        """
        X = np.asarray(X, float)
        if X.ndim != 2 or X.shape[0] != self.cols:
            raise ValueError(f"X must have shape ({self.cols}, batch), got {X.shape}")
        if not np.all(np.isfinite(X)) or np.any(X < 0):
            raise ValueError("X must be finite and nonnegative (optical intensities)")
        peak = float(X.max()) or 1.0
        return self.realised_matrix(self.program(W, nonideal), nonideal) @ (X / peak) * peak


class ClementsMeshCore(_MeshCore):
    """One N x N Clements mesh (``clements_mesh``) realising a unitary, coherent readout."""

    kind = "clements_mesh"
    homodyne = False

    def __init__(self, n: int, wl: float = WAVELENGTH, mode_pitch: float = 40.0) -> None:
        super().__init__(_check_modes("n", n), wl, mode_pitch)
        self.rows = self.cols = n

    def layout(self) -> gf.Component:
        return clements_mesh(self.n, mode_pitch=self.mode_pitch)

    def program(self, U: Any, nonideal: NonIdealities | None = None) -> CoreSettings:
        """Heater powers realising the unitary U (n x n)."""
        U = np.asarray(U, complex)
        if U.shape != (self.n, self.n):
            raise ValueError(f"U must have shape ({self.n}, {self.n}), got {U.shape}")
        targets = StageTargets((decompose(U),))
        return self._program(targets, U, nonideal or NonIdealities.ideal(), 1.0)

    def realised_unitary(
        self, settings: CoreSettings, nonideal: NonIdealities | None = None
    ) -> np.ndarray:
        """gain T: the mesh transfer after the electronic gain (equal to U when ideal)."""
        return self._detect(self.transfer(settings, nonideal), settings)

    def sax_unitary(
        self, settings: CoreSettings, nonideal: NonIdealities | None = None
    ) -> np.ndarray:
        return self._detect(self.sax_transfer(settings, nonideal), settings)
