"""The default workbook as LibreOffice prints it: its PDF, rendered page by page to PNGs, in landscape
pages whose print is large enough to read, each rate sheet across several pages broken between its colour
groups with the iteration column and header rows on every page, the chart on a page of its own."""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict

import pytest
from PIL import Image, ImageOps

from sheetprop.graph import build_graph
from sheetprop.libreoffice import convert
from sheetprop.outputs import build, default_config


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """(pages, PNG files, PDF): each page's text as pdftotext lays it out, the pages as pdftoppm renders them."""
    folder = tmp_path_factory.mktemp("print")
    result = build(default_config(), folder / "build")
    pdf = convert(result.workbook, folder / "pdf", "pdf")  # LibreOffice's own page layout
    count = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                             text=True, check=True).stdout).group(1))
    pages = [subprocess.run(["pdftotext", "-layout", "-f", str(p), "-l", str(p), str(pdf), "-"],
                            capture_output=True, text=True, check=True).stdout for p in range(1, count + 1)]
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(folder / "page")], check=True)
    return pages, sorted(folder.glob("page-*.png")), pdf


@pytest.fixture(scope="module")
def pdf_words(printed):
    """Every word of the rate sheets' pages with its box in points: (left, top, right, bottom, text)."""
    pages, _, pdf = printed
    found = []
    for number, page in enumerate(pages, start=1):
        if footer(page)[0].startswith("lr "):
            xml = subprocess.run(["pdftotext", "-bbox", "-f", str(number), "-l", str(number), str(pdf), "-"],
                                 capture_output=True, text=True, check=True).stdout
            found += [(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', xml)]
    return found


def footer(page: str) -> tuple[str, int, int]:
    """(sheet, page, pages) from the footer: the sheet's name on the left, 'Page N of M' on the right."""
    line = [line for line in page.splitlines() if line.strip()][-1]
    match = re.fullmatch(r"\s*(.+?)\s{2,}Page (\d+) of (\d+)\s*", line)
    assert match, line
    return match.group(1), int(match.group(2)), int(match.group(3))


def test_the_default_workbook_prints_on_landscape_pages_numbered_in_order(printed):
    pages, images, _ = printed
    assert len(images) == len(pages)
    by_sheet = defaultdict(list)
    for number, page in enumerate(pages, start=1):
        sheet, shown, total = footer(page)
        assert (shown, total) == (number, len(pages))
        by_sheet[sheet].append(page)
    assert list(by_sheet) == ["Compare", "lr 0.1", "lr 0.2", "lr 0.5", "lr 0.8", "lr 1", "lr 2"]
    assert len(by_sheet["Compare"]) <= 10
    # 201 iterations of 44 columns at a readable size: a few pages across, a few down, the same for each rate
    assert len({len(by_sheet[title]) for title in by_sheet if title != "Compare"}) == 1
    assert all(len(by_sheet[title]) <= 20 for title in by_sheet)
    for image in images:
        with Image.open(image) as picture:
            assert picture.width > picture.height  # landscape
            assert ImageOps.invert(picture.convert("L")).getbbox()  # something is drawn on it


def test_the_numbers_print_large_enough_to_read(pdf_words):
    # Calibri 11 at the 60 % print scale is 6.6 pt; pdftotext's box of a line of digits is about the font size.
    heights = sorted(bottom - top for _, top, _, bottom, text in pdf_words if re.fullmatch(r"0\.\d{9}", text))
    assert heights and heights[len(heights) // 2] >= 6.0, heights[len(heights) // 2]


def test_each_page_repeats_the_iteration_column_and_header_rows_and_the_pages_hold_every_column(printed, lecture):
    pages, _, _ = printed
    names = {quantity.name for quantity in build_graph(lecture.network).quantities}
    shown = defaultdict(set)
    for page in pages:
        sheet = footer(page)[0]
        if sheet.startswith("lr "):
            assert re.search(r"^\s*iteration\b", page, re.M), sheet  # the first column, on every page
            assert f"learning rate {sheet.removeprefix('lr ')}" in page or "η (lr)" in page  # the header rows
            shown[sheet] |= set(page.split()) & names
    assert all(found == names for found in shown.values()), {s: names - f for s, f in shown.items()}
    trajectory = [page for page in pages if footer(page)[0] == "Compare"][2:]
    assert trajectory and all(re.search(r"iteration\s+lr 0\.1\s.*lr 2\b", page) for page in trajectory)


def test_the_chart_has_a_page_of_its_own(printed):
    pages, _, _ = printed
    compare = [page for page in pages if footer(page)[0] == "Compare"]
    table, chart = compare[0], compare[1]
    assert "best rate" in table and "E_total against iteration, by learning rate" not in table
    assert "E_total against iteration, by learning rate" in chart
    assert "best rate" not in chart and "0.242519857" not in chart and "learning rate η" not in chart
