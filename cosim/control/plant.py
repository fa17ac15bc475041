"""Photonic plant of the ring-lock loop: heater DAC -> thermal -> ring -> monitor PD -> ADC.

A bank of ``n`` add-drop microrings on one bus, ring ``i`` addressing its own laser line.
Each ring has a TiN heater driven by one heater DAC channel, a 1 % tap on its drop port
with a monitor photodiode, and the bus input has one more tap (the loss-of-signal monitor).
All monitors share one multiplexed ADC (channel ``i`` = ring ``i``, channel ``n`` = input).

Physics and parameters (every number from ``pdk/device_params.yaml``):

* heater: voltage-mode driver, power ``P = heater.max_power * (code / (2^bits - 1))^2``;
* thermal: first order with ``heater.tau``; the heater of a ring shifts the round-trip phase
  of its neighbours by ``heater.crosstalk_10um`` of its own (rings 10 um apart edge to
  edge; next-nearest neighbours neglected); one heater gives ``pi`` rad per ``heater.p_pi``;
* ambient: every ring's phase moves by ``2 pi L dn_eff/dT dT / lambda``
  (``strip.dn_eff_dT``), i.e. ``lambda dn_eff/dT / n_g`` ~ 69 pm/K of resonance shift;
* ring: a weight-bank ring's cavity from the circuit model (``ring_add_drop_heater`` at
  ``ring.weight_bank_gap``, ``components.rings.add_drop_cavity``: drawn circumference,
  group index, coupled-mode self-couplings of both bus couplers, round-trip loss),
  evaluated in closed form by
  :func:`add_drop_ring` (identical to that model's drop response; tested);
* monitors: responsivity, dark current, shot noise ``2 q I B``, TIA Johnson noise
  ``4 k T B / R``, laser RIN, ``B = adc.monitor_bandwidth``; ADC truncates
  ``V / (FS / 2^bits)`` and clips.

Fabrication and initial temperature offsets place every resonance anywhere within one
FSR of its laser line: the phase offsets are drawn uniformly over ``2 pi`` (worst case).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cosim.control.params import value

Q_E = 1.602176634e-19  # C
K_B = 1.380649e-23  # J/K
HEATER_DAC_BITS = 16  # the board's heater DAC, TI DAC8568 (cosim/control/dac8568.py)


def add_drop_ring(
    phi: np.ndarray | float, r1: float, r2: float, a: float
) -> tuple[np.ndarray, np.ndarray]:
    """Power transmission (through, drop) of an add-drop microring.

    The closed form of ``components.rings.RingCavity.responses`` (the SAX ring model of
    the circuit library), whose numbers the plant takes from the drawn cell
    (:func:`ring_cavity`); evaluated here in NumPy because the simulator process calls it
    at every ADC conversion. Bogaerts et al., "Silicon microring resonators", Laser
    Photonics Rev. 6:47 (2012), sec. 2, add-drop configuration::

        T_through = (a^2 r2^2 - 2 a r1 r2 cos(phi) + r1^2) / (1 - 2 a r1 r2 cos(phi) + (r1 r2 a)^2)
        T_drop    = a (1 - r1^2)(1 - r2^2)               / (1 - 2 a r1 r2 cos(phi) + (r1 r2 a)^2)

    Args:
        phi: round-trip phase, rad (resonance at multiples of 2 pi).
        r1, r2: self-coupling amplitudes of the input and drop couplers, 1.
        a: round-trip amplitude transmission, 1 (``a^2`` = power survival per round trip).
    """
    c = np.cos(phi)
    den = 1.0 - 2.0 * a * r1 * r2 * c + (r1 * r2 * a) ** 2
    through = (a**2 * r2**2 - 2.0 * a * r1 * r2 * c + r1**2) / den
    drop = a * (1.0 - r1**2) * (1.0 - r2**2) / den
    return through, drop


def ring_cavity(wavelength_um: float = 1.55) -> dict[str, float]:
    """The cavity of a weight-bank ring of the circuit library (``ring_add_drop_heater``
    at ``ring.radius`` and ``ring.weight_bank_gap``, as ``circuits.mrr_bank`` draws them)
    at ``wavelength_um``: self-couplings ``r1``, ``r2`` (1), round-trip amplitude ``a``
    (1), drawn ``circumference_um`` and group index ``n_g``. Builds the cell
    (gdsfactory, SAX): call it where that is affordable and pass the numbers on."""
    from components.rings import add_drop_cavity

    gap = value("ring.weight_bank_gap")
    cav = add_drop_cavity(value("ring.radius"), gap, value("strip.width"))
    t1, t2 = cav.self_couplings(wavelength_um)
    return {
        "r1": float(t1),
        "r2": float(t2),
        "a": float(cav.round_trip_amplitude),
        "circumference_um": float(cav.circumference),
        "n_g": float(cav.group_index(wavelength_um)),
    }


@dataclass(frozen=True)
class PlantParams:
    """Numbers of the plant, in the units their names carry; build it with
    :meth:`from_pdk`, which reads every one from the device library."""

    n_rings: int
    wavelength_um: float
    r1: float
    r2: float
    a: float
    circumference_um: float
    n_g: float
    dn_dT_per_k: float
    p_pi_mw: float
    p_max_mw: float
    tau_us: float
    crosstalk: float
    laser_mw: float  # per line, at the ring bus
    tap: float
    responsivity_a_per_w: float
    dark_na: float
    r_tia_kohm: float
    adc_full_scale_v: float
    bandwidth_mhz: float
    rin_db_hz: float
    temperature_k: float
    dac_bits: int = HEATER_DAC_BITS
    adc_bits: int = 12

    @classmethod
    def from_pdk(
        cls,
        n_rings: int,
        ring: dict[str, float] | None = None,
        dac_bits: int = HEATER_DAC_BITS,
        adc_bits: int = 12,
    ) -> PlantParams:
        """Plant parameters from ``pdk/device_params.yaml`` and, for the ring, the circuit
        library's cavity (``ring``: as returned by :func:`ring_cavity`, computed when
        None). The laser line reaching the bus is ``laser.power`` less one grating coupler
        (``grating_coupler.peak_loss``)."""
        wavelength = value("constants.wavelength")
        laser_dbm = value("laser.power") - value("grating_coupler.peak_loss")
        return cls(
            n_rings=n_rings,
            dac_bits=dac_bits,
            adc_bits=adc_bits,
            wavelength_um=wavelength,
            **(ring if ring is not None else ring_cavity(wavelength)),
            dn_dT_per_k=value("strip.dn_eff_dT"),
            p_pi_mw=value("heater.p_pi"),
            p_max_mw=value("heater.max_power"),
            tau_us=value("heater.tau"),
            crosstalk=value("heater.crosstalk_10um"),
            laser_mw=10 ** (laser_dbm / 10),
            tap=value("photodetector.monitor_tap"),
            responsivity_a_per_w=value("photodetector.responsivity"),
            dark_na=value("photodetector.dark_current"),
            r_tia_kohm=value("tia.monitor_transimpedance"),
            adc_full_scale_v=value("adc.monitor_full_scale"),
            bandwidth_mhz=value("adc.monitor_bandwidth"),
            rin_db_hz=value("laser.rin"),
            temperature_k=value("constants.temperature"),
        )

    # --- derived quantities ------------------------------------------------------------
    @property
    def fsr_pm(self) -> float:
        """Free spectral range lambda^2 / (n_g L), pm."""
        return self.wavelength_um**2 / (self.n_g * self.circumference_um) * 1e6

    @property
    def fwhm_rad(self) -> float:
        """Full width at half maximum of the drop resonance in round-trip phase, rad: the
        exact half-maximum of the Airy response, cos(FWHM / 2) = 1 - (1 - x)^2 / (2 x) with
        x = r1 r2 a (Bogaerts et al. 2012 quote its small-loss form 2 (1 - x) / sqrt(x))."""
        x = self.r1 * self.r2 * self.a
        return 2 * math.acos(1 - (1 - x) ** 2 / (2 * x))

    @property
    def fwhm_pm(self) -> float:
        return self.fsr_pm * self.fwhm_rad / (2 * math.pi)

    @property
    def loaded_q(self) -> float:
        return self.wavelength_um * 1e6 / self.fwhm_pm

    @property
    def drop_peak(self) -> float:
        """Drop transmission on resonance, 1."""
        return float(add_drop_ring(0.0, self.r1, self.r2, self.a)[1])

    @property
    def rad_per_mw(self) -> float:
        """Round-trip phase per mW of own heater power, rad/mW."""
        return math.pi / self.p_pi_mw

    @property
    def rad_per_k(self) -> float:
        """Round-trip phase per kelvin of ambient temperature, rad/K."""
        return 2 * math.pi * self.circumference_um * self.dn_dT_per_k / self.wavelength_um

    @property
    def pm_per_k(self) -> float:
        """Resonance shift per kelvin, pm/K."""
        return self.fsr_pm * self.rad_per_k / (2 * math.pi)

    @property
    def volts_per_watt(self) -> float:
        """Monitor chain gain: optical power at the tapped port -> ADC input, V/W."""
        return self.tap * self.responsivity_a_per_w * self.r_tia_kohm * 1e3

    @property
    def adc_lsb_v(self) -> float:
        return self.adc_full_scale_v / 2**self.adc_bits

    def counts(self, optical_w: float) -> float:
        """Noiseless ADC reading (counts, not quantised) for power ``optical_w`` at a tap."""
        v = (optical_w * self.tap * self.responsivity_a_per_w + self.dark_na * 1e-9) * (
            self.r_tia_kohm * 1e3
        )
        return v / self.adc_lsb_v

    def power_mw(self, code: int | np.ndarray) -> np.ndarray:
        """Heater power of DAC ``code``, mW."""
        return self.p_max_mw * (np.asarray(code, dtype=float) / (2**self.dac_bits - 1)) ** 2


class RingBankPlant:
    """Event-driven plant: heater codes change at DAC updates, monitors are read at ADC
    conversions; between events the thermal state is advanced exactly (first order).

    Args:
        params: plant numbers.
        phase0_rad: cold round-trip phase of each ring at its laser line, rad (mod 2 pi).
        ambient_k: ambient temperature offset (K) as a function of time (s).
        seed: seed of the monitor noise.
    """

    def __init__(
        self,
        params: PlantParams,
        phase0_rad: np.ndarray,
        ambient_k: Callable[[float], float] = lambda t: 0.0,
        seed: int = 0,
    ) -> None:
        n = params.n_rings
        self.p = params
        self.phase0 = np.asarray(phase0_rad, dtype=float)
        if self.phase0.shape != (n,):
            raise ValueError(f"phase0_rad must have {n} entries, got shape {self.phase0.shape}")
        self.ambient_k = ambient_k
        self.rng = np.random.default_rng(seed)
        self.codes = np.zeros(n, dtype=np.int64)
        self.theta = np.zeros(n)  # heater-induced round-trip phase, rad
        self.t = 0.0
        self._steady: np.ndarray | None = None  # theta the present codes settle to
        self._phase_t: float | None = None
        self._phase = np.zeros(n)
        self.laser_on = True
        coupling = np.eye(n)
        for i in range(n - 1):
            coupling[i, i + 1] = coupling[i + 1, i] = params.crosstalk
        self.coupling = coupling

    # --- dynamics ---------------------------------------------------------------------
    def theta_steady(self, codes: np.ndarray | None = None) -> np.ndarray:
        """Heater phase each ring settles to with heater ``codes``, rad."""
        power = self.p.power_mw(self.codes if codes is None else codes)
        return self.coupling @ (self.p.rad_per_mw * power)

    def advance(self, t: float) -> None:
        """Advance the thermal state to time ``t`` (s) with the present heater codes."""
        if t < self.t:
            raise ValueError(f"time must not go backwards: {t} < {self.t}")
        if t == self.t:
            return
        if self._steady is None:
            self._steady = self.theta_steady()
        decay = math.exp(-(t - self.t) / (self.p.tau_us * 1e-6))
        self.theta = self._steady + (self.theta - self._steady) * decay
        self.t = t
        self._phase_t = None

    def set_code(self, ring: int, code: int, t: float) -> None:
        """The heater DAC of ``ring`` switched to ``code`` at time ``t`` (s)."""
        self.advance(t)
        self.codes[ring] = code
        self._steady = None

    # --- optics -----------------------------------------------------------------------
    def phase(self, t: float) -> np.ndarray:
        """Round-trip phase of every ring at its laser line at time ``t``, rad."""
        self.advance(t)
        if self._phase_t != t:
            self._phase = self.phase0 + self.theta + self.p.rad_per_k * self.ambient_k(t)
            self._phase_t = t
        return self._phase

    def detuning_pm(self, t: float) -> np.ndarray:
        """Resonance minus laser wavelength, pm (wrapped to +-FSR/2)."""
        wrapped = (self.phase(t) + math.pi) % (2 * math.pi) - math.pi
        return wrapped * self.p.fsr_pm / (2 * math.pi)

    def drop(self, t: float) -> np.ndarray:
        """Drop-port power transmission of every ring, 1."""
        return add_drop_ring(self.phase(t), self.p.r1, self.p.r2, self.p.a)[1]

    def weight(self, t: float) -> np.ndarray:
        """Weight each ring realises: drop transmission / drop on resonance, 1."""
        return self.drop(t) / self.p.drop_peak

    # --- monitors ------------------------------------------------------------------------
    def adc(self, channel: int, t: float) -> int:
        """Monitor ADC reading of ``channel`` (ring i, or n = input tap) at time ``t``."""
        n = self.p.n_rings
        if not 0 <= channel <= n:
            raise ValueError(f"ADC channel must be 0..{n}, got {channel}")
        laser_w = self.p.laser_mw * 1e-3 if self.laser_on else 0.0
        optical_w = laser_w if channel == n else laser_w * float(self.drop(t)[channel])
        return self.quantise(optical_w)

    def quantise(self, optical_w: float) -> int:
        """One noisy ADC conversion of ``optical_w`` (W at the tapped port)."""
        p = self.p
        i_sig = optical_w * p.tap * p.responsivity_a_per_w
        i_mean = i_sig + p.dark_na * 1e-9
        bw = p.bandwidth_mhz * 1e6
        r = p.r_tia_kohm * 1e3
        var = 2 * Q_E * i_mean * bw + 4 * K_B * p.temperature_k * bw / r
        var += i_sig**2 * 10 ** (p.rin_db_hz / 10) * bw
        v = (i_mean + math.sqrt(var) * self.rng.standard_normal()) * r
        return int(min(max(math.floor(v / p.adc_lsb_v), 0), 2**p.adc_bits - 1))

    def noise_counts(self, optical_w: float) -> float:
        """Standard deviation of the analog noise at the ADC input, counts."""
        p = self.p
        i_sig = optical_w * p.tap * p.responsivity_a_per_w
        bw, r = p.bandwidth_mhz * 1e6, p.r_tia_kohm * 1e3
        var = 2 * Q_E * (i_sig + p.dark_na * 1e-9) * bw + 4 * K_B * p.temperature_k * bw / r
        var += i_sig**2 * 10 ** (p.rin_db_hz / 10) * bw
        return math.sqrt(var) * r / p.adc_lsb_v
