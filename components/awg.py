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

import math
from dataclasses import asdict, dataclass
from typing import Annotated

import gdsfactory as gf
import numpy as np
from gdsfactory.functions import extrude_path

from components.grating_couplers import min_gap
from components.registry import Range, register
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
    return {
        "port_gap_um": min(pitches) - STRIP_WIDTH,
        "min_gap_um": min_gap(c),
        "arms": float(len(arr)),
        "inputs": float(len(io)),
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
