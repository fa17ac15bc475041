"""AWGR sliding convolver: layout, layout-extracted SAX circuit vs structured evaluator,
routing convention, offset scheme, ring-bank solve, the least-squares programming and
its closed-form floor, calibration and the coherent all-inputs product (N = 4, 0.5 mm
MZMs to keep the layout small)."""

from __future__ import annotations

import numpy as np
import pytest

from circuits import awgr_convolver as ac
from circuits.core import NonIdealities, OpticalCore
from components.awg import awgr_transmission
from components.modulators import mzm_traveling_wave_model, vpi_v
from components.photodetectors import RESPONSIVITY
from components.rings import ring_add_drop_heater_model
from pdk.drc import run_drc

N, L_MZM = 4, 500.0


@pytest.fixture(scope="module")
def conv() -> ac.AwgrConvolver:
    return ac.AwgrConvolver(N, L_MZM)


def test_layout_is_drc_clean_and_brings_out_every_port(conv):
    c = conv.layout()
    assert run_drc(c).violations == 0
    names = {p.name for p in c.ports}
    assert c.ports["in"].port_type == "optical"
    assert sum(n.startswith("ring_k") for n in names) == 2 * N
    assert sum(n.startswith("mzm_p") for n in names) == 7 * N
    assert sum(n.startswith("pd_q") for n in names) == 2 * N


def test_inputs_are_checked(conv):
    assert isinstance(conv, OpticalCore) and conv.kind == "awgr"
    with pytest.raises(ValueError, match="n=3"):
        ac.AwgrConvolver(3, L_MZM)
    w = np.array([0.5, -0.2, 0.1, 0.9])
    np.testing.assert_array_equal(ac.kernel_of(ac.circulant(w), N), w)
    bad = ac.circulant(w)
    bad[2, 1] += 0.1
    with pytest.raises(ValueError, match=r"not circulant: W\[2, 1\]"):
        ac.kernel_of(bad, N)
    with pytest.raises(ValueError, match="real"):
        ac.kernel_of(w + 1j, N)


def test_circulant_is_the_sliding_sum():
    """y_q = sum_p x_p w_(p - q) (shared/SYSTEM.md) written out by hand."""
    rng = np.random.default_rng(0)
    w, x = rng.normal(size=N), rng.normal(size=N)
    by_hand = [sum(x[p] * w[(p - q) % N] for p in range(N)) for q in range(N)]
    np.testing.assert_allclose(ac.circulant(w) @ x, by_hand, atol=1e-14)


def test_router_routes_input_p_to_output_p_minus_k_on_line_k(conv):
    """lambda_pq = lambda_0 + (p - q) d_lambda (mod FSR): line k joins p to q = p - k."""
    topo = conv.topology
    gains = ac.slope_gains(topo, ac.device(topo, NonIdealities.ideal()), np.ones(N))
    for k in range(N):
        for p in range(N):
            assert np.argmax(gains[:, p, k]) == (p - k) % N


def _random_state(topo, seed):
    rng = np.random.default_rng(seed)
    dev = ac.device(topo, NonIdealities.all_on(seed=seed), router_tuning_k=-0.4)
    return ac.device_state(rng.uniform(0, 40, N), rng.uniform(0, 40, N), dev)


def test_structured_evaluator_matches_sax_of_the_layout_netlist(conv):
    topo = conv.topology
    state = _random_state(topo, 1)
    wl = np.concatenate([topo.wavelengths, [topo.wavelengths[2] + 1e-4]])
    fast = np.asarray(ac.structured_fn(N, L_MZM)(state, wl))
    ref = ac.sax_fields(topo, state, wl)
    assert np.max(np.abs(fast)) > 0.05
    np.testing.assert_allclose(fast, ref, atol=1e-9, rtol=0)


def test_offset_scheme_recovers_signed_weights_exactly():
    """P = (I - (b/T) 1 1^T) / a maps C(b + a w) to C(w) for any kernel: every column of
    a circulant sums to T, so the offset is read from the outputs themselves."""
    rng = np.random.default_rng(2)
    w = rng.uniform(-1, 1, N)
    a, b = (ac.T_HI - ac.T_LO) / 2, (ac.T_HI + ac.T_LO) / 2
    t = b + a * w
    s = ac.ConvSettings(np.zeros(N), np.ones(N), np.ones(N), a, b, float(t.sum()), 1.0)
    np.testing.assert_allclose(s.post_processing() @ ac.circulant(t), ac.circulant(w), atol=1e-14)


def test_ring_bank_solve_includes_every_ring_tail(conv):
    topo = conv.topology
    dev = ac.device(topo, NonIdealities.ideal())
    target = np.random.default_rng(3).uniform(ac.T_LO, ac.T_HI, N)
    felt = ac.solve_rings(topo, dev, target)
    through = np.ones((N, N))  # ring m on line k, straight from the ring model
    for m in range(N):
        s = ring_add_drop_heater_model(
            **topo.ring_geometry, wl=topo.wavelengths, power=felt[m], loss_db_per_cm=0.0
        )
        through[m] = np.abs(np.asarray(s[("o1", "o2")])) ** 2
    np.testing.assert_allclose(np.prod(through, axis=0), target, atol=1e-10)
    own = np.diag(through)
    assert np.max(np.abs(own - target)) > 1e-3  # the other rings' tails matter


def _closed_form_floor(w, ceiling, wavelengths, mzm=True) -> float:
    """min over separable delta of s ||P (C(t) o (rho - delta))||_F / ||C(w)||_F (module
    docstring), from the awgr and MZM models alone: rho[q, p] the log power gain of the
    path p -> q on its own line k = (p - q) mod N, router (no fabrication floors) times
    the MZM's slope at its programmed ceiling."""
    s = np.max(np.abs(w))
    a, b = (ac.T_HI - ac.T_LO) / 2, (ac.T_HI + ac.T_LO) / 2
    t = b + a * w / s
    q, p = np.meshgrid(np.arange(N), np.arange(N), indexing="ij")
    k = (p - q) % N
    router = awgr_transmission(
        wavelengths, channels=N, crosstalk_adjacent_db=-np.inf, crosstalk_nonadjacent_db=-np.inf
    )
    rho = np.log(np.abs(np.asarray(router))[k, p, q] ** 2)
    if mzm:
        vpi = vpi_v(L_MZM)

        def power(v):
            s21 = mzm_traveling_wave_model(length=L_MZM, wl=wavelengths[None], voltage=v[:, None])
            return np.abs(np.asarray(s21[("o1", "o2")])) ** 2

        v_on = vpi * 2 / np.pi * np.arccos(np.sqrt(ceiling))  # cos^2(dphi/2) = d at lambda0
        slope = power(v_on) - power(np.full(N, vpi))  # (p, k)
        rho = rho + np.log(slope[p, k])
    post = (np.eye(N) - b / t.sum() * np.ones((N, N))) / a
    c_t = ac.circulant(t)
    separable = [p == j for j in range(N)] + [q == j for j in range(N)] + [k == j for j in range(N)]
    basis = np.stack([(post @ (c_t * e)).ravel() for e in separable], axis=1)
    v = (post @ (c_t * rho)).ravel()
    rest = v - basis @ np.linalg.lstsq(basis, v, rcond=None)[0]
    return float(s * np.linalg.norm(rest) / np.linalg.norm(ac.circulant(w)))


@pytest.mark.parametrize("seed", [0, 1])
def test_ideal_error_is_the_closed_form_floor(conv, seed):
    """With every imperfection off, the least-squares programming leaves exactly the part
    of the router's and the MZM's non-separable path gains that no knob reaches (first
    order): the realised error equals that closed form. The router alone already puts it
    far above the issue's 1e-6, which N shared weights cannot reach."""
    w = ac.random_kernel(N, seed)
    ni = NonIdealities.ideal(seed)
    err = conv.fidelity(ni, W=w).rel_frobenius_error
    ceiling = conv.program(w, ni).mzm_ceiling
    floor = _closed_form_floor(w, ceiling, conv.wavelengths)
    assert err == pytest.approx(floor, rel=0.05)
    assert _closed_form_floor(w, ceiling, conv.wavelengths, mzm=False) > 3e-5


def test_least_squares_programming_is_exact_when_the_gains_allow():
    """A synthetic router with separable path gains and circulant passband tails can be
    realised exactly: from a 10 % wrong start, refine_knobs reaches the target to
    rounding, so the floor above is physics, not the solver."""
    rng = np.random.default_rng(4)
    q, p = np.meshgrid(np.arange(N), np.arange(N), indexing="ij")
    tails = np.r_[1.0, rng.uniform(1e-4, 1e-3, N - 1)]  # line k on the path of line p - q
    gain_p, gain_q = rng.uniform(0.5, 1.0, N), rng.uniform(0.5, 1.0, N)

    def gains(d):
        shift = (np.arange(N)[None, None, :] - (p - q)[..., None]) % N
        return (gain_q[:, None] * gain_p[None, :] * d[None, :])[..., None] * tails[shift]

    a, b = (ac.T_HI - ac.T_LO) / 2, (ac.T_HI + ac.T_LO) / 2
    t = b + a * rng.uniform(-1, 1, N)
    post = (np.eye(N) - b / t.sum() * np.ones((N, N))) / a
    start = [x * rng.uniform(0.9, 1.1, N) for x in (t, 0.45 / gain_p, 2 / gain_q)]
    c, d, k, err = ac.refine_knobs(gains, t, post, *start, iterations=20)
    z = k[:, None] * np.einsum("qpk,k->qp", gains(d), c)
    assert d.max() == 1.0 and err < 1e-12
    np.testing.assert_allclose(post @ z, post @ ac.circulant(t), atol=1e-12)


def test_sax_matrix_equals_the_structured_matrix_with_everything_on(conv):
    ni = NonIdealities.all_on(dac_bits=14, seed=2)
    settings = conv.program(ac.random_kernel(N, 2), ni)
    np.testing.assert_allclose(
        conv.sax_matrix(settings, ni), conv.realised_matrix(settings, ni), atol=1e-9, rtol=0
    )


def test_calibration_undoes_what_it_can(conv):
    w = ac.random_kernel(N, 7)
    ideal = conv.fidelity(W=w).rel_frobenius_error
    for switch in ("propagation_loss", "excess_loss", "coupler_imbalance", "thermal_crosstalk"):
        raw = conv.fidelity(NonIdealities(**{switch: True}, seed=7), W=w).rel_frobenius_error
        cal = conv.fidelity(
            NonIdealities(**{switch: True}, calibration=True, seed=7), W=w
        ).rel_frobenius_error
        # the floor moves a little with the path losses (they re-weight the misfit)
        assert raw > 1.2 * ideal and cal < 1.2 * ideal, switch
    # fabrication shifts rings and router by nm: useless raw; calibrated, the router's
    # crosstalk floors (coherent, not separable) remain
    raw = conv.fidelity(NonIdealities(fabrication=True, seed=7), W=w).rel_frobenius_error
    cal = conv.fidelity(NonIdealities(fabrication=True, calibration=True, seed=7), W=w)
    assert raw > 0.3 and cal.rel_frobenius_error < 0.03


def test_matmul_is_the_coherent_detection_of_the_sax_circuit(conv):
    """All inputs at once: the structured matmul equals detection of SAX's fields at the
    same MZM drives; against W @ X it differs by the coherent passband tails and the
    MZM's chromatic response only (small in the ideal case)."""
    topo = conv.topology
    w = ac.random_kernel(N, 8)
    x = np.random.default_rng(8).uniform(0, 1, (N, 2))
    x[:, 0] /= x[:, 0].max()
    x[:, 1] /= x[:, 1].max()
    y = conv.matmul(w, x)
    settings = conv.program(w)
    dev = ac.device(topo, NonIdealities.ideal())

    def detected(v):
        e = ac.sax_fields(topo, ac.device_state(settings.ring_power, v, dev), topo.wavelengths)
        return RESPONSIVITY * np.sum(np.abs(e) ** 2, axis=1)

    zero = detected(ac.drive_voltage(topo, np.zeros(N), settings.mzm_ceiling, None))
    for col in range(2):
        z = detected(ac.drive_voltage(topo, x[:, col], settings.mzm_ceiling, None)) - zero
        ref = settings.scale * settings.post_processing() @ (settings.gain * z)
        np.testing.assert_allclose(y[:, col], ref, atol=1e-9)
    np.testing.assert_allclose(y, ac.circulant(w) @ x, atol=3e-2)
    with pytest.raises(ValueError, match="nonnegative"):
        conv.matmul(w, -x)


def test_plots_draw(conv):
    figs = [
        ac.plot_realised_vs_target(conv, NonIdealities(dac_bits=12)),
        ac.plot_convolution(conv),
        ac.plot_enob_vs_nonideality(conv),
        ac.plot_enob_vs_dac_bits(conv, bits=(10, 14)),
        ac.plot_enob_vs_size(sizes=(N,), mzm_length=L_MZM),
    ]
    assert all(f.axes for f in figs)
