"""What a workbook can hold, which bounds a config: Excel's limits (LibreOffice shares them; past them a file is
silently cut or refused), and the rows above iteration 1 on each sheet, which the iterations cannot use.

Config checks a network and its iterations against these before anything is built; the workbook's layout
places its rows by them.

>>> max_iterations(1), max_iterations(6)
(1048544, 1048539)
"""

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_FORMULA_LENGTH = 8_192

TITLE_ROW, HELP_ROW, PARAM_LABEL_ROW, PARAM_ROW, GROUP_ROW, HEADER_ROW = range(6)
FIRST_ROW = HEADER_ROW + 1  # zero-based row of iteration 1


COMPARE_CHART_ROWS = 22  # the Compare sheet's chart spans these rows, between its table and the iterations


def compare_first_row(rates: int) -> int:
    """Zero-based row of iteration 1 on the Compare sheet, below its title, threshold, table of rates and chart."""
    return rates + 9 + COMPARE_CHART_ROWS


def max_iterations(rates: int) -> int:
    """The most iterations every sheet of the workbook holds, with ``rates`` runs compared."""
    return MAX_ROWS - max(FIRST_ROW, compare_first_row(rates))
