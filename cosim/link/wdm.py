"""WDM multiplexing, demultiplexing and ROADM add/drop/express with the AWG router model.

Channels stay as separate baseband fields (:mod:`cosim.link.field`); a multiplexer
applies to each channel its port's transmission from the drawn router's model
(:mod:`cosim.link.awg`: passband shape and loss at the channel's own frequency
offsets). A demultiplexer does the same and, in addition, lets the model's crosstalk
leak power from every other channel j into port k: ``P_xt,k(t) = sum_j X[k, j] P_j(t)``.
That light sits at least one channel spacing away from carrier k, so its beat with
channel k falls outside the receiver bandwidth (spacing >= 2x receiver bandwidth) and
the photodiode sees it as added power
(:attr:`~cosim.link.field.OpticalField.p_incoherent`).

A ROADM adds a node's band with a multiplexer, drops a band with a demultiplexer and
passes express channels through a demultiplexer and a multiplexer (the port response
applies twice; the crosstalk that the demultiplexer lets through is suppressed again
by the multiplexer's passband, second order in X, and is neglected).

``nu`` is always the tuple of carriers (Hz) as static numbers: they select where on
the router's grid each channel falls.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from cosim.link.awg import AwgRouter, crosstalk_matrix, port_response
from cosim.link.field import Grid, OpticalField, apply_spectral, instantaneous_power

Carriers = tuple[float, ...]  # Hz, static


def mux(field: OpticalField, grid: Grid, router: AwgRouter, nu: Carriers) -> OpticalField:
    """Each channel through its own AWG port onto the common port (reciprocal to demux)."""
    return apply_spectral(field, jnp.asarray(port_response(router, grid, nu)))


def demux(field: OpticalField, grid: Grid, router: AwgRouter, nu: Carriers) -> OpticalField:
    """Split the channels onto their ports, with crosstalk from all others."""
    x = crosstalk_matrix(router, nu)
    out = mux(field, grid, router, nu)
    if not np.any(x):
        return out
    leak = jnp.einsum("kj,jn->kn", jnp.asarray(x), instantaneous_power(field))
    p_inc = leak if out.p_incoherent is None else out.p_incoherent + leak
    return out._replace(p_incoherent=p_inc)


def roadm_express(field: OpticalField, grid: Grid, router: AwgRouter, nu: Carriers) -> OpticalField:
    """Through a ROADM node: demultiplexer then multiplexer (port response squared)."""
    return mux(mux(field, grid, router, nu), grid, router, nu)


def roadm_add(field: OpticalField, grid: Grid, router: AwgRouter, nu: Carriers) -> OpticalField:
    """A node's band added onto the ring (multiplexer)."""
    return mux(field, grid, router, nu)


def roadm_drop(field: OpticalField, grid: Grid, router: AwgRouter, nu: Carriers) -> OpticalField:
    """A band dropped to its receivers (demultiplexer with crosstalk)."""
    return demux(field, grid, router, nu)
