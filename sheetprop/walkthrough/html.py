"""The walkthrough as one self-contained HTML page: MathML for the math, the network as inline SVG, the
chart as a data URI. Nothing is fetched: no scripts, no fonts, no CDN; a Content-Security-Policy says so
to the browser too.

>>> from sheetprop.expr import Sym
>>> from sheetprop.walkthrough.blocks import Document, Equation
>>> page = html(Document("Demo", [Equation("h1", (Sym("w1"),), Sym("w1"), 0.15)], {"w1": 0.15}), {})
>>> "<math><mrow><msub><mi>h</mi><mn>1</mn></msub></mrow></math>" in page, "http" in page.split("<body>")[1]
(True, False)
"""

from __future__ import annotations

from html import escape
from typing import Mapping

from sheetprop.dialects import identifier, math_element, mathml_number, mo, render
from sheetprop.expr import Expr
from sheetprop.walkthrough.blocks import (Document, Equation, Figure, Heading, Name, Paragraph, Relation, Side, Table,
                                          numbers_of, one_line, right_sides, updates_this_row)
from sheetprop.walkthrough.markdown import cell

# The page may use its own inline styles and data: images, and nothing else.
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 64rem; margin: 2rem auto;
       padding: 0 1.2rem; line-height: 1.55; color: #1d232b; }
h1 { font-size: 1.7rem; margin-bottom: .4rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #d5dbe3; }
h3 { margin: 1.4rem 0 .4rem; font-size: 1.05rem; color: #34495e; }
math { font-size: 1.12em; }
.equations { display: grid; grid-template-columns: max-content auto; column-gap: .35em; row-gap: .1em;
             align-items: baseline;
             overflow-x: auto; padding: .5rem .9rem; background: #f6f8fa; border-radius: 6px; }
.equations .lhs { text-align: right; } .equations .start { margin-top: .55rem; }
.equations .start:first-child, .equations .start:nth-child(2) { margin-top: 0; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .95rem; }
th, td { padding: .25rem .7rem; border-bottom: 1px solid #e1e5ea; text-align: left; }
th { background: #eef2f6; } .number { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; } figure img, figure svg { max-width: 100%; height: auto; }
figcaption { color: #5a6570; font-size: .92rem; }
"""


def html(document: Document, figures: Mapping[str, str]) -> str:
    """The page; ``figures`` maps a figure kind to its markup (inline SVG, or an <img> with a data URI)."""
    body = [f"<h1>{escape(document.title)}</h1>"]
    for run in document.runs():
        body.append(_equations(run, document) if isinstance(run, list) else _block(run, document, figures))
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(document.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def _block(block, document: Document, figures: Mapping[str, str]) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{escape(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        return "<p>" + "".join(_inline(part) for part in block.parts) + "</p>"
    if isinstance(block, Table):
        return _table(block, document.digits)
    if isinstance(block, Figure):
        content = figures.get(block.kind, "")
        return f"<figure>{content}<figcaption>{escape(block.caption)}</figcaption></figure>"
    raise TypeError(f"no HTML for {type(block).__name__}")


def _inline(part) -> str:
    if isinstance(part, Name):
        return math_element(identifier(part))
    if isinstance(part, Expr):
        return math_element(render(part, "mathml"))
    if isinstance(part, Relation):
        return math_element(mo(part.sign).join(render(e, "mathml") for e in part.exprs))
    return escape(part)


def _equations(equations: list[Equation], document: Document) -> str:
    """A two-column grid: left-hand sides right-aligned against their equals signs."""
    rows = []
    for equation in equations:
        sides = right_sides(equation, document)
        left = math_element(_updated(equation.name) if equation.after else identifier(equation.name))
        lines = [sides] if one_line(equation, document) else [[s] for s in sides]
        for i, line in enumerate(lines):
            math = "".join(mo("=") + _side(side, equation, document) for side in line)
            rows.append(f'<div class="lhs{" start" if i == 0 else ""}">{left if i == 0 else ""}</div>'
                        f'<div class="rhs{" start" if i == 0 else ""}">{math_element(math)}</div>')
    return '<div class="equations">\n' + "\n".join(rows) + "\n</div>"


def _updated(name: str) -> str:
    """w5⁺: the plus sign above the index, as w₅⁺ is written by hand."""
    markup = identifier(name)
    if markup.startswith("<msub>"):
        return "<msubsup>" + markup[len("<msub>"):-len("</msub>")] + "<mo>+</mo></msubsup>"
    return f"<msup>{markup}<mo>+</mo></msup>"


def _side(side: Side, equation: Equation, document: Document) -> str:
    if side.value is not None:
        return mathml_number(side.value, document.digits)
    if side.numbers:
        put_in = numbers_of(equation, document)
        return render(side.expr, "mathml", lambda node: put_in(node) or identifier(node.name))
    return render(side.expr, "mathml",
                  lambda node: _updated(node.name) if updates_this_row(equation, node) else render(node, "mathml"))


def _table(table: Table, digits: int) -> str:
    numeric = table.numeric()
    head = "".join(f'<th{" class=number" if n else ""}>{escape(str(h))}</th>' for h, n in zip(table.header, numeric))
    rows = []
    for row in table.rows:
        cells = []
        for value in row:
            if isinstance(value, Name):
                cells.append(f"<td>{math_element(identifier(value))}</td>")
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f'<td class="number">{escape(cell(value, digits))}</td>')
            else:
                cells.append(f'<td{" class=number" if value in ("", "never") else ""}>{escape(str(value))}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"
