"""The edge transmitter's modulator: the travelling-wave MZM of :mod:`components.modulators`.

The field transfer is the SAX model ``mzm_traveling_wave`` evaluated at each channel's
wavelength and drive voltage (its S21, vectorised and traceable in JAX); the
electro-optic response that filters the drive is :func:`mzm_eo_response`. Nothing of
the transfer is re-derived here: V_pi at a wavelength is read off the model's phase
(:func:`mzm_phase_difference`), and the pre-distortion that turns a target power into a
drive voltage inverts the model numerically (bisection on its monotonic branch).

Sign convention of the model: the drive ``V`` adds to the DC ``bias_voltage``,
dphi = pi (V + V_bias) / V_pi, and the transmission falls from its peak at dphi = 0
to its null at dphi = pi. The link biases each channel at ``bias_phase`` of its own
V_pi (a bias controller locks every transmitter to its operating point) and uses the
part of the driver swing that lies on that branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import jax
import jax.numpy as jnp
from scipy.constants import c

from components.modulators import (
    mzm_eo_bandwidth_hz,
    mzm_eo_response,
    mzm_phase_difference,
    mzm_traveling_wave_model,
)

BISECTION_STEPS = 64  # halves the drive interval to below double precision


def wavelength_um(nu: jax.Array) -> jax.Array:
    """Vacuum wavelength (um) of optical frequency ``nu`` (Hz)."""
    return c / jnp.asarray(nu) * 1e6


@dataclass(frozen=True)
class Modulator:
    """The MZM as the link uses it (static under ``jit``).

    length_um: electrode length (um), the cell's ``length``; index_mismatch: n_rf - n_g
    of :func:`mzm_eo_response`; eo_response: False drives the phase instantaneously
    (an ideal-electrode what-if).
    """

    length_um: float
    index_mismatch: float = 0.0
    eo_response: bool = True

    def vpi(self, nu: jax.Array) -> jax.Array:
        """Drive amplitude (V) for a pi phase difference at ``nu`` (Hz), from the model."""
        return jnp.pi / mzm_phase_difference(1.0, self.length_um, wavelength_um(nu))

    def field_transmission(self, v: jax.Array, nu: jax.Array, bias_v: jax.Array) -> jax.Array:
        """S21 of the SAX model at drive ``v`` (V) on ``bias_v`` (V), wavelength of ``nu`` (Hz).

        All three broadcast (e.g. v (ch, n), nu and bias_v (ch, 1)).
        """
        s = mzm_traveling_wave_model(
            length=self.length_um, wl=wavelength_um(nu), voltage=v, bias_voltage=bias_v
        )
        return s[("o1", "o2")]

    def power_transmission(self, v: jax.Array, nu: jax.Array, bias_v: jax.Array) -> jax.Array:
        """``|S21|^2`` of the model."""
        return jnp.abs(self.field_transmission(v, nu, bias_v)) ** 2

    def voltage_for_transmission(
        self,
        power_t: jax.Array,
        nu: jax.Array,
        bias_v: jax.Array,
        v_peak: jax.Array,
        v_null: jax.Array,
    ) -> jax.Array:
        """Drive (V) in [v_peak, v_null] at which the model transmits ``power_t``.

        The transmission falls monotonically from ``v_peak`` to ``v_null`` (one branch
        of the cos^2); bisection on the model itself, to double precision.
        """

        def step(_, bounds):
            lo, hi = bounds
            mid = 0.5 * (lo + hi)
            above = self.power_transmission(mid, nu, bias_v) > power_t
            return jnp.where(above, mid, lo), jnp.where(above, hi, mid)

        lo = jnp.broadcast_to(v_peak, jnp.shape(power_t)).astype(float)
        hi = jnp.broadcast_to(v_null, jnp.shape(power_t)).astype(float)
        lo, hi = jax.lax.fori_loop(0, BISECTION_STEPS, step, (lo, hi))
        return 0.5 * (lo + hi)

    def eo(self, f: jax.Array) -> jax.Array:
        """Electro-optic response H(f) applied to the drive voltage (``f`` in Hz)."""
        if not self.eo_response:
            return jnp.ones_like(f, dtype=complex)
        return mzm_eo_response(f, self.length_um, self.index_mismatch)

    def eo_bandwidth_hz(self) -> float | None:
        """-3 dB frequency (Hz) of :meth:`eo`; None when instantaneous."""
        if not self.eo_response:
            return None
        return _eo_bandwidth_hz(self.length_um, self.index_mismatch)


@cache
def _eo_bandwidth_hz(length_um: float, index_mismatch: float) -> float:
    return mzm_eo_bandwidth_hz(length_um, index_mismatch)
