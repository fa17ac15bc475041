"""The HTML report: escaping, formatting, atomic writing, and figures a real browser draws."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from cosim.report_page import (
    Code,
    Figure,
    Section,
    Table,
    Text,
    render_html,
    tool_versions,
    write_report,
)

INJECTION = "<script>alert('x')</script>"


class _Page(HTMLParser):
    """Collects every tag with its attributes, and the ids on the page."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def attr_values(self, name: str) -> list[str]:
        return [a[name] for _, a in self.tags if a.get(name) is not None]

    def count(self, tag: str) -> int:
        return sum(t == tag for t, _ in self.tags)


def external_references(page: str) -> list[str]:
    """Every src/href that would make the browser fetch something outside the page."""
    parsed = _Page(page)
    refs = parsed.attr_values("src") + parsed.attr_values("href")
    return [r for r in refs if not r.startswith(("data:", "#"))]


def _figures(n: int) -> list[Figure]:
    rng = np.random.default_rng(7)
    out = []
    for i in range(n):
        fig, ax = plt.subplots(figsize=(3, 2))
        if i % 2:
            ax.imshow(rng.random((6, 6)))
        else:
            ax.plot(np.linspace(0, 1, 20), rng.standard_normal(20))
        out.append(Figure(f"figure {i}", fig, caption=f"caption {i}"))
    return out


def _report(n_figures: int = 3) -> list[Section]:
    table = Table(
        "fidelity",
        ["quantity", "value", "note"],
        [
            ["ENOB", 6.123456789, None],
            ["ops", np.int64(123456789), INJECTION],
            ["power (W)", np.float64(1.186e-4), True],
        ],
        caption="a < b & c",
    )
    return [
        Section("Figures", _figures(n_figures)),
        Section("Tables & text", [table, Text("notes", "first\n\nsecond <b>")]),
        Section("Scenario", [Code("scenario.yaml", "nodes: 4\nname: <edge>\n")]),
    ]


META = {"seed": 1234, "config digest": "ab12", "versions": {"numpy": "2.4"}, "tags": [1, 2.5]}


def test_values_are_formatted_and_everything_escaped():
    page = render_html("Run <1>", _report(1), META)
    # The one script on the page is our own; injected markup arrives as text.
    assert page.count("<script") == 1
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<b>" not in page and "&lt;b&gt;" in page
    assert "<title>Run &lt;1&gt;</title>" in page
    assert "a &lt; b &amp; c" in page
    cells = re.findall(r"<td[^>]*>(.*?)</td>", page)
    for expected in ("6.123", "123456789", "—", "0.0001186", "yes", "1234", "1, 2.5"):
        assert expected in cells, expected
    assert '<td class="num">6.123</td>' in page
    assert 'class="language-yaml">nodes: 4\nname: &lt;edge&gt;\n</code>' in page


def test_page_is_self_contained_and_contents_link_sections():
    sections = _report(2)
    numbers = [item.figure.number for item in sections[0].items]
    page = render_html("run", sections, META)
    assert external_references(page) == []
    parsed = _Page(page)
    ids = set(parsed.attr_values("id"))
    toc = [h for h in parsed.attr_values("href") if h.startswith("#")]
    assert len(toc) == 3 and all(h[1:] in ids for h in toc)
    figures = [a for t, a in parsed.tags if t == "img"]
    assert [a["alt"] for a in figures] == ["figure 0", "figure 1"]
    assert all("data-figure" in a for a in figures)
    for a in figures:  # every embedded payload is a complete PNG
        png = base64.b64decode(a["src"].split(",", 1)[1], validate=True)
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and png.endswith(b"IEND\xaeB`\x82")
    assert not set(numbers) & set(plt.get_fignums()), "figures must be closed once encoded"


def test_external_reference_check_catches_a_cdn_link():
    page = render_html("run", [], {})
    faulty = page.replace("</head>", '<link rel="stylesheet" href="https://cdn.x/a.css"></head>')
    assert external_references(faulty) == ["https://cdn.x/a.css"]


def test_bad_input_names_the_item_and_writes_nothing(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("previous run")
    bad_figure = [Section("Power", [Figure("mW per TOPS", "not a figure")])]
    with pytest.raises(TypeError, match=r"section 'Power', figure 'mW per TOPS'.*str"):
        write_report(target, "run", bad_figure, {})
    bad_row = [Section("Fidelity", [Table("bits", ["a", "b"], [[1, 2], [3]])])]
    with pytest.raises(ValueError, match=r"table 'bits': row 1 has 1 cells, expected 2"):
        write_report(target, "run", bad_row, {})
    with pytest.raises(TypeError, match=r"sections\[0\] must be a Section"):
        render_html("run", ["Fidelity"], {})
    with pytest.raises(TypeError, match="meta must be a mapping"):
        render_html("run", [], [("seed", 1)])
    assert target.read_text() == "previous run"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_report_replaces_the_file_whole(tmp_path):
    target = tmp_path / "out" / "report.html"
    path = write_report(target, "run", _report(1), META)
    assert path == target and target.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]


def test_tool_versions_read_installed_metadata():
    versions = tool_versions(["numpy", "matplotlib", "surely-not-installed-pkg"])
    assert versions["numpy"] == np.__version__
    assert versions["surely-not-installed-pkg"] == "not installed"
    assert re.fullmatch(r"3\.11\.\d+", versions["python"])
    assert "gdsfactory" in tool_versions() and "opticloud" in tool_versions()


# --- a real browser ---------------------------------------------------------------


@pytest.fixture
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("OPTICLOUD_SKIP_BROWSER") == "1":
        pytest.skip("OPTICLOUD_SKIP_BROWSER=1 and no Chromium installed")
    pytest.fail(
        "Chromium is not installed: run `make test` (it installs the Debian package "
        "`chromium`) or `apt-get install chromium`; set OPTICLOUD_SKIP_BROWSER=1 to skip"
    )


def _figures_drawn(chromium: str, page: Path, tmp_path: Path) -> tuple[int, int]:
    """(drawn, total) figures as recorded on <body> by the page's load script."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    cmd = [
        chromium,
        "--headless=new",
        "--no-sandbox",  # root in containers has no usable sandbox
        "--disable-gpu",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--dump-dom",
        page.resolve().as_uri(),
    ]
    env = {**os.environ, "HOME": str(home)}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, check=False)
    body = re.search(r"<body[^>]*>", done.stdout)
    assert body, f"no DOM from Chromium (exit {done.returncode}): {done.stderr[-2000:]}"
    drawn = re.search(r'data-figures-drawn="(\d+)"', body.group(0))
    total = re.search(r'data-figures-total="(\d+)"', body.group(0))
    assert drawn and total, f"the load script did not run: {body.group(0)}"
    return int(drawn.group(1)), int(total.group(1))


@pytest.mark.xdist_group("browser")
def test_chromium_draws_every_figure(chromium, tmp_path):
    page = write_report(tmp_path / "report.html", "run", _report(3), META)
    assert _figures_drawn(chromium, page, tmp_path) == (3, 3)


@pytest.mark.xdist_group("browser")
def test_chromium_check_catches_broken_figures(chromium, tmp_path):
    page = render_html("run", _report(3), META)
    payloads = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(payloads) == 3
    # Figure 0: PNG signature overwritten (undecodable); figure 1: cut in half (the
    # header still gives a size, the lower rows are never painted).
    page = page.replace(payloads[0], "AAAAAAAAAAA" + payloads[0][11:])
    page = page.replace(payloads[1], payloads[1][: len(payloads[1]) // 2 // 4 * 4])
    broken = tmp_path / "broken.html"
    broken.write_text(page, encoding="utf-8")
    assert _figures_drawn(chromium, broken, tmp_path) == (1, 3)
