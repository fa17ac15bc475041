"""The co-simulation scenario: network, optical core, impairments, workload, tenants.

A scenario is YAML validated with pydantic; every key has a default. The built-in
default scenario (``default_scenario.yaml`` beside this module, the one of
``shared/SYSTEM.md``): four edge nodes on 5-25 km access fibres, a 50 km metro ring with
EDFAs, one 4 x 4 microring weight bank (MRR OPU) per edge node at the centre. A
scenario file is merged key by key over that default; ``network`` in turn over the
default topology (``cosim/network/default_topology.yaml``); lists (``nodes``,
``links``) are replaced as a whole.

Errors name the offending field and value (:class:`ScenarioError`).
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from circuits.core import NonIdealities
from circuits.cores import CoreSizeError, UnknownCoreError, core_kind, mrr_spacing_ghz
from cosim.control.plant import HEATER_DAC_BITS
from cosim.link.config import ConfigError, format_validation_error, load_yaml
from cosim.network.topology import DEFAULT_TOPOLOGY, NetworkConfig

DEFAULT_SCENARIO = Path(__file__).with_name("default_scenario.yaml")
GENERATORS = ("gan", "vae", "diffusion")


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message names the field and value."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Impairments(_Model):
    """Signal-chain impairments, each switchable (all on by default).

    ``laser_noise``: RIN and phase noise; ``ase``: EDFA spontaneous emission;
    ``shot_noise`` and ``tia_noise``: receiver noise; ``adc``/``dac``: converter
    quantisation (off = unquantised); ``dispersion`` and ``nonlinearity``: fibre;
    ``crosstalk``: AWG/ROADM leakage between channels (and so between tenants' bands);
    ``bandwidths``: DAC/driver, MZM EO, AWG passband, photodiode and TIA bandwidths;
    ``opu_response``: the core's optical frequency response across each channel's
    spectrum (off = the response at the channel centre only).
    """

    laser_noise: bool = True
    ase: bool = True
    shot_noise: bool = True
    tia_noise: bool = True
    adc: bool = True
    dac: bool = True
    dispersion: bool = True
    nonlinearity: bool = True
    crosstalk: bool = True
    bandwidths: bool = True
    opu_response: bool = True

    @classmethod
    def none(cls) -> Impairments:
        return cls(**dict.fromkeys(cls.model_fields, False))


class CoreImperfections(_Model):
    """Device imperfections of the OPU (:class:`circuits.core.NonIdealities`).

    ``heater_dac_bits``: resolution of the heater drive (None = unquantised); the
    default is the control board's 16-bit DAC.
    """

    propagation_loss: bool = True
    excess_loss: bool = True
    coupler_imbalance: bool = True
    heater_dac_bits: Annotated[int, Field(ge=1, le=24)] | None = HEATER_DAC_BITS
    thermal_crosstalk: bool = True
    fabrication: bool = True
    calibration: bool = True

    @classmethod
    def none(cls) -> CoreImperfections:
        return cls(
            propagation_loss=False,
            excess_loss=False,
            coupler_imbalance=False,
            heater_dac_bits=None,
            thermal_crosstalk=False,
            fabrication=False,
            calibration=False,
        )


class OpuConfig(_Model):
    """One OPU per edge node; ``cols`` = that node's channels (checked), ``rows`` outputs."""

    kind: Literal["mrr", "mzi", "clements", "awgr"] = "mrr"
    rows: Annotated[int, Field(ge=1, le=64)] = 4
    imperfections: CoreImperfections = CoreImperfections()


class WorkloadConfig(_Model):
    """The matrix product each edge node asks for: W (rows x cols) times its vectors.

    ``rows``/``cols`` default to the core size; larger matrices are tiled over time
    (each tile programmed in turn, partial sums added after the ADC). Weights are
    uniform in [-1, 1], inputs uniform in [0, 1] (intensities), both seeded.
    """

    rows: Annotated[int, Field(ge=1, le=1024)] | None = None
    cols: Annotated[int, Field(ge=1, le=1024)] | None = None


def _network_default() -> dict[str, Any]:
    return load_yaml(DEFAULT_TOPOLOGY)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


class Scenario(_Model):
    """Everything one co-simulation run needs; see the module docstring."""

    seed: Annotated[int, Field(ge=0)] = 0
    network: NetworkConfig = Field(default_factory=lambda: NetworkConfig(**_network_default()))
    opu: OpuConfig = OpuConfig()
    impairments: Impairments = Impairments()
    workload: WorkloadConfig = WorkloadConfig()
    generative: dict[str, Literal["gan", "vae", "diffusion"]] = Field(
        default_factory=lambda: {"edge_a": "gan", "edge_b": "vae", "edge_c": "diffusion"}
    )

    @model_validator(mode="before")
    @classmethod
    def _merge_network(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("network"), dict):
            data = {**data, "network": _merge(_network_default(), data["network"])}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        edges = self.edge_nodes
        widths = {len(n.channels) for n in edges}
        if len(widths) != 1:
            raise ValueError(
                "network.nodes: every edge node must send the same number of channels "
                f"(one OPU input each), got {sorted(widths)}"
            )
        cols = widths.pop()
        try:
            core_kind(self.opu.kind).check(self.opu.rows, cols)
        except CoreSizeError as e:
            where = "opu.rows" if e.field == "rows" else "network.nodes[*].channels (OPU cols)"
            raise ValueError(f"{where} = {e.value!r}: {self.opu.kind} takes {e.allowed}") from None
        except UnknownCoreError as e:
            raise ValueError(f"opu.kind = {self.opu.kind!r}: {e}") from None
        if self.opu.kind == "mrr":
            want = mrr_spacing_ghz(cols)
            if abs(self.network.channels.spacing_ghz - want) > 1e-9:
                raise ValueError(
                    f"network.channels.spacing_ghz = {self.network.channels.spacing_ghz:g}: "
                    f"a {cols}-channel MRR bank is drawn for {want:g} GHz channels"
                )
        for i, n in enumerate(edges):
            chans = sorted(n.channels)
            if chans != list(range(chans[0], chans[0] + cols)):
                raise ValueError(
                    f"network.nodes[{i}].channels = {list(n.channels)}: an OPU's inputs are "
                    "adjacent grid channels"
                )
        names = {n.name for n in edges}
        for node in self.generative:
            if node not in names:
                raise ValueError(
                    f"generative.{node}: not an edge node (edge nodes: {', '.join(sorted(names))})"
                )
        return self

    # ------------------------------------------------------------------ derived
    @property
    def edge_nodes(self) -> list:
        return [n for n in self.network.nodes if n.kind == "edge"]

    @property
    def cols(self) -> int:
        """OPU inputs = channels per edge node."""
        return len(self.edge_nodes[0].channels)

    @property
    def rows(self) -> int:
        return self.opu.rows

    @property
    def n_opus(self) -> int:
        """One OPU per edge node (the published system: one per tenant)."""
        return len(self.edge_nodes)

    @property
    def matrix_shape(self) -> tuple[int, int]:
        return (self.workload.rows or self.rows, self.workload.cols or self.cols)

    @property
    def tenants(self) -> list[tuple[str, str]]:
        """(edge node, generative model) pairs, in node order."""
        return [
            (n.name, self.generative[n.name]) for n in self.edge_nodes if n.name in self.generative
        ]

    def nonidealities(self) -> NonIdealities:
        im = self.opu.imperfections
        return NonIdealities(
            propagation_loss=im.propagation_loss,
            excess_loss=im.excess_loss,
            coupler_imbalance=im.coupler_imbalance,
            dac_bits=im.heater_dac_bits,
            thermal_crosstalk=im.thermal_crosstalk,
            fabrication=im.fabrication,
            calibration=im.calibration,
            seed=self.seed,
        )

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)

    def digest(self) -> str:
        """Short hash of the full configuration (results carry it)."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]

    def updated(self, changes: dict[str, Any]) -> Scenario:
        """A validated copy with dotted-path ``changes`` applied, e.g.
        ``{"network.transmitter.laser.power_dbm": 3.0}``."""
        data = self.model_dump(mode="json")
        for path, v in changes.items():
            node = data
            keys = path.split(".")
            for k in keys[:-1]:
                if not isinstance(node, dict) or k not in node:
                    raise ScenarioError(f"{path}: unknown key {k!r}")
                node = node[k]
            if not isinstance(node, dict) or keys[-1] not in node:
                raise ScenarioError(f"{path}: unknown key {keys[-1]!r}")
            node[keys[-1]] = v
        return validate_scenario(data)


def validate_scenario(data: dict[str, Any]) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(_one_line(e)) from None


def _one_line(err: ValidationError) -> str:
    """Like :func:`format_validation_error`, without echoing whole sub-configurations."""
    e = err.errors()[0]
    if isinstance(e.get("input"), dict | list):
        loc = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        return f"{loc}: {msg}" if loc else msg
    return format_validation_error(err)


def load_scenario(path: str | Path | None = None) -> Scenario:
    """The scenario from YAML, merged key by key over the built-in default scenario
    (lists and the ``generative`` tenant map replaced whole); the default scenario
    itself when ``path`` is None."""
    try:
        data = load_yaml(DEFAULT_SCENARIO)
        if path is not None:
            user = load_yaml(path)
            data = _merge(data, user)
            if "generative" in user:  # the tenants are a set: given, they replace
                data["generative"] = user["generative"]
    except ConfigError as e:
        raise ScenarioError(str(e)) from None
    return validate_scenario(data)


def default_scenario() -> Scenario:
    return load_scenario(None)


__all__ = [
    "GENERATORS",
    "CoreImperfections",
    "Impairments",
    "OpuConfig",
    "Scenario",
    "ScenarioError",
    "WorkloadConfig",
    "default_scenario",
    "load_scenario",
    "validate_scenario",
]
