"""The default workbook as LibreOffice prints it: its PDF, rendered page by page to PNGs, in a bounded
number of landscape pages, each sheet one page wide with its header rows, the chart on a page of its own."""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict

import pytest
from PIL import Image, ImageOps

from sheetprop.libreoffice import convert
from sheetprop.outputs import build, default_config


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """(pages, PNG files): each page's text as pdftotext lays it out, and the pages as pdftoppm renders them."""
    folder = tmp_path_factory.mktemp("print")
    result = build(default_config(), folder / "build")
    pdf = convert(result.workbook, folder / "pdf", "pdf")  # LibreOffice's own page layout
    count = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                             text=True, check=True).stdout).group(1))
    pages = [subprocess.run(["pdftotext", "-layout", "-f", str(p), "-l", str(p), str(pdf), "-"],
                            capture_output=True, text=True, check=True).stdout for p in range(1, count + 1)]
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(folder / "page")], check=True)
    return pages, sorted(folder.glob("page-*.png"))


def footer(page: str) -> tuple[str, int, int]:
    """(sheet, page, pages) from the footer: the sheet's name on the left, 'Page N of M' on the right."""
    line = [line for line in page.splitlines() if line.strip()][-1]
    match = re.fullmatch(r"\s*(.+?)\s{2,}Page (\d+) of (\d+)\s*", line)
    assert match, line
    return match.group(1), int(match.group(2)), int(match.group(3))


def test_the_default_workbook_prints_in_a_reasonable_number_of_landscape_pages(printed):
    pages, images = printed
    assert len(images) == len(pages) <= 22  # 282 portrait pages before the print setup
    by_sheet = defaultdict(list)
    for number, page in enumerate(pages, start=1):
        sheet, shown, total = footer(page)
        assert (shown, total) == (number, len(pages))
        by_sheet[sheet].append(page)
    assert list(by_sheet) == ["Compare", "lr 0.1", "lr 0.2", "lr 0.5", "lr 0.8", "lr 1", "lr 2"]
    assert all(len(by_sheet[title]) <= 2 for title in by_sheet if title != "Compare")
    assert len(by_sheet["Compare"]) <= 10
    for image in images:
        with Image.open(image) as picture:
            assert picture.width > picture.height  # landscape
            assert ImageOps.invert(picture.convert("L")).getbbox()  # something is drawn on it


def test_each_page_is_one_page_wide_with_the_header_rows_repeated(printed):
    pages, _ = printed
    for page in pages:
        sheet = footer(page)[0]
        if sheet.startswith("lr "):
            # the first and the last column's names on every page: nothing was cut off to the right
            assert re.search(r"\biteration\b", page) and "∂E/∂w8" in page, sheet
            assert f"learning rate {sheet.removeprefix('lr ')}" in page  # the title row, repeated
    trajectory = [page for page in pages if footer(page)[0] == "Compare"][2:]
    assert trajectory and all(re.search(r"iteration\s+lr 0\.1\s.*lr 2\b", page) for page in trajectory)


def test_the_chart_has_a_page_of_its_own(printed):
    pages, _ = printed
    compare = [page for page in pages if footer(page)[0] == "Compare"]
    table, chart = compare[0], compare[1]
    assert "best rate" in table and "E_total against iteration, by learning rate" not in table
    assert "E_total against iteration, by learning rate" in chart
    assert "best rate" not in chart and "0.242519857" not in chart and "learning rate η" not in chart
