"""Link configuration: validated pydantic models (YAML in, SI parameter objects out).

Every default comes from ``pdk/device_params.yaml`` or, for the modulator and the AWG,
from the drawn cells of :mod:`components` (their geometry settings are checked against
the cells' ranges); field names carry their unit. Models are frozen and hashable, so a
:class:`LinkConfig` is a static argument of the jitted chain. Unknown keys are errors
(``extra="forbid"``); :func:`format_validation_error` turns any error into one line
naming the field.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from components.awg import awgr
from components.modulators import mzm_traveling_wave, vpi_v
from components.registry import coerce_settings
from components.waveguides import cell_defaults
from cosim.link.awg import AwgRouter
from cosim.link.fibre import FibreParams
from cosim.link.field import Grid, grid_offset
from cosim.link.mzm import Modulator
from cosim.link.receiver import RxParams, thermal_noise_density
from cosim.link.transmitter import TxParams
from pdk.params import value

_MZM_CELL = cell_defaults(mzm_traveling_wave)
_AWG_CELL = cell_defaults(awgr)


def _pdk(name: str, scale: float = 1.0) -> Any:
    """Field default read from the device-parameter library (times ``scale``)."""
    return Field(default_factory=lambda: value(name) * scale)


def _pdk_int(name: str) -> Any:
    return Field(default_factory=lambda: int(value(name)))


def _cell_setting(cell: str, name: str, v: float) -> float:
    """``v`` checked against the range of the drawn cell's setting ``name``."""
    return coerce_settings(cell, {name: v})[name]


def _ghz(x: float | None) -> float | None:
    return None if x is None else x * 1e9


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]
OptionalBandwidth = Annotated[float, Field(gt=0)] | None


# ---------------------------------------------------------------- grid and channels
class GridConfig(_Model):
    """Simulation time grid."""

    symbol_rate_gbd: Positive = _pdk("dac.sample_rate")
    samples_per_symbol: Annotated[int, Field(ge=2, le=256)] = 16
    n_symbols: Annotated[int, Field(ge=16, le=1 << 20)] = 4096

    def grid(self) -> Grid:
        return Grid(self.symbol_rate_gbd * 1e9, self.samples_per_symbol, self.n_symbols)


class ChannelsConfig(_Model):
    """WDM channels on the ITU-T G.694.1 grid: ``count`` from the anchor, or explicit."""

    spacing_ghz: Positive = _pdk("laser.grid_spacing")
    anchor_thz: Positive = _pdk("laser.grid_anchor")
    count: Annotated[int, Field(ge=1, le=128)] = 8
    frequencies_thz: tuple[float, ...] | None = None

    @model_validator(mode="after")
    def _on_grid(self) -> ChannelsConfig:
        if self.frequencies_thz is None:
            return self
        for i, f in enumerate(self.frequencies_thz):
            off = grid_offset(f * 1e12, self.anchor_thz * 1e12, self.spacing_ghz * 1e9)
            if off > 1e-6:
                raise ValueError(
                    f"channels.frequencies_thz[{i}] = {f}: off the {self.spacing_ghz:g} GHz "
                    f"grid anchored at {self.anchor_thz:g} THz"
                )
        if len(set(self.frequencies_thz)) != len(self.frequencies_thz):
            raise ValueError("channels.frequencies_thz: a channel is listed twice")
        return self

    def frequencies_hz(self) -> tuple[float, ...]:
        if self.frequencies_thz is not None:
            return tuple(f * 1e12 for f in self.frequencies_thz)
        return tuple(self.anchor_thz * 1e12 + k * self.spacing_ghz * 1e9 for k in range(self.count))


class TrafficConfig(_Model):
    """Symbols sent: ``levels`` equally spaced values in [0, max_value] (2 = OOK)."""

    levels: Annotated[int, Field(ge=2, le=256)] = 2
    max_value: Positive = 1.0


# ---------------------------------------------------------------- transmitter
class LaserConfig(_Model):
    power_dbm: float = _pdk("laser.power")
    rin_db_per_hz: Annotated[float, Field(lt=0)] = _pdk("laser.rin")
    linewidth_mhz: NonNegative = _pdk("laser.linewidth")
    noise: bool = True


class DacConfig(_Model):
    bits: Annotated[int, Field(ge=1, le=16)] | None = _pdk_int("dac.bits")
    sample_rate_gsps: Positive = _pdk("dac.sample_rate")
    bandwidth_ghz: OptionalBandwidth = _pdk("dac.bandwidth")


class DriverConfig(_Model):
    swing_v: Positive = _pdk("driver.swing")
    bias_phase_rad: Annotated[float, Field(ge=0, le=math.pi)] = math.pi / 2


class MzmConfig(_Model):
    """The travelling-wave MZM cell (``mzm_traveling_wave``) and its compact model:
    V_pi, extinction, loss and EO response all follow from the electrode length."""

    length_um: Positive = _MZM_CELL["length"]
    index_mismatch: float = 0.0
    eo_response: bool = True

    @field_validator("length_um")
    @classmethod
    def _length(cls, v: float) -> float:
        return _cell_setting("mzm_traveling_wave", "length", v)

    def model(self) -> Modulator:
        return Modulator(self.length_um, self.index_mismatch, self.eo_response)

    def eo_bandwidth_ghz(self) -> float | None:
        bw = self.model().eo_bandwidth_hz()
        return None if bw is None else bw * 1e-9


class TransmitterConfig(_Model):
    laser: LaserConfig = LaserConfig()
    dac: DacConfig = DacConfig()
    driver: DriverConfig = DriverConfig()
    mzm: MzmConfig = MzmConfig()

    @model_validator(mode="after")
    def _monotonic_drive(self) -> TransmitterConfig:
        vpi = vpi_v(self.mzm.length_um)  # at the model's reference wavelength
        half = math.pi * self.driver.swing_v / (2 * vpi)
        lo, hi = self.driver.bias_phase_rad - half, self.driver.bias_phase_rad + half
        if lo < -1e-9 or hi > math.pi + 1e-9:
            raise ValueError(
                f"transmitter.driver.swing_v = {self.driver.swing_v:g}: the drive swings the MZM "
                f"phase over [{lo:.3f}, {hi:.3f}] rad, outside the monotonic range [0, pi] "
                f"(V_pi = {vpi:g} V, bias {self.driver.bias_phase_rad:.3f} rad)"
            )
        return self

    def params(self, max_value: float) -> TxParams:
        la = self.laser
        return TxParams(
            laser_power=1e-3 * 10 ** (la.power_dbm / 10),
            rin=10 ** (la.rin_db_per_hz / 10) if la.noise else None,
            linewidth=la.linewidth_mhz * 1e6 if la.noise and la.linewidth_mhz > 0 else None,
            dac_bits=self.dac.bits,
            dac_bandwidth=_ghz(self.dac.bandwidth_ghz),
            swing=self.driver.swing_v,
            bias_phase=self.driver.bias_phase_rad,
            mzm=self.mzm.model(),
            max_value=max_value,
        )


# ---------------------------------------------------------------- path elements
class FibreStage(_Model):
    """A span of SSMF (defaults: ITU-T G.652.D values from the PDK)."""

    type: Literal["fibre"] = "fibre"
    length_km: float = 50.0
    loss_db_per_km: NonNegative = _pdk("fiber.loss")
    dispersion_ps_per_nm_km: float = _pdk("fiber.dispersion")
    slope_ps_per_nm2_km: float = _pdk("fiber.dispersion_slope")
    gamma_per_w_km: NonNegative = _pdk("fiber.gamma")
    group_index: Annotated[float, Field(ge=1)] = _pdk("fiber.group_index")
    reference_wavelength_um: Positive = _pdk("fiber.reference_wavelength")
    nonlinear: bool = True
    shared_grid: bool = False
    max_nonlinear_phase_rad: Annotated[float, Field(gt=0, le=0.1)] = 5e-3
    max_step_km: Positive = 1.0

    @field_validator("length_km")
    @classmethod
    def _length(cls, v: float) -> float:
        if v < 0:
            raise ValueError("a fibre length must be >= 0")
        return v

    def params(self) -> FibreParams:
        return FibreParams.from_datasheet(
            self.length_km,
            self.loss_db_per_km,
            self.dispersion_ps_per_nm_km,
            self.slope_ps_per_nm2_km,
            self.gamma_per_w_km if self.nonlinear else 0.0,
            self.group_index,
            self.reference_wavelength_um,
        )


def check_noise_figure(v: float) -> float:
    """An amplifier noise figure (dB) must respect the 3 dB quantum limit."""
    if v < 10 * math.log10(2) - 1e-9:
        raise ValueError("below the 3 dB quantum limit of a phase-insensitive amplifier")
    return v


class EdfaStage(_Model):
    """EDFA with fixed gain (``gain_db``) or total output-power control (``output_power_dbm``)."""

    type: Literal["edfa"] = "edfa"
    gain_db: float | None = None
    output_power_dbm: float | None = None
    max_gain_db: float = 40.0
    noise_figure_db: float = _pdk("edfa.noise_figure")
    ase: bool = True

    @field_validator("noise_figure_db")
    @classmethod
    def _quantum_limit(cls, v: float) -> float:
        return check_noise_figure(v)

    @model_validator(mode="after")
    def _one_mode(self) -> EdfaStage:
        if (self.gain_db is None) == (self.output_power_dbm is None):
            raise ValueError("give exactly one of gain_db (fixed gain) or output_power_dbm")
        return self


class ObpfStage(_Model):
    """Optical band-pass filter centred on each channel."""

    type: Literal["obpf"] = "obpf"
    bandwidth_ghz: Positive = _pdk("optical_filter.bandwidth")
    order: Annotated[int, Field(ge=1, le=8)] = _pdk_int("optical_filter.order")


class AttenuatorStage(_Model):
    type: Literal["attenuator"] = "attenuator"
    loss_db: NonNegative = 0.0


class _AwgStage(_Model):
    """The cyclic AWG router cell (``awgr``) used as a 1 x N filter (:mod:`cosim.link.awg`)."""

    channels: int = _AWG_CELL["channels"]
    channel_spacing_nm: Positive = _AWG_CELL["channel_spacing"]
    aperture_pitch_um: Positive = _AWG_CELL["aperture_pitch"]
    temperature_k: Positive | None = None  # None: tuned onto the link's channels
    input_port: Annotated[int, Field(ge=0)] | None = None  # None: best for the channels
    insertion_loss_db: NonNegative = _pdk("awg.insertion_loss")
    crosstalk_adjacent_db: Annotated[float, Field(lt=0)] | None = _pdk("awg.crosstalk_adjacent")
    crosstalk_nonadjacent_db: Annotated[float, Field(lt=0)] | None = _pdk(
        "awg.crosstalk_nonadjacent"
    )
    passband: bool = True
    crosstalk: bool = True

    @field_validator("channels", "channel_spacing_nm", "aperture_pitch_um")
    @classmethod
    def _geometry(cls, v: float, info: Any) -> float:
        name = {"channel_spacing_nm": "channel_spacing", "aperture_pitch_um": "aperture_pitch"}
        return _cell_setting("awgr", name.get(info.field_name, info.field_name), v)

    def router(self) -> AwgRouter:
        return AwgRouter(
            self.channels,
            self.channel_spacing_nm,
            self.aperture_pitch_um,
            self.temperature_k,
            self.input_port,
            self.insertion_loss_db,
            self.crosstalk_adjacent_db,
            self.crosstalk_nonadjacent_db,
            self.passband,
            self.crosstalk,
        )

    @model_validator(mode="after")
    def _port(self) -> _AwgStage:
        if self.input_port is not None and self.input_port >= self.channels:
            raise ValueError(
                f"input_port = {self.input_port}: the router has ports 0..{self.channels - 1}"
            )
        return self

    def check_channels(self, nu_hz: tuple[float, ...], where: str) -> None:
        """The carriers must fit the router: on its grid, within its N channels."""
        lam = 299_792_458.0 / float(np.mean(nu_hz))
        spacing_hz = 299_792_458.0 * self.channel_spacing_nm * 1e-9 / lam**2
        steps = (np.asarray(nu_hz) - nu_hz[0]) / spacing_hz
        if np.max(np.abs(steps - np.round(steps))) > 0.1:
            raise ValueError(
                f"{where}.channel_spacing_nm = {self.channel_spacing_nm:g}: the channels are "
                f"not on the router's {spacing_hz * 1e-9:.1f} GHz grid"
            )
        if np.ptp(np.round(steps)) + 1 > self.channels:
            raise ValueError(
                f"{where}.channels = {self.channels}: the link's channels span "
                f"{int(np.ptp(np.round(steps))) + 1} router channels; a cyclic router with "
                f"{self.channels} ports would put two of them on one output"
            )


class MuxStage(_AwgStage):
    """AWG multiplexer (or a ROADM add port)."""

    type: Literal["mux"] = "mux"


class DemuxStage(_AwgStage):
    """AWG demultiplexer with crosstalk (or a ROADM drop port)."""

    type: Literal["demux"] = "demux"


class ExpressStage(_AwgStage):
    """Express path through a ROADM (demultiplexer + multiplexer)."""

    type: Literal["roadm_express"] = "roadm_express"


Stage = Annotated[
    FibreStage | EdfaStage | ObpfStage | AttenuatorStage | MuxStage | DemuxStage | ExpressStage,
    Field(discriminator="type"),
]


def default_path() -> tuple[Any, ...]:
    """Tx mux -> 50 km SSMF -> pre-amplifier compensating span and AWGs -> demux."""
    span = FibreStage()
    awg = MuxStage()
    gain = span.length_km * span.loss_db_per_km + 2 * awg.insertion_loss_db
    return (awg, span, EdfaStage(gain_db=gain), DemuxStage())


# ---------------------------------------------------------------- receiver
class PhotodiodeConfig(_Model):
    responsivity_a_per_w: Positive = _pdk("photodetector.responsivity")
    dark_current_na: NonNegative = _pdk("photodetector.dark_current")
    bandwidth_ghz: OptionalBandwidth = _pdk("photodetector.bandwidth")
    shot_noise: bool = True


class TiaConfig(_Model):
    """Front end: a TIA (input-referred noise density) or a resistive load (4kT/R_L)."""

    front_end: Literal["tia", "resistor"] = "tia"
    noise_density_pa_per_rthz: NonNegative = _pdk("tia.noise_density")
    load_resistance_ohm: Positive = _pdk("photodetector.load_resistance")
    temperature_k: Positive = _pdk("constants.temperature")
    bandwidth_ghz: OptionalBandwidth = _pdk("tia.bandwidth")
    transimpedance_ohm: Positive = _pdk("tia.transimpedance")
    noise: bool = True

    def current_noise_density(self) -> float | None:
        """A/sqrt(Hz)."""
        if not self.noise:
            return None
        if self.front_end == "resistor":
            return thermal_noise_density(self.load_resistance_ohm, self.temperature_k)
        return self.noise_density_pa_per_rthz * 1e-12


class AdcConfig(_Model):
    """ADC on [0, full scale]; ``agc_target`` maps the top level to that fraction of it."""

    bits: Annotated[int, Field(ge=1, le=16)] | None = _pdk_int("adc.bits")
    enob: Annotated[float, Field(gt=0)] | None = _pdk("adc.enob")
    full_scale_v: Positive = _pdk("adc.full_scale")
    # the top level at 75 % of full scale leaves 2.5 dB headroom for dispersive overshoot
    agc_target: Annotated[float, Field(gt=0, le=1)] | None = 0.75
    sampling_phase: Annotated[float, Field(ge=0, lt=1)] = 0.5

    @model_validator(mode="after")
    def _enob(self) -> AdcConfig:
        if self.bits is not None and self.enob is not None and self.enob > self.bits:
            raise ValueError(f"receiver.adc.enob = {self.enob:g} exceeds bits = {self.bits}")
        return self


class ReceiverConfig(_Model):
    photodiode: PhotodiodeConfig = PhotodiodeConfig()
    tia: TiaConfig = TiaConfig()
    adc: AdcConfig = AdcConfig()

    def params(self) -> RxParams:
        pd, tia, adc = self.photodiode, self.tia, self.adc
        return RxParams(
            responsivity=pd.responsivity_a_per_w,
            dark_current=pd.dark_current_na * 1e-9,
            pd_bandwidth=_ghz(pd.bandwidth_ghz),
            shot_noise=pd.shot_noise,
            current_noise_density=tia.current_noise_density(),
            tia_bandwidth=_ghz(tia.bandwidth_ghz),
            transimpedance=tia.transimpedance_ohm,
            adc_bits=adc.bits,
            adc_enob=adc.enob,
            full_scale=adc.full_scale_v,
            sampling_phase=adc.sampling_phase,
        )


# ---------------------------------------------------------------- the link
class LinkConfig(_Model):
    """One WDM link: transmitters -> path elements -> receivers."""

    seed: Annotated[int, Field(ge=0)] = 0
    grid: GridConfig = GridConfig()
    channels: ChannelsConfig = ChannelsConfig()
    traffic: TrafficConfig = TrafficConfig()
    transmitter: TransmitterConfig = TransmitterConfig()
    path: tuple[Stage, ...] = Field(default_factory=default_path)
    receiver: ReceiverConfig = ReceiverConfig()

    @model_validator(mode="after")
    def _consistent(self) -> LinkConfig:
        fs = self.grid.symbol_rate_gbd * self.grid.samples_per_symbol
        bandwidths = {
            "transmitter.dac.bandwidth_ghz": self.transmitter.dac.bandwidth_ghz,
            "transmitter.mzm (EO response)": self.transmitter.mzm.eo_bandwidth_ghz(),
            "receiver.photodiode.bandwidth_ghz": self.receiver.photodiode.bandwidth_ghz,
            "receiver.tia.bandwidth_ghz": self.receiver.tia.bandwidth_ghz,
        }
        for name, bw in bandwidths.items():
            if bw is not None and fs < 2 * bw:
                raise ValueError(
                    f"grid.samples_per_symbol = {self.grid.samples_per_symbol}: sampling at "
                    f"{fs:g} GS/s is below Nyquist for {name} = {bw:g} GHz (needs >= {2 * bw:g})"
                )
        ratio = self.transmitter.dac.sample_rate_gsps / self.grid.symbol_rate_gbd
        if ratio < 1 - 1e-9 or abs(ratio - round(ratio)) > 1e-9:
            raise ValueError(
                f"transmitter.dac.sample_rate_gsps = {self.transmitter.dac.sample_rate_gsps:g}: "
                f"must be an integer multiple of the symbol rate {self.grid.symbol_rate_gbd:g} GBd"
            )
        spacing = self.channels.spacing_ghz * 1e9
        grid = self.grid.grid()
        for i, st in enumerate(self.path):
            if isinstance(st, _AwgStage):
                st.check_channels(self.frequencies_hz(), f"path[{i}]")
            if isinstance(st, FibreStage) and st.shared_grid and st.nonlinear:
                bins = spacing / grid.df
                if abs(bins - round(bins)) > 1e-6:
                    raise ValueError(
                        f"path[{i}].shared_grid: the channel spacing is {bins:.4f} frequency "
                        "bins; choose n_symbols so that it is an integer"
                    )
        return self

    def frequencies_hz(self) -> tuple[float, ...]:
        return self.channels.frequencies_hz()


# ---------------------------------------------------------------- loading and errors
def format_validation_error(err: ValidationError) -> str:
    """One line naming the first offending field and its value."""
    e = err.errors()[0]
    loc = ""
    for part in e["loc"]:
        loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc else str(part))
    msg = e["msg"].removeprefix("Value error, ")
    if e["type"] == "extra_forbidden":
        return f"{loc}: unknown key"
    if not loc or loc in msg:
        return msg
    return f"{loc} = {e.get('input')!r}: {msg}"


class ConfigError(ValueError):
    """A configuration file that cannot be used (message names the field)."""


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping; an unreadable or non-mapping file is a :class:`ConfigError`."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as e:
        raise ConfigError(f"{path}: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML ({e})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys")
    return data


def load_link_config(path: str | Path | None = None) -> LinkConfig:
    """The link configuration from YAML (defaults when ``path`` is None)."""
    data = {} if path is None else load_yaml(path)
    try:
        return LinkConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(format_validation_error(e)) from None


__all__ = [
    "AdcConfig",
    "AttenuatorStage",
    "ConfigError",
    "DemuxStage",
    "EdfaStage",
    "ExpressStage",
    "FibreStage",
    "LinkConfig",
    "MuxStage",
    "ObpfStage",
    "ReceiverConfig",
    "Stage",
    "TransmitterConfig",
    "format_validation_error",
    "load_link_config",
]
