"""The pure-Python floor of a build's workbook: its sheets' rows as XML, one %-template per row, deflated.

Run (by benchmarks/speed.py, in a process of its own): python3 benchmarks/floor.py CONFIG STYLES OUT [--plain]
Also: floor.py styles WORKBOOK STYLES (each sheet's style indexes per column, from a built workbook's second
table row) and floor.py check CONFIG STYLES WORKBOOK PLAIN (the floor's rows are the workbook's, byte for byte).

For every run of CONFIG (the engine's rows, as the build streams them) and for the Compare sheet's trajectory,
each row's XML is one %-template filled with the row's numbers and values, as XlsxWriter writes it, and goes
through zlib at level 6 (what zipfile uses) into OUT. STYLES is a JSON file of each sheet's style indexes per
column (read from a built workbook by speed.py). ``--plain`` writes the XML uncompressed, one file per sheet
(OUT.1, OUT.2, …), so that speed.py can check it is byte for byte the rows the build wrote.
"""

from __future__ import annotations

import json
import operator
import re
import string
import subprocess
import sys
import zipfile
import zlib


def templates(formulas: list[str], styles: list[int | None], fields: dict[str, int]):
    """A row's %-template and the picking of its arguments from (row numbers…, values…)."""
    names = list(fields)
    order, parts = [0], ['<row r="%s">']
    for col, (formula, style) in enumerate(zip(formulas, styles)):
        letters, c = "", col + 1
        while c:
            c, rest = divmod(c - 1, 26)
            letters = chr(65 + rest) + letters
        order.append(0)
        cell = [f'<c r="{letters}%s"' + (f' s="{style}"' if style is not None else "") + "><f>"]
        for k, (text, name, _, _) in enumerate(string.Formatter().parse(formula)):
            text = text[1:] if k == 0 else text  # the '='
            cell.append(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("%", "%%"))
            if name is not None:
                cell.append("%s")
                order.append(1 + names.index(name))
        cell.append("</f><v>%s</v></c>")
        order.append(1 + len(names) + col)
        parts.append("".join(cell))
    parts.append("</row>")
    return "".join(parts), operator.itemgetter(*order), [fields[name] for name in names]


def write_styles(workbook: str, out: str) -> None:
    """Write each sheet's style index per column, from the second table row of a built workbook, as JSON."""
    from sheetprop.limits import FIRST_ROW, compare_first_row

    found = {}
    with zipfile.ZipFile(workbook) as archive:
        for name in archive.namelist():
            number = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", name)
            if number:
                xml = archive.read(name).decode()
                row = (compare_first_row(6) if number[1] == "1" else FIRST_ROW) + 2  # 1-based, the second table row
                cells = re.search(rf'<row r="{row}"[^>]*>(.*?)</row>', xml)[1]
                found[number[1]] = [int(s) if s else None for s in re.findall(r'<c r="[A-Z]+\d+"(?: s="(\d+)")?>', cells)]
    with open(out, "w") as file:
        json.dump(found, file)


def check(config: str, styles: str, workbook: str, plain: str) -> None:
    """Exit with an error unless the floor's rows (written plain) are the workbook's rows, byte for byte."""
    from sheetprop.limits import FIRST_ROW, compare_first_row

    subprocess.run([sys.executable, __file__, config, styles, plain, "--plain"], check=True)
    with zipfile.ZipFile(workbook) as archive:
        sheets = [name for name in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name)]
        for number in range(1, len(sheets) + 1):
            xml = archive.read(f"xl/worksheets/sheet{number}.xml")
            first = (compare_first_row(len(sheets) - 1) if number == 1 else FIRST_ROW) + 1
            rows = xml[xml.index(f'<row r="{first}">'.encode()):xml.index(b"</sheetData>")]
            with open(f"{plain}.{number}", "rb") as file:
                if rows != file.read():
                    raise SystemExit(f"benchmarks/floor.py: sheet {number}'s rows differ from the build's; fix floor.py")


def main() -> None:
    if sys.argv[1] == "styles":
        return write_styles(*sys.argv[2:4])
    if sys.argv[1] == "check":
        return check(*sys.argv[2:6])
    from sheetprop.compare import labels
    from sheetprop.config import load
    from sheetprop.graph import TOTAL, COUNTER
    from sheetprop.runs import Run
    from sheetprop.limits import compare_first_row
    from sheetprop.workbook.layout import Layout

    config_path, styles_path, out = sys.argv[1:4]
    plain = "--plain" in sys.argv
    config = load(config_path)
    styles = json.loads(open(styles_path).read())
    run = Run.of(config)
    names = labels(run.cases)
    sink = open(out, "wb")
    packer = None

    def sheet(number):
        nonlocal packer, sink
        if plain:
            sink.close()
            sink = open(f"{out}.{number}", "wb")
        else:
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)

    def write(text):
        data = text.encode()
        sink.write(data if plain else packer.compress(data))

    def end():
        if not plain:
            sink.write(packer.flush())

    layouts = {}
    for number, case in enumerate(run.cases, start=2):
        layout = layouts.setdefault(case.optimizer, Layout(run.graph_of(case)))
        first = templates(layout.templates(1), styles[str(number)], Layout.FIELDS)
        later = templates(layout.templates(2), styles[str(number)], Layout.FIELDS)
        sheet(number)
        for iteration, row in enumerate(run.rows(case), start=1):
            template, pick, offsets = first if iteration == 1 else later
            r = layout.row(iteration) + 1
            write(template % pick((r, *(r + o for o in offsets), *row)))
        end()
    # The Compare sheet's trajectory: a reference to each run's E_total per iteration.
    summary, cases = run.summary, run.cases
    layout = layouts[cases[0].optimizer]
    counter = next(c for c, q in enumerate(layout.graph.quantities) if q.role == COUNTER)
    formulas = [f"='{names[cases[0]]}'!{layout.letters[counter]}{{row}}"] + [
        f"='{names[case]}'!{layouts[case.optimizer].letters[layouts[case.optimizer].graph.index[TOTAL]]}{{row}}"
        for case in cases]
    first_iteration = compare_first_row(len(cases))
    template, pick, offsets = templates(formulas, styles["1"], {"row": layout.row(1) - first_iteration})
    sheet(1)
    trajectories = [summary.trajectories[case] for case in cases]
    for iteration in range(1, summary.iterations + 1):
        r = first_iteration + iteration
        write(template % pick((r, r + offsets[0], iteration, *(t[iteration - 1] for t in trajectories))))
    end()
    sink.close()


if __name__ == "__main__":
    main()
