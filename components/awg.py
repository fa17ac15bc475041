r"""Arrayed-waveguide gratings: Rowland star couplers and the cyclic N x N AWGR.

The geometry is computed from the channel plan with the phased-array equations of
Smit & van Dam, "PHASAR-based WDM-devices: principles, design and applications",
IEEE JSTQE 2(2):236 (1996), sec. II, with n_c / n_g the effective / group index of
the arrayed (strip) waveguides, n_s the TE0 index of the 220 nm slab of the free
propagation regions (FPR), d_a / d_o the aperture pitch on the array / I/O side, R the
focal length (grating-circle radius) and lambda_0 the centre wavelength:

* order and length increment:  m = n_c dL / lambda_0 (an integer, so lambda_0 is a
  passband centre);  dL from the free spectral range FSR = lambda_0^2 / (n_g dL)
  (= lambda_0 n_c / (m n_g)).  A cyclic N x N router needs FSR = N d_lambda: m is the
  integer nearest to lambda_0 n_c / (n_g N d_lambda) and the channel spacing is then
  FSR / N, within 1 / (2m) of the requested one, so the routing stays exactly cyclic.
* angular dispersion at the FPR centre:  d theta / d lambda = n_g dL / (lambda_0 n_s d_a);
  output apertures one channel apart, d_o = R (d theta / d lambda) d_lambda, give
  R = d_o d_a n_s lambda_0 / (d_lambda n_g dL)  (cyclic: R = N d_o d_a n_s / lambda_0).
* number of arms: the array, M slots of d_a / R wide, intercepts the fraction
  ``awg.array_capture`` of the far field of an input aperture (its TE0 mode of
  effective width W + 2/gamma, Kogelnik 1975, radiating into the slab).

Star coupler (Rowland mounting): array apertures on the grating circle (radius R,
centred on the focal point F, facing F); I/O apertures on the Rowland circle
(diameter R, through F and the array pole P, facing P). Every aperture is a linear
taper from the strip waveguide; fan-outs turn each radial waveguide into a Manhattan
port with circular bends of one radius that all start at one height, which keeps
neighbours ordered and at least one aperture pitch apart (the horizontal gap between
two such paths never shrinks with distance from the FPR).

Compact models (SAX, beside the cells) know nothing of these design equations:
the star coupler couples the drawn apertures by Fourier optics
(:func:`fpr_coupling`); the router sums the field over the arms with the lengths
MEASURED from its layout (:func:`awgr_field_sum`), so the channel grid, the
passband and the outer channels' extra loss emerge from the geometry, and adds the
fabrication crosstalk floors and excess loss the library quotes
(:func:`awgr_transmission`). :func:`demux_transmission` and
:func:`channel_wavelengths` give its 1 x N demultiplexer view.

::

    awgr: arms nested as a horseshoe, arm k exactly k dL longer than arm 0

         _____________________________
        |   _______________________   |       arm M-1 (longest)
        |  |   _________________   |  |
        |  |  |     _______     |  |  |       arm 0 (shortest)
        |  |  |    |       |    |  |  |
        \  |  |  /         \  |  |  /        star-coupler fan-outs
         ( FPR )           ( FPR )
          |||||             |||||
        o1 .. oN         oN+1 .. o2N          inputs / outputs (south)
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import asdict, dataclass
from functools import cache, partial
from typing import Annotated, Any

import gdsfactory as gf
import jax
import jax.numpy as jnp
import numpy as np
import sax
from gdsfactory.functions import extrude_path

from components.grating_couplers import min_gap
from components.registry import Range, register, register_model
from components.waveguides import (
    T_REF,
    cell_defaults,
    concrete,
    drawn_cell,
    propagation,
    taper_index_offset,
)
from pdk.drc import IGNORE_ANGLE_DEG
from pdk.params import value
from pdk.rules import design_rules

_RULES = design_rules()
WG_MIN_SPACE = _RULES.min_space("WG")
WAVELENGTH = value("constants.wavelength")
N_EFF = value("strip.n_eff")
N_G = value("strip.n_g")
N_SLAB = value("strip.n_eff_slab")
N_CLAD = value("strip.n_cladding")
STRIP_WIDTH = value("strip.width")
DN_DT = value("strip.dn_eff_dT")  # 1/K, taken for the slab too
CHANNEL_SPACING = value("awg.channel_spacing")
APERTURE_PITCH = value("awg.aperture_pitch")
APERTURE_GAP = value("awg.aperture_gap")
TAPER_LENGTH = value("awg.aperture_taper_length")
ARRAY_CAPTURE = value("awg.array_capture")
BEND_RADIUS = float(gf.get_cross_section("strip").radius)
MAX_ARRAY_HALF_ANGLE = math.radians(60.0)  # beyond this the Rowland optics degrade
PORT_STRAIGHT = 1.0  # um of straight waveguide before every port
ARC_STEP = math.radians(0.5)  # drawn arcs: chord sagitta < 0.4 nm at R = 10 um
INNER_ARM_STRAIGHT = 1.0  # um, vertical straight of the shortest arm
ARM_GAP = 2.0  # um of horizontal straight on the shortest arm between its bends
STAR_CLEARANCE = 10.0  # um between the two star couplers


# --- design equations --------------------------------------------------------------


@dataclass(frozen=True)
class AwgDesign:
    """Phased-array design values (um, nm as named)."""

    channels: int
    channel_spacing_target_nm: float
    wavelength_um: float
    order: int
    delta_length_um: float
    fsr_nm: float
    channel_spacing_nm: float
    radius_um: float
    arms: int
    io_pitch_um: float
    array_pitch_um: float
    aperture_width_um: float
    far_field_half_angle_deg: float
    n_eff: float
    n_g: float
    n_slab: float

    def as_info(self) -> dict[str, float]:
        return asdict(self)


def _far_field_cdf(aperture_width: float, wavelength: float) -> tuple[np.ndarray, np.ndarray]:
    """Angles (rad) and the cumulative fraction of the aperture's power within +-angle.

    Mode: cos(pi x / W_e) with W_e = W + 2 / gamma, gamma = k0 sqrt(n_s^2 - n_clad^2)
    (effective width of a strongly guided slab mode, Kogelnik, "Theory of dielectric
    waveguides", in Integrated Optics, Springer 1975). Its angular spectrum is a sum
    of two sinc functions; power per angle ~ |F(k0 n_s sin theta)|^2 cos(theta).
    """
    k0 = 2 * math.pi / wavelength
    w_e = aperture_width + 2 / (k0 * math.sqrt(N_SLAB**2 - N_CLAD**2))
    theta = np.linspace(0.0, math.pi / 2, 20001)
    u = k0 * N_SLAB * np.sin(theta) * w_e / 2
    spectrum = np.sinc((u - math.pi / 2) / math.pi) + np.sinc((u + math.pi / 2) / math.pi)
    power = np.cumsum(spectrum**2 * np.cos(theta))
    return theta, power / power[-1]


def aperture_far_field_capture(
    half_angle: float, aperture_width: float, wavelength: float
) -> float:
    """Fraction of the power an aperture ``aperture_width`` (um) wide radiates into the
    slab within +-``half_angle`` (rad) at ``wavelength`` (um)."""
    theta, cdf = _far_field_cdf(aperture_width, wavelength)
    return float(np.interp(half_angle, theta, cdf))


def awg_design(
    channels: int,
    channel_spacing: float = CHANNEL_SPACING,
    fsr: float | None = None,
    wavelength: float = WAVELENGTH,
    aperture_pitch: float = APERTURE_PITCH,
    aperture_gap: float = APERTURE_GAP,
    capture: float = ARRAY_CAPTURE,
) -> AwgDesign:
    """Phased-array design for ``channels`` outputs ``channel_spacing`` nm apart.

    Args:
        channels: output (and, for the router, input) waveguides N.
        channel_spacing: requested channel spacing (nm).
        fsr: free spectral range (nm); ``None`` = N x channel_spacing (cyclic router).
        wavelength: centre wavelength lambda_0 (um).
        aperture_pitch: aperture pitch d_a = d_o at both FPR sides (um).
        aperture_gap: gap between neighbouring apertures (um).
        capture: far-field fraction the array must intercept.
    """
    cyclic = fsr is None
    fsr_target = channels * channel_spacing if cyclic else fsr
    lam = wavelength
    dl_exact = lam**2 / (N_G * fsr_target * 1e-3)
    order = max(1, round(N_EFF * dl_exact / lam))
    dl = order * lam / N_EFF
    fsr_nm = lam**2 / (N_G * dl) * 1e3
    spacing = fsr_nm / channels if cyclic else channel_spacing
    d = aperture_pitch
    radius = d * d * N_SLAB * lam / (spacing * 1e-3 * N_G * dl)
    width = aperture_pitch - aperture_gap
    theta, cdf = _far_field_cdf(width, lam)
    half = float(np.interp(capture, cdf, theta))
    # M apertures spaced d_a in sin(phi) cover |sin(phi)| <= M d_a / (2 R)
    arms = max(3, math.ceil(2 * radius * math.sin(half) / d))
    return AwgDesign(
        channels=channels,
        channel_spacing_target_nm=channel_spacing,
        wavelength_um=lam,
        order=order,
        delta_length_um=dl,
        fsr_nm=fsr_nm,
        channel_spacing_nm=spacing,
        radius_um=radius,
        arms=arms,
        io_pitch_um=d,
        array_pitch_um=d,
        aperture_width_um=width,
        far_field_half_angle_deg=math.degrees(half),
        n_eff=N_EFF,
        n_g=N_G,
        n_slab=N_SLAB,
    )


# --- star coupler geometry ---------------------------------------------------------


def _arc(start: np.ndarray, heading0: float, heading1: float, radius: float) -> np.ndarray:
    """Points of a circular arc from ``start`` turning the heading (rad) from
    ``heading0`` to ``heading1`` (left turn if heading1 > heading0)."""
    turn = heading1 - heading0
    n = max(2, math.ceil(abs(turn) / ARC_STEP) + 1)
    a = np.linspace(heading0, heading1, n)
    s = 1.0 if turn > 0 else -1.0
    centre = start + s * radius * np.array([-math.sin(heading0), math.cos(heading0)])
    return centre + s * radius * np.column_stack([np.sin(a), -np.cos(a)])


def _fan(
    aperture: np.ndarray,
    out: np.ndarray,
    pivot: np.ndarray,
    y_bend: float,
    final_heading: float,
    taper_length: float,
) -> np.ndarray:
    """Centre line from an aperture's taper end, radially away from ``pivot`` to the
    height ``y_bend``, then a circular bend to ``final_heading`` (+-pi/2)."""
    taper_end = aperture + taper_length * out
    t = (y_bend - pivot[1]) / out[1]
    bend_start = pivot + t * out
    heading0 = math.atan2(out[1], out[0])
    pts = [taper_end]
    if np.hypot(*(bend_start - taper_end)) > 1e-9:
        pts.append(bend_start)
    if abs(heading0 - final_heading) > 1e-12:
        pts.extend(_arc(bend_start, heading0, final_heading, BEND_RADIUS)[1:])
    return np.array(pts)


@dataclass(frozen=True)
class _Aperture:
    centre: np.ndarray  # on the FPR boundary
    out: np.ndarray  # unit vector pointing away from the FPR
    path: np.ndarray  # centre line from the taper end to the port


def _length(points: np.ndarray) -> float:
    return float(np.sum(np.hypot(*np.diff(points, axis=0).T)))


def _face(
    ap: _Aperture, width: float, taper_length: float, centre: np.ndarray, radius: float
) -> np.ndarray:
    """Where the two taper sides (left, right of ``out``) meet the FPR circle, on the grid.

    The FPR outline and the aperture polygon share these corners exactly, so they merge
    with no computed intersection (whose rounding would leave 1 nm slivers). An I/O
    face, cut by the Rowland circle, stands tilted by beta to the aperture axis, as a
    taper truncated by the FPR boundary is drawn in any AWG layout.
    """
    left = np.array([-ap.out[1], ap.out[0]])
    corners = []
    for side in (1.0, -1.0):
        wide = ap.centre + side * width / 2 * left
        narrow = ap.centre + taper_length * ap.out + side * STRIP_WIDTH / 2 * left
        u = (narrow - wide) / np.hypot(*(narrow - wide))
        d = wide - centre  # solve |d + s u| = radius for the root nearest the face
        b, cc = float(np.dot(d, u)), float(np.dot(d, d)) - radius**2
        roots = (-b - math.sqrt(b * b - cc), -b + math.sqrt(b * b - cc))
        corners.append(wide + min(roots, key=abs) * u)
    return gf.snap.snap_to_grid(np.array(corners))


def _aperture_polygon(ap: _Aperture, face: np.ndarray) -> np.ndarray:
    """Taper (from its ``face`` corners to the strip) and its fan-out path, one polygon."""
    # extrude_path returns the left side forward, then the right side backward
    body = extrude_path(ap.path, STRIP_WIDTH, with_manhattan_facing_angles=False)
    return np.vstack([face[:1], body, face[1:]])


def star_geometry(
    inputs: int,
    arms: int,
    radius: float,
    io_pitch: float,
    array_pitch: float,
    taper_length: float,
) -> tuple[list[_Aperture], list[_Aperture]]:
    """I/O apertures (west to east) and array apertures (east to west), in um.

    Focal point F at the origin, array pole P = (0, R). I/O aperture i sits on the
    Rowland circle at the inscribed angle beta_i seen from P,
    Q_i = (R sin(beta) cos(beta), R sin^2(beta)), facing P; array aperture k on the
    grating circle at phi_k from the axis, R (sin(phi), cos(phi)), facing F. Both are
    spaced evenly in sine (sin(beta_i) = (i - (N-1)/2) d_o / R, sin(phi_k) likewise
    with d_a): the path from Q_i to A_k is R cos(beta) - R sin(beta) sin(phi) + O(beta^2),
    so equal sine steps make the phase step between arms exactly even across a wide
    array and the channel grid exactly even across the ports (equal arc steps, the
    textbook choice, shrink both by the mean cos(phi), ~1 % at +-18 deg).
    """
    origin, pole = np.zeros(2), np.array([0.0, radius])
    phis = np.arcsin(((arms - 1) / 2 - np.arange(arms)) * array_pitch / radius)
    betas = np.arcsin((np.arange(inputs) - (inputs - 1) / 2) * io_pitch / radius)

    def finish(aps: list[_Aperture], heading: float) -> list[_Aperture]:
        ends = [ap.path[-1] for ap in aps]
        up = heading > 0
        y = (
            (max(e[1] for e in ends) + PORT_STRAIGHT)
            if up
            else (min(e[1] for e in ends) - PORT_STRAIGHT)
        )
        y = float(gf.snap.snap_to_grid(y))
        out = []
        for ap, end in zip(aps, ends, strict=True):
            port = np.array([float(gf.snap.snap_to_grid(end[0])), y])
            out.append(_Aperture(ap.centre, ap.out, np.vstack([ap.path, port])))
        return out

    array = []
    for phi in phis:
        out = np.array([math.sin(phi), math.cos(phi)])
        centre = radius * out
        path = _fan(centre, out, origin, radius + taper_length, math.pi / 2, taper_length)
        array.append(_Aperture(centre, out, path))
    io = []
    for beta in betas:
        out = np.array([math.sin(beta), -math.cos(beta)])
        centre = np.array([radius * math.sin(beta) * math.cos(beta), radius * math.sin(beta) ** 2])
        path = _fan(centre, out, pole, -taper_length, -math.pi / 2, taper_length)
        io.append(_Aperture(centre, out, path))
    return finish(io, -math.pi / 2), finish(array, math.pi / 2)


def _fpr_outline(io: list[np.ndarray], array: list[np.ndarray]) -> np.ndarray:
    """FPR outline through the aperture faces: array faces west to east along the
    grating circle, then I/O faces east to west along the Rowland circle."""
    top = [f[::-1] if f[0][0] > f[1][0] else f for f in array[::-1]]  # west to east
    bottom = [f[::-1] if f[0][0] < f[1][0] else f for f in io[::-1]]  # east to west
    return np.vstack(top + bottom)


def _measure_star(c: gf.Component) -> dict[str, float]:
    n = int(c.info["inputs"])
    io = sorted(p.center[0] for p in c.ports if int(p.name[1:]) <= n)
    arr = sorted(p.center[0] for p in c.ports if int(p.name[1:]) > n)
    pitches = [float(np.min(np.diff(xs))) for xs in (io, arr) if len(xs) > 1]
    optics = star_optics(c)
    mid = (n - 1) // 2
    to_array = np.abs(np.asarray(fpr_coupling(optics, WAVELENGTH)[mid])) ** 2
    return {
        "port_gap_um": min(pitches) - STRIP_WIDTH,
        "min_gap_um": min_gap(c),
        "arms": float(len(arr)),
        "inputs": float(len(io)),
        "coupling_loss_db": float(-10 * np.log10(to_array.sum())),
    }


_DEFAULT = awg_design(8)


@register(measure=_measure_star)
@gf.cell
def star_coupler(
    inputs: Annotated[
        int, Range(1, 32, "1", "I/O apertures on the Rowland circle", corners=(1, 12))
    ] = _DEFAULT.channels,
    arms: Annotated[
        int, Range(3, 256, "1", "array apertures on the grating circle", corners=(3, 40))
    ] = _DEFAULT.arms,
    radius: Annotated[
        float,
        Range(10.0, 1000.0, "um", "focal length; apertures within +-60 deg", corners=(45.0, 200.0)),
    ] = round(_DEFAULT.radius_um, 3),
    io_pitch: Annotated[
        float, Range(1.0, 10.0, "um", "I/O aperture pitch d_o", corners=(1.0, 2.5))
    ] = APERTURE_PITCH,
    array_pitch: Annotated[
        float, Range(1.0, 10.0, "um", "array aperture pitch d_a", corners=(1.0, 3.0))
    ] = APERTURE_PITCH,
    aperture_gap: Annotated[
        float, Range(0.16, 0.5, "um", "WG min space 0.15 um + 10 nm for vertex snapping")
    ] = APERTURE_GAP,
    taper_length: Annotated[
        float, Range(5.0, 100.0, "um", "aperture taper, adiabatic", corners=(5.0, 50.0))
    ] = TAPER_LENGTH,
) -> gf.Component:
    r"""Rowland-circle star coupler (free propagation region, 220 nm slab) with fan-outs.

    Args:
        inputs: I/O apertures N on the Rowland circle.
        arms: array apertures M on the grating circle.
        radius: focal length R = grating-circle radius (um).
        io_pitch: I/O aperture pitch d_o (um): R times the step in sin(beta).
        array_pitch: array aperture pitch d_a (um): R times the step in sin(phi).
        aperture_gap: gap between neighbouring apertures at the FPR (um).
        taper_length: length of each aperture taper to the strip waveguide (um).

    Ports: ``o1..oN`` I/O waveguides (south, west to east); ``o(N+1)..o(N+M)``
    array waveguides (north, east to west). ``info`` holds the aperture centres and
    the path length from every aperture to its port (um).

    ::

        o(N+M) ... o(N+1)      (north, array side)
           |  |  |  |
            \ \  / /
             \\||//      array apertures on the grating circle (radius R, centre F)
          (   FPR   )
             //|\\       I/O apertures on the Rowland circle (diameter R)
           o1 .. oN            (south, I/O side)
    """
    w_io, w_arr = io_pitch - aperture_gap, array_pitch - aperture_gap
    if min(w_io, w_arr) <= STRIP_WIDTH:
        raise ValueError(
            f"star_coupler: aperture_gap={aperture_gap} um leaves apertures of "
            f"{min(w_io, w_arr):.3f} um, not wider than the {STRIP_WIDTH} um strip"
        )
    sin_phi = (arms - 1) * array_pitch / (2 * radius)
    sin_beta = (inputs - 1) * io_pitch / (2 * radius)
    if sin_phi > math.sin(MAX_ARRAY_HALF_ANGLE):
        raise ValueError(
            f"star_coupler: arms={arms} at array_pitch={array_pitch} um span more than "
            f"+-{math.degrees(MAX_ARRAY_HALF_ANGLE):.0f} deg at radius={radius} um"
        )
    # I/O apertures face P, so the Rowland arc meets the side of the outermost one at
    # 90 deg - beta + the taper half-angle; the DRC reads sharper corners as slivers
    taper_half = math.degrees(math.atan((w_io - STRIP_WIDTH) / (2 * taper_length)))
    corner = 90.0 - math.degrees(math.asin(min(1.0, sin_beta))) + taper_half
    if corner < IGNORE_ANGLE_DEG + 1.0:
        raise ValueError(
            f"star_coupler: inputs={inputs} at io_pitch={io_pitch} um span +-"
            f"{math.degrees(math.asin(min(1.0, sin_beta))):.1f} deg at radius={radius} um; "
            f"the outer I/O apertures would meet the Rowland arc at {corner:.1f} deg "
            f"(< {IGNORE_ANGLE_DEG + 1.0:g} deg)"
        )
    io, array = star_geometry(inputs, arms, radius, io_pitch, array_pitch, taper_length)
    xs = gf.get_cross_section("strip")
    c = gf.Component()
    rowland = (np.array([0.0, radius / 2]), radius / 2)
    grating = (np.zeros(2), radius)
    faces_io = [_face(ap, w_io, taper_length, *rowland) for ap in io]
    faces_array = [_face(ap, w_arr, taper_length, *grating) for ap in array]
    c.add_polygon(_fpr_outline(faces_io, faces_array), layer="WG")
    for ap, face in zip(io + array, faces_io + faces_array, strict=True):
        c.add_polygon(_aperture_polygon(ap, face), layer="WG")
    for i, ap in enumerate(io, start=1):
        c.add_port(
            f"o{i}", center=tuple(ap.path[-1]), width=STRIP_WIDTH, orientation=270, cross_section=xs
        )
    for k, ap in enumerate(array, start=inputs + 1):
        c.add_port(
            f"o{k}", center=tuple(ap.path[-1]), width=STRIP_WIDTH, orientation=90, cross_section=xs
        )
    c.info["inputs"] = inputs
    c.info["arms"] = arms
    c.info["radius_um"] = radius
    c.info["io_pitch_um"] = io_pitch
    c.info["array_pitch_um"] = array_pitch
    c.info["io_aperture_width_um"] = w_io
    c.info["array_aperture_width_um"] = w_arr
    c.info["io_apertures_um"] = [[float(v) for v in ap.centre] for ap in io]
    c.info["array_apertures_um"] = [[float(v) for v in ap.centre] for ap in array]
    c.info["io_path_lengths_um"] = [taper_length + _length(ap.path) for ap in io]
    c.info["array_path_lengths_um"] = [taper_length + _length(ap.path) for ap in array]
    return c


# --- the cyclic router --------------------------------------------------------------


def _is_star(inst) -> bool:
    return "array_path_lengths_um" in inst.cell.info


def arm_lengths(c: gf.Component) -> np.ndarray:
    """Aperture-to-aperture length (um) of every arrayed waveguide, measured from the
    layout: the fan-out path of each star coupler (its ``info``) plus the lengths of
    the waveguide instances met walking port to port from one star coupler to the
    other. Ordered as the first star coupler's array ports (east to west)."""
    stars = [inst for inst in c.insts if _is_star(inst)]
    pieces = [inst for inst in c.insts if not _is_star(inst)]

    def key(port) -> tuple[int, int]:
        return (round(port.center[0] * 1000), round(port.center[1] * 1000))

    at: dict[tuple[int, int], list] = {}
    for inst in pieces:
        for port in inst.ports:
            at.setdefault(key(port), []).append((inst, port))
    star_ports = {key(p): (s, p) for s in stars for p in s.ports}
    first = min(stars, key=lambda s: s.dbbox().left)
    n = int(first.cell.info["inputs"])
    lengths = []
    for k, length0 in enumerate(first.cell.info["array_path_lengths_um"]):
        pos = key(first.ports[f"o{n + 1 + k}"])
        total, previous = float(length0), None
        while True:
            (inst, port) = next(
                (ip for ip in at.get(pos, []) if ip[0] is not previous), (None, None)
            )
            if inst is None:
                break
            total += float(inst.cell.info["length"])
            other = next(p for p in inst.ports if p.name != port.name)
            pos, previous = key(other), inst
        star, port = star_ports[pos]
        if star is first:
            raise ValueError(f"arm {k} of {c.name} returns to the star coupler it left")
        total += float(star.cell.info["array_path_lengths_um"][int(port.name[1:]) - n - 1])
        lengths.append(total)
    return np.array(lengths)


def _measure_awgr(c: gf.Component) -> dict[str, float]:
    return {**router_geometry(c), **router_metrics(**c.settings.model_dump())}


def router_geometry(c: gf.Component) -> dict[str, float]:
    """Phased-array quantities of a drawn router from its measured arm lengths."""
    lengths = arm_lengths(c)
    k = np.arange(len(lengths))
    dl, l0 = np.polyfit(k, lengths, 1)
    info = c.info
    lam = float(info["wavelength_um"])
    n = int(info["channels"])
    fsr = lam**2 / (N_G * dl) * 1e3
    # Smit & van Dam: d_lambda = d_o d_a n_s lambda / (R n_g dL), from the drawn geometry
    spacing = (
        float(info["io_pitch_um"])
        * float(info["array_pitch_um"])
        * N_SLAB
        * lam
        / (float(info["radius_um"]) * N_G * dl)
        * 1e3
    )
    return {
        "delta_length_um": float(dl),
        "arm_length_error_nm": float(np.max(np.abs(lengths - (l0 + dl * k))) * 1e3),
        "fsr_nm": float(fsr),
        "channel_spacing_nm": float(spacing),
        "cyclic_mismatch": float(fsr / (n * spacing) - 1.0),
        "order": float(N_EFF * dl / lam),
        "arms": float(len(lengths)),
    }


@register(measure=_measure_awgr)
@gf.cell
def awgr(
    channels: Annotated[
        int, Range(2, 24, "1", "ports per side of the N x N router", corners=(4, 16))
    ] = 8,
    channel_spacing: Annotated[
        float,
        Range(0.2, 3.2, "nm", "25-400 GHz grid; FSR = N x spacing <= ~20 nm", corners=(0.4, 1.6)),
    ] = CHANNEL_SPACING,
    aperture_pitch: Annotated[
        float, Range(1.5, 4.0, "um", "star-coupler aperture pitch d_a = d_o")
    ] = APERTURE_PITCH,
) -> gf.Component:
    """Cyclic N x N arrayed-waveguide grating router (FSR = N x channel spacing).

    Input p (``o(p+1)``, p = 0..N-1 west to east) reaches output q (``o(N+q+1)``,
    west to east) at lambda_pq = lambda_0 + (p - q) d_lambda + n FSR, the cyclic
    routing the AWGR convolver relies on. Geometry from :func:`awg_design`; the
    arrayed waveguides are nested Manhattan loops (strip, Euler bends) over two
    :func:`star_coupler`, arm k exactly k dL longer than the innermost one.

    Args:
        channels: N, ports per side.
        channel_spacing: requested channel spacing (nm); drawn as FSR / N.
        aperture_pitch: aperture pitch at both sides of both star couplers (um).

    Ports: ``o1..oN`` inputs and ``o(N+1)..o(2N)`` outputs, all south, on one row.

    ::

         ______________________
        |  ________________    |      arm M-1 (longest)
        | |  ____________  |   |
        | | |            | |   |      arm 0 (shortest)
        [ FPR ]          [ FPR ]
        o1 .. oN     oN+1 .. o2N
    """
    d = awg_design(channels, channel_spacing, aperture_pitch=aperture_pitch)
    sc = star_coupler(
        inputs=channels,
        arms=d.arms,
        radius=round(d.radius_um, 3),
        io_pitch=aperture_pitch,
        array_pitch=aperture_pitch,
    )
    bend = gf.get_component("bend_euler", cross_section="strip")
    bend_size = abs(bend.ports["o2"].center[0] - bend.ports["o1"].center[0])
    bend_length = float(bend.info["length"])
    n, paths = channels, sc.info["array_path_lengths_um"]
    x_ports = [sc.ports[f"o{n + 1 + k}"].center[0] for k in range(d.arms)]
    y_top = sc.ports[f"o{n + 1}"].center[1]
    axis = max(x_ports[0] + bend_size + ARM_GAP / 2, sc.dbbox().right + STAR_CLEARANCE / 2)
    axis = math.ceil(axis * 1000) / 1000

    c = gf.Component()
    left = c << sc
    right = c << sc
    right.dmirror_x(0)
    right.dmovex(2 * axis)

    def route_length(k: int, level: float) -> float:
        # backbone minus what each of the two 90 deg bends cuts from its corner
        return 2 * (level - y_top) + 2 * (axis - x_ports[k]) - 2 * (2 * bend_size - bend_length)

    level0 = y_top + bend_size + INNER_ARM_STRAIGHT
    l0 = 2 * paths[0] + route_length(0, level0)
    levels = [level0]
    for k in range(1, d.arms):
        target = l0 + k * d.delta_length_um - 2 * paths[k]
        level = y_top + (target + 2 * (2 * bend_size - bend_length) - 2 * (axis - x_ports[k])) / 2
        level = round(level, 3)
        if level - levels[-1] < bend_size + STRIP_WIDTH + WG_MIN_SPACE:
            raise ValueError(
                f"awgr: channel_spacing={channel_spacing} nm with channels={channels} gives "
                f"FSR {d.fsr_nm:.1f} nm, dL {d.delta_length_um:.1f} um: too short to nest the "
                f"arms around {bend_size} um bends; lower the FSR (N x spacing)"
            )
        levels.append(level)
    for k, level in enumerate(levels):
        name = f"o{n + 1 + k}"
        x2 = right.ports[name].center[0]
        gf.routing.route_single(
            c,
            left.ports[name],
            right.ports[name],
            cross_section="strip",
            steps=[{"y": level}, {"x": x2}],
        )
    for i in range(n):
        c.add_port(f"o{i + 1}", port=left.ports[f"o{i + 1}"])
    for q in range(n):
        c.add_port(f"o{n + q + 1}", port=right.ports[f"o{n - q}"])
    c.info.update(d.as_info())
    c.info["io_pitch_um"] = aperture_pitch
    c.info["array_pitch_um"] = aperture_pitch
    c.info["radius_um"] = round(d.radius_um, 3)
    return c


# --- compact models -----------------------------------------------------------------


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class StarOptics:
    """What the free-propagation model needs of a drawn star coupler (um, local frame).

    Centres from the cell's ``info``; axes (unit vectors into the FPR) from the
    Rowland mounting the cell draws: I/O apertures face the array pole P = (0, R),
    array apertures face the focal point F = (0, 0). A JAX pytree, so the model's
    wavelength-dependent part compiles once per geometry.
    """

    io_centres: np.ndarray  # (N, 2)
    io_axes: np.ndarray  # (N, 2)
    array_centres: np.ndarray  # (M, 2)
    array_axes: np.ndarray  # (M, 2)
    io_width: float
    array_width: float
    io_paths: np.ndarray  # (N,) aperture face to port, taper included
    array_paths: np.ndarray  # (M,)
    taper_length: float
    io_taper_dn: float  # mean n_eff of the I/O taper minus the strip's
    array_taper_dn: float


def star_optics(c: gf.Component) -> StarOptics:
    """:class:`StarOptics` of a drawn :func:`star_coupler`."""
    info = c.info
    radius = float(info["radius_um"])
    io = np.array(info["io_apertures_um"], dtype=float)
    arr = np.array(info["array_apertures_um"], dtype=float)
    to_pole = np.array([0.0, radius]) - io
    w_io, w_arr = float(info["io_aperture_width_um"]), float(info["array_aperture_width_um"])
    return StarOptics(
        io_centres=io,
        io_axes=to_pole / np.hypot(*to_pole.T)[:, None],
        array_centres=arr,
        array_axes=-arr / np.hypot(*arr.T)[:, None],
        io_width=w_io,
        array_width=w_arr,
        io_paths=np.array(info["io_path_lengths_um"], dtype=float),
        array_paths=np.array(info["array_path_lengths_um"], dtype=float),
        taper_length=float(c.settings["taper_length"]),
        io_taper_dn=taper_index_offset(w_io, STRIP_WIDTH),
        array_taper_dn=taper_index_offset(w_arr, STRIP_WIDTH),
    )


def _mode_spectrum(u: jnp.ndarray, effective_width: jnp.ndarray) -> jnp.ndarray:
    """F(u) = integral f(x) exp(-i u x) dx of the unit-power aperture mode
    f = sqrt(2 / W_e) cos(pi x / W_e), |x| < W_e / 2 (real: f is even), u in 1/um."""
    a = u * effective_width / (2 * jnp.pi)
    return jnp.sqrt(effective_width / 2) * (jnp.sinc(a - 0.5) + jnp.sinc(a + 0.5))


def _cross(a: jnp.ndarray, b: jnp.ndarray) -> jnp.ndarray:
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]


@jax.jit
def fpr_coupling(
    optics: StarOptics, wl: sax.FloatArrayLike, temperature: sax.FloatArrayLike = T_REF
) -> jnp.ndarray:
    """Field coupling (..., N, M) from I/O aperture i to array aperture k through the slab.

    Far-field (Fraunhofer) overlap of the two aperture modes, the Fourier-optics
    star-coupler model (Dragone, J. Lightwave Technol. 7:479, 1989; Smit & van Dam
    1996, sec. III) with the exact centre-to-centre distance r_ik in the phase:

        t_ik = sqrt(k / (2 pi r)) F_i(k sin a_i) F_k(k sin a_k) sqrt(cos a_i cos a_k)
               exp(i (k r - pi / 4)),   k = 2 pi n_s / wl,

    a_i, a_k the angles of the line Q_i A_k to each aperture's axis, F the spectrum
    of the TE0 mode of an aperture of effective width W_e = W + 2 / gamma,
    gamma = k0 sqrt(n_s^2 - n_clad^2) (Kogelnik 1975; the far field the cell's
    design uses). The sqrt(cos) obliquity makes a source's radiated power integrate
    to exactly 1 over the half space (Parseval), and t_ik = t_ki (reciprocal).
    Neglected: the Fresnel terms across the apertures (Fresnel number
    W_e^2 n_s / (wl R) ~ 0.13 at the defaults: phase errors up to ~0.1 rad at the
    array edges), slab dispersion (the cell's design equations neglect it too).
    n_s = strip.n_eff_slab + strip.dn_eff_dT (T - T0). If the approximations ever
    made the matrix amplify (largest singular value > 1) it is scaled to 1:
    passive by construction; for the drawn apertures it is ~0.9.
    """
    wl = jnp.asarray(wl, dtype=float)[..., None, None]
    dt = jnp.asarray(temperature, dtype=float)[..., None, None] - T_REF
    d = optics.array_centres[None, :, :] - optics.io_centres[:, None, :]
    r = jnp.hypot(d[..., 0], d[..., 1])
    e = d / r[..., None]
    a_i, a_k = optics.io_axes[:, None, :], -optics.array_axes[None, :, :]
    cos_i, sin_i = jnp.sum(a_i * e, axis=-1), _cross(a_i, e)
    cos_k, sin_k = jnp.sum(a_k * e, axis=-1), _cross(a_k, e)
    k0 = 2 * jnp.pi / wl
    n_s = N_SLAB + DN_DT * dt
    k = k0 * n_s
    gamma = k0 * jnp.sqrt(n_s**2 - N_CLAD**2)
    far = _mode_spectrum(k * sin_i, optics.io_width + 2 / gamma)
    far = far * _mode_spectrum(k * sin_k, optics.array_width + 2 / gamma)
    t = jnp.sqrt(k / (2 * jnp.pi * r) * cos_i * cos_k) * far * jnp.exp(1j * (k * r - jnp.pi / 4))
    largest = jnp.linalg.svd(t, compute_uv=False)[..., :1, None]
    return t / jnp.maximum(1.0, largest)


def _fan_outs(
    paths: jnp.ndarray, dn: float, taper: float, wl: jnp.ndarray, temperature: jnp.ndarray
) -> jnp.ndarray:
    """Aperture-to-port field transmission (..., n): the linear taper at its mean n_eff
    (:func:`components.waveguides.taper_index_offset`), then the strip fan-out."""
    wl, temperature = wl[..., None], temperature[..., None]
    return propagation(taper, wl, temperature, dn=dn) * propagation(paths - taper, wl, temperature)


@jax.jit
def star_transfer(
    optics: StarOptics, wl: sax.FloatArrayLike, temperature: sax.FloatArrayLike = T_REF
) -> jnp.ndarray:
    """Port-to-port field transmission (..., N, M): I/O port i to array port k."""
    wl, temperature = jnp.asarray(wl, dtype=float), jnp.asarray(temperature, dtype=float)
    o = optics
    io = _fan_outs(o.io_paths, o.io_taper_dn, o.taper_length, wl, temperature)
    arr = _fan_outs(o.array_paths, o.array_taper_dn, o.taper_length, wl, temperature)
    return io[..., :, None] * fpr_coupling(o, wl, temperature) * arr[..., None, :]


@cache
def _drawn_star(**settings: float) -> StarOptics:
    return star_optics(drawn_cell(star_coupler, **settings))


_STAR = cell_defaults(star_coupler)


@register_model("star_coupler")
def star_coupler_model(
    *,
    inputs: int = _STAR["inputs"],
    arms: int = _STAR["arms"],
    radius: float = _STAR["radius"],
    io_pitch: float = _STAR["io_pitch"],
    array_pitch: float = _STAR["array_pitch"],
    aperture_gap: float = _STAR["aperture_gap"],
    taper_length: float = _STAR["taper_length"],
    wl: sax.FloatArrayLike = WAVELENGTH,
    temperature: sax.FloatArrayLike = T_REF,
) -> sax.SDict:
    """Rowland star coupler: Fourier-optics coupling between the drawn apertures.

    S(o_i, o_(N+1+k)) = fan_i * t_ik * fan_k, t_ik from :func:`fpr_coupling` between
    the drawn aperture centres, fan-outs the strip (and taper) over the drawn path
    lengths in ``info``. Apertures on one side do not couple to each other and the
    FPR reflects nothing (real FPRs return < -30 dB); the power an input sends past
    the array (~1 % by design, ``awg.array_capture``) and the mode mismatch at the
    apertures are lost. Passive and reciprocal by construction.

    Args:
        inputs, arms, radius, io_pitch, array_pitch, aperture_gap, taper_length: the
            cell's geometry (1, 1, um, um, um, um, um); concrete numbers.
        wl: wavelength (um), scalar or array.
        temperature: temperature (K) of slab and fan-outs.

    The ports depend on ``inputs`` and ``arms``, and SAX learns a model's ports from
    one call at its defaults: in a circuit with another star coupler, bind them
    (``functools.partial(star_coupler_model, inputs=4, arms=10)``).
    """
    model = "star_coupler"
    geometry = {
        "inputs": inputs,
        "arms": arms,
        "radius": radius,
        "io_pitch": io_pitch,
        "array_pitch": array_pitch,
        "aperture_gap": aperture_gap,
        "taper_length": taper_length,
    }
    optics = _drawn_star(**{k: concrete(model, k, v) for k, v in geometry.items()})
    t = star_transfer(optics, wl, temperature)
    n = len(optics.io_centres)
    s = {
        (f"o{i + 1}", f"o{n + k + 1}"): t[..., i, k]
        for i in range(n)
        for k in range(len(optics.array_centres))
    }
    return sax.reciprocal(s)


# --- the router's model ------------------------------------------------------------

INSERTION_LOSS_DB = value("awg.insertion_loss")
CROSSTALK_ADJACENT_DB = value("awg.crosstalk_adjacent")
CROSSTALK_NONADJACENT_DB = value("awg.crosstalk_nonadjacent")
MAX_CROSSTALK_DB = -10.0  # above this the floors are no longer a small perturbation


@dataclass(frozen=True, eq=False)
class RouterLayout:
    """What the router model needs of a drawn :func:`awgr` (um)."""

    star: StarOptics  # both star couplers are this cell; the east one drawn mirrored
    routed: np.ndarray  # (M,) arm length between the two star couplers' array ports
    wavelength: float  # lambda_0, a passband centre of the design
    fsr: float  # lambda_0^2 / (n_g dL), dL measured from the layout
    spacing: float  # FSR / N
    centre_row: np.ndarray  # F from the centre input c = (N - 1) // 2 to every output at lambda_0

    @property
    def channels(self) -> int:
        return len(self.star.io_centres)


@cache
def router_layout(channels: float, channel_spacing: float, aperture_pitch: float) -> RouterLayout:
    """:class:`RouterLayout` of the router drawn with these settings (cached)."""
    c = drawn_cell(
        awgr, channels=channels, channel_spacing=channel_spacing, aperture_pitch=aperture_pitch
    )
    (star,) = {inst.cell for inst in c.insts if _is_star(inst)}
    optics = star_optics(star)
    measured = router_geometry(c)
    layout = RouterLayout(
        star=optics,
        routed=arm_lengths(c) - 2 * optics.array_paths,
        wavelength=float(c.info["wavelength_um"]),
        fsr=measured["fsr_nm"] * 1e-3,
        spacing=measured["channel_spacing_nm"] * 1e-3,
        centre_row=np.zeros(0),
    )
    mid = (layout.channels - 1) // 2
    row = np.asarray(awgr_field_sum(layout, layout.wavelength)[mid])
    return dataclasses.replace(layout, centre_row=row)


def awgr_field_sum(
    layout: RouterLayout, wl: sax.FloatArrayLike, temperature: sax.FloatArrayLike = T_REF
) -> jnp.ndarray:
    """Field transmission F (..., N, N) from input p to output q of the drawn router.

    Phased-array field sum F_pq = sum_k S1(p, k) exp(i phi_k) S1(N - 1 - q, k): S1
    the star coupler's port-to-port transfer (:func:`star_transfer`), phi_k the
    strip propagation (dispersive n_eff, loss) over the routed part of arm k as
    measured from the layout; the east star coupler, drawn mirrored, reaches
    output q (west to east) through its local I/O port N - 1 - q. Nothing here
    knows the design equations: the channel grid emerges from the drawn lengths.
    """
    return _field_sum(layout.star, jnp.asarray(layout.routed), wl, temperature)


@jax.jit
def _field_sum(
    star: StarOptics, routed: jnp.ndarray, wl: sax.FloatArrayLike, temperature: sax.FloatArrayLike
) -> jnp.ndarray:
    wl, temperature = jnp.asarray(wl, dtype=float), jnp.asarray(temperature, dtype=float)
    s1 = star_transfer(star, wl, temperature)
    arms = propagation(routed, wl[..., None], temperature[..., None])
    return jnp.einsum("...pk,...k,...qk->...pq", s1, arms, s1[..., ::-1, :])


def crosstalk_mixer(channels: int, adjacent_db: Any, nonadjacent_db: Any) -> jnp.ndarray:
    """Passive circulant K (N x N) with |K_(q+-1)q / K_qq|^2 = adjacent and every other
    |K_q'q / K_qq|^2 = nonadjacent exactly (powers in dB; neighbours counted cyclically,
    as the channels of a cyclic router are).

    K = a (I + i X), X real, symmetric and circulant with |X_q'q| the floor amplitudes:
    K is symmetric and normal, its singular values a sqrt(1 + x_j^2) (x_j the real
    eigenvalues of X); a = 1 / max_j sqrt(1 + x_j^2) makes the largest exactly 1.
    The leakage is in quadrature with the through path, as a weak scatterer's is;
    the signs of X's entries (:func:`_leak_signs`) keep max |x_j|, the power the
    construction throws away, small (0.09 dB at N = 8 with the library's floors).
    -inf dB gives K = I.
    """
    return _mixer(
        int(channels), jnp.asarray(adjacent_db, float), jnp.asarray(nonadjacent_db, float)
    )


@partial(jax.jit, static_argnums=0)
def _mixer(channels: int, adjacent_db: jnp.ndarray, nonadjacent_db: jnp.ndarray) -> jnp.ndarray:
    n = np.arange(channels)
    hops = np.minimum(n, channels - n)
    adjacent, other = 10.0 ** (adjacent_db / 20.0), 10.0 ** (nonadjacent_db / 20.0)
    x = jnp.where(hops == 0, 0.0, jnp.where(hops == 1, adjacent, other)) * _leak_signs(channels)
    eigen = jnp.fft.fft(x).real  # x is real and symmetric
    column = (jnp.where(hops == 0, 1.0, 0.0) + 1j * x) / jnp.sqrt(1.0 + jnp.max(eigen**2))
    return column[(n[:, None] - n[None, :]) % channels]


@cache
def _leak_signs(channels: int) -> np.ndarray:
    """Signs (+-1, symmetric, + for the neighbours) of the floors beyond the neighbours
    that minimise the largest eigenvalue of X for the library's floors (exhaustive:
    at most 2^11 patterns for N = 24)."""
    n = np.arange(channels)
    hops = np.minimum(n, channels - n)
    far = sorted(set(hops[hops > 1].tolist()))
    patterns = np.array(list(itertools.product((1.0, -1.0), repeat=len(far))))  # (P, H)
    signs = np.ones((len(patterns), channels))
    for j, h in enumerate(far):
        signs[:, hops == h] = patterns[:, j : j + 1]
    floors = np.where(
        hops == 1, 10 ** (CROSSTALK_ADJACENT_DB / 20), 10 ** (CROSSTALK_NONADJACENT_DB / 20)
    )
    x = np.where(hops == 0, 0.0, floors) * signs
    return signs[np.argmin(np.abs(np.fft.fft(x, axis=1).real).max(axis=1))]


def _check_at_most(name: str, x: Any, maximum: float) -> None:
    try:
        bad = np.asarray(x, dtype=float) > maximum
    except Exception:  # traced: checked where the value is concrete
        return
    if np.any(bad):
        raise ValueError(f"awgr: {name}={x!r} is invalid; allowed: <= {maximum:g}")


def _check_insertion_loss(insertion_loss_db: Any, centre: Any) -> None:
    """Refuse a loss below what the drawn router loses by itself (``centre``: |field|)."""
    try:
        intrinsic = -20.0 * math.log10(float(centre))
        bad = np.asarray(insertion_loss_db, dtype=float) < intrinsic - 1e-12
    except Exception:  # traced: g is clipped to 1 below, the router's own loss
        return
    if np.any(bad):
        raise ValueError(
            f"awgr: insertion_loss_db={insertion_loss_db!r} is invalid; allowed: >= "
            f"{intrinsic:.3f} dB, what the drawn router loses by itself at its centre "
            "channel (far-field truncation, mode mismatch, arm loss, crosstalk floors)"
        )


_AWGR = cell_defaults(awgr)


def awgr_transmission(
    wl: sax.FloatArrayLike,
    *,
    channels: int = _AWGR["channels"],
    channel_spacing: float = _AWGR["channel_spacing"],
    aperture_pitch: float = _AWGR["aperture_pitch"],
    temperature: sax.FloatArrayLike = T_REF,
    insertion_loss_db: sax.FloatArrayLike = INSERTION_LOSS_DB,
    crosstalk_adjacent_db: sax.FloatArrayLike = CROSSTALK_ADJACENT_DB,
    crosstalk_nonadjacent_db: sax.FloatArrayLike = CROSSTALK_NONADJACENT_DB,
) -> jnp.ndarray:
    """Field transmission A (..., N, N), input p (``o(p+1)``) to output q (``o(N+q+1)``).

    A_pq = g sum_r F_pr K_qr: F the drawn router's field sum (:func:`awgr_field_sum`:
    the cyclic routing, the passband from the aperture-mode overlap, the outer
    channels' extra loss), K the crosstalk floors (:func:`crosstalk_mixer`; Si AWG
    crosstalk comes from fabrication phase errors the drawn geometry does not
    have, so it is added at the measured level) and
    g = 10^(-IL / 20) / |(F K^T)_cc(lambda_0)| <= 1 the excess loss (scattering,
    phase errors) that makes the centre channel c = (N - 1) // 2 lose exactly
    ``insertion_loss_db`` at lambda_0 and T0. ||F|| <= 1, ||K|| = 1 and g <= 1 make
    ||A|| <= 1 for every parameter value. Arguments as :func:`awgr_model`.
    """
    model = "awgr"
    layout = router_layout(
        concrete(model, "channels", channels),
        concrete(model, "channel_spacing", channel_spacing),
        concrete(model, "aperture_pitch", aperture_pitch),
    )
    _check_at_most("crosstalk_adjacent_db", crosstalk_adjacent_db, MAX_CROSSTALK_DB)
    _check_at_most("crosstalk_nonadjacent_db", crosstalk_nonadjacent_db, MAX_CROSSTALK_DB)
    mixer = crosstalk_mixer(layout.channels, crosstalk_adjacent_db, crosstalk_nonadjacent_db)
    mid = (layout.channels - 1) // 2
    centre = jnp.abs(jnp.dot(layout.centre_row, mixer[mid]))
    _check_insertion_loss(insertion_loss_db, centre)
    g = jnp.minimum(1.0, 10.0 ** (-jnp.asarray(insertion_loss_db) / 20.0) / centre)
    field = awgr_field_sum(layout, wl, temperature)
    return g * jnp.einsum("...pr,qr->...pq", field, mixer)


@register_model("awgr")
def awgr_model(
    *,
    channels: int = _AWGR["channels"],
    channel_spacing: float = _AWGR["channel_spacing"],
    aperture_pitch: float = _AWGR["aperture_pitch"],
    wl: sax.FloatArrayLike = WAVELENGTH,
    temperature: sax.FloatArrayLike = T_REF,
    insertion_loss_db: sax.FloatArrayLike = INSERTION_LOSS_DB,
    crosstalk_adjacent_db: sax.FloatArrayLike = CROSSTALK_ADJACENT_DB,
    crosstalk_nonadjacent_db: sax.FloatArrayLike = CROSSTALK_NONADJACENT_DB,
) -> sax.SDict:
    """Cyclic N x N AWG router from its drawn geometry, with measured crosstalk and loss.

    Input p (``o(p+1)``, west to east) reaches output q (``o(N+q+1)``, west to east)
    at lambda_pq(n) = lambda_0 + (p - q) d_lambda + n FSR, as the field sum over the
    MEASURED arm lengths yields it (:func:`awgr_transmission`); Gaussian-like
    passbands, ~0.57 of the spacing wide at 3 dB for the default, from the overlap
    of the focal spot with the output aperture's mode; outer channels lose more
    (array element pattern). Inputs do not couple to inputs nor outputs to outputs,
    no reflection (AWG return loss is typically > 30 dB).

    Args:
        channels, channel_spacing, aperture_pitch: the cell's settings (1, nm, um);
            they select the drawn router, so they must be concrete numbers.
        wl: wavelength (um), scalar or array.
        temperature: chip temperature (K); shifts the channels by
            lambda_0 dn/dT / n_g ~ 69 pm/K (arms and slab alike).
        insertion_loss_db: centre channel's loss at its centre (dB), awg.insertion_loss;
            at least the drawn router's own loss (2.26 dB at the defaults).
        crosstalk_adjacent_db: power leaking into each cyclic neighbour output
            relative to the addressed one (dB), awg.crosstalk_adjacent.
        crosstalk_nonadjacent_db: the same into every other output (dB),
            awg.crosstalk_nonadjacent.

    The ports depend on ``channels``, and SAX learns a model's ports from one call
    at its defaults: in a circuit with another N, bind it
    (``functools.partial(awgr_model, channels=4)``).
    """
    a = awgr_transmission(
        wl,
        channels=channels,
        channel_spacing=channel_spacing,
        aperture_pitch=aperture_pitch,
        temperature=temperature,
        insertion_loss_db=insertion_loss_db,
        crosstalk_adjacent_db=crosstalk_adjacent_db,
        crosstalk_nonadjacent_db=crosstalk_nonadjacent_db,
    )
    n = a.shape[-1]
    s = {(f"o{p + 1}", f"o{n + q + 1}"): a[..., p, q] for p in range(n) for q in range(n)}
    return sax.reciprocal(s)


def demux_transmission(wl: sax.FloatArrayLike, input_port: int = 0, **router: Any) -> jnp.ndarray:
    """The router as a 1 x N demultiplexer: field transmission (..., N) from input
    ``input_port`` (0-based, west to east) to outputs q = 0..N-1 at ``wl`` (um).

    ``router``: any :func:`awgr_transmission` keyword (cell settings, temperature,
    loss and crosstalk). Power is ``abs(...)**2``; at the channel wavelengths
    (:func:`channel_wavelengths`) this is the per-wavelength demux matrix.
    """
    n = _layout_of(router).channels
    if not 0 <= input_port < n:
        raise ValueError(
            f"demux_transmission: input_port={input_port!r} is invalid; allowed: 0..{n - 1}"
        )
    return awgr_transmission(wl, **router)[..., input_port, :]


def _layout_of(router: dict[str, Any]) -> RouterLayout:
    geometry = {
        k: router.get(k, _AWGR[k]) for k in ("channels", "channel_spacing", "aperture_pitch")
    }
    return router_layout(*(concrete("awgr", k, v) for k, v in geometry.items()))


def channel_wavelengths(input_port: int = 0, **router: Any) -> np.ndarray:
    """Passband centre (um) of every output q = 0..N-1 for input ``input_port``, within
    one FSR around lambda_0: the peak of the model's transmission near
    lambda_0 + (p - q) d_lambda (mod FSR), refined by a parabola through the three
    highest samples in dB (exact for a Gaussian passband). ``router`` as in
    :func:`demux_transmission`."""
    layout = _layout_of(router)
    fsr, dlam = layout.fsr, layout.spacing
    q = np.arange(layout.channels)
    nominal = layout.wavelength + ((input_port - q) * dlam + fsr / 2) % fsr - fsr / 2
    step = dlam / 100
    grid = nominal[:, None] + np.arange(-40, 41)[None, :] * step  # (N, 81)
    power = np.abs(np.asarray(demux_transmission(grid, input_port, **router))) ** 2
    power = power[q, :, q]  # output q on its own grid
    i = np.clip(np.argmax(power, axis=1), 1, grid.shape[1] - 2)
    y = 10 * np.log10(np.take_along_axis(power, np.stack([i - 1, i, i + 1], axis=1), axis=1))
    shift = 0.5 * (y[:, 0] - y[:, 2]) / (y[:, 0] - 2 * y[:, 1] + y[:, 2])
    return grid[q, i] + shift * step


def _hops(channels: int) -> np.ndarray:
    """Cyclic distance |q' - q| (mod N) between every two outputs."""
    n = np.arange(channels)
    d = (n[:, None] - n[None, :]) % channels
    return np.minimum(d, channels - d)


def router_metrics(**router: Any) -> dict[str, float]:
    """Insertion loss, crosstalk and loss uniformity (dB) of the model on the system grid.

    Channel centres lambda_0 + (p - q) x the requested spacing (mod FSR), the grid
    the router was asked for (``channel_spacing``); ``router`` as in
    :func:`demux_transmission`. Crosstalk of pair (p, q) into output q' is
    |A_pq'|^2 / |A_pq|^2 at the pair's centre; ``*_db`` are power means over all
    pairs, ``*_worst_db`` the worst pair, ``crosstalk_total_worst_db`` the worst
    sum over all q' != q (what one photodetector collects from the other channels).
    """
    layout = _layout_of(router)
    n, fsr = layout.channels, layout.fsr
    spacing = float(router.get("channel_spacing", _AWGR["channel_spacing"])) * 1e-3
    offsets = np.arange(-(n - 1), n)  # p - q
    grid = layout.wavelength + (offsets * spacing + fsr / 2) % fsr - fsr / 2
    power = np.abs(np.asarray(awgr_transmission(grid, **router))) ** 2  # (2N - 1, N, N)
    p, q = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    at_centre = power[p - q + n - 1, p]  # (p, q, q'): input p at its centre for q
    main = at_centre[p, q, q]
    ratio = at_centre / main[..., None]
    hops = _hops(n)[q]  # (p, q, q')
    adjacent, other = ratio[hops == 1], ratio[hops > 1]
    total = np.where(hops > 0, ratio, 0.0).sum(axis=-1)
    mid = (n - 1) // 2
    out = {
        "insertion_loss_db": float(-10 * np.log10(main[mid, mid])),
        "loss_uniformity_db": float(10 * np.log10(main.max() / main.min())),
        "crosstalk_adjacent_db": float(10 * np.log10(adjacent.mean())),
        "crosstalk_adjacent_worst_db": float(10 * np.log10(adjacent.max())),
        "crosstalk_total_worst_db": float(10 * np.log10(total.max())),
    }
    if other.size:
        out["crosstalk_nonadjacent_db"] = float(10 * np.log10(other.mean()))
        out["crosstalk_nonadjacent_worst_db"] = float(10 * np.log10(other.max()))
    return out
