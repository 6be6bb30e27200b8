"""The HTML document of a report: escaping, tables, inline figures and the page itself.

Everything a report shows passes through :func:`esc` (names, questions and settings come
from user files); figures are matplotlib SVG inlined in the page, so the file loads
nothing from anywhere: no script, no style sheet, no font from the network.
"""

from __future__ import annotations

import html
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from servesim.records import ConfidenceInterval

__all__ = ["Cell", "bullets", "ci_text", "document", "esc", "figure", "number", "paragraph", "section", "table"]

# Printable: no fixed heights, tables and figures kept whole on a page.
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;max-width:1100px;
margin:2em auto;padding:0 1.5em;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{font-size:1.3em;border-bottom:1px solid #d0d7de;padding-bottom:.2em;
margin-top:1.8em}h3{font-size:1.05em}
p.lead{font-size:1.1em;color:#424a53}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}
th,td{border:1px solid #d0d7de;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.chosen td{background:#dafbe1;font-weight:600}
figure{margin:1em 0;page-break-inside:avoid;break-inside:avoid}
figure svg{max-width:100%;height:auto}
figcaption{font-size:.9em;color:#57606a}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
pre{background:#f6f8fa;padding:.6em .8em;overflow-x:auto;white-space:pre-wrap}
.verdict-good{color:#1a7f37;font-weight:600}.verdict-bad{color:#cf222e;font-weight:600}
@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}table,pre{page-break-inside:avoid}}
"""


def esc(value: object) -> str:
    """Any value as HTML text, quotes included (safe in attributes too)."""
    return html.escape(str(value), quote=True)


def number(value: float | None, digits: int = 3, scale: float = 1.0) -> str:
    """A number for a table: ``-`` for no data (None or NaN), else ``digits`` significant digits."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value * scale:,.{digits}g}" if abs(value * scale) < 10 ** digits else f"{value * scale:,.0f}"


def ci_text(ci: ConfidenceInterval, scale: float = 1.0, digits: int = 3) -> str:
    """``160 ± 0.38`` (or ``160`` with one sample, ``-`` without data), scaled for display."""
    if ci.value is None:
        return "-"
    if ci.samples < 2 or ci.half_width is None or not math.isfinite(ci.half_width):
        return number(ci.value, digits, scale)
    return f"{number(ci.value, digits, scale)} ± {number(ci.half_width, 2, scale)}"


class Cell:
    """A table cell: text, optional ``data-*`` attributes (the number it shows, for
    checks) and whether it is numeric (right-aligned)."""

    __slots__ = ("data", "numeric", "text")

    def __init__(self, text: str, *, numeric: bool = False, data: Mapping[str, Any] | None = None) -> None:
        self.text = text
        self.numeric = numeric
        self.data = dict(data or {})


def _attributes(data: Mapping[str, Any]) -> str:
    def plain(value: Any) -> str:
        if isinstance(value, str):
            return value
        return json.dumps(value, allow_nan=False, default=_json_number)

    return "".join(f' data-{esc(key)}="{esc(plain(value))}"' for key, value in data.items())


def _json_number(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON: {value!r}")


def table(header: Sequence[str], rows: Iterable[Sequence[Cell | str]], *, kind: str = "",
          chosen: int | None = None) -> str:
    """An HTML table; ``chosen`` highlights one row (the plan's winner)."""
    head = "".join(f"<th>{esc(name)}</th>" for name in header)
    lines = [f'<table{_attributes({"table": kind}) if kind else ""}><thead><tr>{head}</tr></thead><tbody>']
    for index, row in enumerate(rows):
        cells = []
        for cell in row:
            cell = cell if isinstance(cell, Cell) else Cell(cell)
            klass = ' class="num"' if cell.numeric else ""
            cells.append(f"<td{klass}{_attributes(cell.data)}>{esc(cell.text)}</td>")
        mark = ' class="chosen"' if chosen == index else ""
        lines.append(f"<tr{mark}>{''.join(cells)}</tr>")
    lines.append("</tbody></table>")
    return "\n".join(lines)


def figure(fig: Figure, kind: str, caption: str, data: Mapping[str, Any] | None = None) -> str:
    """A matplotlib figure as inline SVG in a ``<figure>`` carrying ``data-figure`` and the
    plotted marks as ``data-*`` attributes (:func:`servesim.report.figures.marks`)."""
    from servesim.report.figures import marks

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML declaration and DOCTYPE: invalid inside HTML
    attributes = {"figure": kind, **{f"mark-{name}": value for name, value in marks(fig).items()},
                  **dict(data or {})}
    return (f"<figure{_attributes(attributes)}>\n{svg}\n"
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def section(title: str, *parts: str, intro: str = "") -> str:
    """An ``<h2>`` section; ``intro`` is plain text, ``parts`` are HTML already escaped."""
    lead = f"<p>{esc(intro)}</p>" if intro else ""
    return f"<section><h2>{esc(title)}</h2>{lead}\n" + "\n".join(parts) + "</section>"


def paragraph(text: str) -> str:
    return f"<p>{esc(text)}</p>"


def bullets(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{esc(item)}</li>" for item in items) + "</ul>"


def document(title: str, lead: str, sections: Iterable[str]) -> str:
    """The whole page: one file, inline CSS, no script."""
    body = "\n".join(sections)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{_CSS}</style></head>\n<body>\n"
            f"<h1>{esc(title)}</h1>\n<p class=\"lead\">{esc(lead)}</p>\n{body}\n</body></html>\n")
