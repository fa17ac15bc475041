"""Power breakdown of a :class:`~cosim.power.system.PowerSystem` under three boundaries.

Boundaries (each includes the previous one):

* ``opu`` -- the optical computing centre's OPUs and their electronics: heaters holding
  the weights, photodiode bias, TIAs, ADCs, control logic, and centre-side weight lasers,
  DACs and drivers if weights are encoded into light there. Not counted: digital
  post-processing (activations, memory, host), power delivery losses, cooling.
* ``tx`` -- plus the edge-node transmitters: lasers, DACs, modulator drivers.
* ``network`` -- plus the network's optical amplifiers (EDFA pumps with overhead).
  ROADMs/WSSs, fibre plant and transceivers of other traffic are not counted.

Each component is flagged ``rate_proportional`` when its power grows linearly with the
symbol rate (DACs, ADCs, drivers); all others are fixed. So mW/TOPS(R) = A / R + B: the
fixed terms' share falls as 1/R and the rate-proportional energy per operation B is the
limit at high rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from cosim.power import devices as dev
from cosim.power.system import PowerSystem

Boundary = Literal["opu", "tx", "network"]
BOUNDARIES: tuple[Boundary, ...] = ("opu", "tx", "network")
BOUNDARY_TEXT: dict[Boundary, str] = {
    "opu": "OPU only: heaters, photodiode bias, TIAs, ADCs, control logic, centre-side "
    "weight encoding",
    "tx": "plus edge transmitters: lasers, DACs, modulator drivers",
    "network": "plus network amplifiers: EDFA pumps with TEC/control overhead",
}


@dataclass(frozen=True)
class Component:
    """One kind of device in the budget: ``power_mw`` over all its instances (mW)."""

    name: str
    boundary: Boundary
    power_mw: float
    count: int
    rate_proportional: bool
    formula: str


@dataclass(frozen=True)
class PowerBreakdown:
    """Components grouped by boundary; totals, mW/TOPS and pJ/MAC per boundary."""

    tops: float
    components: tuple[Component, ...]
    system: PowerSystem | None = field(default=None, compare=False)

    def within(self, boundary: Boundary) -> tuple[Component, ...]:
        """Components counted under ``boundary`` (its own and the inner boundaries')."""
        depth = BOUNDARIES.index(boundary)
        return tuple(c for c in self.components if BOUNDARIES.index(c.boundary) <= depth)

    def total_mw(self, boundary: Boundary) -> float:
        """Total power (mW) under ``boundary``; an exactly rounded sum (math.fsum)."""
        return math.fsum(c.power_mw for c in self.within(boundary))

    def mw_per_tops(self, boundary: Boundary) -> float:
        """Efficiency (mW/TOPS = fJ per operation) under ``boundary``."""
        return self.total_mw(boundary) / self.tops

    def pj_per_mac(self, boundary: Boundary) -> float:
        """Energy per multiply-accumulate (pJ) under ``boundary``."""
        return dev.pj_per_mac(self.mw_per_tops(boundary))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: ``tops``, per-boundary ``total_mw``, ``mw_per_tops`` and
        ``pj_per_mac`` (keys opu, tx, network), ``components`` {name: mW}, each
        component's ``boundary_of`` and the ``boundaries`` descriptions."""
        return {
            "tops": self.tops,
            "total_mw": {b: self.total_mw(b) for b in BOUNDARIES},
            "mw_per_tops": {b: self.mw_per_tops(b) for b in BOUNDARIES},
            "pj_per_mac": {b: self.pj_per_mac(b) for b in BOUNDARIES},
            "components": {c.name: c.power_mw for c in self.components},
            "boundary_of": {c.name: c.boundary for c in self.components},
            "boundaries": dict(BOUNDARY_TEXT),
        }


def _mw(watts: float) -> float:
    return watts * 1e3


def power_breakdown(system: PowerSystem) -> PowerBreakdown:
    """Every component's electrical power for ``system`` from the device library."""
    s = system
    rate = s.symbol_rate
    laser_w = dev.laser_power(dev.dbm_to_w(s.laser_power_dbm), s.laser_wall_plug_efficiency)
    symbol_energy = dev.modulator_energy_per_symbol(s.modulator)
    n_pd = s.outputs * s.photodiodes_per_output
    adc_rate = rate * s.adc_samples_per_symbol
    if s.adc_model == "walden":
        adc_w = dev.adc_power_walden(s.effective_adc_enob, adc_rate)
        adc_formula = f"Walden FoM x 2^{s.effective_adc_enob:g} x {adc_rate / 1e9:g} GS/s"
    else:
        adc_w = dev.adc_power_part(s.adc_bits, adc_rate)
        adc_formula = f"8-bit 10 GS/s part scaled to {s.adc_bits} bit, {adc_rate / 1e9:g} GS/s"
    n_weight = s.weight_channels_per_opu * s.n_opus
    weight_rate = s.weight_update_rate_gbd * 1e9
    n_edfa = len(s.edfa_output_powers_dbm)
    dac_rate = rate * s.dac_samples_per_symbol

    components = (
        Component(
            "heaters",
            "opu",
            _mw(dev.heater_power(s.heater_powers_mw)),
            len(s.heater_powers_mw),
            False,
            "sum of programmed holding powers",
        ),
        Component(
            "photodiode_bias",
            "opu",
            n_pd * _mw(dev.photodiode_bias_power(dev.dbm_to_w(s.photodiode_optical_power_dbm))),
            n_pd,
            False,
            "V_bias (R P + I_dark) per photodiode",
        ),
        Component(
            "tias", "opu", s.outputs * _mw(dev.tia_power()), s.outputs, False, "tia.power each"
        ),
        Component("adcs", "opu", s.outputs * _mw(adc_w), s.outputs, True, adc_formula),
        Component(
            "control_logic",
            "opu",
            _mw(
                dev.control_logic_power(
                    s.control_gate_count, s.control_clock_mhz * 1e6, s.control_flipflop_count
                )
            ),
            s.control_gate_count,
            False,
            "E_toggle f_clk (alpha N_cells + 2 N_ff)",
        ),
        Component(
            "weight_lasers", "opu", n_weight * _mw(laser_w), n_weight, False, "P_opt / WPE each"
        ),
        Component(
            "weight_dacs",
            "opu",
            n_weight * _mw(dev.dac_power(s.dac_bits, weight_rate)),
            n_weight if weight_rate else 0,
            False,
            "DAC part scaled, at the weight update rate",
        ),
        Component(
            "weight_modulators",
            "opu",
            n_weight * _mw(dev.modulator_power(symbol_energy, weight_rate)),
            n_weight if weight_rate else 0,
            False,
            "energy per symbol x weight update rate",
        ),
        Component(
            "edge_lasers",
            "tx",
            s.edge_channels * _mw(laser_w),
            s.edge_channels,
            False,
            "P_opt / WPE each",
        ),
        Component(
            "edge_dacs",
            "tx",
            s.edge_channels * _mw(dev.dac_power(s.dac_bits, dac_rate)),
            s.edge_channels,
            True,
            f"DAC part scaled to {s.dac_bits} bit, {dac_rate / 1e9:g} GS/s",
        ),
        Component(
            "edge_modulators",
            "tx",
            s.edge_channels * _mw(dev.modulator_power(symbol_energy, rate)),
            s.edge_channels,
            True,
            f"{symbol_energy * 1e15:g} fJ per symbol ({s.modulator})",
        ),
        Component(
            "edfa_pumps",
            "network",
            _mw(math.fsum(dev.edfa_power(dev.dbm_to_w(p)) for p in s.edfa_output_powers_dbm)),
            n_edfa,
            False,
            "P_out / PCE / eta_pump x overhead",
        ),
    )
    return PowerBreakdown(
        tops=dev.tops(s.rows, s.cols, rate, s.n_opus), components=components, system=s
    )


__all__ = [
    "BOUNDARIES",
    "BOUNDARY_TEXT",
    "Boundary",
    "Component",
    "PowerBreakdown",
    "power_breakdown",
]
