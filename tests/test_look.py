"""What a teacher projects or prints, checked on the written file: number formats as LibreOffice shows them,
column widths against the real font's text widths, colour groups with their legend, page setup, and a
chart that covers no cell in use."""

from __future__ import annotations

import importlib
import itertools
import math
import re
import subprocess
import zipfile

import openpyxl
import pytest

from helpers import run, shown_by_libreoffice
from sheetprop import config as configs
from sheetprop import palette
from sheetprop.graph import build_graph
from sheetprop.limits import FIRST_ROW, GROUP_ROW, HEADER_ROW, compare_first_row
from sheetprop.outputs import build
from sheetprop.workbook.layout import Layout

GROUP_NAMES = ["parameters", "forward pass", "loss", "backward pass", "gradients", "updates"]


@pytest.fixture(scope="module")
def built(lecture, tmp_path_factory):
    return build(lecture, tmp_path_factory.mktemp("look"))


@pytest.fixture(scope="module")
def book(built):
    return openpyxl.load_workbook(built.workbook)


@pytest.fixture(scope="module")
def shown(built, tmp_path_factory):
    """Every sheet's cells as LibreOffice shows them (its CSV export of the text as displayed)."""
    return shown_by_libreoffice(built.workbook, tmp_path_factory.mktemp("csv"))


def font(bold: bool):
    """Carlito (metrically equal to Calibri, Excel's default font) at 11 pt on a 96 dpi screen."""
    from PIL import ImageFont

    style = "Carlito:bold" if bold else "Carlito"
    path = subprocess.run(["fc-match", "-f", "%{file}", style], capture_output=True, text=True).stdout
    assert "Carlito" in path, "the Carlito font is missing: bash scripts/test installs fonts-crosextra-carlito"
    return ImageFont.truetype(path, 11 * 96 / 72)


def column_pixels(sheet, column: int) -> float:
    """A column's width in screen pixels (Excel: 7 pixels a character of Calibri 11, plus 5)."""
    for dimension in sheet.column_dimensions.values():
        if dimension.min <= column <= dimension.max and dimension.width:
            return dimension.width * 7 + 5
    return 64


def significant_digits(text: str) -> int:
    mantissa = text.lstrip("-").split("E")[0].replace(".", "").lstrip("0")
    return len(mantissa)


def test_numbers_show_nine_significant_digits_in_fixed_decimals(shown, lecture):
    graph, rows = run(lecture, 0.5)
    layout = Layout(graph)
    sheet = shown["lr 0.5"]
    for column, quantity in enumerate(graph.quantities):
        first, last = sheet[layout.row(1)][column], sheet[layout.row(lecture.iterations)][column]
        value = rows[0][column]
        if quantity.role == "counter":
            assert (first, last) == ("1", str(lecture.iterations))
        elif quantity.role in ("input", "target"):
            assert float(first) == value and first == f"{value:g}"  # as the teacher typed it
        else:
            # Iteration 1 reads as the walkthrough prints it: 9 significant digits, rounded.
            assert significant_digits(first) == 9, (quantity.name, first)
            assert abs(float(first) - value) <= 0.5 * 10 ** (math.floor(math.log10(abs(value))) - 8) * 1.0001
            # Every row keeps the column's decimals, so the decimal points line up.
            assert len(first.split(".")[1]) == len(last.split(".")[1]), (quantity.name, first, last)
    gradient = rows[0][graph.index["∂E/∂w1"]]
    assert 1e-4 < gradient < 1e-3 and sheet[layout.row(1)][graph.index["∂E/∂w1"]] == f"{gradient:.12f}"


def test_tiny_values_show_in_scientific_notation_and_zeros_in_fixed_decimals(tmp_path):
    config = configs.parse({"name": "tiny", "inputs": [1e-7, 0.0], "targets": [0.5, 0.5],
                            "weights": [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55], "iterations": 3})
    book = openpyxl.load_workbook(build(config, tmp_path).workbook)
    graph, rows = run(config, 0.5, 1)
    sheet = book["lr 0.5"]
    formats = {q.name: sheet.cell(FIRST_ROW + 1, c + 1).number_format for c, q in enumerate(graph.quantities)}
    assert formats["h1"] == "0.00000000E+00" and abs(rows[0][graph.index["h1"]]) < 1e-4
    assert formats["∂E/∂w2"] == "0.000000000" and rows[0][graph.index["∂E/∂w2"]] == 0
    assert formats["i1"] == formats["i2"] == "General"


def test_column_widths_fit_their_headers_and_values(book, shown, lecture):
    bold, regular = font(bold=True), font(bold=False)
    for title in book.sheetnames[1:]:
        sheet = book[title]
        for column, cell in enumerate(sheet[HEADER_ROW + 1], start=1):
            width = column_pixels(sheet, column)
            assert bold.getlength(cell.value) + 4 <= width, (title, cell.value, width)
            for row in (FIRST_ROW, FIRST_ROW + lecture.iterations - 1):
                text = shown[title][row][column - 1]
                assert regular.getlength("-" + text) + 4 <= width, (title, cell.value, text, width)


def test_column_groups_are_coloured_with_a_legend(book):
    sheet = book["lr 0.5"]
    legend = {cell.value: cell.fill.fgColor.rgb for cell in sheet[1] if cell.value in GROUP_NAMES}
    assert list(legend) == GROUP_NAMES and len(set(legend.values())) == 6
    graph, _ = run(configs.parse({"inputs": [0.05, 0.1], "targets": [0.01, 0.99],
                                  "weights": [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55]}), 0.5, 1)
    expected = {"input": "parameters", "target": "parameters", "weight": "updates", "net": "forward pass",
                "activation": "forward pass", "error": "loss", "chain": "backward pass", "gradient": "gradients"}
    tints = {}
    for column, quantity in enumerate(graph.quantities[1:], start=2):
        header = sheet.cell(HEADER_ROW + 1, column)
        group = expected[quantity.role]
        assert header.fill.fgColor.rgb == legend[group], (quantity.name, group)
        assert sheet.cell(GROUP_ROW + 1, column).fill.fgColor.rgb == legend[group]
        tints.setdefault(group, set()).add(sheet.cell(FIRST_ROW + 5, column).fill.fgColor.rgb)
    # Every cell of a group shares one pale tint, each group its own.
    assert all(len(t) == 1 for t in tints.values()) and len(set.union(*tints.values())) == 6
    assert sheet.freeze_panes == "B7"
    assert sheet.cell(1, 1).fill.fgColor.rgb in (None, "00000000")  # the rows above the table stay white


def test_every_sheet_prints_landscape_readably_with_its_title_and_header_rows(book, lecture):
    for title in book.sheetnames:
        sheet = book[title]
        assert sheet.page_setup.orientation == "landscape", title
        assert sheet.page_setup.paperSize == 9  # A4 (SpreadsheetML's paper size 9), the config's default
        assert "&A" in sheet.oddFooter.left.text and "&P" in sheet.oddFooter.right.text
        assert sheet.oddHeader.center.text.endswith(sheet["A1"].value)  # the sheet's title atop every page
    for title in book.sheetnames[1:]:
        sheet = book[title]
        # a print scale, not fit-to-page (which would shrink 44 columns to a fifth and ignore the page breaks)
        assert not sheet.sheet_properties.pageSetUpPr or not sheet.sheet_properties.pageSetUpPr.fitToPage
        assert 60 <= (sheet.page_setup.scale or 100) <= 100, title  # 100 is the default
        assert sheet.print_title_rows == f"${GROUP_ROW + 1}:${FIRST_ROW}"  # the group and name rows
        # The title runs in the header; the rows on editing the sheet are for the screen.
        assert sheet.print_area == f"'{title}'!$A$3:$AR${FIRST_ROW + lecture.iterations}"
        assert sheet.print_title_cols == "$A:$A" and sheet.page_setup.pageOrder == "overThenDown"
        starts = {column for column, quantity in enumerate(build_graph(lecture.network).quantities, start=1)
                  if column > 2 and quantity.group != build_graph(lecture.network).quantities[column - 2].group}
        assert {brk.id + 1 for brk in sheet.col_breaks.brk} <= starts  # pages break between colour groups
        assert sheet.col_breaks.brk, title
    compare = book["Compare"]
    header = compare_first_row(len(lecture.learning_rates))  # 1-based row of the trajectory's header
    assert compare.print_title_rows == f"${header}:${header}"
    # From the row under the title (which the header prints) to the last iteration.
    assert re.fullmatch(rf"'Compare'!\$A\$2:\$[A-Z]+\${header + lecture.iterations}", compare.print_area)
    breaks = [brk.id for brk in compare.row_breaks.brk]
    assert len(breaks) == 2 and breaks[1] == header - 1  # the chart's page ends where the trajectory begins
    assert not compare.sheet_properties.pageSetUpPr or not compare.sheet_properties.pageSetUpPr.fitToPage
    assert 10 <= (compare.page_setup.scale or 100) <= 100  # 100 is the default


def test_paper_letter_in_the_config_prints_on_letter(tmp_path):
    config = configs.parse({"name": "letter", "inputs": [0.05, 0.1], "targets": [0.01, 0.99], "paper": "letter",
                            "weights": [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55], "iterations": 3})
    book = openpyxl.load_workbook(build(config, tmp_path).workbook)
    assert {book[title].page_setup.paperSize for title in book.sheetnames} == {1}  # US Letter


def chart_anchor(path) -> tuple[tuple[int, int], tuple[int, int]]:
    """The chart's (column, row) corners on the Compare sheet, zero-based, from the drawing part."""
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/drawings/drawing1.xml").decode()
    corners = re.findall(r"<xdr:(?:from|to)><xdr:col>(\d+)</xdr:col><xdr:colOff>(\d+)</xdr:colOff>"
                         r"<xdr:row>(\d+)</xdr:row>", xml)
    assert len(corners) == 2
    (c1, _, r1), (c2, offset, r2) = corners
    # A corner at the very start of a column does not reach into it.
    return (int(c1), int(r1)), (int(c2) - (offset == "0"), int(r2))


@pytest.mark.parametrize("rates", [[0.5], [0.1, 0.2, 0.5, 0.8, 1.0, 2.0], [0.05 * k for k in range(1, 15)]])
def test_the_chart_covers_no_cell_in_use_and_has_a_page_of_its_own(rates, tmp_path):
    config = configs.parse({"name": "chart", "inputs": [0.05, 0.1], "targets": [0.01, 0.99],
                            "weights": [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55], "learning_rates": rates,
                            "iterations": 30})
    result = build(config, tmp_path)
    (first_col, first_row), (last_col, last_row) = chart_anchor(result.workbook)
    compare = openpyxl.load_workbook(result.workbook)["Compare"]
    used = [(cell.column - 1, cell.row - 1) for row in compare.iter_rows() for cell in row if cell.value is not None]
    covered = [(c, r) for c, r in used if first_col <= c <= last_col and first_row <= r <= last_row]
    assert covered == [] and used
    assert last_col <= max(c for c, _ in used)  # no wider than the columns in use, which are what is printed
    breaks = [brk.id for brk in compare.row_breaks.brk]  # a break after row `id` (1-based)
    assert breaks == [first_row - 1, last_row + 1]  # its page begins a row above it
    assert all(r < first_row - 1 or r > last_row for _, r in used)  # nothing beside it on its page either


def test_compare_headers_fit_in_two_lines(book):
    sheet = book["Compare"]
    bold = font(bold=True)
    header_row = 5
    assert sheet.row_dimensions[header_row].height >= 2 * 15
    for column, cell in enumerate(sheet[header_row], start=1):
        if cell.value is None:
            continue
        words = cell.value.split()
        best = min(max(bold.getlength(" ".join(words[:cut])), bold.getlength(" ".join(words[cut:])))
                   for cut in range(1, len(words))) if len(words) > 1 else bold.getlength(cell.value)
        assert best + 4 <= column_pixels(sheet, column), cell.value
        assert cell.alignment.wrap_text


# ---------------------------------------------------------------------------------------------- one palette

# Machado, Oliveira & Fernandes (2009): full protanopia, deuteranopia and tritanopia, on linear RGB.
SIMULATIONS = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
    "typical vision": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
}


def rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))


def cielab(linear) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of a linear sRGB triple."""
    rows = [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
    xyz = [sum(a * b for a, b in zip(row, linear)) / white for row, white in zip(rows, (0.9505, 1.0, 1.089))]
    f = [v ** (1 / 3) if v > (6 / 29) ** 3 else v / (3 * (6 / 29) ** 2) + 4 / 29 for v in xyz]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def seen(colour: str, matrix) -> tuple[float, float, float]:
    linear = [(c / 255) / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb(colour)]
    simulated = [min(1.0, max(0.0, sum(a * b for a, b in zip(row, linear)))) for row in matrix]
    return cielab(simulated)


def test_the_palettes_run_colours_stay_apart_for_colour_blind_readers():
    # matplotlib's default cycle fails this (its orange and green are 4.6 apart under protanopia).
    for vision, matrix in SIMULATIONS.items():
        for (i, a), (j, b) in itertools.combinations(enumerate(palette.COLOURS), 2):
            distance = math.dist(seen(a, matrix), seen(b, matrix))
            assert distance >= 15, (vision, a, b, distance)  # CIE76 ΔE: 2.3 is just noticeable


def test_the_palettes_runs_stay_apart_in_grey_print():
    looks = [palette.series(k) for k in range(len(palette.DASHES) * len(palette.MARKERS))]
    # Neighbouring runs in the legend differ in lightness and dash; any two of the first 30 in dash or marker.
    assert len({(look.dash, look.marker) for look in looks}) == len(looks)
    assert len({look.dash.pattern for look in looks[:len(palette.DASHES)]}) == len(palette.DASHES)
    lightness = [seen(colour, SIMULATIONS["typical vision"])[0] for colour in palette.COLOURS]
    assert all(abs(a - b) >= 5 for a, b in zip(lightness, lightness[1:]))


# XlsxWriter's dash types as DrawingML writes them (ECMA-376 ST_PresetLineDashVal).
DRAWINGML_DASHES = {"solid": "solid", "round_dot": "sysDot", "square_dot": "sysDash", "dash": "dash",
                    "dash_dot": "dashDot", "long_dash": "lgDash", "long_dash_dot": "lgDashDot",
                    "long_dash_dot_dot": "lgDashDotDot"}


def chart_series_looks(workbook) -> list[tuple[str, str]]:
    """(colour, DrawingML dash) of each series of the Compare sheet's chart, from its XML."""
    with zipfile.ZipFile(workbook) as archive:
        xml = archive.read("xl/charts/chart1.xml").decode()
    looks = []
    for series in re.findall(r"<c:ser>.*?</c:ser>", xml, re.S):
        line = re.search(r"<c:spPr><a:ln[^>]*>(.*?)</a:ln>", series, re.S).group(1)
        colour = re.search(r'<a:srgbClr val="([0-9A-F]{6})"', line).group(1)
        dash = re.search(r'<a:prstDash val="(\w+)"', line)
        looks.append(("#" + colour, dash.group(1) if dash else "solid"))
    return looks


def test_the_native_chart_the_png_and_the_page_draw_each_run_in_the_palettes_look(built, lecture):
    import json

    import numpy as np
    from PIL import Image

    runs = len(lecture.learning_rates)
    expected = [palette.series(k) for k in range(runs)]
    assert chart_series_looks(built.workbook) == [(look.colour, DRAWINGML_DASHES[look.dash.excel])
                                                  for look in expected]
    image = np.asarray(Image.open(built.chart).convert("RGB")).astype(int)
    for look in expected:
        assert (np.abs(image - rgb(look.colour)).sum(axis=2) <= 12).sum() > 600, look.colour  # both panels' lines
    # The page draws with the same palette, handed over as data (the browser's drawing: test_living_page).
    page = next(path for path in built.others if path.name.endswith("walkthrough.html")).read_text()
    spec = json.loads(re.search(r"const SPEC = (\{.*?\});\n", page).group(1))
    assert spec["palette"]["colours"] == list(palette.COLOURS)
    assert [tuple(d) for d in spec["palette"]["dashes"]] == [d.pattern for d in palette.DASHES]


# A colour written as hex (#RGB, #RRGGBB, #RRGGBBAA), as a spreadsheet's bare RRGGBB or AARRGGBB, or by name.
HEX = re.compile(r"(?<![&\w])#(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})\b")
BARE = re.compile(r"""["'](?:[0-9A-Fa-f]{2})?(?=[0-9A-Fa-f]*[A-Fa-f])[0-9A-Fa-f]{6}["']""")
NAMED = re.compile(r"""(?:colou?r|fill|stroke|background)\s*[=:]\s*["']?(?:white|black|red|green|blue|gr[ae]y|orange|"""
                   r"""yellow|purple)\b""", re.I)


def colours_written(text: str) -> list[str]:
    return [m[0] for pattern in (HEX, BARE, NAMED) for m in pattern.finditer(text)]


def test_no_colour_is_written_outside_the_palette():
    """Every colour of every output comes from sheetprop.palette: no module, script, style sheet or page of the
    package writes one of its own (Okabe and Ito's runs, the pages' and sheets' colours, all defined there)."""
    from pathlib import Path

    import sheetprop

    package = Path(sheetprop.__file__).parent
    files = [path for path in package.rglob("*") if path.suffix in (".py", ".js", ".css", ".html")]
    assert len(files) > 50 and package / "checkpage" / "check.css" in files
    palette_file = package / "palette.py"
    assert len(colours_written(palette_file.read_text(encoding="utf-8"))) >= len(palette.COLOURS) + len(palette.CSS)
    assert colours_written("fill='#fff' stroke=\"FFC7CE\" color: white") == ["#fff", '"FFC7CE"', "color: white"]
    found = {str(path.relative_to(package)): colours_written(path.read_text(encoding="utf-8"))
             for path in files if path != palette_file}
    assert {name: colours for name, colours in found.items() if colours} == {}


def test_the_pages_style_sheets_name_only_the_palettes_colours():
    """The walkthrough and the check page write their colours as var(--name): each one a colour of
    palette.CSS, defined in the rule that opens the style sheet."""
    from sheetprop.checkpage import asset_bytes
    html = importlib.import_module("sheetprop.walkthrough.html")  # the package names a function html too

    css = asset_bytes("check.css").decode()
    assert css.startswith(palette.css_variables())
    for sheet in (css, html.STYLE, html.LIVE_STYLE, html.print_style()):
        named = set(re.findall(r"var\(--([\w-]+)\)", sheet))
        assert named and named <= set(palette.CSS), named - set(palette.CSS)
    defined = dict(re.findall(r"--([\w-]+): (#[0-9A-F]{6});", palette.css_variables()))
    assert defined == palette.CSS and palette.ACCENT in palette.COLOURS  # the one hue: Okabe and Ito's blue


# What a landscape page prints, in the sheet's pixels at 100 %: the paper's long side less the sheet's own
# margins, at 96 pixels an inch (the sheet's columns are set in pixels; openpyxl reads their width in
# characters of 7 pixels, plus 5 of padding).
LANDSCAPE_INCHES = {9: 11.69, 1: 11.0}  # SpreadsheetML's paper sizes: A4, US Letter


def printable_px(sheet) -> float:
    margins = sheet.page_margins
    return (LANDSCAPE_INCHES[sheet.page_setup.paperSize] - margins.left - margins.right) * 96 * 100 / (
        sheet.page_setup.scale or 100)


def column_px(sheet, column: int) -> float:
    dimension = sheet.column_dimensions[openpyxl.utils.get_column_letter(column)]
    return dimension.width * 7 + 5


@pytest.mark.parametrize("rates, paper", [((0.5, 2.0), "a4"), ((0.5, 2.0), "letter"), ((0.1, 0.5, 1.0, 2.0), "a4"),
                                          ((0.1, 0.2, 0.5, 0.8, 1.0, 2.0), "letter")])
def test_the_compare_sheets_iterations_print_across_the_page(rates, paper, tmp_path):
    """However few runs, the Compare sheet's pages fill the paper's width: the columns of its table and of its
    iterations span the page, the iterations' columns all the width the table's own columns leave."""
    config = configs.parse({"name": "few", "inputs": [0.05, 0.1], "targets": [0.01, 0.99], "paper": paper,
                            "weights": [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55], "learning_rates": list(rates),
                            "iterations": 5})
    compare = openpyxl.load_workbook(build(config, tmp_path).workbook)["Compare"]
    header = compare_first_row(len(rates))
    printed = re.fullmatch(r"'Compare'!\$A\$2:\$([A-Z]+)\$\d+", compare.print_area)
    columns = openpyxl.utils.column_index_from_string(printed[1])
    page = printable_px(compare)
    widths = [column_px(compare, c) for c in range(1, columns + 1)]
    assert 0.9 * page <= sum(widths) <= page  # one page wide, and all of it
    iterations = [c for c in range(1, columns + 1) if compare.cell(header, c).value]
    assert iterations == list(range(1, len(rates) + 2))  # the iteration and a column per run
    table_only = sum(widths[len(iterations):])
    assert sum(widths[:len(iterations)]) >= 0.9 * page - table_only
