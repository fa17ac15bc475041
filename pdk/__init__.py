"""opticloud 220 nm SOI process: layers, cross-sections, stack, rules, device parameters.

Importing ``pdk`` activates the PDK in gdsfactory.
"""

from __future__ import annotations

from pdk.layers import LAYER, layer_views, write_lyp
from pdk.params import get as get_param
from pdk.params import value as param
from pdk.pdk import PDK, get_pdk
from pdk.rules import design_rules

PDK.activate()

__all__ = [
    "LAYER",
    "PDK",
    "design_rules",
    "get_param",
    "get_pdk",
    "layer_views",
    "param",
    "write_lyp",
]
