"""The walkthrough as one self-contained HTML page: MathML for the math, the network as inline SVG, the
chart as a data URI. Nothing is fetched: no fonts, no CDN; a Content-Security-Policy says so to the
browser too. A living page (``live``) carries one inline script, allowed by its hash, that recomputes the
example when a number is edited; each number it may rewrite names the value it shows (``data-v``).

>>> from sheetprop.expr import Sym
>>> from sheetprop.walkthrough.blocks import Document, Equation
>>> page = html(Document("Demo", [Equation("h1", (Sym("w1"),), Sym("w1"), 0.15)], {"w1": 0.15}), {})
>>> "<math><mrow><msub><mi>h</mi><mn>1</mn></msub></mrow></math>" in page, "http" in page.split("<body>")[1]
(True, False)
"""

from __future__ import annotations

from html import escape
from typing import Mapping

from dataclasses import dataclass

from sheetprop import legend, palette
from sheetprop.dialects import MathML, math_element, mo, render
from sheetprop.expr import Expr, Numeral
from sheetprop.numerals import number
from sheetprop.walkthrough.blocks import (IN_NUMBERS, Document, Equation, Figure, Heading, Live, Name, Paragraph, Relation,
                                          Side, Table, numbers_of, one_line, right_sides, updates_this_row)
from sheetprop.walkthrough.markdown import cell

# The page may use its own inline styles and data: images, and nothing else.
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 64rem; margin: 2rem auto;
       padding: 0 1.2rem; line-height: 1.55; color: var(--ink); }
h1 { font-size: 1.7rem; margin-bottom: .4rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid var(--rule); }
h3 { margin: 1.4rem 0 .4rem; font-size: 1.05rem; color: var(--ink-soft); }
math { font-size: 1.12em; math-style: normal; } mfrac > * { math-style: normal; }  /* fractions at full size */
.equations { display: grid; grid-template-columns: max-content auto; column-gap: .35em; row-gap: .1em;
             align-items: baseline;
             overflow-x: auto; padding: .5rem .9rem; background: var(--panel); border-radius: 6px; }
.equations .lhs { text-align: right; } .equations .start { margin-top: .55rem; }
.equations .start:first-child, .equations .start:nth-child(2) { margin-top: 0; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .95rem; }
th, td { padding: .25rem .7rem; border-bottom: 1px solid var(--line); text-align: left; }
th { background: var(--table-head); } .number { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; overflow-x: auto; } figure img, figure svg { max-width: 100%; height: auto; }
@media screen and (min-width: 1200px) { html { font-size: 18px; } }  /* a projector's 1280 pixels: read from the back */
figcaption { color: var(--muted); font-size: .92rem; }
"""

def print_style(paper: str = "A4") -> str:
    """How the page prints, on ``paper`` (a CSS page size): the whole width of the paper, no scrollbar (a box
    that scrolls on screen prints whole), no line of math or row of a table cut between two pages."""
    return f"""
@page {{ size: {paper} portrait; margin: 14mm 13mm; }}
@media print {{
  body {{ max-width: none; margin: 0; padding: 0; font-size: 10.5pt; line-height: 1.4; }}
  .equations {{ overflow: visible; background: none; border-left: 3px solid var(--rule); border-radius: 0; }}
  .equations > div, tr, figure, .live-panel {{ break-inside: avoid; }}
  figure {{ overflow: visible; }} figure svg {{ min-width: 0 !important; }}  /* the page's width, however wide */
  h1, h2, h3, h2 + p {{ break-after: avoid; }}
  thead {{ display: table-header-group; }}
}}
"""


# The living page's fields read as the numbers they hold: on paper no box, no button.
LIVE_STYLE = """
input.num { font: inherit; font-variant-numeric: tabular-nums; color: inherit; text-align: right;
            border: 0; border-bottom: 1px dashed var(--muted); background: var(--input); padding: 0 .15em;
            field-sizing: content; min-width: 3ch; }
input.num:focus { outline: 2px solid var(--accent); background: var(--white); }
input.num[aria-invalid="true"] { background: var(--wrong-tint); border-bottom-color: var(--wrong); }
td.edited, input.num.edited { background: var(--accent-tint); }
.live-panel { margin: 1rem 0 1.4rem; padding: .6rem .9rem; border: 1px solid var(--edge); border-radius: 6px;
              background: var(--tint); }
.live-panel p { margin: .2rem 0 .5rem; }
.live-panel .fields { display: flex; flex-wrap: wrap; gap: .4rem 1.4rem; align-items: baseline; }
.live-panel label { white-space: nowrap; }
.live-panel button { font: inherit; padding: .1rem .8rem; }
.live-status { color: var(--wrong); min-height: 1.2em; margin: .3rem 0 0; }
@media print {
  input.num { border: 0; background: none; }
  .live-panel { border: 0; background: none; padding: 0; }
  .live-panel button, .live-panel .live-intro, .live-status:empty { display: none; }
  td.edited, input.num.edited { background: none; }
}
"""


@dataclass(frozen=True)
class Bound(Numeral):
    """A number put in for a name that the living page recomputes: ``key`` says which value (``r1:5`` slot 5
    of iteration 1's row, ``r2:5`` of iteration 2's, ``p:lr`` a parameter)."""

    key: str = ""


class _LiveMathML(MathML):
    """MathML whose numbers say which value they show: the page's script rewrites them after an edit."""

    def numeral(self, shown: Numeral, outer: int) -> str:
        text = super().numeral(shown, outer)
        if not isinstance(shown, Bound) or not shown.key:
            return text
        return f'<mrow data-v="{shown.key}"{" data-o" if outer > 0 else ""}>{text}</mrow>'


_LIVE = _LiveMathML()


def html(document: Document, figures: Mapping[str, str], live=None, paper: str = "A4") -> str:
    """The page; ``figures`` maps a figure kind to its markup (inline SVG, or an <img> with a data URI);
    ``live`` (a ``live.LivePage``) makes it a page that recomputes when a number is edited; it prints on
    ``paper`` (a CSS page size)."""
    slots = live.slots if live is not None else None
    body = [f"<h1>{escape(document.title)}</h1>"]
    for run in document.runs():
        body.append(_equations(run, document, slots) if isinstance(run, list)
                    else _block(run, document, figures, slots))
    if live is not None:
        assert "</script" not in live.script.lower()
        body.append(f"<script>{live.script}</script>")
    policy = live.policy if live is not None else POLICY
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(document.title)}</title>\n<style>{palette.css_variables()}{STYLE}"
            f"{LIVE_STYLE if live else ''}{print_style(paper)}"
            "</style>\n"
            "</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n")


def _key(name: str, after: bool, slots) -> str:
    """Which value a number shows, for the page's script; '' in a page that does not recompute."""
    if slots is None:
        return ""
    if name in slots:
        return f"{'r2' if after else 'r1'}:{slots[name]}"
    return f"p:{name}"


def _block(block, document: Document, figures: Mapping[str, str], slots=None) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{escape(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        live = f' data-live="{block.live}"' if block.live and slots is not None else ""
        return f"<p{live}>" + "".join(_inline(part, slots) for part in block.parts) + "</p>"
    if isinstance(block, Table):
        return _table(block, document.digits, slots)
    if isinstance(block, Figure):
        content = figures.get(block.kind, "")
        live = f' data-live="{block.kind}"' if slots is not None else ""
        return f"<figure{live}>{content}<figcaption>{escape(block.caption)}</figcaption></figure>"
    raise TypeError(f"no HTML for {type(block).__name__}")


def _inline(part, slots=None) -> str:
    if isinstance(part, Live):
        if slots is None:
            return escape(part.text)
        kind, *rest = part.key.split(":")
        key = part.key
        if kind == "n" and rest[0] != "p":  # n:r1:E_total:9 → n:r1:<its slot>:9
            key = ":".join([kind, rest[0], str(slots[rest[1]]), rest[2]])
        return f'<span data-live="{escape(key)}">{escape(part.text)}</span>'

    if isinstance(part, Name):
        return _name(part)
    if isinstance(part, Expr):
        return math_element(render(part, "mathml"))
    if isinstance(part, Relation):
        return math_element(mo(part.sign).join(render(e, "mathml") for e in part.exprs))
    return escape(part)


def _name(name: Name) -> str:
    """A name, or a family's first and last around an ellipsis, typeset."""
    return math_element(mo("…").join(legend.mathml(n) for n in name.names or (name,)))


def _equations(equations: list[Equation], document: Document, slots=None) -> str:
    """A two-column grid: left-hand sides right-aligned against their equals signs."""
    rows = []
    for equation in equations:
        sides = right_sides(equation, document)
        left = math_element(legend.mathml(equation.name, after=equation.after))
        lines = [sides] if one_line(equation, document) else [[s] for s in sides]
        for i, line in enumerate(lines):
            math = "".join(mo("=") + _side(side, equation, document, slots) for side in line)
            rows.append(f'<div class="lhs{" start" if i == 0 else ""}">{left if i == 0 else ""}</div>'
                        f'<div class="rhs{" start" if i == 0 else ""}">{math_element(math)}</div>')
    return '<div class="equations">\n' + "\n".join(rows) + "\n</div>"


def _side(side: Side, equation: Equation, document: Document, slots=None) -> str:
    if side.value is not None:
        key = _key(equation.name, equation.after, slots)
        return _LIVE.numeral(Bound(side.value, document.digits, key), 0)
    if side.numbers:
        put_in = numbers_of(equation, document)

        def bound(node):
            shown = put_in(node)
            if shown is None:
                return legend.mathml(node.name)
            return Bound(shown.value, shown.digits, _key(node.name, updates_this_row(equation, node), slots))
        return _LIVE.render(side.expr, bound)
    return render(side.expr, "mathml",
                  lambda node: legend.mathml(node.name, after=updates_this_row(equation, node)))


def _table(table: Table, digits: int, slots=None) -> str:
    numeric = table.numeric()
    head = "".join(f'<th{" class=number" if n else ""}>{escape(str(h))}</th>' for h, n in zip(table.header, numeric))
    live = slots is not None and table.live
    computed = table.live != "start"  # the starting values show as typed
    rows = []
    for index, row in enumerate(table.rows):
        attributes = ""
        if live and table.live == "start":
            attributes = f' data-param="{escape(str(row[0]))}"'
        elif live and table.live == "family":
            attributes = ' data-members="' + _ranges([slots[name] for name in table.members[index]]) + '"'
        cells = []
        for value in row:
            if isinstance(value, Name):
                cells.append(f"<td>{_name(value)}</td>")
            elif isinstance(value, float) and computed:  # all its digits, zeros too: a column lines up
                cells.append(f'<td class="number">{escape(number(value, digits, zeros=True))}</td>')
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f'<td class="number">{escape(cell(value, digits))}</td>')
            else:
                cells.append(f'<td{" class=number" if value in IN_NUMBERS else ""}>{escape(str(value))}</td>')
        rows.append(f"<tr{attributes}>" + "".join(cells) + "</tr>")
    if live:
        after = " data-after" if table.after else ""
        return (f'<table data-live="{table.live}"{after}>\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
                + "\n".join(rows) + "\n</tbody>\n</table>")
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"


def _ranges(slots: list[int]) -> str:
    """Row slots as runs: ``3-9,12``.

    >>> _ranges([3, 4, 5, 9, 11, 12])
    '3-5,9,11-12'
    """
    runs: list[list[int]] = []
    for slot in slots:
        if runs and slot == runs[-1][1] + 1:
            runs[-1][1] = slot
        else:
            runs.append([slot, slot])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
