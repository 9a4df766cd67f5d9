"""How the sheets look on a projector and on paper: number formats, colour groups, column widths, page setup.

Cells keep every digit; only their display is chosen here. Each column shows ``DIGITS`` significant
digits of its iteration-1 value in a fixed number of decimals, so a column's decimal points line up
and its first row reads as the walkthrough prints it; values too small or too large for that show in
scientific notation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from xlsxwriter.utility import xl_pixel_width

from sheetprop.expr import Param
from sheetprop.graph import ACT, BIAS, CHAIN, COUNTER, ERROR, GRADIENT, NET, STATE, WEIGHT, Quantity
from sheetprop.paper import PAPERS, Paper
from sheetprop.palette import BACKWARD, FORWARD, GRADIENTS, LOSS, PARAMETERS, UPDATES, ColourGroup

DIGITS = 9                      # significant digits shown, as many as the walkthrough prints
FIXED_RANGE = (1e-4, 1e5)       # magnitudes shown in fixed decimals; others in scientific notation
SCIENTIFIC = "0." + "0" * (DIGITS - 1) + "E+00"
PADDING = 12                    # pixels around a cell's text (Excel's own is 7)
BOLD = 1.1                      # bold text is wider than xl_pixel_width's regular Calibri 11

# Each role's colour group (the groups' colours are the palette's).
_BY_ROLE = {NET: FORWARD, ACT: FORWARD, ERROR: LOSS, CHAIN: BACKWARD, GRADIENT: GRADIENTS, WEIGHT: UPDATES,
            BIAS: UPDATES, STATE: UPDATES}


def colour_group(quantity: Quantity) -> ColourGroup | None:
    """The legend colour of a column: inputs, targets and fixed biases copy a given parameter; weights,
    trained biases and an optimizer's state are the updates (w − η·∂E/∂w on each row after the first);
    None for the counter.

    >>> from sheetprop.graph import Network, build_graph
    >>> graph = build_graph(Network(layers=(2, 2, 2)))
    >>> [colour_group(graph[name]).name for name in ("i1", "w5", "a_h1", "E_total", "∂E/∂o1", "∂E/∂w5")]
    ['parameters', 'updates', 'forward pass', 'loss', 'backward pass', 'gradients']
    """
    if quantity.role == COUNTER:
        return None
    if isinstance(quantity.expr, Param):
        return PARAMETERS
    return _BY_ROLE[quantity.role]


def shows_as_given(quantity: Quantity) -> bool:
    """Inputs, targets and fixed biases copy a typed parameter: they show as typed (General format)."""
    return colour_group(quantity) is PARAMETERS


def number_format(value: float) -> str:
    """The format showing ``DIGITS`` significant digits of ``value`` in fixed decimals, or scientific
    notation for magnitudes outside ``FIXED_RANGE``; a zero or an error shows like a value below 1.

    >>> [number_format(v) for v in (0.0721570729, 0.506874567, 0.000438567745, 12.5, 3e-7, 0.0)]
    ['0.0000000000', '0.000000000', '0.000000000000', '0.0000000', '0.00000000E+00', '0.000000000']
    """
    magnitude = abs(value) if math.isfinite(value) and value != 0 else 0.5
    if not FIXED_RANGE[0] <= magnitude < FIXED_RANGE[1]:
        return SCIENTIFIC
    decimals = DIGITS - 1 - math.floor(math.log10(magnitude))
    return "0." + "0" * decimals if decimals > 0 else "0"


def sample_text(value: float, fmt: str) -> str:
    """The widest text a column of this format shows for values up to ten times ``value``: the width it needs.

    >>> sample_text(0.0721570729, "0.0000000000"), sample_text(3e-7, SCIENTIFIC)
    ('-00.0000000000', '-0.00000000E+00')
    """
    if fmt == SCIENTIFIC:
        return "-" + SCIENTIFIC
    whole = max(1, math.floor(math.log10(abs(value))) + 1) if math.isfinite(value) and value else 1
    return "-" + "0" * (whole + 1) + fmt[1:]


def text_width(text: str, bold: bool = False, size: float = 11) -> int:
    """Pixels ``text`` takes in Calibri (or the metric-equal Carlito) at ``size`` points, with the cell's padding.

    >>> text_width("E_total") < text_width("E_total", bold=True) < text_width("E_total", size=14)
    True
    """
    return round(xl_pixel_width(text) * (BOLD if bold else 1) * size / 11) + PADDING


def wrapped_width(text: str, lines: int = 2, bold: bool = True) -> int:
    """The narrowest width showing ``text`` in at most ``lines`` lines, broken at spaces.

    >>> wrapped_width("E_total at iteration 201") < text_width("E_total at iteration 201", bold=True)
    True
    """
    words = text.split()
    if lines <= 1 or len(words) == 1:
        return text_width(text, bold)
    return min(max(text_width(" ".join(words[:cut]), bold), wrapped_width(" ".join(words[cut:]), lines - 1, bold))
               for cut in range(1, len(words)))


@dataclass(frozen=True)
class Printed:
    """What a sheet prints: on which paper, under which running title, from which row (rows above it are for the
    screen: how to edit the sheet), with which rows repeated on every page."""

    paper: Paper
    title: str
    first_row: int
    title_rows: tuple[int, int]


@dataclass(frozen=True)
class Pages:
    """How a rate sheet's columns print: at ``scale`` percent, a new page across at each column of ``breaks``;
    ``width``: a page's printable width in the sheet's own pixels (at that scale)."""

    scale: int
    breaks: list[int]
    width: float

    def first_page_width(self, widths: list[int]) -> float:
        """The width the first page across prints of columns ``widths``, in the sheet's pixels."""
        return min(self.width, sum(widths[:self.breaks[0]] if self.breaks else widths))


def rate_sheet_pages(widths: list[int], group_starts: set[int], paper: Paper) -> Pages:
    """A scale paper can be read at (one page wide when that fits at ``MIN_PRINT_SCALE`` or more), a wider sheet
    on as few pages across as it takes, broken between its colour groups where the pages come out most evenly
    filled."""
    page = printable_width_px(paper)
    scale = print_scale(sum(widths), page)
    return Pages(scale, balanced_breaks(widths, group_starts, page * 100 / scale), page * 100 / scale)


def print_rate_sheet(sheet, printed: Printed, last_row: int, widths: list[int], group_starts: set[int]) -> None:
    """Landscape on ``rate_sheet_pages``' pages, with the iteration column and the group and name rows on every
    page, pages numbered across then down."""
    _paper(sheet, printed)
    pages = rate_sheet_pages(widths, group_starts, printed.paper)
    sheet.set_print_scale(pages.scale)
    sheet.print_area(printed.first_row, 0, last_row, len(widths) - 1)
    sheet.repeat_rows(*printed.title_rows)
    breaks = pages.breaks
    if breaks:
        sheet.set_v_pagebreaks(breaks)
        sheet.repeat_columns(0)
        sheet.print_across()


def print_scale(width_px: int, page_px: int) -> int:
    """The print scale in percent that fits ``width_px`` of columns on one page ``page_px`` wide, but never
    below ``MIN_PRINT_SCALE``: a wider sheet goes on more pages rather than in smaller print.

    >>> print_scale(500, 950), print_scale(1200, 950), print_scale(20_000, 950)
    (100, 79, 60)
    """
    return min(100, max(MIN_PRINT_SCALE, math.floor(100 * page_px / width_px)))


def column_breaks(widths: list[int], group_starts: set[int], page_px: float) -> list[int]:
    """The columns that begin a new page across, for columns of ``widths`` pixels on pages ``page_px``
    wide that each repeat column 0, filling each page in turn: a page ends before the last group that does
    not fit whole (inside a group only when the group alone is wider than a page). The fewest pages.

    >>> column_breaks([50, 100, 100, 100, 100], {1, 3}, 260)
    [3]
    >>> column_breaks([50, 100, 100, 100, 100], {1}, 260)
    [3]
    >>> column_breaks([50, 100], {1}, 260)
    []
    """
    breaks, first, used, column = [], 1, widths[0], 1
    while column < len(widths):
        if used + widths[column] <= page_px or column == first:  # a column wider than a page goes alone
            used += widths[column]
            column += 1
            continue
        cut = max((start for start in group_starts if first < start <= column), default=column)
        breaks.append(cut)
        first, used, column = cut, widths[0], cut
    return breaks


def balanced_breaks(widths: list[int], group_starts: set[int], page_px: float) -> list[int]:
    """``column_breaks``' number of pages, with the breaks moved between groups so that the pages are as evenly
    filled as they can be (the least sum of squared blank widths): no half-empty page beside full ones.

    >>> column_breaks([50, 100, 100, 100, 100, 100, 100], {1, 2, 3, 4, 5, 6}, 460)
    [5]
    >>> balanced_breaks([50, 100, 100, 100, 100, 100, 100], {1, 2, 3, 4, 5, 6}, 460)
    [4]
    """
    greedy = column_breaks(widths, group_starts, page_px)
    if not greedy:
        return []
    end = len(widths)
    cuts = sorted({1, end, *greedy, *(start for start in group_starts if 1 < start < end)})
    edges = [0]
    for width in widths[1:]:
        edges.append(edges[-1] + width)  # edges[c - 1]: the width of columns 1 … c − 1

    def used(a: int, b: int) -> float:
        return widths[0] + edges[b - 1] - edges[a - 1]

    # best[j]: (pages, blank²) of the columns before cuts[j], and the cut its last page starts at.
    best: list[tuple[tuple[int, float], int] | None] = [((0, 0.0), -1)] + [None] * (len(cuts) - 1)
    for j in range(1, len(cuts)):
        for i in range(j - 1, -1, -1):
            width = used(cuts[i], cuts[j])
            if width > page_px and i < j - 1:
                break  # a span between neighbouring cuts fits (the greedy breaks are among them)
            if best[i] is None:
                continue
            (pages, blank), _ = best[i]
            cost = (pages + 1, blank + max(0.0, page_px - width) ** 2)
            if best[j] is None or cost < best[j][0]:
                best[j] = (cost, i)
    breaks, j = [], len(cuts) - 1
    while best[j][1] > 0:
        j = best[j][1]
        breaks.append(cuts[j])
    return sorted(breaks) if len(breaks) == len(greedy) else greedy


def fill_page(widths: list[int], page_px: int, wide: int | None = None) -> list[int]:
    """Columns of ``widths`` narrower than a page ``page_px`` wide, widened to fill it: the first ``wide`` of them
    (all by default), alike. The Compare sheet of two runs prints its iterations across the page, not in a third.

    >>> fill_page([100, 200, 100], 800), fill_page([100, 200, 100], 800, wide=2), fill_page([500, 600], 800)
    ([200, 400, 200], [233, 466, 100], [500, 600])
    """
    wide = len(widths) if wide is None else wide
    total, widened = sum(widths), sum(widths[:wide])
    if total >= page_px:
        return list(widths)
    factor = (page_px - (total - widened)) / widened
    return [math.floor(width * factor) if column < wide else width for column, width in enumerate(widths)]


def print_compare_sheet(sheet, printed: Printed, widths: list[int], last_row: int, breaks: list[int]) -> None:
    """Landscape at a scale that fits the columns of ``widths`` on one page's width, a page break before each
    row in ``breaks`` (a scale, not fit-to-page: Excel ignores manual page breaks under fit-to-page), the
    trajectory's header row on every page after it."""
    _paper(sheet, printed)
    sheet.print_area(printed.first_row, 0, last_row, len(widths) - 1)
    sheet.set_print_scale(max(10, min(100, math.floor(100 * printable_width_px(printed.paper) / sum(widths)))))
    sheet.set_h_pagebreaks(breaks)
    sheet.repeat_rows(*printed.title_rows)


MARGIN_INCHES = 0.4
MIN_PRINT_SCALE = 60  # percent: Calibri 11 prints at 6.6 pt, about the smallest a table of numbers reads at
# LibreOffice lays columns out a little wider than XlsxWriter's pixels: keep this much of the width to spare.
SPARE = 0.94
HEADER_LIMIT = 255  # characters of a page header, Excel's limit (XlsxWriter drops a longer one)


def printable_width_px(paper: Paper) -> int:
    """The width a landscape page of ``paper`` prints, in screen pixels at 96 an inch, less margins and spare.

    >>> printable_width_px(PAPERS["a4"]) > printable_width_px(PAPERS["letter"])
    True
    """
    return round((paper.landscape_width - 2 * MARGIN_INCHES) * 96 * SPARE)


def _paper(sheet, printed: Printed) -> None:
    sheet.set_landscape()
    sheet.set_paper(printed.paper.excel)
    sheet.set_margins(left=MARGIN_INCHES, right=MARGIN_INCHES, top=0.75, bottom=0.6)
    sheet.set_header(running_title(printed.title), {"margin": 0.3})
    sheet.set_footer("&L&A&RPage &P of &N")


def running_title(title: str) -> str:
    """The page header that prints ``title`` at the top of every page, bold, centred, a little larger than the
    cells: ``&`` starts a code in a header, so a title's own is doubled (and a space ends the font size's digits
    before a title's own); a title past Excel's limit is shortened.

    >>> running_title("Lecture — learning rate 0.5")
    '&C&"-,Bold"&14 Lecture — learning rate 0.5'
    >>> len(running_title("R&D " * 100)) <= HEADER_LIMIT
    True
    """
    prefix = '&C&"-,Bold"&14 '
    text = title.replace("&", "&&")
    room = HEADER_LIMIT - len(prefix)
    if len(text) > room:
        text = text[:room - 1].rstrip("&") + "…"
    return prefix + text
