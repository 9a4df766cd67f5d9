"""The walkthrough as Markdown: prose, tables, and the equations as aligned plain-text math in code blocks.

Plain-text math (h1 = w1·i1 + w2·i2 = 0.15·0.05 + 0.2·0.1 = 0.0275) reads the same in any viewer, raw
or rendered, and needs no math engine.

>>> from sheetprop.expr import Sym
>>> from sheetprop.walkthrough.blocks import Document, Equation, Heading
>>> blocks = [Heading(2, "Forward"), Equation("h1", (Sym("w1") * Sym("i1"),), Sym("w1") * Sym("i1"), 0.0075)]
>>> print(markdown(Document("Demo", blocks, {"w1": 0.15, "i1": 0.05}), {}))
# Demo
<BLANKLINE>
## Forward
<BLANKLINE>
```text
h1 = w1·i1 = 0.15·0.05 = 0.0075
```
<BLANKLINE>
"""

from __future__ import annotations

import re
from typing import Mapping

from sheetprop.dialects import render
from sheetprop.expr import Expr
from sheetprop.walkthrough.blocks import (Document, Equation, Figure, Heading, Live, Name, Paragraph, Relation,
                                          Table, equation_sides, one_line)
from sheetprop.numerals import number


def markdown(document: Document, files: Mapping[str, str]) -> str:
    """The document as Markdown; ``files`` names the image file of each figure kind (network, chart)."""
    out = [f"# {_escape(document.title)}", ""]
    for run in document.runs():
        out += (_equations(run, document) if isinstance(run, list) else _block(run, document, files)) + [""]
    return "\n".join(out)


def _block(block, document: Document, files: Mapping[str, str]) -> list[str]:
    if isinstance(block, Heading):
        return [f"{'#' * block.level} {_escape(block.text)}"]
    if isinstance(block, Paragraph):
        return ["".join(_inline(part) for part in block.parts)]
    if isinstance(block, Table):
        return _table(block, document.digits)
    if isinstance(block, Figure):
        if block.kind not in files:
            return [f"*{_escape(block.caption)}*"]
        return [f"![{_escape(block.caption)}]({files[block.kind]})", "", f"*{_escape(block.caption)}*"]
    raise TypeError(f"no Markdown for {type(block).__name__}")


def _equations(equations: list[Equation], document: Document) -> list[str]:
    """One code block, the equals signs of the left-hand sides aligned; long equations one side per line."""
    sides = [equation_sides(e, document) for e in equations]
    width = max(len(left) for left, _ in sides)
    lines = ["```text"]
    for equation, (left, right) in zip(equations, sides):
        if one_line(equation, document):
            lines.append(f"{left:<{width}} = " + " = ".join(right))
        else:
            lines.append(f"{left:<{width}} = {right[0]}")
            lines += [f"{'':<{width}} = {side}" for side in right[1:]]
    return lines + ["```"]


def _inline(part) -> str:
    if isinstance(part, Name):
        return f"`{part}`"
    if isinstance(part, Expr):
        return f"`{render(part, 'math')}`"
    if isinstance(part, Relation):
        return f"`{part.text()}`"
    if isinstance(part, Live):
        return _escape(part.text)
    return _escape(part)


def _table(table: Table, digits: int) -> list[str]:
    numeric = table.numeric()
    lines = ["| " + " | ".join(_escape(h) for h in table.header) + " |",
             "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    for row in table.rows:
        lines.append("| " + " | ".join(cell(value, digits) for value in row) + " |")
    return lines


def cell(value, digits: int) -> str:
    """A table cell: names as code, floats to ``digits`` significant digits, counts as they are."""
    if isinstance(value, Name):
        return f"`{value}`"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _escape(str(value)).replace("|", "\\|")
    if isinstance(value, int):
        return str(value)
    return number(value, digits)


def _escape(text: str) -> str:
    """Keep Markdown from reading prose as markup: emphasis, code, links, HTML.

    Underscores stay: inside a word (E_total) CommonMark never reads them as emphasis.
    """
    return re.sub(r"([\\`*\[\]<>])", r"\\\1", text)
