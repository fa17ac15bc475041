"""``opticloud`` command line. Each command lives in its own module and registers
itself on :data:`cosim.cli.app.app` when imported here."""

from __future__ import annotations

from cosim.cli import (  # noqa: F401  (each module registers its commands)
    bench,
    control,
    core,
    demo,
    drc,
    generate,
    library,
    link,
    run,
    sim,
    train,
)
from cosim.cli.app import app


def main() -> None:
    """Entry point of the ``opticloud`` script."""
    app()
