"""Electrical power of each device of the optical cloud, from the device-parameter library.

Every function takes SI quantities (W, Hz, J, V, A) and returns watts. A parameter left
as ``None`` is read from ``pdk/device_params.yaml`` (its ``value``/``unit``/``source``
are printed by ``pdk.params.get``). Throughput and the unit conversions between mW/TOPS,
fJ/op and pJ/MAC live here too, so that every number of the budget has one definition.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from scipy.constants import milli

from pdk.params import value

FEMTO = 1e-15
GIGA = 1e9


def _or(x: float | None, name: str, scale: float = 1.0) -> float:
    return value(name) * scale if x is None else x


def dbm_to_w(dbm: float) -> float:
    """Optical power (W) of ``dbm`` (dBm)."""
    return milli * 10 ** (dbm / 10)


# ---------------------------------------------------------------- throughput and units
def tops(rows: int, cols: int, symbol_rate: float, n_opus: int) -> float:
    """Throughput (TOPS) = 2 rows cols symbol_rate n_opus / 1e12, 2 operations per MAC.

    symbol_rate: Bd; every OPU does rows x cols multiply-accumulates per symbol.
    """
    return 2.0 * rows * cols * symbol_rate * n_opus / 1e12


def mw_per_tops(power_w: float, throughput_tops: float) -> float:
    """Efficiency (mW/TOPS) of ``power_w`` (W) at ``throughput_tops`` (TOPS); = fJ/op."""
    return power_w / milli / throughput_tops


def pj_per_mac(mw_per_tops_value: float) -> float:
    """Energy per multiply-accumulate (pJ) from mW/TOPS: 1 mW/TOPS = 1 fJ/op = 2 fJ/MAC."""
    return 2.0 * mw_per_tops_value * 1e-3


# ---------------------------------------------------------------- light sources
def laser_power(optical_w: float, wall_plug_efficiency: float | None = None) -> float:
    """Electrical power (W) of a laser emitting ``optical_w`` (W): P_opt / WPE.

    wall_plug_efficiency: optical out / electrical in (1); default laser.wall_plug_efficiency
    (DFB, 10-30 %, vendor data). Includes the laser's bias, not a TEC.
    """
    eta = _or(wall_plug_efficiency, "laser.wall_plug_efficiency")
    return optical_w / eta


def edfa_power(
    output_w: float,
    power_conversion_efficiency: float | None = None,
    pump_wall_plug_efficiency: float | None = None,
    electrical_overhead: float | None = None,
) -> float:
    """Electrical power (W) of an EDFA delivering ``output_w`` (W, total signal output).

    P = P_out / PCE / eta_pump * overhead: PCE (signal out / pump light,
    edfa.power_conversion_efficiency), pump-diode wall-plug efficiency
    (edfa.pump_wall_plug_efficiency) and the TEC/control overhead factor
    (edfa.electrical_overhead). Input signal power, which the amplifier does not pay
    for, is neglected against the output (gains of 10-25 dB).
    """
    pce = _or(power_conversion_efficiency, "edfa.power_conversion_efficiency")
    eta = _or(pump_wall_plug_efficiency, "edfa.pump_wall_plug_efficiency")
    overhead = _or(electrical_overhead, "edfa.electrical_overhead")
    return output_w / pce / eta * overhead


# ---------------------------------------------------------------- modulators
def mzm_electrode_capacitance() -> float:
    """Junction capacitance (F) of one arm of the process MZM.

    Electrode length L = mzm.vpi_l / mzm.vpi_target (4 mm for 2 V cm and 5 V) times
    mzm.capacitance_per_length (pF/mm).
    """
    length_mm = value("mzm.vpi_l") / value("mzm.vpi_target") * 10.0
    return value("mzm.capacitance_per_length") * 1e-12 * length_mm


def mzm_cv2_energy(capacitance_f: float | None = None, swing_v: float | None = None) -> float:
    """Drive energy per symbol (J) of a push-pull MZM seen as a lumped capacitive load.

    Each of the two arms (capacitance ``capacitance_f``, default
    :func:`mzm_electrode_capacitance`) swings half the differential ``swing_v`` (default
    driver.swing). A CMOS driver draws C V^2 from its supply on every 0 -> 1 transition,
    which random data makes on 1/4 of the symbols: E = 2 C (V/2)^2 / 4 (D. A. B. Miller,
    "Energy consumption in optical modulators for interconnects", Opt. Express 20(S2):A293,
    2012). A travelling-wave electrode terminated in 50 ohm dissipates more; this is the
    lower bound for the process's 4 mm device.
    """
    c = mzm_electrode_capacitance() if capacitance_f is None else capacitance_f
    v_arm = _or(swing_v, "driver.swing") / 2.0
    return 2.0 * c * v_arm**2 / 4.0


def modulator_energy_per_symbol(kind: str) -> float:
    """Drive energy per symbol (J) of a modulator ``kind``.

    ``"mzm"``: the measured-device figure mzm.energy_per_bit (450 fJ/bit at 1 bit per
    symbol, SimPhony device library) applied to each symbol of the analog drive.
    ``"mzm_cv2"``: :func:`mzm_cv2_energy` of the process's own MZM electrode.
    """
    if kind == "mzm":
        return value("mzm.energy_per_bit") * FEMTO
    if kind == "mzm_cv2":
        return mzm_cv2_energy()
    raise ValueError(f"modulator kind {kind!r}: expected 'mzm' or 'mzm_cv2'")


def modulator_power(energy_per_symbol_j: float, symbol_rate: float) -> float:
    """Driver power (W) = energy per symbol (J) x symbol rate (Bd)."""
    return energy_per_symbol_j * symbol_rate


# ---------------------------------------------------------------- converters
def dac_power(bits: int, sample_rate: float) -> float:
    """Power (W) of a DAC of ``bits`` at ``sample_rate`` (S/s), scaled from a cited part.

    The part: dac.part_power at dac.part_sample_rate and dac.part_bits (14 GS/s 8-bit
    switched-capacitor DAC, 16 nm). Scaling keeps the energy per conversion step
    constant, the Walden-style assumption: P = P_part (fs / fs_part) 2^(bits - bits_part).
    """
    fs_part = value("dac.part_sample_rate") * GIGA
    return (
        value("dac.part_power")
        * milli
        * (sample_rate / fs_part)
        * 2.0 ** (bits - value("dac.part_bits"))
    )


def adc_power_walden(enob: float, sample_rate: float, fom_j: float | None = None) -> float:
    """ADC power (W) from the Walden figure of merit: P = FoM 2^ENOB fs.

    enob: effective bits (1); sample_rate: S/s; fom_j: J per conversion step, default
    adc.walden_fom (34 fJ/step, 7-bit 1.25 GS/s ADC, JSSC 53:1889, 2018). R. H. Walden,
    "Analog-to-digital converter survey and analysis", IEEE JSAC 17:539 (1999).
    """
    fom = _or(fom_j, "adc.walden_fom", FEMTO)
    return fom * 2.0**enob * sample_rate


def adc_power_part(bits: int, sample_rate: float) -> float:
    """ADC power (W) scaled from the cited 8-bit 10 GS/s part (adc.power_8bit_10gsps).

    Constant energy per conversion step, as for the DAC:
    P = P_part (fs / fs_part) 2^(bits - bits_part).
    """
    fs_part = value("adc.part_sample_rate") * GIGA
    return (
        value("adc.power_8bit_10gsps")
        * milli
        * (sample_rate / fs_part)
        * 2.0 ** (bits - value("adc.part_bits"))
    )


# ---------------------------------------------------------------- receiver
def tia_power() -> float:
    """Power (W) of one receiver TIA (tia.power): a bias set by its fixed bandwidth
    (tia.bandwidth), independent of the symbol rate it is used at."""
    return value("tia.power") * milli


def photodiode_bias_power(
    optical_w: float,
    bias_v: float | None = None,
    responsivity: float | None = None,
    dark_current_a: float | None = None,
) -> float:
    """Power (W) the reverse-bias supply delivers to one photodiode: V (R P + I_dark).

    optical_w: mean optical power on the diode (W); bias_v: V (photodetector.bias);
    responsivity: A/W (photodetector.responsivity); dark_current_a: A
    (photodetector.dark_current).
    """
    v = _or(bias_v, "photodetector.bias")
    r = _or(responsivity, "photodetector.responsivity")
    i_dark = _or(dark_current_a, "photodetector.dark_current", 1e-9)
    return v * (r * optical_w + i_dark)


# ---------------------------------------------------------------- weights and control
def heater_power(holding_powers_mw: Iterable[float]) -> float:
    """Total power (W) of thermo-optic heaters holding the programmed phases.

    holding_powers_mw: the electrical power of each heater (mW) as the core's
    ``program()`` sets it. Heater-driver and DAC losses are not included.
    """
    return math.fsum(holding_powers_mw) * milli


def control_logic_power(
    gate_count: int,
    clock_hz: float,
    flipflop_count: int = 0,
    activity: float | None = None,
    energy_per_toggle_j: float | None = None,
) -> float:
    """Dynamic power (W) of synthesised control logic.

    P = E_toggle f_clk (alpha N_gates + 2 N_ff): every cell (Yosys count ``gate_count``,
    flip-flops included) toggles with activity alpha (control.activity) per cycle, and
    each flip-flop's clock pin toggles twice per cycle regardless of data. E_toggle is
    control.energy_per_toggle (fJ). Leakage is not included.
    """
    alpha = _or(activity, "control.activity")
    e = _or(energy_per_toggle_j, "control.energy_per_toggle", FEMTO)
    return e * clock_hz * (alpha * gate_count + 2.0 * flipflop_count)


__all__ = [
    "adc_power_part",
    "adc_power_walden",
    "control_logic_power",
    "dac_power",
    "dbm_to_w",
    "edfa_power",
    "heater_power",
    "laser_power",
    "modulator_energy_per_symbol",
    "modulator_power",
    "mw_per_tops",
    "mzm_cv2_energy",
    "mzm_electrode_capacitance",
    "photodiode_bias_power",
    "pj_per_mac",
    "tia_power",
    "tops",
]
