"""Star-coupler and AWG-router models against references independent of their code.

- star coupler: coupling between the drawn apertures equals a numerical 2D
  Rayleigh-Sommerfeld diffraction integral (Hankel-function kernel, no far-field
  approximation) overlapped with the receiving aperture's mode;
- router: every (p, q) peaks on the cyclic grid lambda_0 + (p - q) d_lambda (mod FSR)
  with FSR and d_lambda from the closed-form Smit & van Dam relations on the
  measured arm-length increment, and exactly where the grating equation on the drawn
  aperture positions puts each order; the passband is the closed-form
  autocorrelation of the aperture mode; the thermal shift is lambda dn/dT / n_g;
  crosstalk and insertion loss at the channel centres are the library's values;
- the router's field sum equals SAX's own solution of the netlist star coupler ->
  arms -> star coupler built from the star-coupler model;
- passivity (singular values <= 1) and reciprocity (S = S^T), property-tested.
"""

from __future__ import annotations

import inspect
import math

import klayout.db as kdb
import numpy as np
import pytest
import sax
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from scipy.optimize import brentq
from scipy.special import hankel1

from components.awg import (
    arm_lengths,
    awgr,
    awgr_field_sum,
    awgr_transmission,
    channel_wavelengths,
    crosstalk_mixer,
    demux_transmission,
    fpr_coupling,
    router_geometry,
    router_layout,
    router_metrics,
    star_coupler,
    star_optics,
)
from components.registry import MODELS, cell_parameters
from components.specs import check, load_spec
from pdk.params import value

LAMBDA = value("constants.wavelength")
N_EFF, N_G, C2 = value("strip.n_eff"), value("strip.n_g"), value("strip.n_eff_c2")
N_SLAB, N_CLAD = value("strip.n_eff_slab"), value("strip.n_cladding")
XT_ADJ, XT_NON = value("awg.crosstalk_adjacent"), value("awg.crosstalk_nonadjacent")
IL = value("awg.insertion_loss")
NO_FLOORS = {"crosstalk_adjacent_db": -np.inf, "crosstalk_nonadjacent_db": -np.inf}
N = 8
SAMPLES = 2001  # one wavelength-grid size throughout: JAX compiles once per shape


@pytest.fixture(scope="module")
def router():
    """The default 8 x 8 router, its closed-form channel plan, and the model's peaks."""
    c = awgr()
    geometry = router_geometry(c)
    fsr, dlam = geometry["fsr_nm"] * 1e-3, geometry["channel_spacing_nm"] * 1e-3
    p, q = np.meshgrid(np.arange(N), np.arange(N), indexing="ij")
    nominal = LAMBDA + ((p - q) * dlam + fsr / 2) % fsr - fsr / 2
    scan = np.linspace(LAMBDA - fsr / 2 - dlam, LAMBDA + fsr / 2 + dlam, SAMPLES)
    power = np.abs(np.asarray(awgr_transmission(scan))) ** 2  # (scan, p, q)
    peaks = np.empty((N, N))
    for i in range(N):
        for j in range(N):
            near = np.abs(scan - nominal[i, j]) < dlam / 2
            peaks[i, j] = _peak(scan[near], power[near, i, j])
    return {
        "cell": c,
        "fsr": fsr,
        "dlam": dlam,
        "dl": geometry["delta_length_um"],
        "nominal": nominal,
        "peaks": peaks,
    }


def _peak(wl: np.ndarray, power: np.ndarray) -> float:
    """Peak of a sampled passband: parabola through the three highest samples in dB."""
    i = int(np.clip(np.argmax(power), 1, len(power) - 2))
    y = 10 * np.log10(power[i - 1 : i + 2])
    return float(wl[i] + 0.5 * (y[0] - y[2]) / (y[0] - 2 * y[1] + y[2]) * (wl[1] - wl[0]))


def _n_c(wl):
    """Strip n_eff(lambda) from the library's n_eff, n_g and curvature, by hand."""
    d = wl - LAMBDA
    return N_EFF + (N_EFF - N_G) / LAMBDA * d + C2 * d**2


def _slab_increments(c) -> np.ndarray:
    """(p, q): slope over the arm index of the slab paths |Q_p A_k| + |A'_k Q'_q| between
    the drawn aperture centres of the west and east star couplers (global frame)."""
    stars = sorted(
        (i for i in c.insts if "array_apertures_um" in i.cell.info), key=lambda i: i.dbbox().left
    )

    def place(inst, key):
        t = inst.dcplx_trans
        return np.array([((pt := t * kdb.DPoint(*xy)).x, pt.y) for xy in inst.cell.info[key]])

    q1, a1 = place(stars[0], "io_apertures_um"), place(stars[0], "array_apertures_um")
    q2, a2 = place(stars[1], "io_apertures_um"), place(stars[1], "array_apertures_um")
    q2 = q2[np.argsort(q2[:, 0])]  # outputs west to east, as o(N+1)..o(2N)
    k = np.arange(len(a1))
    d1 = np.hypot(*(a1[None] - q1[:, None]).transpose(2, 0, 1))  # (N, M)
    d2 = np.hypot(*(a2[None] - q2[:, None]).transpose(2, 0, 1))
    return np.array([[np.polyfit(k, d1[p] + d2[q], 1)[0] for q in range(N)] for p in range(N)])


@pytest.mark.parametrize("name", ["star_coupler", "awgr"])
def test_model_takes_every_cell_setting_with_the_cell_default(name):
    # SAX drops netlist settings a model does not name, silently
    model = inspect.signature(MODELS[name]).parameters
    for p in cell_parameters(name):
        assert p.name in model, f"{name} model drops the cell setting {p.name!r}"
        assert model[p.name].default == p.default, p.name


@pytest.mark.parametrize("source", [3, 0])
def test_star_coupling_equals_a_rayleigh_sommerfeld_integral(source):
    # U(y) = (i k / 2) int f(x) cos(chi) H1(k rho) dx (2D RS, first kind), projected on
    # the receiving mode. RS puts the obliquity cos(chi) on the source side only, the
    # model sqrt(cos) on both (Parseval): compared after that factor. The far-field
    # phase misses the Fresnel terms: bounded by the Fresnel number W_e^2 n_s / (wl R).
    o = star_optics(star_coupler())
    model = np.asarray(fpr_coupling(o, LAMBDA))[source]
    k0 = 2 * math.pi / LAMBDA
    k, gamma = k0 * N_SLAB, k0 * math.sqrt(N_SLAB**2 - N_CLAD**2)

    def mode(width: float, samples: int = 240):
        we = width + 2 / gamma
        s = ((np.arange(samples) + 0.5) / samples - 0.5) * we
        return s, np.sqrt(2 / we) * np.cos(np.pi * s / we), we / samples

    qs, qf, qds = mode(o.io_width)
    a = o.io_axes[source]
    src = o.io_centres[source] + qs[:, None] * np.array([-a[1], a[0]])
    rs, rf, rds = mode(o.array_width)
    numeric = []
    for centre, axis in zip(o.array_centres, o.array_axes, strict=True):
        rcv = centre + rs[:, None] * np.array([-axis[1], axis[0]])
        d = rcv[:, None, :] - src[None, :, :]
        rho = np.hypot(d[..., 0], d[..., 1])
        field = 0.5j * k * (hankel1(1, k * rho) * (d @ a) / rho * qf).sum(axis=1) * qds
        numeric.append((field * rf).sum() * rds)
    numeric = np.array(numeric)
    e = o.array_centres - o.io_centres[source]
    e /= np.hypot(*e.T)[:, None]
    obliquity = np.sqrt(-(e * o.array_axes).sum(axis=1) / (e @ a))  # sqrt(cos_k / cos_i)
    np.testing.assert_allclose(np.abs(model) / np.abs(numeric) / obliquity, 1.0, atol=0.01)
    phase = np.angle(model / numeric)
    fresnel = (
        (o.array_width + 2 / gamma) ** 2 * N_SLAB / (LAMBDA * star_coupler().info["radius_um"])
    )
    assert np.max(np.abs(phase - phase[len(phase) // 2])) < fresnel


def test_router_peaks_every_pair_on_the_cyclic_grid(router):
    # lambda_pq = lambda_0 + (p - q) d_lambda (mod FSR), FSR = lambda^2 / (n_g dL) and
    # d_lambda = d_o d_a n_s lambda / (R n_g dL) on the measured dL (Smit & van Dam)
    offset = (router["peaks"] - router["nominal"]) / router["dlam"]
    assert np.max(np.abs(offset)) < 0.02, np.round(offset, 4)
    cw = np.array([channel_wavelengths(p) for p in range(N)])
    np.testing.assert_allclose(cw, router["peaks"], atol=1e-3 * router["dlam"])


def test_router_peaks_and_next_orders_obey_the_grating_equation(router):
    # arm-to-arm phase (n_c(lambda) dL + n_s dD_pq) / lambda = integer, dD_pq the slab
    # path increment between the drawn apertures: each pair's peak, and one order later
    # (the cyclic repeat: one FSR = lambda^2 / (n_g dL) at the midpoint, to within the
    # slab term |p - q| d_lambda / lambda of it)
    slab = _slab_increments(router["cell"])
    dl, dlam, fsr = router["dl"], router["dlam"], router["fsr"]
    nxt = np.empty((N, N))
    for p in range(N):
        for q in range(N):
            order = lambda wl, p=p, q=q: (_n_c(wl) * dl + N_SLAB * slab[p, q]) / wl  # noqa: E731
            lam0 = router["peaks"][p, q]
            m = round(order(lam0))
            exact = brentq(lambda wl: order(wl) - m, lam0 - dlam / 2, lam0 + dlam / 2)
            assert abs(lam0 - exact) < 2e-3 * dlam, (p, q)
            nxt[p, q] = brentq(lambda wl: order(wl) - (m - 1), lam0 + fsr / 2, lam0 + 1.5 * fsr)
    window = np.linspace(-0.15, 0.15, SAMPLES // N**2) * dlam
    wl = (nxt.ravel()[:, None] + window[None, :]).ravel()
    wl = np.pad(wl, (0, SAMPLES - wl.size), mode="edge")  # the scan's shape: no recompile
    power = np.abs(np.asarray(awgr_transmission(wl))) ** 2
    for i, (p, q) in enumerate(np.ndindex(N, N)):
        rows = slice(i * window.size, (i + 1) * window.size)
        assert abs(_peak(wl[rows], power[rows, p, q]) - nxt[p, q]) < 2e-3 * dlam, (p, q)
    lam0 = router["peaks"]
    one_fsr = ((lam0 + nxt) / 2) ** 2 / (N_G * dl)
    assert np.max(np.abs(nxt - lam0 - one_fsr)) < 0.035 * dlam


def test_crosstalk_and_insertion_loss_at_the_channel_centres_are_the_library_values(router):
    peaks = router["peaks"]
    with_floors = np.abs(np.asarray(awgr_transmission(peaks))) ** 2  # (p, q, P, Q)
    bare = np.abs(np.asarray(awgr_transmission(peaks, **NO_FLOORS))) ** 2
    p, q = np.meshgrid(np.arange(N), np.arange(N), indexing="ij")
    ratio = with_floors[p, q, p] / with_floors[p, q, p, q][..., None]  # (p, q, q')
    tail = bare[p, q, p] / bare[p, q, p, q][..., None]
    hops = np.minimum((np.arange(N)[None, :] - q[..., None]) % N, (q[..., None] - np.arange(N)) % N)
    floor = np.where(hops == 1, 10 ** (XT_ADJ / 20), np.where(hops > 1, 10 ** (XT_NON / 20), 0))
    for level, sel in ((XT_ADJ, hops == 1), (XT_NON, hops > 1)):
        assert 10 * np.log10(ratio[sel].mean()) == pytest.approx(level, abs=0.5)
    # each pair: the floor, give or take the drawn router's own coherent tails (alone,
    # and leaked once more through the floors into q' and into q), by the triangle rule
    amp = np.sqrt(tail)  # (p, q, r): |F_pr / F_pq|
    n = np.arange(N)
    leak = floor[0, 0][(n[:, None] - n[None, :]) % N]  # (q', r): floor from r into q'
    into = np.einsum("pqr,sr->pqs", np.where(hops > 0, amp, 0), leak)  # via r != q
    into_q = into[p, q, q]
    bound = (amp + into + floor * into_q[..., None]) / (1 - into_q[..., None])
    off = hops > 0
    assert np.all(np.abs(np.sqrt(ratio[off]) - floor[off]) <= bound[off] + 1e-12)
    assert np.all(10 * np.log10(tail[hops > 0]) < -40)  # the drawn router itself is clean
    mid = (N - 1) // 2
    assert -10 * np.log10(with_floors[mid, mid, mid, mid]) == pytest.approx(IL, abs=0.1)
    at = awgr_transmission(peaks[mid, mid], insertion_loss_db=4.5)[mid, mid]
    assert -20 * np.log10(abs(complex(at))) == pytest.approx(4.5, abs=0.1)


def test_passband_is_the_autocorrelation_of_the_aperture_mode(router):
    # the focal spot, an image of the input mode, sweeps d_o per d_lambda across the
    # output mode: T(s) = C(s)^2, C(s) = ((W - s) cos(pi s / W) + W / pi sin(pi s / W)) / W
    gamma = 2 * math.pi / LAMBDA * math.sqrt(N_SLAB**2 - N_CLAD**2)
    we = value("awg.aperture_pitch") - value("awg.aperture_gap") + 2 / gamma
    c = lambda s: ((we - s) * np.cos(np.pi * s / we) + we / np.pi * np.sin(np.pi * s / we)) / we  # noqa: E731
    half = brentq(lambda s: c(s) ** 2 - 0.5, 0, we)
    expected = 2 * half / value("awg.aperture_pitch") * router["dlam"]
    for p, q in ((3, 3), (0, 0), (6, 1)):
        wl = router["peaks"][p, q] + np.linspace(-0.5, 0.5, SAMPLES) * router["dlam"]
        power = np.abs(np.asarray(awgr_transmission(wl, **NO_FLOORS))[:, p, q]) ** 2
        inside = wl[power >= power.max() / 2]
        assert inside[-1] - inside[0] == pytest.approx(expected, rel=0.05)


def test_channels_shift_with_temperature_by_lambda_dn_dt_over_n_g(router):
    mid = (N - 1) // 2
    shift = LAMBDA * value("strip.dn_eff_dT") * 10.0 / N_G
    wl = router["peaks"][mid, mid] + shift + np.linspace(-0.3, 0.3, SAMPLES) * router["dlam"]
    power = np.abs(np.asarray(awgr_transmission(wl, temperature=310.0))[:, mid, mid]) ** 2
    assert _peak(wl, power) - router["peaks"][mid, mid] == pytest.approx(shift, rel=0.01)


def test_field_sum_equals_the_sax_circuit_of_star_couplers_and_arms():
    n = 3  # 8 arms: small enough for SAX's solver to stay quick
    c = awgr(channels=n)
    (star,) = {i.cell for i in c.insts if "array_apertures_um" in i.cell.info}
    m = int(star.info["arms"])
    routed = arm_lengths(c) - 2 * np.array(star.info["array_path_lengths_um"])
    settings_ = star.settings.model_dump()
    instances = {"w": "star", "e": "star"}
    connections = {}
    for k in range(m):
        instances[f"arm{k}"] = {"component": "wg", "settings": {"length": float(routed[k])}}
        connections[f"w,o{n + 1 + k}"] = f"arm{k},o1"
        connections[f"arm{k},o2"] = f"e,o{n + 1 + k}"
    ports = {f"in{p}": f"w,o{p + 1}" for p in range(n)}
    ports |= {f"out{q}": f"e,o{n - q}" for q in range(n)}  # east star drawn mirrored
    circuit, _ = sax.circuit(
        netlist={"instances": instances, "connections": connections, "ports": ports},
        models={
            "star": lambda wl=1.55: MODELS["star_coupler"](**settings_, wl=wl),
            "wg": MODELS["waveguide_straight"],
        },
    )
    wl = np.linspace(1.545, 1.555, 21)
    ref = circuit(wl=wl)
    field = np.asarray(awgr_field_sum(router_layout(n, value("awg.channel_spacing"), 2.0), wl))
    for p in range(n):
        for q in range(n):
            np.testing.assert_allclose(field[:, p, q], ref[(f"in{p}", f"out{q}")], atol=1e-9)


def test_crosstalk_floors_have_the_exact_ratios_and_create_no_power():
    for n in (2, 3, 8, 24):
        for adjacent, other in ((-20.0, -30.0), (-15.0, -50.0), (-60.0, -12.0)):
            k = np.asarray(crosstalk_mixer(n, adjacent, other))
            singular = np.linalg.svd(k, compute_uv=False)
            assert singular.max() == pytest.approx(1.0, abs=1e-12)
            np.testing.assert_allclose(k, k.T, atol=1e-15)
            hops = np.minimum(np.arange(n), n - np.arange(n))
            ratio = 20 * np.log10(np.abs(k[:, 0]) / np.abs(k[0, 0]))
            np.testing.assert_allclose(ratio[hops == 1], adjacent, atol=1e-9)
            np.testing.assert_allclose(ratio[hops > 1], other, atol=1e-9)
    assert np.array_equal(np.asarray(crosstalk_mixer(8, -np.inf, -np.inf)), np.eye(8))


def test_router_model_is_passive_and_reciprocal_across_the_band():
    _assert_passive_reciprocal(MODELS["awgr"](wl=np.linspace(1.50, 1.60, SAMPLES)))


def test_demux_view_is_the_model_and_bad_inputs_are_refused_by_name(router):
    wl = np.array([1.549, 1.55, 1.551])
    s = MODELS["awgr"](wl=wl)
    demux = np.asarray(demux_transmission(wl, input_port=2))
    for q in range(N):
        np.testing.assert_allclose(demux[:, q], s[("o3", f"o{N + q + 1}")], atol=1e-15)
    with pytest.raises(ValueError, match=r"input_port=8 is invalid; allowed: 0\.\.7"):
        demux_transmission(wl, input_port=8)
    with pytest.raises(
        ValueError, match=r"insertion_loss_db=1\.0 is invalid; allowed: >= 2\.\d+ dB"
    ):
        MODELS["awgr"](insertion_loss_db=1.0)
    with pytest.raises(ValueError, match=r"crosstalk_adjacent_db=-5\.0 is invalid"):
        MODELS["awgr"](crosstalk_adjacent_db=-5.0)


def test_spec_sheet_catches_a_leaky_and_a_lossy_router():
    sheet = load_spec("awgr")

    def failed(metrics: dict) -> set[str]:
        return {q.name for q in check("awgr", metrics, sheet) if q.name in metrics and not q.passed}

    assert failed(router_metrics()) == set()
    assert failed(router_metrics(crosstalk_adjacent_db=-20.0)) == {
        "crosstalk_adjacent_db",
        "crosstalk_total_worst_db",
    }
    assert failed(router_metrics(insertion_loss_db=5.0)) == {"insertion_loss_db"}


_SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": list(HealthCheck),
}


def _draw_settings(name: str, draw) -> dict:
    kw = {}
    for p in cell_parameters(name):
        if p.kind is int:
            kw[p.name] = draw(st.integers(int(p.range.min), int(p.range.max)))
        else:
            kw[p.name] = round(draw(st.floats(p.range.min, p.range.max)), 3)
    return kw


def _dense(s: dict) -> np.ndarray:
    """(..., ports, ports) S-matrix of an SDict; absent pairs are 0."""
    ports = sorted({p for pair in s for p in pair})
    shape = np.broadcast_shapes(*(np.shape(v) for v in s.values()))
    dense = np.zeros((*shape, len(ports), len(ports)), dtype=complex)
    for (a, b), v in s.items():
        dense[..., ports.index(a), ports.index(b)] = np.asarray(v)
    return dense


def _assert_passive_reciprocal(s: dict) -> None:
    dense = _dense(s)
    assert np.linalg.svd(dense, compute_uv=False).max() <= 1 + 1e-12
    np.testing.assert_allclose(dense, np.swapaxes(dense, -1, -2), atol=1e-15)


def _wl(draw) -> np.ndarray:
    return np.array(draw(st.lists(st.floats(1.50, 1.60), min_size=3, max_size=3)))


@settings(max_examples=3, **_SETTINGS)
@given(data=st.data())
def test_star_coupler_is_passive_and_reciprocal_over_its_ranges(data):
    kw = _draw_settings("star_coupler", data.draw)
    # the DRC corner tests' caps (inputs 12, arms 40): larger ones repeat the same physics
    kw["inputs"], kw["arms"] = min(kw["inputs"], 12), min(kw["arms"], 40)
    try:
        star_coupler(**kw)
    except ValueError:  # apertures beyond +-60 deg or sliver corners: not drawable
        reject()
    temperature = data.draw(st.floats(280.0, 360.0))
    _assert_passive_reciprocal(
        MODELS["star_coupler"](**kw, wl=_wl(data.draw), temperature=temperature)
    )


@settings(max_examples=2, **_SETTINGS)
@given(data=st.data())
def test_router_is_passive_and_reciprocal_over_its_ranges(data):
    kw = _draw_settings("awgr", data.draw)
    kw["channels"] = min(kw["channels"], 12)  # each example draws and compiles a router
    try:
        awgr(**kw)
    except ValueError:  # an FSR too large to nest the arms: not drawable
        reject()
    floors = {
        "crosstalk_adjacent_db": data.draw(st.floats(-50.0, -10.0)),
        "crosstalk_nonadjacent_db": data.draw(st.floats(-60.0, -10.0)),
    }
    # the loss must cover what the drawn router and its floors lose at the centre channel
    layout = router_layout(kw["channels"], kw["channel_spacing"], kw["aperture_pitch"])
    mixer = np.asarray(crosstalk_mixer(kw["channels"], *floors.values()))
    mid = (kw["channels"] - 1) // 2
    intrinsic = -20 * np.log10(abs(layout.centre_row @ mixer[mid]))
    physics = {
        "wl": _wl(data.draw),
        "temperature": data.draw(st.floats(280.0, 360.0)),
        "insertion_loss_db": intrinsic + data.draw(st.floats(0.0, 10.0)),
        **floors,
    }
    _assert_passive_reciprocal(MODELS["awgr"](**kw, **physics))
