"""The workbook's structure: formulas everywhere, cached values, absolute parameter cells, notes, Compare sheet."""

import math
import re
import warnings
import zipfile

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reference
from helpers import run
from test_networks import networks
from sheetprop.outputs import build
from sheetprop.compare import summarize
from sheetprop.graph import build_graph
from sheetprop.limits import FIRST_ROW, HEADER_ROW, PARAM_ROW, compare_first_row
from sheetprop.workbook.layout import Layout

LECTURE_HEADERS = (
    "iteration i1 i2 t1 t2 w1 w2 w3 w4 w5 w6 w7 w8 h1 a_h1 h2 a_h2 o1 a_o1 o2 a_o2 E1 E2 E_total "
    "∂E/∂a_o1 ∂a_o1/∂o1 ∂E/∂o1 ∂E/∂a_o2 ∂a_o2/∂o2 ∂E/∂o2 ∂E/∂a_h1 ∂a_h1/∂h1 ∂E/∂h1 ∂E/∂a_h2 ∂a_h2/∂h2 ∂E/∂h2 "
    "∂E/∂w1 ∂E/∂w2 ∂E/∂w3 ∂E/∂w4 ∂E/∂w5 ∂E/∂w6 ∂E/∂w7 ∂E/∂w8").split()
REFERENCE = re.compile(r"(?<![A-Za-z_'])(\$?)([A-Z]{1,3})(\$?)(\d+)(?![\d(])")


@pytest.fixture(scope="module")
def built(lecture, tmp_path_factory):
    return build(lecture, tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="module")
def formulas(built):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return openpyxl.load_workbook(built.workbook)


@pytest.fixture(scope="module")
def values(built):
    return openpyxl.load_workbook(built.workbook, data_only=True)


def test_sheets_one_per_rate_and_compare(formulas, lecture):
    assert formulas.sheetnames == ["Compare", "lr 0.1", "lr 0.2", "lr 0.5", "lr 0.8", "lr 1", "lr 2"]


def test_headers_are_the_lecture_names(formulas):
    sheet = formulas["lr 0.5"]
    headers = [c.value for c in sheet[HEADER_ROW + 1]]
    assert headers == LECTURE_HEADERS


def test_every_table_cell_is_a_formula_with_only_own_or_previous_row_references(formulas, lecture):
    for title in formulas.sheetnames[1:]:
        sheet = formulas[title]
        for row in sheet.iter_rows(min_row=FIRST_ROW + 1, max_row=FIRST_ROW + lecture.iterations):
            for cell in row:
                assert isinstance(cell.value, str) and cell.value.startswith("="), cell.coordinate
                for absolute_col, _, absolute_row, number in REFERENCE.findall(cell.value):
                    if absolute_row:
                        # Absolute references point at the labelled parameter cells only.
                        assert absolute_col and int(number) == PARAM_ROW + 1, (cell.coordinate, cell.value)
                    else:
                        assert int(number) in (cell.row, cell.row - 1), (cell.coordinate, cell.value)


def test_inputs_targets_and_first_weights_refer_to_the_parameter_cells(formulas, lecture):
    sheet = formulas["lr 0.5"]
    graph, _ = run(lecture, 0.5, 1)
    layout = Layout(graph)
    for name in ["i1", "i2", "t1", "t2"]:
        for iteration in (1, 2, lecture.iterations):
            assert sheet[layout.cell(name, iteration)].value == "=" + layout.param_cell(name)
    for name in graph.weights:
        assert sheet[layout.cell(name, 1)].value == "=" + layout.param_cell(name)
        assert "$A$4" in sheet[layout.cell(name, 2)].value  # the labelled learning-rate cell
    assert sheet["A4"].value == 0.5 and sheet["A3"].value.startswith("η")
    for name in graph.params:
        if name != "lr":
            assert sheet[layout.param_cell(name).replace("$", "")].value == lecture.values[name]


def test_cached_values_are_numbers_for_viewers_that_do_not_recalculate(built, values, lecture):
    graph, rows = run(lecture, 1.0)
    sheet = values["lr 1"]
    layout = Layout(graph)
    for iteration in (1, 2, 201):
        for quantity in graph.quantities:
            assert sheet[layout.cell(quantity.name, iteration)].value == rows[iteration - 1][graph.index[quantity.name]]
    frame = pd.read_excel(built.workbook, sheet_name="lr 1", header=HEADER_ROW, engine="openpyxl")
    assert list(frame.columns) == LECTURE_HEADERS
    assert len(frame) == lecture.iterations and not frame.isna().any().any()
    assert frame["E_total"].iloc[200] == pytest.approx(0.0052074660863154505, rel=1e-12)


def test_header_notes_hold_the_math(formulas):
    sheet = formulas["lr 0.5"]
    notes = {c.value: c.comment.text for c in sheet[HEADER_ROW + 1]}
    assert "∂E/∂w5 = (a_o1 − t1)·a_o1·(1 − a_o1)·a_h1" in notes["∂E/∂w5"]
    assert "h1 = w1·i1 + w2·i2" in notes["h1"]
    assert "a_h1 = σ(h1)" in notes["a_h1"]
    assert "E1 = ½(t1 − a_o1)²" in notes["E1"]
    assert "w5 − η·∂E/∂w5" in notes["w5"]
    assert all(notes[name] for name in LECTURE_HEADERS)


def test_compare_sheet_table_against_torch(values, formulas, lecture):
    sheet, sheet_formulas = values["Compare"], formulas["Compare"]
    rows = {sheet.cell(r, 1).value: r for r in range(6, 12)}
    for rate in lecture.learning_rates:
        losses = [error for error, _ in reference.trajectory(lecture, rate, lecture.iterations, [
            f"w{k}" for k in range(1, 9)])]
        r = rows[rate]
        assert sheet.cell(r, 2).value == pytest.approx(losses[0], rel=1e-12)
        assert sheet.cell(r, 3).value == pytest.approx(losses[-1], rel=1e-10)
        below = next((i for i, e in enumerate(losses, 1) if e < lecture.threshold), "never")
        assert sheet.cell(r, 4).value == below
    assert sheet["C12"].value == 2.0  # lowest final loss over 201 iterations
    # Plain formulas, no array formulas (which some programs evaluate differently or not at all).
    assert sheet_formulas["C12"].value.startswith("=INDEX(")
    assert sheet_formulas["B6"].value.startswith("=$B$")
    assert sheet_formulas["D6"].value.startswith("=IFERROR(SUMPRODUCT(MATCH(TRUE,")
    # The learning rates are each rate sheet's η cell: editing η there shows here.
    assert [sheet_formulas.cell(r, 1).value for r in range(6, 12)] == [
        f"='lr {rate:g}'!$A$4" for rate in lecture.learning_rates]
    first = compare_first_row(len(lecture.learning_rates)) + 1  # 1-based
    assert sheet_formulas.cell(first, 2).value == "='lr 0.1'!X7"
    assert summarize({0.5: [1, 0.5]}, 0.6).rates[0].reached == 2


def test_compare_chart_is_a_native_chart_with_one_series_per_rate(built, lecture):
    with zipfile.ZipFile(built.workbook) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        xml = archive.read(charts[0]).decode()
    assert xml.count("<c:ser>") == len(lecture.learning_rates)
    assert "iteration" in xml and "E_total (log scale)" in xml and "<c:legend>" in xml


def test_output_is_deterministic(lecture, built, tmp_path):
    again = build(lecture, tmp_path)
    assert again.workbook.read_bytes() == built.workbook.read_bytes()
    assert again.chart.read_bytes() == built.chart.read_bytes()


def test_layer_groups_are_labelled_outlined_and_frozen(formulas):
    sheet = formulas["lr 0.5"]
    groups = [c.value for c in sheet[HEADER_ROW] if c.value]
    assert groups[:4] == ["iteration", "inputs", "targets", "weights into hidden layer"]
    assert "backward: output layer" in groups and "gradients" in groups
    levels = {column: sheet.column_dimensions[column].outlineLevel for column in ["B", "C", "F", "G", "J", "K"]}
    assert levels == {"B": 0, "C": 1, "F": 0, "G": 1, "J": 0, "K": 1}  # each group folds into its first column
    assert [c.value for c in sheet[3]][:4] == ["η (lr)", "i1", "i2", "t1"]
    assert sheet.freeze_panes == "B7"


def _parts(path) -> dict[str, bytes]:
    """Every part of a zip file, unpacked, by name (in the archive's order)."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _both_ways(config, tmp_path, rows=None, shift=0):
    """Write ``config``'s workbook through the row templates and through XlsxWriter's own formula path
    (``fast=False``); returns both files' parts, the rows the templates wrote, the cells stored one by one by
    the fast path and the rows of the tables. ``rows`` replaces the engine's rows (``rows(case, engine_rows)``);
    ``shift`` moves every iteration that many rows further down the rate sheets."""
    from sheetprop.runs import Run
    from sheetprop.workbook.fast import FormulaSheet, RowWriter
    from sheetprop.workbook.writer import write_workbook

    parts, templated, stored = [], [], []
    made = []
    original_writer, original_store = FormulaSheet.row_writer, FormulaSheet.store_formula

    def row_writer(self, *args, **kwargs):
        made.append(original_writer(self, *args, **kwargs))
        return made[-1]

    def store(self, *args):
        stored.append(1)
        return original_store(self, *args)

    for fast in (True, False):
        made.clear()
        stored.clear()
        run = Run.of(config)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(FormulaSheet, "row_writer", row_writer)
            patch.setattr(FormulaSheet, "store_formula", store)
            if rows:
                engine_rows = Run.rows
                patch.setattr(Run, "rows", lambda self, case: rows(case, engine_rows(self, case)))
            if shift:
                patch.setattr(Layout, "row", lambda self, iteration: FIRST_ROW + shift + iteration - 1)
            write_workbook(tmp_path / f"{fast}.xlsx", run, fast=fast)
        parts.append(_parts(tmp_path / f"{fast}.xlsx"))
        templated.append(sum(writer.templated for writer in made))
        if fast:
            cells = len(stored)
    assert templated[1] == 0 and all(isinstance(w, RowWriter) for w in made)
    table_rows = (len(config.cases) + 1) * config.iterations  # the rate sheets' and the Compare sheet's
    return parts, templated[0], cells, table_rows


def _assert_same_parts(parts) -> None:
    fast, own = parts
    assert list(fast) == list(own)
    for name in own:
        assert fast[name] == own[name], name


@pytest.mark.parametrize("hidden, output, loss, rates", [
    ("sigmoid", "sigmoid", "half_sse", [0.1, 2.0]),
    ("tanh", "sigmoid", "bce", [0.5]),
    ("relu", "linear", "mse", [10000.0, 0.01]),  # the large rate overflows: error values in cells
])
def test_row_templates_write_the_same_bytes_as_xlsxwriter_itself(hidden, output, loss, rates, tmp_path):
    from sheetprop import config as configs

    config = configs.parse({
        "name": "same", "layers": [2, 3, 2], "activations": [hidden, output], "loss": loss,
        "inputs": [[0.05, 0.1], [1.0, -2.0]], "targets": [[0.01, 0.99], [0.3, 0.6]], "seed": 3,
        "biases": [[0.1, -0.2, 0.3], [0.0, 0.4]], "train_biases": True, "learning_rates": rates, "iterations": 60})
    parts, templated, cells, table_rows = _both_ways(config, tmp_path)
    _assert_same_parts(parts)
    text = parts[0]["xl/worksheets/sheet2.xml"].decode()
    # A sheet's first row goes cell by cell while its styles have no index yet (XlsxWriter numbers them as its
    # rows go out), and so does a row holding an error value; every other row goes through its template.
    first_rows = len(rates) + 1
    first_cells = len(rates) * len(build_graph(config.network).quantities) + len(rates) + 1
    if hidden == "relu":
        errors = text.count('t="e"') + parts[0]["xl/worksheets/sheet1.xml"].decode().count('t="e"')
        assert 0 < templated < table_rows - first_rows and cells > first_cells and errors > 0
    else:
        assert table_rows - first_rows <= templated < table_rows and 0 < cells <= first_cells
    assert "&gt;" in text or "&lt;" in text or hidden == "relu"  # the comparison in IF is escaped as XlsxWriter does


SPECIAL = st.sampled_from([math.inf, -math.inf, math.nan, 1.7976931348623157e308, -1e300, 5e-324, -5e-324,
                           2.2250738585072014e-308, -0.0, 0.0, 1e16, 1e-7, 123456789.123456789, -1])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(config=networks(), iterations=st.integers(1, 5), big_rate=st.booleans(),
       specials=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 10_000), SPECIAL), max_size=8),
       at_end=st.booleans())
def test_any_network_s_rows_are_the_bytes_xlsxwriter_writes(config, iterations, big_rate, specials, at_end, tmp_path):
    """Every shape of network the strategy draws, with overflowing runs (a huge rate), values that are not
    numbers or are at float's edges put into random cells, and the last iterations on the sheet's last rows."""
    import dataclasses

    from sheetprop.limits import MAX_ROWS

    rates = config.learning_rates + ((1e5,) if big_rate else ())
    config = dataclasses.replace(config, learning_rates=rates, iterations=iterations)

    def rows(case, engine):
        for iteration, row in enumerate(engine):
            row = list(row)
            for at, column, special in specials:
                if at == iteration:
                    row[column % len(row)] = special
            yield row

    for old in tmp_path.glob("*.xlsx"):
        old.unlink()
    shift = MAX_ROWS - FIRST_ROW - iterations if at_end else 0
    parts, templated, cells, table_rows = _both_ways(config, tmp_path, rows, shift)
    _assert_same_parts(parts)
    if iterations >= 3 and not specials and not big_rate:
        assert templated >= iterations - 2  # a sheet's later rows, at least, went through its template
    if shift:
        assert f'<row r="{MAX_ROWS}">'.encode() in parts[0]["xl/worksheets/sheet2.xml"]


def test_a_sheet_past_zips_4_gb_limit_is_written_with_zip64(lecture, tmp_path, monkeypatch):
    # A million rows of the lecture make a sheet part over 4 GB; a lowered limit stands in for it.
    import zipfile

    built = build(lecture, tmp_path / "small")  # under the real limit: no ZIP64 records at all
    with zipfile.ZipFile(built.workbook) as archive:
        assert all(not info.extra for info in archive.infolist())
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 100_000)
    result = build(lecture, tmp_path / "large")
    monkeypatch.undo()
    with zipfile.ZipFile(result.workbook) as archive:
        assert any(info.file_size > 100_000 and info.extra for info in archive.infolist())
    sheet = openpyxl.load_workbook(result.workbook, data_only=True)["lr 1"]
    assert sheet.cell(FIRST_ROW + 201, 24).value == pytest.approx(0.0052074660863154505, rel=1e-12)  # 1-based


@pytest.mark.parametrize("formula, plain", [
    ("=J7-$A$4*AO7", True), ("=1/(1+EXP(-F7))", True), ("='lr 0.5'!X7", True),
    ("=SWITCH(A1,1,2)", False),          # Excel 2019: XlsxWriter prefixes _xlfn.
    ("=XLOOKUP(1,A1:A3,B1:B3)", False),  # and marks it as a dynamic-array formula
    ("=FILTER(A1:A3,A1:A3>0)", False), ("{=SUM(A1:A3*B1:B3)}", False), ("A1+1", False),
])
def test_only_formulas_xlsxwriter_would_leave_unchanged_take_the_fast_path(formula, plain, tmp_path):
    import xlsxwriter

    from sheetprop.workbook.fast import FormulaSheet

    workbook = xlsxwriter.Workbook(str(tmp_path / "vet.xlsx"))
    sheet = workbook.add_worksheet("s", worksheet_class=FormulaSheet)
    assert sheet.rewrite_is_identity([formula]) is plain
    assert (sheet.formula_writer(["=A1", formula]) == sheet.store_formula) is plain
    assert sheet.formula_writer(["=A1"], fast=False) == sheet._write_formula
    workbook.close()


def test_compare_sheet_iterations_start_where_the_row_limit_assumes(formulas, lecture):
    from sheetprop.limits import compare_first_row, max_iterations

    compare = formulas["Compare"]
    first = compare_first_row(len(lecture.learning_rates)) + 1  # 1-based
    assert compare.cell(first - 1, 1).value == "iteration"
    assert compare.cell(first, 1).value == "='lr 0.1'!A7" and compare.cell(first + 200, 1).value == "='lr 0.1'!A207"
    assert first - 1 + max_iterations(len(lecture.learning_rates)) == 1_048_576  # the last iteration: the last row
    assert FIRST_ROW + max_iterations(1) < 1_048_576
