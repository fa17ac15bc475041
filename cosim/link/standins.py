"""TEMPORARY analytic stand-ins for the modulator (MZM) and the AWG.

The circuit issue provides SAX models of both devices from ``components/``. Until they
land, the link uses these closed-form models; they read every number from
``pdk/device_params.yaml`` and keep the interface the link needs (``MzmModel``:
``field_transmission``, ``power_transmission``, ``voltage_for_transmission``,
``eo_response``; ``AwgModel``: ``passband``, ``crosstalk_matrix``). The only runtime
import is in :mod:`cosim.link.config`, so the swap is one import change there (plus
the bench's NumPy reference, which re-derives the same closed forms on purpose).

MZM: push-pull, chirp-free Mach-Zehnder with arm imbalance set by the extinction
ratio. Differential phase ``dphi = bias_phase - pi v / V_pi``; field transmission
``t = sqrt(IL) (exp(j dphi/2) + r exp(-j dphi/2)) / (1 + r)`` with
``r = (1 - ER^-1/2) / (1 + ER^-1/2)`` so that ``max|t|^2 / min|t|^2 = ER``.
Its electro-optic bandwidth is a single pole on the drive voltage.

AWG: Gaussian passband around each channel, insertion loss at the passband centre,
and power crosstalk into a port from the adjacent and non-adjacent channels.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from cosim.link.filters import first_order_lowpass, super_gaussian_bandpass
from pdk.params import value


def _mzm_length_cm() -> float:
    # the electrode length that reaches the design V_pi with this phase-shifter efficiency
    return value("mzm.vpi_l") / value("mzm.vpi_target")


@dataclass(frozen=True)
class MzmModel:
    """Analytic MZM. vpi: V; extinction_ratio_db: dB (None = infinite);
    insertion_loss_db: dB; eo_bandwidth: Hz (None = instantaneous)."""

    vpi: float
    extinction_ratio_db: float | None
    insertion_loss_db: float
    eo_bandwidth: float | None

    @classmethod
    def from_pdk(cls) -> MzmModel:
        """V_pi = mzm.vpi_target; IL = doped-arm loss over the electrode + two MMIs."""
        il = value("mzm.pn_loss") * _mzm_length_cm() + 2 * value("mmi.excess_loss")
        return cls(
            vpi=value("mzm.vpi_target"),
            extinction_ratio_db=value("mzm.extinction_ratio"),
            insertion_loss_db=il,
            eo_bandwidth=value("mzm.eo_bandwidth") * 1e9,
        )

    @property
    def imbalance(self) -> float:
        """Arm field ratio r in (0, 1]."""
        if self.extinction_ratio_db is None:
            return 1.0
        e = 10 ** (-self.extinction_ratio_db / 20)
        return (1 - e) / (1 + e)

    def field_transmission(self, v: jax.Array, bias_phase: float) -> jax.Array:
        """Complex field transmission for drive voltage ``v`` (V)."""
        r = self.imbalance
        dphi = bias_phase - jnp.pi * v / self.vpi
        il = 10 ** (-self.insertion_loss_db / 20)
        # (exp(j dphi/2) + r exp(-j dphi/2)) / (1 + r), written with one cos and one sin
        half = 0.5 * dphi
        return il * jax.lax.complex(jnp.cos(half), (1 - r) / (1 + r) * jnp.sin(half))

    def power_transmission(self, v: jax.Array, bias_phase: float) -> jax.Array:
        """``|t(v)|^2``."""
        return jnp.abs(self.field_transmission(v, bias_phase)) ** 2

    def voltage_for_transmission(self, power_t: jax.Array, bias_phase: float) -> jax.Array:
        """Inverse of :meth:`power_transmission` on the branch ``dphi`` in [0, pi] (V)."""
        r = self.imbalance
        il = 10 ** (-self.insertion_loss_db / 10)
        cos_dphi = ((1 + r) ** 2 * power_t / il - 1 - r**2) / (2 * r)
        dphi = jnp.arccos(jnp.clip(cos_dphi, -1.0, 1.0))
        return (bias_phase - dphi) * self.vpi / jnp.pi

    def eo_response(self, f: jax.Array) -> jax.Array:
        """Electro-optic frequency response applied to the drive voltage."""
        return first_order_lowpass(f, self.eo_bandwidth)


@dataclass(frozen=True)
class AwgModel:
    """Analytic AWG. insertion_loss_db: dB at passband centre; crosstalk_*_db: dB (<0,
    None = none); passband_3db: Hz full width (None = flat); spacing: Hz."""

    insertion_loss_db: float
    crosstalk_adjacent_db: float | None
    crosstalk_nonadjacent_db: float | None
    passband_3db: float | None
    spacing: float

    @classmethod
    def from_pdk(cls, spacing: float) -> AwgModel:
        return cls(
            insertion_loss_db=value("awg.insertion_loss"),
            crosstalk_adjacent_db=value("awg.crosstalk_adjacent"),
            crosstalk_nonadjacent_db=value("awg.crosstalk_nonadjacent"),
            passband_3db=value("awg.passband_3db") * 1e9,
            spacing=spacing,
        )

    def passband(self, f: jax.Array) -> jax.Array:
        """Field transmission of a port around its own channel (baseband ``f``, Hz)."""
        il = 10 ** (-self.insertion_loss_db / 20)
        return il * super_gaussian_bandpass(f, self.passband_3db, order=1)

    def crosstalk_matrix(self, nu: np.ndarray) -> np.ndarray:
        """Power fraction ``X[k, j]`` of channel j that leaks into port k (k != j)."""
        nu = np.asarray(nu, dtype=float)
        steps = np.rint(np.abs(nu[:, None] - nu[None, :]) / self.spacing)
        adj, far = (
            0.0 if x is None else 10 ** (x / 10)
            for x in (self.crosstalk_adjacent_db, self.crosstalk_nonadjacent_db)
        )
        return np.where(steps == 0, 0.0, np.where(steps == 1, adj, far))


def mzm_model() -> MzmModel:
    """The process's MZM (stand-in)."""
    return MzmModel.from_pdk()


def awg_model(spacing: float) -> AwgModel:
    """The process's AWG on a grid of ``spacing`` Hz (stand-in)."""
    return AwgModel.from_pdk(spacing)


__all__ = ["AwgModel", "MzmModel", "awg_model", "mzm_model"]
