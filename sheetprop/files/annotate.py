"""A copy of the user's workbook with every wrong cell highlighted and a comment saying why, in the
sheet's own format (an .ods stays an .ods) or as .xlsx, its comments printed where the format allows.

The copy is the user's file patched part by part (patch.py: streaming, in bounded memory, charts, images
and the sheet's own comments kept); openpyxl writes it only for a package patch.py leaves alone (a
macro-enabled or Strict workbook, styles without fills), loading the workbook whole and dropping what
openpyxl does not keep (charts, images). An OpenDocument copy is that .xlsx converted by LibreOffice.

Comments print at the end of the sheet's pages: an .xlsx says so to Excel in each annotated sheet's page
setup (``cellComments="atEnd"``; LibreOffice does not read it), an OpenDocument file in its page styles
(``style:print`` with ``annotations``; LibreOffice prints them).
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path

from sheetprop import palette
from sheetprop.atomic import replacing
from sheetprop.files.errors import CannotPatch, Refused
from sheetprop.files.patch import patch
from sheetprop.files.read import Book

FILL = palette.WRONG_TINT.lstrip("#")  # the light red of spreadsheet "bad" cells
OOXML = (".xlsx", ".xltx")            # written by patching the package
OPENDOCUMENT = (".ods", ".fods")      # that .xlsx converted by LibreOffice
PAGE_LAYOUT = re.compile(rb"<style:page-layout-properties\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
PRINT = re.compile(rb"""\sstyle:print\s*=\s*(["'])([^"']*)\1""")


def kinds(source: Path) -> tuple[str, ...]:
    """What the annotated copy of ``source`` may be written as: its own kind where sheetprop writes it
    (an annotated copy is never macro-enabled, and an old .xls is copied as .xlsx), and .xlsx.

    >>> kinds(Path("sheet.ods")), kinds(Path("sheet.xlsm")), kinds(Path("t.XLTX"))
    (('.ods', '.xlsx'), ('.xlsx',), ('.xltx', '.xlsx'))
    """
    own = source.suffix.lower()
    return (own, ".xlsx") if own in OOXML[1:] + OPENDOCUMENT else (".xlsx",)


def check_target(source: Path, out) -> None:
    """Refuse an annotated copy that could not be written, or would overwrite the sheet being verified."""
    out = Path(out)
    allowed = kinds(source)
    if out.is_dir():
        raise Refused(f"{out} is a folder: name the annotated copy, e.g. {out / ('annotated' + allowed[0])}")
    if out.suffix.lower() not in allowed:
        named = " or ".join(allowed)
        raise Refused(f"{out.name}: the annotated copy of {source.name} is written as {named}; name it "
                      f"{'so' if len(allowed) == 1 else 'one of them'}, e.g. {out.stem}{allowed[0]}")
    if out.exists() and source.exists() and out.samefile(source):
        raise Refused(f"{out.name}: the annotated copy would overwrite the sheet being verified; name another file")


def annotate(book: Book, marks: dict[str, dict[tuple[int, int], str]], out) -> Path:
    """Write ``out`` (.xlsx, or the sheet's own kind: see ``kinds``): the workbook as read, each marked cell
    (sheet title → (row, column) → note) filled and commented."""
    out = Path(out)
    check_target(book.path, out)
    # The file as the user wrote it (formulas kept), or LibreOffice's xlsx of an .ods.
    source = book.xlsx if book.converted else book.path
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix in OOXML:
        with replacing(out) as part:
            _xlsx(source, part, marks, book.path.name, template=suffix == ".xltx")
        return out
    from sheetprop.libreoffice import convert

    with tempfile.TemporaryDirectory(prefix="sheetprop-annotate-") as folder:
        xlsx = Path(folder) / f"{out.stem}.xlsx"
        _xlsx(source, xlsx, marks, book.path.name)
        converted = convert(xlsx, Path(folder) / "converted", suffix[1:], untrusted=True)
        with replacing(out) as part:
            printing_notes(converted, part)
    return out


def _xlsx(source: Path, out: Path, marks, name: str, template: bool = False) -> None:
    try:
        patch(source, out, marks, FILL, name, template=template)
    except CannotPatch:
        with_openpyxl(source, out, marks, template=template)


def with_openpyxl(source: Path, out: Path, marks: dict[str, dict[tuple[int, int], str]],
                  template: bool = False) -> None:
    """The copy as openpyxl writes it: the whole workbook loaded, charts, images and macros lost."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    workbook = openpyxl.load_workbook(source)
    workbook.template = template
    fill = PatternFill("solid", fgColor=FILL)
    for title, cells in marks.items():
        sheet = workbook[title]
        sheet.page_setup.cellComments = "atEnd"
        for (row, column), text in cells.items():
            cell = sheet.cell(row, column)
            cell.fill = fill
            cell.comment = Comment(text, "sheetprop", width=420, height=160)
    workbook.save(out)


def printing_notes(source: Path, out: Path) -> None:
    """Copy the OpenDocument file ``source`` (.ods, or a flat .fods) to ``out`` with every page style set to
    print the comments (``annotations`` in its ``style:print``)."""
    if not zipfile.is_zipfile(source):
        out.write_bytes(print_annotations(source.read_bytes()))
        return
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(out, "w") as copy:
        for info in archive.infolist():  # mimetype first and stored, as it came
            data = archive.read(info)
            copy.writestr(info, print_annotations(data) if info.filename == "styles.xml" else data)


def print_annotations(xml: bytes) -> bytes:
    """``xml`` with each page layout's ``style:print`` holding ``annotations``.

    >>> print_annotations(b'<style:page-layout-properties style:print="charts zero-values"/>')
    b'<style:page-layout-properties style:print="annotations charts zero-values"/>'
    >>> print_annotations(b'<style:page-layout-properties fo:margin="0"/>')
    b'<style:page-layout-properties style:print="annotations charts drawings objects zero-values" fo:margin="0"/>'
    """
    def one(match: re.Match) -> bytes:
        tag = match[0]
        found = PRINT.search(tag)
        if found is None:  # ODF's default, and the comments
            name_end = len(b"<style:page-layout-properties")
            return tag[:name_end] + b' style:print="annotations charts drawings objects zero-values"' + tag[name_end:]
        if b"annotations" in found[2].split():
            return tag
        return tag[:found.start(2)] + b"annotations " + found[2] + tag[found.end(2):]
    return PAGE_LAYOUT.sub(one, xml)
