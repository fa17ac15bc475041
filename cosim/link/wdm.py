"""WDM multiplexing, demultiplexing and ROADM add/drop/express with the AWG model.

Channels stay as separate baseband fields (:mod:`cosim.link.field`); a multiplexer
applies each input port's passband and insertion loss. A demultiplexer does the same
and, in addition, lets the AWG's crosstalk leak power from every other channel j into
port k: ``P_xt,k(t) = sum_j X[k, j] P_j(t)``. That light sits at least one channel
spacing away from carrier k, so its beat with channel k falls outside the receiver
bandwidth (spacing >= 2x receiver bandwidth) and the photodiode sees it as added
power (:attr:`~cosim.link.field.OpticalField.p_incoherent`).

A ROADM adds a node's band with a multiplexer, drops a band with a demultiplexer and
passes express channels through a demultiplexer and a multiplexer (the passband
applies twice; the crosstalk that the demultiplexer lets through is suppressed again
by the multiplexer's passband, second order in X, and is neglected).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import jax.numpy as jnp
import numpy as np

from cosim.link.field import Grid, OpticalField, apply_spectral, instantaneous_power

if TYPE_CHECKING:  # the model object comes from cosim.link.config (stand-in until the SAX AWG)
    from cosim.link.standins import AwgModel


def mux(field: OpticalField, grid: Grid, awg: AwgModel) -> OpticalField:
    """Each channel through its own AWG input port onto the common output."""
    return apply_spectral(field, awg.passband(jnp.asarray(grid.frequencies())))


def demux(field: OpticalField, grid: Grid, awg: AwgModel, nu: np.ndarray) -> OpticalField:
    """Split the channels onto their ports, with crosstalk from all others.

    ``nu``: the channel carriers (Hz) as static numbers (they set the crosstalk matrix).
    """
    x = awg.crosstalk_matrix(nu)
    out = apply_spectral(field, awg.passband(jnp.asarray(grid.frequencies())))
    if not np.any(x):
        return out
    leak = jnp.einsum("kj,jn->kn", jnp.asarray(x), instantaneous_power(field))
    p_inc = leak if out.p_incoherent is None else out.p_incoherent + leak
    return out._replace(p_incoherent=p_inc)


def roadm_express(field: OpticalField, grid: Grid, awg: AwgModel) -> OpticalField:
    """Through a ROADM node: demultiplexer then multiplexer (passband squared)."""
    return mux(mux(field, grid, awg), grid, awg)


def roadm_add(field: OpticalField, grid: Grid, awg: AwgModel) -> OpticalField:
    """A node's band added onto the ring (multiplexer)."""
    return mux(field, grid, awg)


def roadm_drop(field: OpticalField, grid: Grid, awg: AwgModel, nu: np.ndarray) -> OpticalField:
    """A band dropped to its receivers (demultiplexer with crosstalk)."""
    return demux(field, grid, awg, nu)
