"""The ``opticloud`` typer application and the helpers every command shares."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console

app = typer.Typer(
    name="opticloud",
    help="Design and co-simulation flow for photonic AI hardware on the optical cloud.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

EXIT_FAIL = 1  # a check ran and found faults
EXIT_USAGE = 2  # the input was bad; nothing was written


class UsageError(Exception):
    """Bad user input: reported as one line naming the field, exit code 2."""


def fail_usage(message: str) -> NoReturn:
    """Print one clear error line and exit with code 2."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(EXIT_USAGE)


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it into place only on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=target.suffix)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.chmod(0o666 & ~_umask())  # mkstemp makes 0600; results are for sharing
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def private_dir_permissions(path: Path) -> None:
    """Give a ``mkdtemp`` folder (0700) the permissions a normal folder would have."""
    path.chmod(0o777 & ~_umask())


@contextmanager
def staged_dir(target: Path) -> Iterator[Path]:
    """A folder beside ``target`` that becomes ``target`` (empty or absent before) only
    when the block succeeds; on any error it is removed, so no half-written output."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    private_dir_permissions(staging)
    try:
        yield staging
        if target.exists():
            target.rmdir()
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented JSON atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=_json_default) + "\n")
    return Path(path)


def print_json(data: Any) -> None:
    """Machine-readable output on stdout (no rich markup)."""
    typer.echo(json.dumps(data, indent=2, default=_json_default))


def _json_default(o: Any) -> Any:
    if hasattr(o, "tolist"):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def parse_assignments(items: list[str] | None, option: str = "--set") -> dict[str, str]:
    """``["a=1", "b=x"]`` -> ``{"a": "1", "b": "x"}``; a malformed item is a usage error."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, val = item.partition("=")
        if not sep or not key.strip():
            fail_usage(f"{option} expects key=value, got {item!r}")
        out[key.strip()] = val.strip()
    return out
