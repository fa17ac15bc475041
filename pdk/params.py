"""Device-parameter library: every physical number of the process, with unit and source.

Entries live in ``device_params.yaml`` grouped by device, addressed as
``"group.name"``::

    >>> from pdk.params import value, get
    >>> value("strip.n_g")
    4.2037
    >>> get("strip.n_g").source  # doctest: +ELLIPSIS
    'Chrostowski & Hochberg 2015: ...'
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

PARAMS_YAML = Path(__file__).with_name("device_params.yaml")


class DeviceParameter(BaseModel):
    """One physical parameter: value in ``unit``, with the source it comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    value: float
    unit: str = Field(min_length=1)
    source: str = Field(min_length=5)


class ParameterLibrary(Mapping[str, DeviceParameter]):
    """Read-only mapping ``"group.name" -> DeviceParameter``."""

    def __init__(self, entries: dict[str, DeviceParameter]) -> None:
        self._entries = entries

    def __getitem__(self, key: str) -> DeviceParameter:
        try:
            return self._entries[key]
        except KeyError:
            raise KeyError(f"unknown device parameter {key!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def group(self, name: str) -> dict[str, DeviceParameter]:
        """All parameters of one device group, keyed by their short name."""
        prefix = f"{name}."
        return {k[len(prefix) :]: v for k, v in self._entries.items() if k.startswith(prefix)}


def load(path: str | Path = PARAMS_YAML) -> ParameterLibrary:
    """Parse and validate a parameter YAML file (``group: name: {value, unit, source}``)."""
    raw = yaml.safe_load(Path(path).read_text())
    entries: dict[str, DeviceParameter] = {}
    for group, items in raw.items():
        for name, spec in items.items():
            key = f"{group}.{name}"
            entries[key] = DeviceParameter(name=key, **spec)
    return ParameterLibrary(entries)


@cache
def library() -> ParameterLibrary:
    """The process's parameter library (parsed once)."""
    return load()


def get(name: str) -> DeviceParameter:
    """The parameter ``"group.name"`` with its unit and source."""
    return library()[name]


def value(name: str) -> float:
    """The numeric value of ``"group.name"`` in the unit given by :func:`get`."""
    return library()[name].value
