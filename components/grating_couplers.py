r"""C-band TE focusing grating couplers and fibre-array rows of them.

The grating is a shallow-etch grating of the process: teeth are the full 220 nm
core (``WG``) and the trenches between them keep the 90 nm slab (``SLAB90`` drawn
under the whole grating, ``WG`` absent), i.e. a 130 nm etch. First-order Bragg
(phase-matching) condition for a fibre tilted by ``theta`` from the surface normal,
``theta`` measured in the index-matched top cladding of index ``n_clad``
(Chrostowski & Hochberg, *Silicon Photonics Design*, CUP 2015, ch. 5)::

    period = lambda / (n_eff_grating - n_clad sin(theta))
    n_eff_grating = ff n_220 + (1 - ff) n_90        (fill-factor average)

``n_220``/``n_90`` are the TE0 indices of the 220 nm and 90 nm slabs; ``ff`` is the
unetched fraction of a period. The teeth are confocal ellipses sharing a focus at
the waveguide port, which focuses the tilted fibre mode into the taper (Van Laere
et al., IEEE Photon. Technol. Lett. 19:1919, 2007); every member of the family is the same
ellipse scaled about that focus, so the local fill factor is constant along a
tooth and the trench narrows off-axis only with the local period.

Compact models (SAX): a Gaussian spectrum with the library's peak loss and 1 dB
bandwidth, centred where the Bragg condition puts the DRAWN period and fill
factor (:func:`grating_coupler_focusing_te_model`); the fibre-array row composes
its couplers and the loopback (:func:`grating_coupler_array_127_model`).

::

         grating_coupler_focusing_te                grating_coupler_array_127

               _ _ _ _                         o1      o2      o3     (127 um pitch)
              | | | | |) <- SLAB90              |       |       |
      o1 ____/  | | | |)                      [GC]    [GC]    [GC]
      (WG)   \__| | | |)   o2: fibre             :       :       :
              |_|_|_|_|)   (vertical_te)      fiber1  fiber2  fiber3
"""

from __future__ import annotations

import math
from functools import cache
from typing import Annotated, Any

import gdsfactory as gf
import jax.numpy as jnp
import kfactory as kf
import klayout.db as kdb
import numpy as np
import sax
from gdsfactory.components.grating_couplers.functions import ellipse_arc
from gdsfactory.routing.auto_taper import add_auto_tapers

from components.registry import Range, register, register_model
from components.waveguides import (
    T_REF,
    cell_defaults,
    check_at_least,
    concrete,
    drawn_cell,
    layer_region,
    propagation,
)
from pdk.drc import IGNORE_ANGLE_DEG
from pdk.layer_stack import THICKNESS
from pdk.params import value
from pdk.rules import design_rules

_RULES = design_rules()
WG_MIN_SPACE = _RULES.min_space("WG")
WG_MIN_WIDTH = _RULES.min_width("WG")
WAVELENGTH = value("grating_coupler.peak_wavelength")
PERIOD = value("grating_coupler.period")
FILL_FACTOR = value("grating_coupler.fill_factor")
FIBER_ANGLE = value("grating_coupler.fiber_angle")
FIBER_PITCH = value("grating_coupler.fiber_pitch")
N_UNETCHED = value("strip.n_eff_slab")  # 220 nm slab, TE0
N_ETCHED = value("grating_coupler.n_eff_etched")  # 90 nm slab, TE0
N_CLAD = value("strip.n_cladding")
ETCH_DEPTH = THICKNESS["core"] - THICKNESS["slab"]
SLAB_MARGIN = 1.0  # um of SLAB90 around the grating teeth
ARC_STEP = 1.0  # deg, angular step of the drawn ellipse arcs (< 2 nm sagitta)
SNAP_TOLERANCE = 0.002  # um a drawn trench may lose to vertex snapping


def grating_n_eff(fill_factor: float) -> float:
    """Fill-factor averaged TE0 index of the grating region (dimensionless)."""
    return fill_factor * N_UNETCHED + (1.0 - fill_factor) * N_ETCHED


def bragg_period(
    wavelength: float = WAVELENGTH,
    fill_factor: float = FILL_FACTOR,
    fiber_angle: float = FIBER_ANGLE,
) -> float:
    """First-order Bragg period (um) for ``wavelength`` (um) and a fibre tilted by
    ``fiber_angle`` (deg, in the cladding): lambda / (n_eff - n_clad sin(theta))."""
    return wavelength / (grating_n_eff(fill_factor) - N_CLAD * math.sin(math.radians(fiber_angle)))


def peak_wavelength(period: float, fill_factor: float, fiber_angle: float) -> float:
    """Wavelength (um) a grating of ``period`` (um) couples to a fibre at ``fiber_angle``."""
    return period * (grating_n_eff(fill_factor) - N_CLAD * math.sin(math.radians(fiber_angle)))


def _ellipse(period: float, wavelength: float, fiber_angle: float) -> tuple[float, float, float]:
    """Semi-axes a, b and centre offset x0 (um) of the unit ellipse of the confocal family.

    Scaled by p about the focus (the waveguide port at the origin), the ellipse
    crosses the axis at p * period; points of equal optical phase for the tilted
    fibre, n r - n_clad sin(theta) x = p lambda, lie on it. ``a + x0 == period`` exactly.
    """
    s = N_CLAD * math.sin(math.radians(fiber_angle))
    n = wavelength / period + s  # index that puts the phase fronts one period apart
    d = n * n - s * s
    return wavelength * n / d, wavelength / math.sqrt(d), wavelength * s / d


def _arc(p: float, ellipse: tuple[float, float, float], half_angle: float) -> np.ndarray:
    a, b, x0 = ellipse
    return ellipse_arc(p * a, p * b, p * x0, -half_angle, half_angle, ARC_STEP)


def min_trench(
    period: float, fill_factor: float, fiber_angle: float, taper_angle: float, wavelength: float
) -> float:
    """Narrowest trench (um) of the drawn grating: at the ends of the teeth, where the
    confocal ellipses are closest, (1 - ff) period (1 - e) / (1 - e cos(half angle))."""
    a, b, _ = _ellipse(period, wavelength, fiber_angle)
    e = math.sqrt(max(0.0, 1 - (b / a) ** 2))
    half = math.radians(taper_angle / 2)
    return (1 - fill_factor) * period * (1 - e) / (1 - e * math.cos(half))


def _measure_gc(c: gf.Component) -> dict[str, float]:
    teeth = teeth_on_axis(c)
    centres = teeth.mean(axis=1)
    period = float(np.polyfit(np.arange(len(centres)), centres, 1)[0])
    ff = float(np.mean(teeth[:, 1] - teeth[:, 0]) / period)
    angle = float(c.info["fiber_angle_deg"])
    target = float(c.info["wavelength_um"])
    bragg = bragg_period(target, ff, angle)
    return {
        "period_um": period,
        "fill_factor": ff,
        "bragg_period_um": bragg,
        "period_error_nm": (period - bragg) * 1e3,
        "peak_wavelength_nm": peak_wavelength(period, ff, angle) * 1e3,
        "teeth": float(len(teeth)),
        "min_trench_um": min_gap(c),
        **coupler_spectrum_metrics(c.settings.model_dump()),
    }


def coupler_spectrum_metrics(settings: dict[str, Any], **physics: Any) -> dict[str, float]:
    """Peak loss (dB), 1 dB bandwidth (nm) and the worst loss over the system band
    (dB; ``SYSTEM_BAND_NM`` centred on constants.wavelength) read off the model's
    spectrum at 0.01 nm steps. ``physics``: the model's loss, bandwidth, reflection."""

    def power(wl: np.ndarray) -> np.ndarray:
        s = grating_coupler_focusing_te_model(**settings, **physics, wl=wl)
        return np.abs(np.asarray(s[("o1", "o2")])) ** 2

    centre = drawn_peak_wavelength(**settings)
    wl = np.linspace(centre - 0.15, centre + 0.15, 30001)
    spectrum = 10 * np.log10(power(wl))
    level = spectrum.max() - 1.0
    inside = np.flatnonzero(spectrum >= level)
    lo, hi = inside[0], inside[-1]  # the 1 dB points, interpolated linearly in dB
    left = np.interp(level, spectrum[lo - 1 : lo + 1], wl[lo - 1 : lo + 1])
    right = np.interp(level, spectrum[hi : hi + 2][::-1], wl[hi : hi + 2][::-1])
    half_band = SYSTEM_BAND_NM * 1e-3 / 2
    band = power(np.linspace(-half_band, half_band, 2561) + value("constants.wavelength"))
    return {
        "peak_loss_db": float(-spectrum.max()),
        "bandwidth_1db_nm": float((right - left) * 1e3),
        "band_loss_db": float(-10 * np.log10(band.min())),
    }


def min_gap(c: gf.Component, search: float = 1.0) -> float:
    """Narrowest gap (um) between ``WG`` shapes anywhere in ``c`` (``search`` if none
    is closer): KLayout's space check, as the DRC runs it."""
    region = layer_region(c, "WG")
    dbu = c.kcl.layout.dbu
    pairs = region.space_check(round(search / dbu), False, kdb.Metrics.Euclidian, IGNORE_ANGLE_DEG)

    def to_edge(p: kdb.Point, e: kdb.Edge) -> float:
        return p.distance(e.p1) if e.is_degenerate() else e.euclidian_distance(p)

    def gap(ep: kdb.EdgePair) -> float:
        # EdgePair.distance() reads 0 when an edge is a corner point: measure end points
        a, b = ep.first, ep.second
        return min(to_edge(b.p1, a), to_edge(b.p2, a), to_edge(a.p1, b), to_edge(a.p2, b))

    return min((gap(ep) * dbu for ep in pairs.each()), default=search)


def teeth_on_axis(c: gf.Component) -> np.ndarray:
    """(x_start, x_end) in um of every grating tooth along the coupler's axis (y = 0),
    cut from the merged ``WG`` shapes of the layout (the taper is not a tooth)."""
    region = layer_region(c, "WG")
    dbu = c.kcl.layout.dbu
    box = c.kdb_cell.bbox()
    cut = region & kdb.Region(kdb.Box(box.left, -1, box.right, 1))
    spans = sorted((p.bbox().left * dbu, p.bbox().right * dbu) for p in cut.each())
    return np.array([s for s in spans if s[0] > 0.0])  # the taper starts at the port, x = 0


@register(measure=_measure_gc)
@gf.cell
def grating_coupler_focusing_te(
    period: Annotated[
        float,
        Range(
            0.55,
            0.80,
            "um",
            "first-order Bragg period in the C-band for 0-20 deg tilt",
            corners=(0.62, 0.75),
        ),
    ] = PERIOD,
    fill_factor: Annotated[
        float,
        Range(0.3, 0.75, "1", "teeth and trenches (1 - ff) period >= WG min width / space"),
    ] = FILL_FACTOR,
    fiber_angle: Annotated[
        float, Range(0.0, 20.0, "deg", "fibre tilt from normal, in the cladding")
    ] = FIBER_ANGLE,
    wavelength: Annotated[
        float, Range(1.50, 1.60, "um", "C-band design wavelength of the focusing ellipses")
    ] = WAVELENGTH,
    n_periods: Annotated[
        int, Range(10, 60, "1", "grating length ~ 1-4x the 10.4 um fibre MFD", corners=(10, 40))
    ] = 30,
    taper_length: Annotated[
        float, Range(8.0, 40.0, "um", "focal distance from the port to the first tooth")
    ] = 16.6,
    taper_angle: Annotated[
        float, Range(10.0, 60.0, "deg", "full opening angle of the focusing sector")
    ] = 40.0,
) -> gf.Component:
    """Focusing TE grating coupler, 130 nm shallow etch, for a tilted single-mode fibre.

    Args:
        period: grating period along the axis (um); defaults to the Bragg period of
            ``grating_coupler.period`` for 1550 nm at 8 deg.
        fill_factor: unetched (tooth) fraction of each period.
        fiber_angle: fibre tilt from the surface normal in the cladding (deg).
        wavelength: wavelength the focusing ellipses are drawn for (um).
        n_periods: number of teeth.
        taper_length: distance from the waveguide port to the grating (um).
        taper_angle: full opening angle of the focusing taper and teeth (deg).

    Ports: ``o1`` strip waveguide (west, at the focus); ``o2`` the fibre
    (``vertical_te``, at the grating centre, 10 um wide = mode-field diameter class).

    ::

                  ) ) ) ) )
        o1 ---<|  ) ) ) ) )  o2 (fibre, above the centre of the teeth)
                  ) ) ) ) )
    """
    trench = min_trench(period, fill_factor, fiber_angle, taper_angle, wavelength)
    if trench < WG_MIN_SPACE + SNAP_TOLERANCE:
        raise ValueError(
            f"grating_coupler_focusing_te: fill_factor={fill_factor} with period={period} um "
            f"leaves trenches of {trench:.4f} um < WG min space {WG_MIN_SPACE} um"
        )
    if fill_factor * period < WG_MIN_WIDTH + SNAP_TOLERANCE:
        raise ValueError(
            f"grating_coupler_focusing_te: fill_factor={fill_factor} with period={period} um "
            f"draws teeth narrower than WG min width {WG_MIN_WIDTH} um"
        )
    xs = gf.get_cross_section("strip")
    ellipse = _ellipse(period, wavelength, fiber_angle)
    half = taper_angle / 2
    p0 = taper_length / period  # focal distance in periods

    c = gf.Component()
    taper_arc = _arc(p0, ellipse, half)
    c.add_polygon(np.vstack([[(0.0, xs.width / 2), (0.0, -xs.width / 2)], taper_arc]), layer="WG")
    for j in range(n_periods):
        inner = _arc(p0 + j + 1 - fill_factor, ellipse, half)
        outer = _arc(p0 + j + 1, ellipse, half)
        c.add_polygon(np.vstack([inner, outer[::-1]]), layer="WG")
    box = c.dbbox()
    c.add_polygon(
        gf.snap.snap_to_grid(
            [
                (taper_length - SLAB_MARGIN, box.top + SLAB_MARGIN),
                (box.right + SLAB_MARGIN, box.top + SLAB_MARGIN),
                (box.right + SLAB_MARGIN, box.bottom - SLAB_MARGIN),
                (taper_length - SLAB_MARGIN, box.bottom - SLAB_MARGIN),
            ]
        ),
        layer="SLAB90",
    )
    c.add_port("o1", center=(0, 0), width=xs.width, orientation=180, cross_section=xs)
    fibre_x = gf.snap.snap_to_grid(taper_length + n_periods * period / 2)
    c.add_port(
        "o2",
        center=(fibre_x, 0),
        width=10.0,
        orientation=0,
        layer="WG",
        port_type="vertical_te",
    )
    c.info["period_um"] = period
    c.info["fill_factor"] = fill_factor
    c.info["fiber_angle_deg"] = fiber_angle
    c.info["wavelength_um"] = wavelength
    c.info["etch_depth_um"] = round(ETCH_DEPTH, 4)
    c.info["n_eff_grating"] = grating_n_eff(fill_factor)
    c.info["bragg_period_um"] = bragg_period(wavelength, fill_factor, fiber_angle)
    c.info["peak_wavelength_um"] = peak_wavelength(period, fill_factor, fiber_angle)
    c.info["polarization"] = "te"
    return c


def _measure_array(c: gf.Component) -> dict[str, float]:
    xs = sorted(p.center[0] for p in c.ports if p.port_type == "optical")
    fib = sorted(p.center[0] for p in c.ports if p.port_type == "vertical_te")
    steps = np.diff(fib) if len(fib) > 1 else np.array([np.nan])
    grid = np.array(fib) - fib[0]
    return {
        "fiber_pitch_um": float(np.mean(steps)),
        "fiber_pitch_error_um": float(
            np.max(np.abs(grid - np.round(grid / FIBER_PITCH) * FIBER_PITCH))
        ),
        "waveguide_pitch_um": float(np.mean(np.diff(xs))) if len(xs) > 1 else FIBER_PITCH,
        "couplers": float(len(fib)),
    }


@register(measure=_measure_array)
@gf.cell
def grating_coupler_array_127(
    n: Annotated[int, Range(1, 64, "1", "fibres in a V-groove array", corners=(1, 16))] = 8,
    with_loopback: bool = False,
    fiber_angle: Annotated[
        float,
        Range(6.0, 20.0, "deg", "fibre tilt in the cladding; near-vertical reflects (2nd order)"),
    ] = FIBER_ANGLE,
) -> gf.Component:
    """``n`` focusing grating couplers on the 127 um fibre-array pitch.

    Couplers face south (the fibre array sits over them); their waveguides leave
    north. With ``with_loopback`` two more couplers, one fibre pitch beyond each end,
    are joined by a waveguide loop routed below the row: light sent into one comes
    back from the other, which aligns the fibre array before measuring.

    Args:
        n: number of signal couplers.
        with_loopback: add the alignment loopback pair.
        fiber_angle: fibre tilt from normal (deg); sets the Bragg-matched geometry.

    Ports: ``o1..on`` waveguides (north, x = 127 um steps, west to east); ``fiber1..``
    the fibre positions (``vertical_te``), loopback pair included, on one 127 um grid.

    ::

           o1       o2            on
           |        |             |
          [GC]     [GC]   ...    [GC]
        <---------- 127 um ---------->
    """
    gc = grating_coupler_focusing_te(
        period=round(bragg_period(WAVELENGTH, FILL_FACTOR, fiber_angle), 3), fiber_angle=fiber_angle
    )
    total = n + 2 if with_loopback else n
    c = gf.Component()
    refs = []
    for i in range(total):
        ref = c << gc
        ref.rotate(-90)
        # the fibre spot, not the waveguide port, sits on the fibre-array grid
        ref.move((i * FIBER_PITCH - ref.ports["o2"].center[0], -ref.ports["o2"].center[1]))
        refs.append(ref)
    signal = refs[1:-1] if with_loopback else refs
    for i, ref in enumerate(signal, start=1):
        c.add_port(f"o{i}", port=ref.ports["o1"])
    for i, ref in enumerate(refs, start=1):
        c.add_port(f"fiber{i}", port=ref.ports["o2"])
    if with_loopback:
        _loopback(c, refs[0].ports["o1"], refs[-1].ports["o1"], gc)
    c.info["pitch_um"] = FIBER_PITCH
    c.info["couplers"] = total
    c.info["loopback"] = with_loopback
    return c


def _loopback(c: gf.Component, port0, port1, gc: gf.Component) -> None:
    """Waveguide loop from ``port0`` around below the row to ``port1`` (gdsfactory's
    ``route_loopback``, as in its ``grating_coupler_array``)."""
    xs = gf.get_cross_section("strip")
    radius = float(xs.radius)
    d_loop = c.kcl.to_dbu(10.0 + max(gc.xsize, gc.ysize)) + c.kcl.to_dbu(radius)
    port0, port1 = add_auto_tapers(c, [port0, port1], "strip")
    waypoints = kf.routing.optical.route_loopback(
        port0.to_itype(), port1.to_itype(), bend90_radius=c.kcl.to_dbu(radius), d_loop=d_loop
    )
    gf.routing.route_single(
        c,
        port0,
        port1,
        waypoints=[p.to_dtype(c.kcl.dbu) for p in waypoints],
        cross_section="strip",
    )


# --- compact models -------------------------------------------------------------------

PEAK_LOSS_DB = value("grating_coupler.peak_loss")
BANDWIDTH_1DB = value("grating_coupler.bandwidth_1db")  # nm
REFLECTION_DB = value("grating_coupler.reflection")
# full width of a Gaussian at 1 dB below its peak, in standard deviations:
# exp(-x^2 / 2) = 10^(-1/10) at x = sqrt(0.2 ln 10)
ONE_DB_FULL_WIDTH_SIGMAS = 2.0 * math.sqrt(0.2 * math.log(10.0))
SYSTEM_BAND_NM = 4 * 8 * value("awg.channel_spacing")  # 4 edge nodes x 8 channels, 100 GHz

_GC = cell_defaults(grating_coupler_focusing_te)
_ARRAY = cell_defaults(grating_coupler_array_127)


@cache
def drawn_grating(**settings: float) -> tuple[float, float]:
    """Period (um) and fill factor of the teeth as drawn on the coupler's axis.

    The period is the least-squares slope of the tooth centres (exact to the grid);
    the fill factor the mean tooth width over it, which carries the 1 nm grid: the
    default 0.4725 um tooth is drawn 0.472 um wide, moving the peak by -0.37 nm.
    """
    teeth = teeth_on_axis(drawn_cell(grating_coupler_focusing_te, **settings))
    period = float(np.polyfit(np.arange(len(teeth)), teeth.mean(axis=1), 1)[0])
    return period, float(np.mean(teeth[:, 1] - teeth[:, 0]) / period)


def _geometry(**settings: Any) -> dict[str, float]:
    model = "grating_coupler_focusing_te"
    return {k: concrete(model, k, v) for k, v in {**_GC, **settings}.items()}


def drawn_peak_wavelength(**settings: Any) -> float:
    """Bragg wavelength (um) of the grating drawn with ``settings`` (cell defaults for
    the rest): period (ff n_220 + (1 - ff) n_90 - n_clad sin(theta)) with the drawn
    period and fill factor and the cell's fibre angle."""
    geometry = _geometry(**settings)
    period, ff = drawn_grating(**geometry)
    return peak_wavelength(period, ff, geometry["fiber_angle"])


@register_model("grating_coupler_focusing_te")
def grating_coupler_focusing_te_model(
    *,
    period: float = _GC["period"],
    fill_factor: float = _GC["fill_factor"],
    fiber_angle: float = _GC["fiber_angle"],
    wavelength: float = _GC["wavelength"],
    n_periods: int = _GC["n_periods"],
    taper_length: float = _GC["taper_length"],
    taper_angle: float = _GC["taper_angle"],
    wl: sax.FloatArrayLike = WAVELENGTH,
    peak_loss_db: sax.FloatArrayLike = PEAK_LOSS_DB,
    bandwidth_1db: sax.FloatArrayLike = BANDWIDTH_1DB,
    reflection_db: sax.FloatArrayLike = REFLECTION_DB,
) -> sax.SDict:
    """Grating coupler: Gaussian fibre-to-waveguide transmission centred on the drawn
    grating's Bragg wavelength, and a waveguide-side back-reflection.

    |S_o2,o1|^2 = T0 exp(-(wl - lambda_c)^2 / (2 sigma^2)), T0 = 10^(-peak_loss_db / 10),
    sigma = bandwidth_1db / (2 sqrt(0.2 ln 10)), so the spectrum is 1 dB down at
    lambda_c +- bandwidth_1db / 2: the Gaussian (parabolic in dB) grating-coupler
    model of the Luceda IPKISS ``GC1`` and SAX ``grating_coupler`` compact models,
    which follows measured uniform gratings within their 3 dB band (Chrostowski &
    Hochberg, Silicon Photonics Design, CUP 2015, ch. 5). lambda_c follows the
    DRAWN period and fill factor through the Bragg condition
    (:func:`drawn_peak_wavelength`), so a detuned grating's spectrum moves with it.
    Phase: propagation from the port at the focus over the taper (220 nm slab
    index) and half the grating (fill-factor index) to the fibre port at the
    grating centre; slab and grating dispersion are neglected, so the group delay
    is too short by a factor of about n / n_g (immaterial to interference in circuits).
    S_o1,o1 = 10^(reflection_db / 20), real and flat; the fibre side is taken as
    matched (the fibre tilt sends its reflection out of the fibre mode).

    Args:
        period, fill_factor, fiber_angle, wavelength, n_periods, taper_length,
            taper_angle: the cell's geometry (um, 1, deg, um, 1, um, deg); they
            select the drawn cell, so they must be concrete numbers.
        wl: operating wavelength (um), scalar or array (``wavelength`` is the one
            the focusing ellipses are drawn for).
        peak_loss_db: fibre-to-waveguide loss at lambda_c (dB), grating_coupler.peak_loss.
        bandwidth_1db: full 1 dB bandwidth (nm), grating_coupler.bandwidth_1db.
        reflection_db: waveguide-side power reflection (dB), grating_coupler.reflection.

    Passive exactly when |r| <= 1 - T0 (the singular values of [[r, t], [t, 0]] are
    then <= 1 at every wavelength, as |t|^2 <= T0); a larger reflection is refused.
    """
    geometry = _geometry(
        period=period,
        fill_factor=fill_factor,
        fiber_angle=fiber_angle,
        wavelength=wavelength,
        n_periods=n_periods,
        taper_length=taper_length,
        taper_angle=taper_angle,
    )
    drawn_period, drawn_ff = drawn_grating(**geometry)
    centre = peak_wavelength(drawn_period, drawn_ff, geometry["fiber_angle"])
    model = "grating_coupler_focusing_te"
    check_at_least(model, "peak_loss_db", peak_loss_db, 0.0)
    check_at_least(model, "bandwidth_1db", bandwidth_1db, 1e-3)
    _check_gc_passive(peak_loss_db, reflection_db)
    wl = jnp.asarray(wl, dtype=float)
    sigma = jnp.asarray(bandwidth_1db) * 1e-3 / ONE_DB_FULL_WIDTH_SIGMAS
    amplitude = 10.0 ** (-jnp.asarray(peak_loss_db) / 20.0) * jnp.exp(
        -((wl - centre) ** 2) / (4.0 * sigma**2)
    )
    half_grating = drawn_period * geometry["n_periods"] / 2.0
    path = N_UNETCHED * geometry["taper_length"] + grating_n_eff(drawn_ff) * half_grating
    t = amplitude * jnp.exp(2j * jnp.pi * path / wl)
    r = 10.0 ** (jnp.asarray(reflection_db) / 20.0) * jnp.ones_like(wl) + 0j
    return sax.reciprocal({("o1", "o2"): t, ("o1", "o1"): r})


def _check_gc_passive(peak_loss_db: Any, reflection_db: Any) -> None:
    try:
        t2 = 10.0 ** (-float(peak_loss_db) / 10.0)
        r = 10.0 ** (float(reflection_db) / 20.0)
    except Exception:  # traced: checked where the values are concrete
        return
    if r > 1.0 - t2 + 1e-15:
        limit = 20.0 * math.log10(1.0 - t2) if t2 < 1.0 else -math.inf
        raise ValueError(
            f"grating_coupler_focusing_te: reflection_db={reflection_db!r} is invalid with "
            f"peak_loss_db={peak_loss_db!r}; allowed: <= {limit:.3f} dB (passivity needs "
            "|r| <= 1 - |t|^2)"
        )


@cache
def _array_layout(n: float, with_loopback: bool, fiber_angle: float) -> tuple[dict, float]:
    """Settings of the array's grating couplers and the loopback's drawn length (um)."""
    c = drawn_cell(
        grating_coupler_array_127, n=n, with_loopback=with_loopback, fiber_angle=fiber_angle
    )
    gcs = [i for i in c.insts if "peak_wavelength_um" in i.cell.info]
    loop = [i for i in c.insts if "peak_wavelength_um" not in i.cell.info]
    settings = {k: float(v) for k, v in gcs[0].cell.settings.model_dump().items()}
    return settings, float(sum(float(i.cell.info["length"]) for i in loop))


@register_model("grating_coupler_array_127")
def grating_coupler_array_127_model(
    *,
    n: int = _ARRAY["n"],
    with_loopback: bool = _ARRAY["with_loopback"],
    fiber_angle: float = _ARRAY["fiber_angle"],
    wl: sax.FloatArrayLike = WAVELENGTH,
    temperature: sax.FloatArrayLike = T_REF,
    peak_loss_db: sax.FloatArrayLike = PEAK_LOSS_DB,
    bandwidth_1db: sax.FloatArrayLike = BANDWIDTH_1DB,
    reflection_db: sax.FloatArrayLike = REFLECTION_DB,
) -> sax.SDict:
    """Fibre-array row: the drawn couplers side by side, plus the alignment loopback.

    ``o{i}`` <-> its coupler's fibre port (``fiber{i}``, or ``fiber{i+1}`` with the
    loopback) by :func:`grating_coupler_focusing_te_model` of the drawn coupler;
    neighbours are uncoupled (127 um apart). The loopback joins the outer couplers'
    waveguide ports through the drawn loop (strip, length summed over its drawn
    straights and bends, :func:`components.waveguides.propagation`), with the
    multiple reflections between the two couplers' waveguide-side reflections r:
    fiber1 -> fiber(n+2) = t^2 P / (1 - r^2 P^2), fiber1 -> fiber1 = t^2 r P^2 / (1 - r^2 P^2).

    Args:
        n, with_loopback, fiber_angle: the cell's settings (select the drawn row).
        wl: wavelength (um), scalar or array.
        temperature: temperature of the loopback waveguide (K).
        peak_loss_db, bandwidth_1db, reflection_db: each coupler's (dB, nm, dB), as in
            :func:`grating_coupler_focusing_te_model`.

    The ports depend on ``n`` and ``with_loopback``, and SAX learns a model's ports
    from one call at its defaults: in a circuit with another row, bind them
    (``functools.partial(grating_coupler_array_127_model, n=4)``).
    """
    model = "grating_coupler_array_127"
    count = int(concrete(model, "n", n))
    loopback = bool(concrete(model, "with_loopback", with_loopback))
    gc_settings, loop_length = _array_layout(
        count, loopback, concrete(model, "fiber_angle", fiber_angle)
    )
    gc = grating_coupler_focusing_te_model(
        **gc_settings,
        wl=wl,
        peak_loss_db=peak_loss_db,
        bandwidth_1db=bandwidth_1db,
        reflection_db=reflection_db,
    )
    t, r = gc[("o1", "o2")], gc[("o1", "o1")]
    first = 2 if loopback else 1
    s: dict[tuple[str, str], Any] = {}
    for i in range(1, count + 1):
        s[(f"o{i}", f"fiber{i + first - 1}")] = t
        s[(f"o{i}", f"o{i}")] = r
    if loopback:
        p = propagation(loop_length, wl, temperature)
        cavity = 1.0 - (r * p) ** 2
        last = f"fiber{count + 2}"
        s[("fiber1", last)] = t * t * p / cavity
        s[("fiber1", "fiber1")] = s[(last, last)] = t * t * r * p * p / cavity
    return sax.reciprocal(s)
