"""The system description the power model evaluates: counts, rates and device choices.

Frozen and strict (``extra="forbid"``); field names carry their unit. Defaults come from
``pdk/device_params.yaml``. :func:`load_power_system` turns any validation error into a
:class:`PowerConfigError` whose one-line message names the field and its value.

What is counted where (see :mod:`cosim.power.budget`):

* per OPU: ``rows`` outputs, each a photodiode (two if ``balanced_detection``), one TIA
  and one ADC; one heater per entry of ``heater_powers_mw`` (all OPUs together);
  ``weight_channels_per_opu`` centre-side weight lasers (with a DAC and modulator each
  when ``weight_update_rate_gbd`` > 0);
* per edge node: ``channels_per_node`` transmitters (laser, DAC, modulator driver);
* network: one EDFA per entry of ``edfa_output_powers_dbm``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pdk.params import value


class PowerConfigError(ValueError):
    """An invalid power-system description; the message names the offending field."""


def _pdk(name: str) -> Any:
    return Field(default_factory=lambda: value(name))


def _pdk_int(name: str) -> Any:
    return Field(default_factory=lambda: int(value(name)))


Count = Annotated[int, Field(ge=1)]
Bits = Annotated[int, Field(ge=1, le=16)]
Positive = Annotated[float, Field(gt=0)]
Dbm = Annotated[float, Field(ge=-40.0, le=30.0)]


class PowerSystem(BaseModel):
    """A design point of the optical cloud, as far as its electrical power is concerned.

    Attributes:
        rows, cols: outputs and inputs of each OPU (MACs per symbol = rows x cols).
        symbol_rate_gbd: input symbol rate (GBd); every OPU computes one product per symbol.
        n_opus: OPUs working in parallel.
        n_edge_nodes: edge nodes transmitting inputs.
        channels_per_node: transmitters (wavelengths) per edge node; ``None`` = each OPU
            input fed by its own channel, cols x n_opus / n_edge_nodes.
        laser_power_dbm: optical output of every laser (dBm).
        laser_wall_plug_efficiency: laser optical out / electrical in (1).
        modulator: ``"mzm"`` (measured 450 fJ/bit figure) or ``"mzm_cv2"`` (C V^2 of the
            process MZM electrode), see :func:`cosim.power.devices.modulator_energy_per_symbol`.
        dac_bits, dac_samples_per_symbol: transmitter DAC resolution and oversampling.
        adc_bits, adc_samples_per_symbol: receiver ADC resolution and samples per symbol.
        adc_enob: ADC effective bits for the Walden model; ``None`` = adc_bits minus the
            library's loss adc.bits - adc.enob.
        adc_model: ``"part"`` (cited 8-bit 10 GS/s part, scaled) or ``"walden"``.
        balanced_detection: two photodiodes per output instead of one.
        pd_optical_power_dbm: mean optical power on each photodiode (dBm); ``None`` = the
            lossless upper bound: all cols channels broadcast to rows rows and shared by
            the diodes of an output.
        heater_powers_mw: programmed holding power of every heater of all OPUs (mW), from
            the cores' ``program()``.
        weight_channels_per_opu: centre-side lasers encoding weights into light (0 for
            weights held by heaters).
        weight_update_rate_gbd: rate at which those weight channels are re-modulated
            (GBd); 0 = static (laser only, no DAC or driver).
        edfa_output_powers_dbm: total output power of every network EDFA (dBm).
        control_gate_count: cells of the synthesised control logic (Yosys count, all).
        control_flipflop_count: of which flip-flops (their clock pins toggle every cycle).
        control_clock_mhz: control-logic clock (MHz).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    rows: Count
    cols: Count
    symbol_rate_gbd: Positive
    n_opus: Count
    n_edge_nodes: Count
    channels_per_node: Count | None = None
    laser_power_dbm: Dbm = _pdk("laser.power")
    laser_wall_plug_efficiency: Annotated[float, Field(gt=0, le=1)] = _pdk(
        "laser.wall_plug_efficiency"
    )
    modulator: Literal["mzm", "mzm_cv2"] = "mzm"
    dac_bits: Bits = _pdk_int("dac.bits")
    dac_samples_per_symbol: Annotated[float, Field(ge=1, le=16)] = 1.0
    adc_bits: Bits = _pdk_int("adc.bits")
    adc_samples_per_symbol: Annotated[float, Field(ge=1, le=16)] = 1.0
    adc_enob: Annotated[float, Field(gt=0)] | None = None
    adc_model: Literal["part", "walden"] = "part"
    balanced_detection: bool = True
    pd_optical_power_dbm: Dbm | None = None
    heater_powers_mw: tuple[float, ...]
    weight_channels_per_opu: Annotated[int, Field(ge=0)] = 0
    weight_update_rate_gbd: Annotated[float, Field(ge=0)] = 0.0
    edfa_output_powers_dbm: tuple[Dbm, ...] = ()
    control_gate_count: Annotated[int, Field(ge=0)]
    control_flipflop_count: Annotated[int, Field(ge=0)] = 0
    control_clock_mhz: Positive

    @field_validator("heater_powers_mw")
    @classmethod
    def _heaters_within_rating(cls, powers: tuple[float, ...]) -> tuple[float, ...]:
        limit = value("heater.max_power")
        for i, p in enumerate(powers):
            if not math.isfinite(p) or p < 0:
                raise ValueError(f"[{i}] = {p!r}: a holding power is finite and >= 0 mW")
            if p > limit:
                raise ValueError(f"[{i}] = {p!r}: above heater.max_power ({limit:g} mW)")
        return powers

    @model_validator(mode="after")
    def _consistent(self) -> PowerSystem:
        if self.channels_per_node is None and (self.cols * self.n_opus) % self.n_edge_nodes:
            raise ValueError(
                f"channels_per_node = None: cols x n_opus = {self.cols * self.n_opus} inputs do "
                f"not split evenly over {self.n_edge_nodes} edge nodes; give channels_per_node"
            )
        if self.adc_enob is not None and self.adc_enob > self.adc_bits:
            raise ValueError(
                f"adc_enob = {self.adc_enob!r}: more effective bits than adc_bits = {self.adc_bits}"
            )
        if self.control_flipflop_count > self.control_gate_count:
            raise ValueError(
                f"control_flipflop_count = {self.control_flipflop_count}: more flip-flops than "
                f"control_gate_count = {self.control_gate_count} cells (the count includes them)"
            )
        return self

    # ------------------------------------------------------------ derived quantities (SI)
    @property
    def symbol_rate(self) -> float:
        """Symbol rate (Bd)."""
        return self.symbol_rate_gbd * 1e9

    @property
    def edge_channels(self) -> int:
        """Transmitters over all edge nodes."""
        per_node = self.channels_per_node
        if per_node is None:
            per_node = self.cols * self.n_opus // self.n_edge_nodes
        return self.n_edge_nodes * per_node

    @property
    def outputs(self) -> int:
        """Receiver chains (TIA + ADC) over all OPUs."""
        return self.rows * self.n_opus

    @property
    def photodiodes_per_output(self) -> int:
        return 2 if self.balanced_detection else 1

    @property
    def effective_adc_enob(self) -> float:
        """ENOB used by the Walden ADC model (bits)."""
        if self.adc_enob is not None:
            return self.adc_enob
        return self.adc_bits - (value("adc.bits") - value("adc.enob"))

    @property
    def photodiode_optical_power_dbm(self) -> float:
        """Mean optical power on one photodiode (dBm), given or the lossless upper bound."""
        if self.pd_optical_power_dbm is not None:
            return self.pd_optical_power_dbm
        share = self.cols / (self.rows * self.photodiodes_per_output)
        return self.laser_power_dbm + 10 * math.log10(share)

    def replace(self, **changes: Any) -> PowerSystem:
        """A validated copy with ``changes`` applied."""
        return validate_power_system({**self.model_dump(), **changes})


def format_validation_error(err: ValidationError) -> str:
    """One line naming the first offending field and its value."""
    e = err.errors()[0]
    loc = ""
    for part in e["loc"]:
        loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc else str(part))
    msg = e["msg"].removeprefix("Value error, ")
    if e["type"] == "extra_forbidden":
        return f"{loc}: unknown key"
    if e["type"] == "missing":
        return f"{loc}: required field missing"
    if not loc or msg.startswith(loc):
        return msg
    if msg.startswith("["):
        return f"{loc}{msg}"
    return f"{loc} = {e.get('input')!r}: {msg}"


def validate_power_system(data: dict[str, Any]) -> PowerSystem:
    """A :class:`PowerSystem` from a mapping; :class:`PowerConfigError` names a bad field."""
    try:
        return PowerSystem.model_validate(data)
    except ValidationError as err:
        raise PowerConfigError(format_validation_error(err)) from None


def load_power_system(path: str | Path) -> PowerSystem:
    """A :class:`PowerSystem` from a YAML file (``PowerConfigError`` on bad content)."""
    data = yaml.safe_load(Path(path).read_text())
    if not isinstance(data, dict):
        raise PowerConfigError(f"{path}: expected a mapping of fields, got {type(data).__name__}")
    return validate_power_system(data)


__all__ = [
    "PowerConfigError",
    "PowerSystem",
    "format_validation_error",
    "load_power_system",
    "validate_power_system",
]
