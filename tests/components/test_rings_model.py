"""Microring compact models against references written here, independently of the model code.

References: the closed-form add-drop and all-pass power transmissions of Bogaerts
et al., "Silicon microring resonators", Laser Photon. Rev. 6:47 (2012); the ring
re-assembled as a SAX circuit from point couplers and waveguide halves written in
this file; FSR = lambda^2 / (n_g L) and the loaded-Q closed form against the
simulated spectrum; thermo-optic and heater shifts against lambda dn L / (n_g L);
energy conservation of the lossless ring; the curved-coupler interaction length
against the Gaussian integral sqrt(2 pi R d). The drawn circumference comes from
the layout (polygon area / width), the index from the PDK's dispersion entries.
"""

from __future__ import annotations

import inspect
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import sax
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq, minimize_scalar

from components.registry import MODELS, cell_parameters
from components.rings import (
    HEATER_GAP,
    add_drop_cavity,
    coupler_interaction_length,
    drawn_circumference_um,
    heater_power_for_resonance,
    pn_cavity,
    resonance_shift_nm,
    ring_add_drop_heater,
    ring_add_drop_heater_model,
    ring_pn_modulator,
    ring_pn_modulator_model,
)
from components.specs import load_spec, measure, verify_cell
from pdk.params import value

LAMBDA0 = value("constants.wavelength")
N_EFF, N_G, C2 = value("strip.n_eff"), value("strip.n_g"), value("strip.n_eff_c2")
LOSS = value("strip.loss")  # dB/cm
P_PI = value("heater.p_pi")  # mW
DN_DT = value("strip.dn_eff_dT")
RADIUS, WIDTH = value("ring.radius"), value("strip.width")
GAP, PN_GAP = value("ring.gap"), value("ring.pn_gap")  # the cells' default gaps


def strip_index(wl):
    """Chrostowski & Hochberg compact model, written out here: n_g = n - lambda dn/dlambda."""
    u = wl - LAMBDA0
    return N_EFF + (N_EFF - N_G) / LAMBDA0 * u + C2 * u**2


def amplitude(length_um: float, loss_db_cm: float = LOSS) -> float:
    return 10 ** (-loss_db_cm * length_um * 1e-4 / 20)


@pytest.fixture(scope="module")
def ring():
    return ring_add_drop_heater()


@pytest.fixture(scope="module")
def drawn_length(ring) -> float:
    return drawn_circumference_um(ring)


def power(model, port, **kw):
    """|S|^2 of ``port`` as a function of wavelength (um, scalar or array)."""

    def f(wl):
        return np.abs(np.asarray(model(wl=wl, **kw)[port])) ** 2

    return f


def dip(f, wl_guess: float, half_width: float) -> float:
    """Wavelength of the transmission minimum of f within +-half_width of wl_guess."""
    grid = np.linspace(wl_guess - half_width, wl_guess + half_width, 2001)
    i = int(np.argmin(f(grid)))
    res = minimize_scalar(
        lambda x: float(f(x)), bounds=(grid[i - 1], grid[i + 1]), options={"xatol": 1e-13}
    )
    return float(res.x)


def test_add_drop_powers_match_the_closed_form(ring):
    wl = np.linspace(1.54, 1.56, 4001)
    s = ring_add_drop_heater_model(wl=wl)
    cavity = add_drop_cavity(RADIUS, GAP, WIDTH)
    (t1, _), (t2, _) = cavity.couplings(wl)
    t1, t2 = np.asarray(t1), np.asarray(t2)
    length = ring.info["circumference"]
    a = amplitude(length)
    phi = 2 * np.pi * strip_index(wl) * length / wl
    den = 1 - 2 * t1 * t2 * a * np.cos(phi) + (t1 * t2 * a) ** 2
    through = (t2**2 * a**2 - 2 * t1 * t2 * a * np.cos(phi) + t1**2) / den
    drop = (1 - t1**2) * (1 - t2**2) * a / den
    bus = amplitude(ring.ports["o2"].x - ring.ports["o1"].x) ** 2  # power over one bus
    # phi ~ 640 rad is known to a few float64 ulps (1.1e-13 rad each), and on the
    # resonance's flanks the powers change by up to 0.65 / (1 - t1 t2 a) ~ 13 per rad:
    # a few 1e-12 is the floor of any two ways of computing them
    tol = 5e-12
    np.testing.assert_allclose(np.abs(s["o1", "o2"]) ** 2, bus * through, rtol=0, atol=tol)
    np.testing.assert_allclose(np.abs(s["o1", "o3"]) ** 2, bus * drop, rtol=0, atol=tol)
    # add port: the same ring seen from the other bus
    add_through = (t1**2 * a**2 - 2 * t1 * t2 * a * np.cos(phi) + t2**2) / den
    np.testing.assert_allclose(np.abs(s["o4", "o3"]) ** 2, bus * add_through, atol=tol)
    np.testing.assert_allclose(np.abs(s["o4", "o2"]) ** 2, bus * drop, atol=tol)
    dense, idx = sax.sdense(s)
    for a_, b_ in (("o1", "o4"), ("o2", "o3"), ("o1", "o1"), ("o3", "o3")):
        assert np.max(np.abs(dense[:, idx[a_], idx[b_]])) == 0  # no CW <-> CCW, no reflection


def _point_coupler(t: float = 1.0, k: float = 0.0, wl=LAMBDA0) -> sax.SDict:
    """Bus a -> b, ring c -> d; cross-coupling i k (a lossless 2x2, written here)."""
    t, k = jnp.broadcast_to(t, jnp.shape(wl)), jnp.broadcast_to(k, jnp.shape(wl))
    return sax.reciprocal({("a", "b"): t, ("c", "d"): t, ("a", "d"): 1j * k, ("c", "b"): 1j * k})


def _guide(length: float = 1.0, loss: float = LOSS, extra: float = 0.0, wl=LAMBDA0) -> sax.SDict:
    wl = jnp.asarray(wl)
    phase = 2 * jnp.pi * (strip_index(wl) * length + extra) / wl
    return sax.reciprocal({("in", "out"): amplitude(length, loss) * jnp.exp(1j * phase)})


def test_four_port_s_matrix_equals_the_ring_assembled_from_couplers_and_waveguides(ring):
    """All 16 complex entries, heater on: a circuit of two point couplers, two ring halves
    and four half buses (models written in this test) against the closed-form model."""
    wl = np.linspace(1.545, 1.555, 301)
    cavity = add_drop_cavity(RADIUS, GAP, WIDTH)
    (t1, k1), (t2, k2) = (tuple(np.asarray(x) for x in c) for c in cavity.couplings(wl))
    length, bus = ring.info["circumference"], ring.ports["o2"].x - ring.ports["o1"].x
    heater = 7.0  # mW: path offset P lambda0 / (2 P_pi), half on each ring half
    extra = heater * LAMBDA0 / (2 * P_PI) / 2
    netlist = {
        "instances": {
            "c1": {"component": "coupler", "settings": {"t": t1, "k": k1}},
            "c2": {"component": "coupler", "settings": {"t": t2, "k": k2}},
            "right": {"component": "guide", "settings": {"length": length / 2, "extra": extra}},
            "left": {"component": "guide", "settings": {"length": length / 2, "extra": extra}},
            **{
                b: {"component": "guide", "settings": {"length": bus / 2}}
                for b in ("b1", "b2", "b3", "b4")
            },
        },
        "connections": {
            "b1,out": "c1,a",
            "c1,b": "b2,in",
            "c1,d": "right,in",
            "right,out": "c2,c",  # the top coupler's ring path runs east -> west
            "c2,d": "left,in",
            "left,out": "c1,c",
            "b4,out": "c2,a",  # top bus from o4 (east) westwards
            "c2,b": "b3,in",
        },
        "ports": {"o1": "b1,in", "o2": "b2,out", "o3": "b3,out", "o4": "b4,in"},
    }
    circuit, _ = sax.circuit(netlist, {"coupler": _point_coupler, "guide": _guide})
    ref, ports = sax.sdense(circuit(wl=wl))
    got, got_ports = sax.sdense(ring_add_drop_heater_model(wl=wl, power=heater))
    order = [got_ports[p] for p in sorted(ports, key=ports.get)]
    got = np.asarray(got)[:, order][:, :, order]
    np.testing.assert_allclose(got, np.asarray(ref), rtol=0, atol=1e-12)


def test_lossless_ring_conserves_energy_and_is_unitary():
    wl = np.linspace(1.50, 1.60, 501)
    s = ring_add_drop_heater_model(wl=wl, loss_db_per_cm=0.0, power=3.0)
    total = np.abs(s["o1", "o2"]) ** 2 + np.abs(s["o1", "o3"]) ** 2
    np.testing.assert_allclose(total, 1.0, rtol=0, atol=1e-12)
    m, _ = sax.sdense(s)
    eye = np.broadcast_to(np.eye(4), m.shape)
    np.testing.assert_allclose(np.conj(np.swapaxes(m, 1, 2)) @ m, eye, atol=1e-12)


@pytest.mark.parametrize(
    ("model", "cell", "n_g"),
    [
        (ring_add_drop_heater_model, ring_add_drop_heater, N_G),
        (ring_pn_modulator_model, ring_pn_modulator, value("rib.n_g")),
    ],
)
def test_fsr_of_the_simulated_spectrum_is_lambda_squared_over_ng_l(model, cell, n_g):
    length = drawn_circumference_um(cell())  # layout, not info
    f = power(model, ("o1", "o2"))
    fsr = LAMBDA0**2 / (n_g * length)
    lo = dip(f, LAMBDA0 - fsr / 2, fsr / 2)
    hi = dip(f, lo + fsr, fsr / 4)
    assert hi - lo == pytest.approx(lo * hi / (n_g * length), rel=1e-3)


def test_loaded_q_of_the_simulated_linewidth_matches_the_closed_form(ring, drawn_length):
    cavity = add_drop_cavity(RADIUS, GAP, WIDTH)
    drop = power(ring_add_drop_heater_model, ("o1", "o3"))
    res = dip(lambda x: -drop(x), LAMBDA0, cavity.fsr(LAMBDA0) / 2)
    half = float(drop(res)) / 2

    def excess(x: float) -> float:
        return float(drop(x)) - half

    fwhm = brentq(excess, res, res + 0.01, xtol=1e-15) - brentq(excess, res - 0.01, res, xtol=1e-15)
    t1, t2 = (float(c[0]) for c in cavity.couplings(res))
    r = t1 * t2 * amplitude(drawn_length)
    q = math.pi * N_G * drawn_length * math.sqrt(r) / (res * (1 - r))
    assert res / fwhm == pytest.approx(q, rel=1e-3)
    # the SYSTEM.md range 5e3-2e4 for R = 5-10 um rings
    assert 5e3 < q < 2e4


def test_extinction_at_resonance_matches_the_closed_form(ring):
    cavity = add_drop_cavity(RADIUS, GAP, WIDTH)
    f = power(ring_add_drop_heater_model, ("o1", "o2"))
    res = dip(f, LAMBDA0, cavity.fsr(LAMBDA0) / 2)
    t1, t2 = (float(c[0]) for c in cavity.couplings(res))
    a = amplitude(ring.info["circumference"])
    bus = amplitude(ring.ports["o2"].x - ring.ports["o1"].x) ** 2
    expected = bus * (t2 * a - t1) ** 2 / (1 - t1 * t2 * a) ** 2
    assert float(f(res)) == pytest.approx(expected, rel=1e-6)


def test_all_pass_pn_ring_matches_the_closed_form_and_its_loss_budget():
    c = ring_pn_modulator()
    wl = np.linspace(1.545, 1.555, 2001)
    s = ring_pn_modulator_model(wl=wl)
    # round-trip loss: doped arc at mzm.pn_loss, the rest at rib.loss
    junction, length = c.info["junction_length"], c.info["circumference"]
    a = amplitude(junction, value("mzm.pn_loss")) * amplitude(length - junction, value("rib.loss"))
    n_rib, ng_rib = value("rib.n_eff"), value("rib.n_g")
    phi = 2 * np.pi * (n_rib + (n_rib - ng_rib) / LAMBDA0 * (wl - LAMBDA0)) * length / wl
    ((t, _),) = pn_cavity(RADIUS, PN_GAP).couplings(wl)
    t = np.asarray(t)
    expected = (a**2 - 2 * a * t * np.cos(phi) + t**2) / (
        1 - 2 * a * t * np.cos(phi) + (a * t) ** 2
    )
    bus = amplitude(c.ports["o2"].x - c.ports["o1"].x, value("rib.loss")) ** 2
    np.testing.assert_allclose(np.abs(s["o1", "o2"]) ** 2, bus * expected, atol=1e-12)


def test_heater_power_shifts_the_resonance_by_the_closed_form_amount(drawn_length):
    p = 10.0  # mW
    cold = dip(power(ring_add_drop_heater_model, ("o1", "o2")), LAMBDA0, 0.004)
    hot_f = power(ring_add_drop_heater_model, ("o1", "o2"), power=p)
    # phase pi P / P_pi at lambda0 = path offset P lambda0 / (2 P_pi); shift lambda d / (n_g L)
    expected = cold * (p * LAMBDA0 / (2 * P_PI)) / (N_G * drawn_length)
    hot = dip(hot_f, cold + expected, 0.001)
    assert hot - cold == pytest.approx(expected, rel=1e-3)
    # the helper solves the phase condition; the dips sit ~1e-8 off it (t varies with lambda)
    assert resonance_shift_nm(p, wl=cold) * 1e-3 == pytest.approx(hot - cold, rel=1e-6)


def test_heater_power_for_a_target_puts_a_resonance_there():
    target = 1.5512
    p = heater_power_for_resonance(target)
    assert 0 <= p <= 2 * P_PI + 1e-9  # within one FSR of tuning
    f = power(ring_add_drop_heater_model, ("o1", "o2"), power=p)
    assert dip(f, target, 0.0005) == pytest.approx(target, abs=1e-9)


def test_temperature_shift_is_lambda_dn_dt_dt_over_ng():
    dt = 5.0
    f0 = power(ring_add_drop_heater_model, ("o1", "o2"))
    cold = dip(f0, LAMBDA0, 0.004)
    warm = dip(
        power(ring_add_drop_heater_model, ("o1", "o2"), temperature=300.0 + dt), cold + 4e-4, 2e-4
    )
    assert warm - cold == pytest.approx(cold * DN_DT * dt / N_G, rel=1e-3)


def test_reverse_bias_shifts_the_pn_ring_by_its_efficiency_and_forward_bias_is_refused():
    cavity = pn_cavity(RADIUS, PN_GAP)
    f0 = power(ring_pn_modulator_model, ("o1", "o2"))
    res = dip(f0, LAMBDA0, cavity.fsr(LAMBDA0) / 2)
    v = 2.0
    biased = dip(power(ring_pn_modulator_model, ("o1", "o2"), voltage=v), res + 5e-5, 3e-5)
    eta = value("ring.pn_efficiency") * 1e-6  # um/V
    assert biased - res == pytest.approx(eta * v * res / LAMBDA0, rel=1e-3)
    with pytest.raises(ValueError, match=r"voltage=-0\.5.*forward"):
        ring_pn_modulator_model(voltage=-0.5)


def test_curved_coupler_length_is_the_straight_plus_the_gaussian_integral():
    d = value("directional_coupler.gap_decay")
    for cell, straight in ((ring_add_drop_heater, HEATER_GAP), (ring_pn_modulator, 0.0)):
        for radius in (5.0, 20.0):
            c = cell(radius=radius)
            outer = radius + c.info["width"] / 2  # the gap is measured to the outer edge
            expected = straight + math.sqrt(2 * math.pi * outer * d)
            # the drawn arc is a polygon whose chords sit up to ~1 nm further from the bus,
            # and a circle rises above the parabola by x^4 / (8 R^3) (~d^2 / (2 R) = 1.6 nm
            # where the integrand matters, at R = 5 um): each costs ~1 % of the coupling
            drawn = coupler_interaction_length(c, "o1")
            assert 0.975 * expected < drawn < expected


def _balanced_weight(cavity, detuning_um: float) -> float:
    """|drop|^2 - |through|^2 of the ring alone, ``detuning_um`` red of its resonance."""
    res = cavity.resonance(cavity.order_near(LAMBDA0))
    r = cavity.responses(res + detuning_um)
    return float(np.abs(r["drop"]) ** 2 - np.abs(r["through"]) ** 2)


def test_default_gaps_hold_the_design_intents_their_sources_state():
    # ring.gap: loaded Q ~ 1e4 at R = 10 um
    assert 0.9e4 < add_drop_cavity(RADIUS, GAP, WIDTH).loaded_q(LAMBDA0) < 1.2e4
    # ring.weight_bank_gap: Q ~ 1.4e4, weight from +0.94 (on resonance) to -0.97 (half a
    # 100 GHz channel, 0.4 nm, off)
    bank = add_drop_cavity(RADIUS, value("ring.weight_bank_gap"), WIDTH)
    assert 1.3e4 < bank.loaded_q(LAMBDA0) < 1.6e4
    assert _balanced_weight(bank, 0.0) > 0.93
    assert _balanced_weight(bank, 0.4e-3) < -0.96
    # ring.pn_gap: the modulator's sheet limits hold over +-2 sigma of fabricated width
    # (a width error dw moves the gap by -dw), the extinction with >= 2 dB to spare
    sheet = load_spec("ring_pn_modulator").quantities
    spread = 2 * value("fabrication.width_sigma") * 1e-3  # um
    for gap in (PN_GAP - spread, PN_GAP + spread):
        pn = pn_cavity(RADIUS, round(gap, 3))
        assert sheet["loaded_q"].min < pn.loaded_q(LAMBDA0) < sheet["loaded_q"].max
        assert pn.extinction_db(LAMBDA0) > sheet["extinction_db"].min + 2.0


def test_spec_figures_agree_with_the_closed_forms():
    cavity = add_drop_cavity(RADIUS, GAP, WIDTH)
    m = measure("ring_add_drop_heater", ring_add_drop_heater())
    res = cavity.resonance(cavity.order_near(LAMBDA0))
    assert m["loaded_q"] == pytest.approx(cavity.loaded_q(res), rel=2e-3)
    assert m["extinction_db"] == pytest.approx(cavity.extinction_db(res), abs=0.05)
    assert m["fsr_spectrum_nm"] == pytest.approx(m["fsr_nm"], rel=1e-2)


# --- every model: passive, reciprocal, accepts its cell's settings --------------------

RANGES = {
    cell: {p.name: p.range for p in cell_parameters(cell)}
    for cell in ("ring_add_drop_heater", "ring_pn_modulator")
}


def _in(cell: str, name: str):
    r = RANGES[cell][name]
    return st.floats(r.min, r.max)


# a fixed count keeps array shapes, hence jax's compiled primitives, the same across examples
WLS = st.lists(st.floats(1.50, 1.60), min_size=4, max_size=4)


def assert_passive_and_reciprocal(sdict: sax.SDict) -> None:
    m, _ = sax.sdense(sdict)
    m = np.asarray(m).reshape(-1, *np.shape(m)[-2:])
    assert np.all(np.linalg.svd(m, compute_uv=False) <= 1 + 1e-12)
    np.testing.assert_array_equal(m, np.swapaxes(m, 1, 2))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    radius=_in("ring_add_drop_heater", "radius"),
    gap=_in("ring_add_drop_heater", "gap"),
    # the cell draws widths on the 2 nm port grid (kfactory refuses others)
    width=st.integers(200, 300).map(lambda i: round(i * 0.002, 3)),
    wl=WLS,
    power_mw=st.floats(0.0, value("heater.max_power")),
    temperature=st.floats(273.0, 373.0),
)
def test_add_drop_ring_is_passive_and_reciprocal(radius, gap, width, wl, power_mw, temperature):
    s = ring_add_drop_heater_model(
        radius=radius,
        gap=gap,
        width=width,
        wl=np.array(wl),
        power=power_mw,
        temperature=temperature,
    )
    assert_passive_and_reciprocal(s)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    radius=_in("ring_pn_modulator", "radius"),
    gap=_in("ring_pn_modulator", "gap"),
    wl=WLS,
    voltage=st.floats(0.0, value("driver.swing")),
    temperature=st.floats(273.0, 373.0),
)
def test_pn_ring_is_passive_and_reciprocal(radius, gap, wl, voltage, temperature):
    s = ring_pn_modulator_model(
        radius=radius, gap=gap, wl=np.array(wl), voltage=voltage, temperature=temperature
    )
    assert_passive_and_reciprocal(s)


@pytest.mark.parametrize(
    ("cell", "settings_"),
    [
        (ring_add_drop_heater, {"radius": 12.5, "gap": 0.25, "width": 0.45}),
        (ring_pn_modulator, {"radius": 12.5, "gap": 0.25}),
    ],
)
def test_model_takes_every_cell_setting_with_the_cells_defaults(cell, settings_):
    name = cell.__name__
    model = MODELS[name]
    params = inspect.signature(model).parameters
    defaults = {k: v.default for k, v in inspect.signature(cell).parameters.items()}
    for key, default in defaults.items():
        assert params[key].default == default, key
    recorded = dict(cell(**settings_).settings)
    assert set(recorded) <= set(params)
    # the setting reaches the physics: a netlist's value changes the result
    wl = np.linspace(1.549, 1.551, 5)
    changed = np.asarray(sax.sdense(model(wl=wl, **recorded))[0])
    default = np.asarray(sax.sdense(model(wl=wl))[0])
    assert not np.allclose(changed, default)


def test_netlist_instance_resolves_to_the_registered_model():
    netlist = {
        "instances": {"r": {"component": "ring_add_drop_heater", "settings": {"radius": 12.5}}},
        "ports": {f"o{i}": f"r,o{i}" for i in range(1, 5)},
    }
    circuit, _ = sax.circuit(netlist, models=MODELS)
    wl = np.linspace(1.549, 1.551, 7)
    got = circuit(wl=wl, r={"power": 4.0})
    direct = ring_add_drop_heater_model(radius=12.5, wl=wl, power=4.0)
    for key in (("o1", "o2"), ("o1", "o3"), ("o4", "o3")):
        np.testing.assert_allclose(got[key], direct[key], atol=1e-14)


def test_spec_sheet_catches_rings_coupled_too_weakly_or_too_strongly():
    # 0.5 um: kappa^2 ~ 1.5e-3 per bus, below the round-trip loss (2.2e-3) -> Q ~ 2e5,
    # a 7 dB notch
    weak = {
        q.name for q in verify_cell("ring_add_drop_heater", {"gap": 0.5}).quantities if not q.passed
    }
    assert {"loaded_q", "extinction_db"} <= weak
    # 0.15 um: kappa^2 ~ 0.36 -> Q ~ 1.2e3, the neighbouring channel leaks in
    strong = verify_cell("ring_add_drop_heater", {"gap": 0.15})
    assert "loaded_q" in {q.name for q in strong.quantities if not q.passed}


def test_resonance_list_is_where_the_spectrum_dips():
    cavity = add_drop_cavity(RADIUS, GAP, WIDTH)
    listed = cavity.resonances(1.54, 1.56)
    f = power(ring_add_drop_heater_model, ("o1", "o2"))
    assert listed.size == 2  # FSR 8.8 nm: two orders in a 20 nm window
    for r in listed:
        assert dip(f, r, 0.001) == pytest.approx(r, abs=1e-7)
    with pytest.raises(ValueError, match=r"power=-1\.0"):
        ring_add_drop_heater_model(power=-1.0)
    with pytest.raises(ValueError, match=r"width=0\.4271"):  # off the 2 nm port grid
        ring_add_drop_heater_model(width=0.4271)


def test_models_trace_under_jit_over_wavelength_and_drive():
    wl = np.linspace(1.549, 1.551, 5)
    drop = jax.jit(lambda w, p: ring_add_drop_heater_model(wl=w, power=p)["o1", "o3"])
    np.testing.assert_allclose(
        drop(wl, 4.0), ring_add_drop_heater_model(wl=wl, power=4.0)["o1", "o3"]
    )
    mod = jax.jit(lambda w, v: ring_pn_modulator_model(wl=w, voltage=v)["o1", "o2"])
    np.testing.assert_allclose(
        mod(wl, 1.5), ring_pn_modulator_model(wl=wl, voltage=1.5)["o1", "o2"]
    )
    assert np.all(np.isnan(mod(wl, -1.0)))  # forward bias cannot raise under jit: NaN instead


def test_ring_guide_index_is_the_strip_waveguide_models():
    from components.waveguides import strip_n_eff

    wl, temperature = np.linspace(1.50, 1.60, 11), 320.0
    cavity = add_drop_cavity(RADIUS, GAP, WIDTH)
    np.testing.assert_allclose(
        cavity.index(wl, temperature), strip_n_eff(wl, temperature), rtol=0, atol=1e-14
    )
