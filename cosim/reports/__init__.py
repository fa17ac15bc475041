"""Reports people open in a browser: one self-contained HTML page per run."""

from cosim.reports.html import (
    Code,
    Figure,
    Section,
    Table,
    Text,
    render_html,
    tool_versions,
    write_report,
)

__all__ = [
    "Code",
    "Figure",
    "Section",
    "Table",
    "Text",
    "render_html",
    "tool_versions",
    "write_report",
]
