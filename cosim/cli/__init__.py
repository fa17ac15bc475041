"""``opticloud`` command line. Each command lives in its own module and registers
itself on :data:`cosim.cli.app.app` when imported here."""

from __future__ import annotations

from cosim.cli import library  # noqa: F401  (cells, gds, verify, demo)
from cosim.cli.app import app


def main() -> None:
    """Entry point of the ``opticloud`` script."""
    app()
