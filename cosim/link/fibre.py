"""Standard single-mode fibre: attenuation, dispersion with slope, latency, Kerr effect.

Propagation of each channel's envelope in its own retarded frame (engineering sign
convention of :mod:`cosim.link.field`):

    dA/dz = -alpha/2 A + j beta2_k/2 d2A/dt2 + beta3/6 d3A/dt3 - j gamma |A|^2 A,

i.e. in the frequency domain ``A(Omega, L) = A(Omega, 0) exp(-alpha L/2 - j L (beta2_k
Omega^2/2 + beta3 Omega^3/6))`` with ``beta2_k = beta2 + beta3 Omega_k`` at the channel's
offset ``Omega_k = 2 pi (nu_k - nu_ref)`` from the reference where D and S are given.
This is Agrawal's NLSE (Nonlinear Fiber Optics, 6th ed., eq. 2.3.46) under
``exp(+j omega t)``: the Kerr phase of a CW field is ``-gamma P L_eff`` here and
``+gamma P L_eff`` in Agrawal's ``exp(-j omega t)`` convention.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp
from scipy.constants import c

from cosim.link.field import Grid, OpticalField, scale_power


@dataclass(frozen=True)
class FibreParams:
    """One fibre span in SI units (static under ``jit``).

    length: m; alpha: 1/m (power attenuation); beta2: s^2/m and beta3: s^3/m at
    ``nu_ref`` (Hz); gamma: 1/(W m); group_index: 1 (at nu_ref).
    """

    length: float
    alpha: float
    beta2: float
    beta3: float
    gamma: float
    nu_ref: float
    group_index: float

    @classmethod
    def from_datasheet(
        cls,
        length_km: float,
        loss_db_per_km: float,
        dispersion_ps_nm_km: float,
        slope_ps_nm2_km: float,
        gamma_per_w_km: float,
        group_index: float,
        reference_wavelength_um: float,
    ) -> FibreParams:
        """From the usual datasheet units (dB/km, ps/(nm km), ps/(nm^2 km), 1/(W km), um)."""
        lam = reference_wavelength_um * 1e-6
        beta2, beta3 = beta_from_dispersion(dispersion_ps_nm_km * 1e-6, slope_ps_nm2_km * 1e3, lam)
        return cls(
            length=length_km * 1e3,
            alpha=alpha_from_db(loss_db_per_km),
            beta2=beta2,
            beta3=beta3,
            gamma=gamma_per_w_km * 1e-3,
            nu_ref=c / lam,
            group_index=group_index,
        )

    def beta2_at(self, nu: jax.Array) -> jax.Array:
        """Local GVD beta2 (s^2/m) at optical frequency ``nu`` (Hz)."""
        return self.beta2 + self.beta3 * 2 * jnp.pi * (nu - self.nu_ref)

    def dispersion_at(self, nu: jax.Array) -> jax.Array:
        """D (s/m^2) at ``nu``: ``-2 pi c beta2 / lambda^2``."""
        return -2 * jnp.pi * nu**2 / c * self.beta2_at(nu)


def alpha_from_db(loss_db_per_km: float) -> float:
    """Power attenuation coefficient (1/m) from dB/km: ``ln(10)/10 * dB/km / 1e3``."""
    return loss_db_per_km * math.log(10) / 10 / 1e3


def beta_from_dispersion(D: float, S: float, wavelength: float) -> tuple[float, float]:
    """(beta2 [s^2/m], beta3 [s^3/m]) from D [s/m^2], slope S [s/m^3] at ``wavelength`` [m].

    ``beta2 = -D lambda^2 / (2 pi c)``;
    ``beta3 = (lambda^2 / (2 pi c))^2 S + lambda^3 D / (2 pi^2 c^2)``.
    """
    beta2 = -D * wavelength**2 / (2 * math.pi * c)
    beta3 = (wavelength**2 / (2 * math.pi * c)) ** 2 * S + wavelength**3 * D / (
        2 * math.pi**2 * c**2
    )
    return beta2, beta3


def effective_length(alpha: float, length: float) -> float:
    """``L_eff = (1 - exp(-alpha L)) / alpha`` (m); ``L`` when lossless."""
    return length if alpha == 0 else -math.expm1(-alpha * length) / alpha


def latency(nu: jax.Array, p: FibreParams) -> jax.Array:
    """Group delay (s) of the span at carrier ``nu`` (Hz).

    ``L (n_g / c + beta2 Omega + beta3 Omega^2 / 2)``, Omega = 2 pi (nu - nu_ref).
    """
    om = 2 * jnp.pi * (nu - p.nu_ref)
    return p.length * (p.group_index / c + p.beta2 * om + 0.5 * p.beta3 * om**2)


def dispersion_phase(omega: jax.Array, nu: jax.Array, p: FibreParams, length: float) -> jax.Array:
    """Dispersive phase ``L (beta2_k Omega^2/2 + beta3 Omega^3/6)`` (rad) of one channel."""
    return length * (0.5 * p.beta2_at(nu) * omega**2 + p.beta3 * omega**3 / 6.0)


def channel_frame(
    field: OpticalField, grid: Grid, p: FibreParams, nu_wide: jax.Array
) -> OpticalField:
    """Re-reference channels cut from a shared-grid field to their own retarded frames.

    On the shared grid (reference ``nu_wide``) channel k at offset ``W_k`` acquires the
    phase ``L (beta2 (W_k + W)^2 / 2 + beta3 (W_k + W)^3 / 6)``; its constant and
    linear-in-W parts (carrier phase and group delay relative to ``nu_wide``, reported
    by :func:`latency`) are removed so that the result matches the per-channel
    convention of :func:`linear_propagate`.
    """
    omega = 2 * jnp.pi * jnp.asarray(grid.frequencies())
    wk = 2 * jnp.pi * (field.nu - nu_wide)[:, None]
    b2 = p.beta2_at(nu_wide)
    const = p.length * (0.5 * b2 * wk**2 + p.beta3 * wk**3 / 6)
    delay = p.length * (b2 * wk + 0.5 * p.beta3 * wk**2)
    undo = jnp.exp(1j * (const + delay * omega))

    def fix(x: jax.Array) -> jax.Array:
        return jnp.fft.ifft(jnp.fft.fft(x, axis=-1) * undo, axis=-1)

    return field._replace(ex=fix(field.ex), ey=None if field.ey is None else fix(field.ey))


def linear_propagate(field: OpticalField, grid: Grid, p: FibreParams) -> OpticalField:
    """Attenuation and dispersion over the whole span, exactly (one FFT pair per channel)."""
    omega = 2 * jnp.pi * jnp.asarray(grid.frequencies())
    # vmap over channels: each has its own local beta2
    phase = jax.vmap(lambda nu: dispersion_phase(omega, nu, p, p.length))(jnp.atleast_1d(field.nu))
    phase = phase.reshape((*jnp.shape(field.nu), -1))
    a = jnp.exp(-0.5 * p.alpha * p.length)
    h = jax.lax.complex(a * jnp.cos(phase), -a * jnp.sin(phase))

    def prop(x: jax.Array) -> jax.Array:
        return jnp.fft.ifft(jnp.fft.fft(x, axis=-1) * h, axis=-1)

    p_inc = field.p_incoherent
    return field._replace(
        ex=prop(field.ex),
        ey=None if field.ey is None else prop(field.ey),
        p_incoherent=None if p_inc is None else p_inc * jnp.exp(-p.alpha * p.length),
    )


def ssfm_propagate(
    field: OpticalField,
    grid: Grid,
    p: FibreParams,
    max_phase: float = 5e-3,
    max_step: float = 1e3,
    return_steps: bool = False,
) -> OpticalField | tuple[OpticalField, jax.Array]:
    """Symmetric split-step Fourier solution of the NLSE with step-size control.

    Each step is ``D(h/2) N(h) D(h/2)`` with ``h = min(max_step, max_phase /
    (gamma P_peak))``: the nonlinear phase per step never exceeds ``max_phase`` (rad),
    the nonlinear-phase-rotation criterion (Sinkin et al., JLT 21:61, 2003). The two
    half linear steps between consecutive nonlinear steps are applied as one. The
    nonlinear step uses the step's effective length ``2 sinh(alpha h/2)/alpha`` at the
    mid-step power, exact for the loss inside a step. Both polarisations see the
    total power (``gamma`` is the fibre's effective coefficient). With ``gamma = 0``
    the steps only split the linear operator, which the tests compare with
    :func:`linear_propagate`. max_step: m. ``return_steps`` also returns the step count.
    """
    omega = 2 * jnp.pi * jnp.asarray(grid.frequencies())
    nu = jnp.atleast_1d(field.nu)
    phase_per_m = jax.vmap(lambda n: dispersion_phase(omega, n, p, 1.0))(nu)
    phase_per_m = phase_per_m.reshape((*jnp.shape(field.nu), -1))
    has_y = field.ey is not None
    a0 = jnp.stack([field.ex, field.ey]) if has_y else field.ex[None]

    def linear(a: jax.Array, h: jax.Array) -> jax.Array:
        amp = jnp.exp(-0.5 * p.alpha * h)
        th = phase_per_m * h
        hf = jax.lax.complex(amp * jnp.cos(th), -amp * jnp.sin(th))
        return jnp.fft.ifft(jnp.fft.fft(a, axis=-1) * hf, axis=-1)

    def step_length(a: jax.Array, z: jax.Array) -> jax.Array:
        remaining = jnp.maximum(p.length - z, 0.0)
        if p.gamma == 0:
            return jnp.minimum(max_step, remaining)
        peak = jnp.max(jnp.sum(jnp.abs(a) ** 2, axis=0))
        h_nl = max_phase / (p.gamma * jnp.maximum(peak, 1e-30))
        return jnp.minimum(jnp.minimum(max_step, h_nl), remaining)

    def nonlinear(a: jax.Array, h: jax.Array) -> jax.Array:
        if p.gamma == 0:
            return a
        h_eff = h if p.alpha == 0 else 2 * jnp.sinh(0.5 * p.alpha * h) / p.alpha
        phi = p.gamma * jnp.sum(jnp.abs(a) ** 2, axis=0) * h_eff
        return a * jax.lax.complex(jnp.cos(phi), -jnp.sin(phi))

    def body(state):
        z, a, h, n = state
        a = nonlinear(a, h)
        z = z + h
        h_next = jnp.where(z < p.length * (1 - 1e-12), step_length(a, z), 0.0)
        a = linear(a, 0.5 * (h + h_next))  # D(h/2) of this step and D(h_next/2) of the next
        return z, a, h_next, n + 1

    def cond(state):
        return state[2] > 0

    h0 = step_length(a0, jnp.asarray(0.0))
    state = (jnp.asarray(0.0), linear(a0, 0.5 * h0), h0, 0)
    _, a, _, steps = jax.lax.while_loop(cond, body, state)
    p_inc = field.p_incoherent
    out = field._replace(
        ex=a[0],
        ey=a[1] if has_y else None,
        p_incoherent=None if p_inc is None else p_inc * jnp.exp(-p.alpha * p.length),
    )
    return (out, steps) if return_steps else out


def attenuate(field: OpticalField, loss_db: float) -> OpticalField:
    """Broadband loss of ``loss_db`` dB (connectors, splices, attenuators)."""
    return scale_power(field, 10 ** (-loss_db / 10))
