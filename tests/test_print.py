"""The default workbook as LibreOffice prints it: its PDF, rendered page by page to PNGs, on landscape A4
pages whose print is large enough to read, the sheet's title at the top of every page, each rate sheet across
several evenly filled pages broken between its colour groups with the iteration column and header rows on
every page, the chart on a page of its own."""

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


def page_sizes(pdf) -> list[tuple[float, float]]:
    """Each page's (width, height) in points, as pdfinfo reads the PDF."""
    text = subprocess.run(["pdfinfo", "-f", "1", "-l", "100000", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", text)]


def words_of(pdf, number: int) -> list[tuple[float, float, float, float, str]]:
    """The words of page ``number`` with their boxes in points: (left, top, right, bottom, text)."""
    xml = subprocess.run(["pdftotext", "-bbox", "-f", str(number), "-l", str(number), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return [(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', xml)]


@pytest.fixture(scope="module")
def pdf_words(printed):
    """Every word of the rate sheets' pages with its box in points: (left, top, right, bottom, text)."""
    pages, _, pdf = printed
    found = []
    for number, page in enumerate(pages, start=1):
        if footer(page)[0].startswith("lr "):
            found += words_of(pdf, number)
    return found


def footer(page: str) -> tuple[str, int, int]:
    """(sheet, page, pages) from the footer: the sheet's name on the left, 'Page N of M' on the right."""
    line = [line for line in page.splitlines() if line.strip()][-1]
    match = re.fullmatch(r"\s*(.+?)\s{2,}Page (\d+) of (\d+)\s*", line)
    assert match, line
    return match.group(1), int(match.group(2)), int(match.group(3))


def test_the_default_workbook_prints_on_landscape_a4_pages_numbered_in_order(printed):
    pages, images, pdf = printed
    # A4 (595 × 842 points) in landscape, whatever the machine's default paper (US Letter here).
    sizes = page_sizes(pdf)
    assert len(sizes) == len(pages) and all(abs(w - 841.9) < 1 and abs(h - 595.3) < 1 for w, h in sizes), sizes[:3]
    assert len(images) == len(pages)
    by_sheet = defaultdict(list)
    for number, page in enumerate(pages, start=1):
        sheet, shown, total = footer(page)
        assert (shown, total) == (number, len(pages))
        by_sheet[sheet].append(page)
    assert list(by_sheet) == ["Compare", "lr 0.1", "lr 0.2", "lr 0.5", "lr 0.8", "lr 1", "lr 2"]
    assert len(by_sheet["Compare"]) <= 10
    # 201 iterations of 44 columns at a readable size: three pages across, a few down, the same for each rate
    assert len({len(by_sheet[title]) for title in by_sheet if title != "Compare"}) == 1
    assert all(len(by_sheet[title]) <= 15 for title in by_sheet)
    for image in images:
        with Image.open(image) as picture:
            assert picture.width > picture.height  # landscape
            assert ImageOps.invert(picture.convert("L")).getbbox()  # something is drawn on it


def test_the_numbers_print_large_enough_to_read(pdf_words):
    # Calibri 11 at the 60 % print scale is 6.6 pt; pdftotext's box of a line of digits is about the font size.
    heights = sorted(bottom - top for _, top, _, bottom, text in pdf_words if re.fullmatch(r"0\.\d{9}", text))
    assert heights and heights[len(heights) // 2] >= 6.0, heights[len(heights) // 2]


def test_every_page_begins_with_its_sheets_whole_title(printed, lecture):
    pages, _, pdf = printed
    width = page_sizes(pdf)[0][0]
    for number, page in enumerate(pages, start=1):
        sheet = footer(page)[0]
        first = next(line for line in page.splitlines() if line.strip()).strip()
        rate = sheet.removeprefix("lr ")
        expected = (f"{lecture.heading} — learning rates compared" if sheet == "Compare"
                    else f"{lecture.heading} — learning rate {rate}")
        assert first == expected, (number, first)
        # Centred across the page, as a running header: not a cell's text that the page's edge cuts.
        words = words_of(pdf, number)
        top = min(w[1] for w in words)
        line = [w for w in words if abs(w[1] - top) < 2]
        assert abs((min(w[0] for w in line) + max(w[2] for w in line)) / 2 - width / 2) < 0.02 * width
    # The rows that say how to edit the sheet are for the screen: no page prints them cut at column A's edge.
    assert not any("Edit the para" in page for page in pages)


def test_the_pages_across_are_evenly_filled(printed):
    pages, _, pdf = printed
    width, height = page_sizes(pdf)[0]
    fills = defaultdict(list)
    for number, page in enumerate(pages, start=1):
        sheet = footer(page)[0]
        if sheet.startswith("lr "):
            table = [w for w in words_of(pdf, number) if 50 < w[1] < height - 50]  # not the title, not the footer
            fills[sheet].append(max(w[2] for w in table) / width)
    # Every page of a rate sheet at least three quarters full across, the emptiest within a fifth of the fullest
    # (breaking at the first group that does not fit left the last pages across half empty).
    for sheet, fill in fills.items():
        assert min(fill) >= 0.75 and max(fill) - min(fill) <= 0.2, (sheet, fill[:4])


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


# ---------------------------------------------------------------------------------------------- the walkthrough

def scrollbars(image) -> list[tuple[int, int]]:
    """(left, top) of every solid grey bar at least 4 pixels wide and 30 tall: a scrollbar's thumb as Chromium
    prints it (a box that scrolls on screen prints its bar), at 72 dpi."""
    import numpy as np

    pixels = np.asarray(image.convert("RGB")).astype(int)
    grey = ((np.ptp(pixels, axis=2) < 4) & (pixels[:, :, 0] > 90) & (pixels[:, :, 0] < 220)).astype(int)
    down = np.vstack([np.zeros((1, grey.shape[1]), int), np.cumsum(grey, axis=0)])
    tall = (down[30:] - down[:-30]) == 30
    across = np.hstack([np.zeros((tall.shape[0], 1), int), np.cumsum(tall, axis=1)])
    bars = (across[:, 4:] - across[:, :-4]) == 4
    return [(int(x), int(y)) for y, x in zip(*np.nonzero(bars))]


def test_the_walkthrough_prints_on_a4_without_scrollbars_or_cut_lines(tmp_path):
    from browser import FLAGS, chromium

    result = build(default_config(), tmp_path / "build")
    page = next(path for path in result.others if path.name.endswith("-walkthrough.html"))
    pdf = tmp_path / "walkthrough.pdf"
    flags = [flag for flag in FLAGS if flag != "--hide-scrollbars"]  # as a reader's browser prints
    subprocess.run([chromium(), *flags, f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.resolve().as_uri()], capture_output=True, timeout=120, check=True)
    sizes = page_sizes(pdf)
    assert sizes and all(abs(w - 595.3) < 1 and abs(h - 841.9) < 1 for w, h in sizes), sizes  # A4 portrait
    subprocess.run(["pdftoppm", "-r", "72", "-png", str(pdf), str(tmp_path / "page")], check=True)
    for image in sorted(tmp_path.glob("page-*.png")):
        with Image.open(image) as picture:
            assert scrollbars(picture) == [], image.name
    for number in range(1, len(sizes) + 1):  # nothing cut at the paper's edge: every word inside the margins
        words = words_of(pdf, number)
        assert words and all(20 < w[0] and w[2] < sizes[0][0] - 20 for w in words), number
