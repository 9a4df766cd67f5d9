"""The verifier's voice: yours against correct, per sheet, as text for people and JSON for graders."""

from __future__ import annotations

import json
import textwrap

from sheetprop.verify.findings import RATE, Finding, Report, SheetReport


def as_text(report: Report) -> str:
    """The report for people: each layout once, with the sheets that share it, then each sheet's learning rate
    and verdict; the sheets that are not tables of the exercise named in one closing line.

    A correct workbook of six identical rate sheets reads in a dozen lines."""
    lines = [f"{report.path}"]
    lines += [f"  {note}" for note in report.notes]
    groups: dict[tuple, list[SheetReport]] = {}
    for sheet in report.sheets:
        groups.setdefault((sheet.columns, sheet.unknown, sheet.assumed), []).append(sheet)
    for sheets in groups.values():
        placed = len({(s.header_row, s.rows) for s in sheets}) == 1  # every table in the same rows
        lines += _layout_lines(sheets, placed)
        for sheet in sheets:
            lines += _sheet(sheet, alone=len(sheets) == 1, where="" if placed else _rows(sheet))
    if report.skipped:
        lines.append(f"not judged, not tables of the exercise: {_listed(report.skipped)}")
    return "\n".join(lines)


def _rows(sheet: SheetReport) -> str:
    return f", rows {sheet.header_row}–{sheet.rows[1]}"


def _layout_lines(sheets: list[SheetReport], placed: bool) -> list[str]:
    """What each column holds, for tables of one layout, and where the table is when they share its rows."""
    first = sheets[0]
    names = list(dict.fromkeys(s.sheet for s in sheets))
    named = f"sheet {names[0]}" if len(names) == 1 else f"sheets {_listed(names)}"
    if len(sheets) > len(names):
        named += f" ({len(sheets)} tables)"
    start, end = first.rows
    lines = [f"{named}: header in row {first.header_row}, data in rows {start}–{end}" if placed else f"{named}:"]
    columns = [f"{letter} {name}" + (f" ({header})" if header != name else "")
               for letter, name, header in first.columns]
    lines += _wrapped("  columns: ", columns, "    ")
    lines += [f"  {line}" for line in first.assumed]
    if first.unknown:
        lines.append("  not recognised (not judged): " + ", ".join(f"{c} '{h}'" for c, h in first.unknown))
    return lines


def _listed(items) -> str:
    """Items as a sentence lists them.

    >>> _listed(["a"]), _listed(["a", "b", "c"])
    ('a', 'a, b and c')
    """
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _sheet(sheet: SheetReport, alone: bool = True, where: str = "") -> list[str]:
    """A sheet's learning rate, notes and verdict: under its layout when it is ``alone`` in it, else on a line
    of its own that names it (and ``where`` in it the table is)."""
    rate = f"learning rate η = {sheet.learning_rate_words}"
    lines = [f"  {rate}"] if alone else [f"sheet {sheet.sheet}{where}: {rate}"]
    lines += [f"  {note}" for note in sheet.notes]
    if sheet.unjudged:
        lines.append(f"  incomplete: {', '.join(sheet.unjudged)} not judged (their columns are not recognised, "
                     "or the cells they read are not numbers): this is no verdict of correct")
    if not sheet.findings:
        if sheet.unjudged:
            return lines
        verdict = (f"all {sheet.judged} cells agree" if sheet.judged else
                   "no cell could be judged: each needs cells that are empty, not numbers, or missing (see above)")
        if not alone and len(lines) == 1:  # nothing else to say: the verdict goes on the sheet's line
            return [f"{lines[0]}; {verdict}"]
        return lines + [f"  {verdict}"]
    cells = sum(len(f.cells) for f in sheet.findings)
    lines.append(f"  {len(sheet.findings)} {_plural(len(sheet.findings), 'quantity', 'quantities')} wrong "
                 f"({cells} of {sheet.judged} cells):")
    for finding in sheet.findings:
        lines += _finding(finding)
    return lines


def _finding(f: Finding) -> list[str]:
    found, expected = numbers(f.found, f.expected)
    header = "" if f.header == f.quantity else f" ({f.header})"
    rows = "update rows" if f.quantity == RATE else "cells"
    lines = [f"  {f.where} {f.quantity}{header}: found {found}, expected {expected}; "
             f"wrong in {f.wrong} of its {f.judged} {rows}"]
    lines += textwrap.wrap(f"correct: {f.correct}", 110, initial_indent="      ", subsequent_indent="        ")
    if f.diagnosis:
        lines += textwrap.wrap(f"likely slip: {f.diagnosis}", 110, initial_indent="      ",
                               subsequent_indent="        ")
    return lines


def numbers(found, expected: float | None) -> tuple[str, str]:
    """Both values to 10 significant digits, or as many more as it takes to tell them apart.

    >>> numbers(0.0002248724776, 0.00022481346268285018)
    ('0.0002248724776', '0.0002248134627')
    >>> numbers(0.5, 0.50000000001)
    ('0.5', '0.50000000001')
    >>> numbers("0.15", None), numbers(0.0, None)
    (("'0.15'", 'a number'), ('0', 'a number above 0'))
    """
    if expected is None:
        return (f"{found:.10g}", "a number above 0") if isinstance(found, float) else (_text(found), "a number")
    if not isinstance(found, float):
        return _text(found), f"{expected:.10g}"
    for digits in range(10, 18):
        a, b = f"{found:.{digits}g}", f"{expected:.{digits}g}"
        if a != b:
            return a, b
    return a, b


def _text(found) -> str:
    return "empty" if found is None else repr(found)


def _wrapped(first: str, items: list[str], indent: str, width: int = 110) -> list[str]:
    """Items joined by ' · ', broken into lines between items only."""
    lines, line = [], first
    for i, item in enumerate(items):
        piece = item if i == 0 else f" · {item}"
        if len(line) + len(piece) > width and line.strip():
            lines.append(line)
            line, piece = indent, item
        line += piece
    return lines + [line]


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def as_json(report: Report) -> str:
    sheets = [{
        "sheet": s.sheet, "header_row": s.header_row, "rows": list(s.rows),
        "columns": [{"column": c, "quantity": q, "header": h} for c, q, h in s.columns],
        "unknown": [{"column": c, "header": h} for c, h in s.unknown],
        "assumed": list(s.assumed),
        "learning_rate": s.learning_rate, "learning_rate_source": s.learning_rate_words,
        "notes": list(s.notes), "cells_judged": s.judged, "not_judged": list(s.unjudged),
        "findings": [f.as_dict() for f in s.findings],
    } for s in report.sheets]
    return json.dumps({"file": report.path, "notes": list(report.notes), "status": report.status,
                       "incomplete": list(report.incomplete),
                       "findings": [f.as_dict() for f in report.findings], "sheets": sheets,
                       "skipped": list(report.skipped), "skipped_why": list(report.why_skipped)},
                      ensure_ascii=False, indent=2)


def error_json(path: str, status: int, message: str) -> str:
    """The JSON a grader gets when verify cannot judge the file: the same keys, no sheets, the error.

    >>> import json; data = json.loads(error_json("a.xlsx", 2, "a.xlsx is empty"))
    >>> data["status"], data["error"], data["findings"], data["sheets"]
    (2, 'a.xlsx is empty', [], [])
    """
    return json.dumps({"file": path, "notes": [], "status": status, "error": message, "findings": [],
                       "sheets": [], "skipped": [], "skipped_why": []}, ensure_ascii=False, indent=2)
