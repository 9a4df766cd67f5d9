"""sheetprop.files: spreadsheet packages read, guarded and written, apart from the judging.

Each case is a file made here for the test (handmade.py's sheets, openpyxl's and XlsxWriter's packages
edited part by part), never a real sheet's content.
"""

from __future__ import annotations

import ast
import importlib
import io
import pkgutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

import handmade
import sheetprop.files
from sheetprop import libreoffice
from sheetprop.files import errors, guard
from sheetprop.libreoffice import recalculate
from sheetprop.verify import verify

ROOT = Path(__file__).resolve().parent.parent
FILES = ROOT / "sheetprop" / "files"


def modules_of_files():
    return [importlib.import_module(f"sheetprop.files.{info.name}") for info in pkgutil.iter_modules(sheetprop.files.__path__)]


def test_files_never_imports_the_judging():
    """Imports run one way: verify reads through files, files knows nothing of verify (nor of grade)."""
    for path in FILES.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert not {name for name in imported if name.startswith(("sheetprop.verify", "sheetprop.grade"))}, path.name


def test_one_family_of_errors():
    """Every exception a file module (and LibreOffice's runner) raises is a FileError defined in errors.py."""
    found = set()
    for module in [*modules_of_files(), libreoffice]:
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, BaseException):
                found.add(value)
                assert value.__module__ == "sheetprop.files.errors", f"{module.__name__}.{name}"
                assert issubclass(value, errors.FileError), f"{module.__name__}.{name}"
    assert {errors.Refused, errors.Unreadable, errors.CannotPatch, errors.FormualizerError, errors.Exhausted} <= found
    for path in [*FILES.glob("*.py"), ROOT / "sheetprop" / "libreoffice.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        classes = [node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
                   and any(getattr(base, "id", "").endswith(("Error", "Exception")) for base in node.bases)]
        assert path.name == "errors.py" or not classes, (path.name, classes)


def test_verify_error_is_the_family():
    """``sheetprop.VerifyError``, which callers already catch, catches every error of a file."""
    import sheetprop

    assert sheetprop.VerifyError is errors.FileError
    with pytest.raises(sheetprop.VerifyError, match="no such file: check the name"):
        sheetprop.verify_sheet(ROOT / "no such sheet.xlsx")


# ------------------------------------------------------------------------------------- files as Excel writes them

SHEET_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
TEMPLATES = {".xltx": b"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
             ".xltm": b"application/vnd.ms-excel.template.macroEnabled.main+xml"}


def rezipped(source: Path, target: Path, edits=None, added=None) -> Path:
    """A copy of the zip ``source`` with parts passed through ``edits`` (name → bytes → bytes) and
    ``added`` (name → bytes) put in."""
    edits, added = edits or {}, added or {}
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in archive.infolist():
            data = archive.read(item)
            out.writestr(item, edits[item.filename](data) if item.filename in edits else data)
        for name, data in added.items():
            out.writestr(name, data)
    return target


@pytest.fixture(scope="module")
def hidden_unit(tmp_path_factory) -> Path:
    """handmade's sheet with the wrong hidden unit's slope in ∂E/∂w3, its values cached by LibreOffice."""
    folder = tmp_path_factory.mktemp("hidden-unit")
    handmade.write_workbook(folder / "book.xlsx", [sheet for sheet in handmade.SHEETS if sheet.title == "hidden unit"])
    return recalculate(folder / "book.xlsx", folder / "lo")


def findings(report):
    return [(f.sheet, f.cell, f.quantity, f.diagnosis) for f in report.findings]


@pytest.mark.parametrize("suffix", TEMPLATES)
def test_an_excel_template_is_read_as_the_workbook_it_is(suffix, hidden_unit, tmp_path):
    """An .xltx (.xltm) is the .xlsx package with another content type for its workbook part."""
    template = rezipped(hidden_unit, tmp_path / f"book{suffix}",
                        {"[Content_Types].xml": lambda xml: xml.replace(SHEET_MAIN, TEMPLATES[suffix])})
    with zipfile.ZipFile(template) as archive:
        assert TEMPLATES[suffix] in archive.read("[Content_Types].xml")
    assert guard.content_problem(template, template.name, streamed=True) is None
    report, plain = verify(template), verify(hidden_unit)
    assert report.status == 1 and not report.notes  # read as it is: no conversion, no recalculation
    assert findings(report) == findings(plain) and [f.cell for f in report.findings] == ["Z6"]


MACRO_WORKBOOK = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"


@pytest.mark.parametrize("suffix, kind", [*TEMPLATES.items(), (".xlsm", MACRO_WORKBOOK)])
def test_a_template_or_macro_workbook_without_values_is_recalculated_by_formualizer(suffix, kind, hidden_unit,
                                                                                     tmp_path):
    """formualizer refuses these content types; it is given the package typed as the workbook it is."""
    made = tmp_path / "made.xlsx"
    handmade.write_workbook(made, [sheet for sheet in handmade.SHEETS if sheet.title == "hidden unit"])
    package = rezipped(made, tmp_path / f"book{suffix}",
                       {"[Content_Types].xml": lambda xml: xml.replace(SHEET_MAIN, kind)})
    report = verify(package)
    assert report.notes == ("its formulas carried no cached values: recalculated with formualizer before judging",)
    assert findings(report) == findings(verify(hidden_unit))


def button_vml(caption: bytes = b"Run<br>") -> bytes:
    """The VML drawing of a form button as XlsxWriter writes it, its caption as Excel writes it (``Run<br>``:
    an HTML line break, so the part is not well-formed XML)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.add_worksheet().insert_button("AH2", {"macro": "run", "caption": "Run"})
    workbook.close()
    with zipfile.ZipFile(buffer) as archive:
        vml = archive.read("xl/drawings/vmlDrawing1.vml")
    assert b">Run</font>" in vml
    return vml.replace(b">Run</font>", b">" + caption + b"</font>")


def with_button(source: Path, target: Path, vml: bytes) -> Path:
    """``source`` with a form button on its first sheet, drawn by ``vml``."""
    rels = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxml'
            b'formats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/vmlDrawing" Target="../drawings/vmlDrawing1.vml"/></Relationships>')
    legacy = (b'<legacyDrawing xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
              b'r:id="rId1"/></worksheet>')
    vml_type = b'<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/></Types>'
    return rezipped(source, target, {"xl/worksheets/sheet1.xml": lambda xml: xml.replace(b"</worksheet>", legacy),
                                     "[Content_Types].xml": lambda xml: xml.replace(b"</Types>", vml_type)},
                    {"xl/drawings/vmlDrawing1.vml": vml, "xl/worksheets/_rels/sheet1.xml.rels": rels})


def test_a_form_button_excel_draws_in_loose_vml_does_not_make_the_file_damaged(hidden_unit, tmp_path):
    vml = button_vml()
    with pytest.raises(ET.ParseError):
        ET.fromstring(vml)  # as Excel writes it: not well-formed
    book = with_button(hidden_unit, tmp_path / "button.xlsx", vml)
    assert guard.content_problem(book, book.name, streamed=True) is None
    assert guard.content_problem(book, book.name) is None  # as an engine would open it, too
    assert findings(verify(book)) == findings(verify(hidden_unit))


@pytest.mark.parametrize("caption, refusal", [
    (b"Run<br><!DOCTYPE x [<!ENTITY e 'e'>]>", "document type declaration"),
    (b"Run<br>" + b"x" * (7 * guard.MAX_TEXT), "characters in one cell or string"),
    (b"Run<br>" + b"<b a='" + b"x" * (7 * guard.MAX_TEXT) + b"'/>", "characters in one cell or string"),
])
def test_a_loose_part_is_still_bounded(caption, refusal, tmp_path):
    """Past the point where a loose part stops being XML, the guard still refuses what it would refuse."""
    made = tmp_path / "made.xlsx"
    workbook = xlsxwriter.Workbook(made)
    workbook.add_worksheet().write(0, 0, "h1")
    workbook.close()
    book = with_button(made, tmp_path / "button.xlsx", button_vml(caption))
    assert refusal in guard.content_problem(book, book.name, streamed=True)


def test_a_part_the_cells_are_read_from_must_be_well_formed(hidden_unit, tmp_path):
    book = rezipped(hidden_unit, tmp_path / "broken.xlsx",
                    {"xl/worksheets/sheet1.xml": lambda xml: xml.replace(b"</sheetData>", b"<br></sheetData>")})
    problem = guard.content_problem(book, book.name)
    assert problem.startswith("broken.xlsx is damaged: its part xl/worksheets/sheet1.xml is not well-formed XML")
    with pytest.raises(errors.Refused, match="is damaged: its part xl/worksheets/sheet1.xml is not well-formed"):
        verify(book)
