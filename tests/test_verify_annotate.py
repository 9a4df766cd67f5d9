"""The annotated copy (`verify --annotate`): the user's package patched, not rewritten.

Each copy is opened by openpyxl and compared cell by cell with the file it was made from: the flagged
cells (the report's) have the red fill, their number format and font, and a comment that names what is
wrong; every other cell keeps its value, formula, fill and comment; every other part (charts, images,
other sheets) is byte for byte the same. LibreOffice opens it and keeps the fills and comments when it
saves it again; openxml-audit finds no error the original does not have.
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment

import handmade
from engines import audit_errors
from sheetprop.files import patch as patching
from sheetprop.libreoffice import convert, recalculate
from sheetprop.verify import verify
from sheetprop.verify.notes import notes
from xlsx_patch import patch_cell

ROOT = Path(__file__).resolve().parent.parent
STUDENT = ROOT / "tests" / "sheets" / "student-BackPropagation.xlsx"
RED = "FFC7CE"


def annotated(source: Path, out: Path):
    """Verify ``source`` with --annotate through the command line; the report (as the library gives it)."""
    run = subprocess.run([sys.executable, "-m", "sheetprop", "verify", str(source), "--annotate", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 1 and run.stderr == "", run.stdout + run.stderr
    return verify(source)


def flagged(report) -> dict[str, set[str]]:
    cells: dict[str, set[str]] = {}
    for finding in report.findings:
        cells.setdefault(finding.sheet, set()).update(finding.cells or (finding.cell,))
    return cells


def compare(source: Path, copy: Path, report, cached_values: bool = True) -> None:
    """Everything openpyxl sees of ``copy`` is ``source``'s, but the flagged cells' fill and comment (and,
    without ``cached_values``, the values formulas cached)."""
    marks = flagged(report)
    before, after = openpyxl.load_workbook(source), openpyxl.load_workbook(copy)
    assert before.sheetnames == after.sheetnames
    for sheet in before.worksheets:
        other, wrong = after[sheet.title], marks.get(sheet.title, set())
        cells = {c.coordinate for row in sheet.iter_rows() for c in row} | wrong
        for at in cells:
            mine, theirs = sheet[at], other[at]
            assert theirs.value == mine.value, at                       # values and formulas
            assert theirs.number_format == mine.number_format, at
            assert same(theirs.font, mine.font) and same(theirs.border, mine.border), at
            if at in wrong:
                assert theirs.fill.fill_type == "solid" and theirs.fill.fgColor.rgb.endswith(RED), at
                assert theirs.comment.text.startswith((mine.comment.text + "\n\n") if mine.comment else "sheetprop verify: ")
            else:
                assert same(theirs.fill, mine.fill), at
                assert (theirs.comment and theirs.comment.text) == (mine.comment and mine.comment.text), at
    cached, kept = openpyxl.load_workbook(source, data_only=True), openpyxl.load_workbook(copy, data_only=True)
    for sheet in cached.worksheets if cached_values else ():  # the cached values too (openpyxl's own copy wrote formulas without them)
        assert all(kept[sheet.title][c.coordinate].value == c.value for row in sheet.iter_rows() for c in row)
    for finding in report.findings:
        for at in finding.cells or (finding.cell,):
            text = after[finding.sheet][at].comment.text
            assert f"sheetprop verify: {finding.quantity}" in text or "learning rate" in text
            assert f"Correct: {finding.correct}" in text


def same(style, other) -> bool:
    """openpyxl's styles as plain data (its cell proxies compare unequal)."""
    return repr(style) == repr(other)  # every attribute, nested colours included


def same_parts(source: Path, copy: Path, changed: set[str]) -> set[str]:
    """Assert that every part of ``source`` outside ``changed`` is in ``copy`` byte for byte; the parts
    the copy adds."""
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(copy) as b:
        assert b.testzip() is None
        for name in a.namelist():
            if name not in changed:
                assert b.read(name) == a.read(name), name
        return set(b.namelist()) - set(a.namelist())


def reopened_by_libreoffice(copy: Path, folder: Path):
    """The copy as LibreOffice saves it again (.xlsx): it opened the file and kept what it understood."""
    return openpyxl.load_workbook(convert(copy, folder, "xlsx"))


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    """A real student's workbook (Excel, with a chart and an image) with h1 in row 100 mistyped."""
    folder = tmp_path_factory.mktemp("student")
    slipped = folder / "slipped.xlsx"
    patch_cell(STUDENT, slipped, "Sheet1", "I100", lambda xml: xml.replace("3.5419960083746302E-2", "0.045"))
    out = folder / "annotated.xlsx"
    return slipped, out, annotated(slipped, out)


def test_a_student_workbook_keeps_everything_but_its_wrong_cells(student):
    slipped, out, report = student
    assert {"I100", "J100"} <= flagged(report)["Sheet1"]
    compare(slipped, out, report)
    added = same_parts(slipped, out, {"[Content_Types].xml", "xl/styles.xml", "xl/worksheets/sheet1.xml",
                                      "xl/worksheets/_rels/sheet1.xml.rels"})
    assert added == {"xl/comments1.xml", "xl/drawings/vmlDrawing1.vml"}
    with zipfile.ZipFile(out) as archive:   # the chart and the image, and the sheet's link to their drawing
        assert {"xl/charts/chart1.xml", "xl/media/image1.png", "xl/drawings/drawing1.xml"} <= set(archive.namelist())
        assert b"../drawings/drawing1.xml" in archive.read("xl/worksheets/_rels/sheet1.xml.rels")


def test_libreoffice_and_openxml_audit_accept_the_copy(student, tmp_path):
    slipped, out, report = student
    again = reopened_by_libreoffice(out, tmp_path)["Sheet1"]
    for at in flagged(report)["Sheet1"]:
        assert again[at].fill.fgColor.rgb.endswith(RED) and again[at].comment.text.startswith("sheetprop verify: ")
    assert again["H100"].comment is None and not again["H100"].fill.fgColor.rgb.endswith(RED)
    assert set(audit_errors(out)) <= set(audit_errors(slipped))


def test_sheetprops_own_workbook_keeps_its_notes_and_chart(tmp_path):
    """sheetprop's own workbook: every rate sheet has notes (comments) of its own and Compare a chart."""
    config = tmp_path / "own.toml"
    text = (ROOT / "examples" / "lecture.toml").read_text()
    config.write_text(re.sub(r"(?m)^iterations = .*$", "iterations = 30", text))
    subprocess.run([sys.executable, "-m", "sheetprop", "build", str(config), "--out", str(tmp_path), "--quiet",
                    "--format", "xlsx"], cwd=ROOT, check=True)
    built = next(tmp_path.glob("*.xlsx"))
    slipped = tmp_path / "slipped.xlsx"
    with zipfile.ZipFile(built) as archive:
        xml = archive.read("xl/worksheets/sheet2.xml").decode()
    cell = re.search(r'<c r="N20" s="\d+"><f>[^<]*</f><v>([^<]*)</v>', xml)
    patch_cell(built, slipped, sheet_title(built, 1), "N20", lambda c: c.replace(f"<v>{cell[1]}</v>", "<v>0.5</v>"))
    out = tmp_path / "annotated.xlsx"
    report = annotated(slipped, out)
    assert "N20" in flagged(report)[sheet_title(built, 1)]
    compare(slipped, out, report)
    added = same_parts(slipped, out, {"[Content_Types].xml", "xl/styles.xml", "xl/worksheets/sheet2.xml",
                                      "xl/comments1.xml", "xl/drawings/vmlDrawing1.vml"})
    assert added == set()  # the sheet's own comments part and drawing took ours
    with zipfile.ZipFile(out) as archive:
        assert "xl/charts/chart1.xml" in archive.namelist()
        vml = archive.read("xl/drawings/vmlDrawing1.vml")
    shapes = re.findall(rb'<v:shape id="_x0000_s(\d+)"', vml)
    assert len(shapes) == len(set(shapes))  # shape ids stay unique
    assert set(audit_errors(out)) <= set(audit_errors(slipped))


def sheet_title(path: Path, index: int) -> str:
    return openpyxl.load_workbook(path, read_only=True).sheetnames[index]


def test_a_comment_already_on_a_wrong_cell_is_kept_above_ours(tmp_path):
    """A hand-made sheet whose user wrote comments, one on a cell that is wrong: theirs stays, ours below."""
    formulas = tmp_path / "formulas.xlsx"
    handmade.write_workbook(formulas, [handmade.SHEETS[0]])
    values = tmp_path / "values.xlsx"
    handmade.values_copy(recalculate(formulas, tmp_path / "lo"), values)
    first = verify(values)
    assert first.findings == ()
    workbook = openpyxl.load_workbook(values)
    sheet = workbook.active
    last = [c for c in list(sheet.iter_rows())[-1] if isinstance(c.value, float)]
    target, plain = last[len(last) // 2], last[len(last) // 2 + 1]   # computed cells of the last row
    target.value, plain.value = target.value + 1.0, plain.value + 1.0
    sheet.cell(target.row, target.column).comment = Comment("my own note on this cell", "me")
    sheet["A1"].comment = Comment("a note elsewhere", "me")
    slipped = tmp_path / "slipped.xlsx"
    workbook.save(slipped)
    out = tmp_path / "annotated.xlsx"
    report = annotated(slipped, out)
    assert {target.coordinate, plain.coordinate} <= flagged(report)[sheet.title]
    compare(slipped, out, report)
    with zipfile.ZipFile(out) as archive:  # openpyxl's own drawing took a shape for each cell without a comment
        assert "xl/drawings/vmlDrawing1.vml" not in archive.namelist()
        shape = re.compile(rb"<(?:\w+:)?shape[\s>]")   # openpyxl writes ns0:shape, XlsxWriter v:shape
        before = len(shape.findall(zipfile.ZipFile(slipped).read("xl/drawings/commentsDrawing1.vml")))
        shapes = len(shape.findall(archive.read("xl/drawings/commentsDrawing1.vml")))
    assert before == 2 and shapes == before + len(flagged(report)[sheet.title]) - 1  # the target had its own
    after = openpyxl.load_workbook(out).active
    assert after[target.coordinate].comment.text.startswith("my own note on this cell\n\nsheetprop verify: ")
    assert after["A1"].comment.text == "a note elsewhere"
    again = reopened_by_libreoffice(out, tmp_path / "again").active
    assert "my own note on this cell" in again[target.coordinate].comment.text
    assert "sheetprop verify" in again[target.coordinate].comment.text
    assert again[plain.coordinate].comment.text.startswith("sheetprop verify: ")
    assert again["A1"].comment.text == "a note elsewhere"


# ---------------------------------------------------------------------------------------- the sheet, streamed

SHEET = """<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment that mentions <x:c r="B2" s="9"> -->
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<x:cols><x:col min="3" max="3" style="4"/></x:cols>
<x:sheetData>
<x:row r="1"><x:c r="A1" s="1"><x:v>1</x:v></x:c><x:c r='B1' t="inlineStr"><x:is><x:t><![CDATA[<x:c r="C1">]]></x:t></x:is></x:c></x:row>
<x:row r="2" spans="1:3"><x:c r="A2"/><x:c r="B2" s="2" t="n" ><x:v>2</x:v></x:c></x:row
>
<x:row r="4"/>
<x:row r="6"><x:c r="A6"><x:v>6</x:v></x:c></x:row

  >
</x:sheetData
>
<x:pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>
<x:conditionalFormatting sqref="A1"><x:cfRule type="dataBar" priority="1"><x:extLst><x:ext uri="u"/></x:extLst></x:cfRule></x:conditionalFormatting>
<x:tableParts count="0"/>
</x:worksheet>"""
M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


class FakeStyles:
    """Format k restyled to 100 + k: what the sheet's patch asks of the styles, seen from outside."""

    def restyle(self, style):
        return b"%d" % (100 + int(style or b"0"))


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
def test_a_sheet_streamed_in_any_chunks_restyles_and_inserts_the_flagged_cells(chunk, monkeypatch):
    """A prefixed namespace, self-closing cells and rows, a CDATA section and a comment that look like
    cells, flagged cells the sheet does not hold (in a row it holds, an empty row, rows it lacks), and
    the legacy drawing placed before tableParts, not inside cfRule's extLst, and a page setup printing the
    comments before both; whatever the chunk size."""
    import io

    monkeypatch.setattr(patching, "CHUNK", chunk)
    flagged_cells = {(1, 1), (2, 1), (2, 2), (2, 3), (3, 2), (4, 1), (5, 5), (7, 3)}
    out = io.BytesIO()
    sheet = patching.SheetPatch(FakeStyles(), flagged_cells, "rId9")
    sheet.run(io.BytesIO(SHEET.encode()), out.write)
    tree, original = ET.fromstring(out.getvalue()), ET.fromstring(SHEET.encode())
    cells = {c.get("r"): c.get("s") for c in tree.iter(M + "c")}
    assert cells == {"A1": "101", "B1": None, "A2": "100", "B2": "102", "C2": "104", "B3": "100", "A4": "100",
                     "E5": "100", "A6": None, "C7": "104"}
    rows = [int(r.get("r")) for r in tree.iter(M + "row")]
    assert rows == [1, 2, 3, 4, 5, 6, 7]
    for row in tree.iter(M + "row"):   # cells in column order, each in its own row
        columns = [c.get("r") for c in row]
        assert columns == sorted(columns, key=lambda a: (len(a), a)) and all(a.endswith(row.get("r")) for a in columns)
    children = [child.tag.replace(M, "") for child in tree]
    assert children == ["cols", "sheetData", "pageMargins", "conditionalFormatting", "pageSetup", "legacyDrawing",
                        "tableParts"]
    assert tree.find(M + "pageSetup").attrib == {"cellComments": "atEnd"}
    assert tree.find(M + "legacyDrawing").get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id") == "rId9"
    assert tree.find(f"{M}sheetData/{M}row/{M}c/{M}is/{M}t").text == '<x:c r="C1">'
    assert sheet.legacy is None
    # Apart from what was asked, the XML is the same.
    for element in list(tree.iter()):
        for child in list(element):
            if child.tag in (M + "legacyDrawing", M + "pageSetup") or (child.tag == M + "c" and child.get("r") in
                                                    {"C2", "B3", "A4", "E5", "C7"}):
                element.remove(child)
            elif child.tag == M + "row" and child.get("r") in ("3", "5", "7"):
                element.remove(child)
    for element in tree.iter(M + "c"):
        if element.get("r") in ("A1", "B2"):
            element.set("s", str(int(element.get("s")) - 100))
        elif element.get("r") == "A2":
            del element.attrib["s"]
    assert ET.tostring(tree) == ET.tostring(original)


def test_a_sheet_with_a_legacy_drawing_keeps_it_and_names_it():
    import io

    xml = SHEET.replace('<x:tableParts count="0"/>', '<x:legacyDrawing xmlns:r="rels" r:id="rId4"/>')
    out = io.BytesIO()
    sheet = patching.SheetPatch(FakeStyles(), {(1, 1)}, None)
    sheet.run(io.BytesIO(xml.encode()), out.write)
    assert sheet.legacy == "rId4" and out.getvalue().count(b"legacyDrawing") == 1


# ---------------------------------------------------------------------------------------- openpyxl, where patching stops

def test_a_macro_enabled_workbook_is_annotated_by_openpyxl(student, tmp_path):
    """An .xlsm's copy must be a plain .xlsx (Excel refuses a macro-enabled package named .xlsx): patching
    stops before it keeps anything and openpyxl writes the copy, without the macros."""
    slipped, _, report = student
    macros = tmp_path / "macros.xlsm"
    with zipfile.ZipFile(slipped) as source, zipfile.ZipFile(macros, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
                data = data.replace(b"application/vnd.openxmlformats-officedocument.ms-excel",
                                    b"application/vnd.ms-excel")
            out.writestr(info, data)
    with pytest.raises(patching.CannotPatch, match="macro-enabled"):
        patching.patch(macros, tmp_path / "unused.xlsx", notes(report), RED, macros.name)
    out = tmp_path / "annotated.xlsx"
    annotated(macros, out)
    with zipfile.ZipFile(out) as archive:
        assert b"macroEnabled" not in archive.read("[Content_Types].xml")
    compare(slipped, out, report, cached_values=False)   # openpyxl writes formulas without their values
    assert not list(tmp_path.glob(".annotated.xlsx*"))


def test_an_empty_sheet_data_gets_the_flagged_rows_and_the_drawing_before_the_sheet_closes():
    import io

    xml = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData />'
           '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>')
    out = io.BytesIO()
    patching.SheetPatch(FakeStyles(), {(2, 2), (2, 1), (9, 3)}, "rId1").run(io.BytesIO(xml.encode()), out.write)
    tree = ET.fromstring(out.getvalue())
    assert [(row.get("r"), [(c.get("r"), c.get("s")) for c in row]) for row in tree.iter(M + "row")] == [
        ("2", [("A2", "100"), ("B2", "100")]), ("9", [("C9", "100")])]
    assert [child.tag.replace(M, "") for child in tree] == ["sheetData", "pageMargins", "pageSetup", "legacyDrawing"]


STYLES = """<s:styleSheet xmlns:s="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<s:numFmts count="1"><s:numFmt numFmtId="164" formatCode="0.000"/></s:numFmts>
<s:fills count="1"><s:fill><s:patternFill patternType="none"/></s:fill></s:fills>
<s:cellStyleXfs count="1"><s:xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></s:cellStyleXfs>
<s:cellXfs count="2"><s:xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<s:xf numFmtId="164" fontId="1" fillId="0" borderId="2" xfId="0" applyNumberFormat="1"><s:alignment wrapText="1"/></s:xf>
</s:cellXfs>
<s:dxfs count="1"><s:dxf><s:fill><s:patternFill><s:bgColor rgb="FF00FF00"/></s:patternFill></s:fill></s:dxf></s:dxfs>
</s:styleSheet>"""


def test_styles_gain_the_fill_and_a_filled_copy_of_each_format_used():
    """A prefixed styles part with one fill (Excel's two first fills are none and gray125, so they are
    added before ours), a format with children, and a dxf fill that is not a cell fill."""
    styles = patching.Styles(STYLES.encode(), RED)
    assert styles.restyle(b"1") == b"2" and styles.restyle(None) == b"3" and styles.restyle(b"1") == b"2"
    tree = ET.fromstring(styles.render())
    fills = tree.find(M + "fills")
    assert fills.get("count") == "3" and len(fills) == 3
    assert [f[0].get("patternType") for f in fills] == ["none", "gray125", "solid"]
    assert fills[2][0][0].get("rgb") == "FF" + RED
    formats = tree.find(M + "cellXfs")
    assert formats.get("count") == "4" and len(formats) == 4
    for new, old in ((formats[2], formats[1]), (formats[3], formats[0])):
        assert new.attrib == {**old.attrib, "fillId": "2", "applyFill": "1"}
        assert [ET.tostring(child) for child in new] == [ET.tostring(child) for child in old]
    assert len(tree.find(M + "dxfs")[0]) == 1 and tree.find(M + "cellStyleXfs").get("count") == "1"


# ---------------------------------------------------------------------------------------- the sheet's own format, printed

ODS = b"application/vnd.oasis.opendocument.spreadsheet"


@pytest.fixture(scope="module")
def hidden_unit(tmp_path_factory):
    """handmade's sheet with the wrong hidden unit's slope in ∂E/∂w3: as .xlsx with values, and as .ods."""
    folder = tmp_path_factory.mktemp("own-format")
    handmade.write_workbook(folder / "book.xlsx", [sheet for sheet in handmade.SHEETS if sheet.title == "hidden unit"])
    xlsx = recalculate(folder / "book.xlsx", folder / "lo")
    return xlsx, convert(xlsx, folder / "ods", "ods")


def printed_text(copy: Path, folder: Path) -> str:
    """The text of ``copy`` as LibreOffice prints it (to PDF)."""
    pdf = convert(copy, folder, "pdf")
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_an_ods_is_annotated_as_an_ods_whose_comments_print(hidden_unit, tmp_path):
    _, ods = hidden_unit
    out = tmp_path / "annotated.ods"
    report = annotated(ods, out)
    assert flagged(report) == {"hidden unit": {f"Z{row}" for row in range(6, 14)}}
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist()[0] == "mimetype" and archive.read("mimetype") == ODS
        assert archive.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        layouts = re.findall(rb"<style:page-layout-properties\b[^>]*>", archive.read("styles.xml"))
    assert layouts and all(re.search(rb'style:print="[^"]*\bannotations\b', tag) for tag in layouts)
    again = reopened_by_libreoffice(out, tmp_path / "again")["hidden unit"]
    for at in flagged(report)["hidden unit"]:
        assert again[at].fill.fgColor.rgb.endswith(RED) and again[at].comment.text.startswith("sheetprop verify: ")
    assert again["Y6"].comment is None
    printed = printed_text(out, tmp_path / "pdf")
    assert printed.count("sheetprop verify: ∂E/∂w3 is wrong here") == 8  # each comment, on the printed pages
    assert "Likely slip: a_h1·(1 − a_h1) where a_h2·(1 − a_h2) belongs" in printed
    assert not list(tmp_path.glob(".annotated.ods*"))


def test_an_xlsx_copy_tells_excel_to_print_its_comments_at_the_end(hidden_unit, tmp_path):
    xlsx, _ = hidden_unit
    out = tmp_path / "annotated.xlsx"
    annotated(xlsx, out)
    assert openpyxl.load_workbook(out)["hidden unit"].page_setup.cellComments == "atEnd"
    assert set(audit_errors(out)) <= set(audit_errors(xlsx))  # the attribute where the schema has it


@pytest.mark.parametrize("tail, expected", [
    # LibreOffice's page setup, the attribute rewritten in place
    ('<pageSetup paperSize="9" cellComments="none" copies="1"/><headerFooter/>',
     '<pageSetup paperSize="9" cellComments="atEnd" copies="1"/><headerFooter/>'),
    ('<pageMargins left="0.7"/><pageSetup orientation="landscape"/>',
     '<pageMargins left="0.7"/><pageSetup cellComments="atEnd" orientation="landscape"/>'),
    # none: one where the schema puts it, before what follows it
    ('<pageMargins left="0.7"/><headerFooter/><drawing r:id="rId1"/>',
     '<pageMargins left="0.7"/><pageSetup cellComments="atEnd"/><headerFooter/><drawing r:id="rId1"/>'),
    ('<pageMargins left="0.7"/><tableParts count="0"/>',
     '<pageMargins left="0.7"/><pageSetup cellComments="atEnd"/><tableParts count="0"/>'),
    ("", '<pageSetup cellComments="atEnd"/>'),
])
def test_the_patched_sheet_prints_its_comments_at_the_end(tail, expected):
    import io

    class FakeStyles:
        def restyle(self, style):
            return b"7"

    xml = (f'<worksheet xmlns="{patching.MAIN.decode()}" xmlns:r="{patching.RELATIONSHIPS}">'
           f'<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>{tail}</worksheet>')
    out = io.BytesIO()
    patching.SheetPatch(FakeStyles(), {(1, 1)}, None).run(io.BytesIO(xml.encode()), out.write)
    assert out.getvalue().decode().endswith(expected + "</worksheet>")


@pytest.mark.parametrize("suffix, kind", [(".xltx", b"template"), (".xlsx", b"sheet")])
def test_a_template_is_annotated_as_a_template_or_as_a_workbook(suffix, kind, hidden_unit, tmp_path):
    xlsx, _ = hidden_unit
    template = tmp_path / "book.xltx"
    with zipfile.ZipFile(xlsx) as source, zipfile.ZipFile(template, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            out.writestr(info, data.replace(b"spreadsheetml.sheet.main", b"spreadsheetml.template.main"))
    out = tmp_path / f"annotated{suffix}"
    annotated(template, out)
    with zipfile.ZipFile(out) as archive:
        types = archive.read("[Content_Types].xml")
    assert b"spreadsheetml.%s.main+xml" % kind in types and types.count(b".main+xml") == 1
    assert openpyxl.load_workbook(out)["hidden unit"]["Z6"].comment.text.startswith("sheetprop verify: ")


@pytest.mark.parametrize("source, out, refusal", [
    ("sheet.xlsx", "copy.xlsx", None), ("sheet.ods", "copy.ods", None), ("sheet.ods", "copy.xlsx", None),
    ("sheet.fods", "copy.fods", None), ("sheet.xltx", "copy.xltx", None), ("sheet.xlsm", "copy.xlsx", None),
    ("sheet.xlsx", "copy.ods", "copy.ods: the annotated copy of sheet.xlsx is written as .xlsx; name it so, "
                               "e.g. copy.xlsx"),
    ("sheet.xlsm", "copy.xlsm", "the annotated copy of sheet.xlsm is written as .xlsx"),  # never with macros
    ("sheet.ods", "copy.pdf", "copy.pdf: the annotated copy of sheet.ods is written as .ods or .xlsx; name it one "
                              "of them, e.g. copy.ods"),
    ("sheet.xls", "copy.xls", "is written as .xlsx"),
])
def test_the_copy_is_written_as_the_sheets_own_kind_or_as_xlsx(source, out, refusal, tmp_path):
    from sheetprop.files.annotate import check_target
    from sheetprop.files.errors import Refused

    if refusal is None:
        check_target(tmp_path / source, tmp_path / out)
    else:
        with pytest.raises(Refused, match=re.escape(refusal)):
            check_target(tmp_path / source, tmp_path / out)


def test_a_copy_libreoffice_cannot_write_keeps_the_report_and_exits_3(hidden_unit, tmp_path, monkeypatch, capsys):
    from sheetprop import cli, libreoffice
    from sheetprop.files.errors import LibreOfficeError

    _, ods = hidden_unit

    def failing(*_, **__):
        raise LibreOfficeError("LibreOffice could not convert annotated.xlsx: no space left")

    monkeypatch.setattr(libreoffice, "convert", failing)  # the copy's conversion; the reading has its own
    out = tmp_path / "annotated.ods"
    assert cli.main(["verify", str(ods), "--annotate", str(out)]) == 3
    printed = capsys.readouterr()
    assert "∂E/∂w3" in printed.out
    assert printed.err.strip() == (f"sheetprop: error: the report above stands, but the annotated copy {out} could not "
                                   "be written: LibreOffice could not convert annotated.xlsx: no space left")
    assert list(tmp_path.iterdir()) == []
