"""The pure-Python floor of a build's workbook: its sheets' rows as XML, one %-template per row, deflated.

Run (by benchmarks/speed.py, in a process of its own): python3 benchmarks/floor.py CONFIG STYLES OUT [--plain]

For every run of CONFIG (the engine's rows, as the build streams them) and for the Compare sheet's trajectory,
each row's XML is one %-template filled with the row's numbers and values, as XlsxWriter writes it, and goes
through zlib at level 6 (what zipfile uses) into OUT. STYLES is a JSON file of each sheet's style indexes per
column (read from a built workbook by speed.py). ``--plain`` writes the XML uncompressed, one file per sheet
(OUT.1, OUT.2, …), so that speed.py can check it is byte for byte the rows the build wrote.
"""

from __future__ import annotations

import json
import operator
import string
import sys
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


def main() -> None:
    from sheetprop.compare import labels
    from sheetprop.config import load
    from sheetprop.graph import TOTAL, COUNTER
    from sheetprop.runs import Run
    from sheetprop.workbook.layout import compare_first_row, Layout

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
    counter = next(c for c, q in enumerate(layout.graph.quantities) if q.kind == COUNTER)
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
