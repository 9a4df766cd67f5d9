"""sheetprop verify on broken and hostile files, each made here (bytes, zipfile, openpyxl).

A file that cannot be read gets one line on stderr naming the problem and the fix, exit status 2, no
traceback and no annotated copy; a sheet with text or error values where numbers belong is judged and
those cells reported (exit status 1). Every run must end within a generous time, and the zip bomb and
the sheet of millions of cells within a bounded memory, measured in the child itself.
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.protection import WorkbookProtection

import handmade
from sheetprop.files import guard
from sheetprop.libreoffice import recalculate
from sheetprop.verify import VerifyError, verify
from xlsx_patch import patch_cell

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 60        # generous: a hang or a quadratic blow-up is what this catches, not a slow machine
MB = 1024 * 1024
CFB = bytes.fromhex("D0CF11E0A1B11AE1")

# The CLI in a child that writes its own peak memory (KB) to a file on the way out: VmHWM, the peak of
# its own address space (ru_maxrss would carry over the peak of the pytest process it was forked from).
WRAPPER = """
import re, sys
from sheetprop.cli import main
status = main(sys.argv[2:])
with open("/proc/self/status") as status_file, open(sys.argv[1], "w") as out:
    out.write(re.search(r"VmHWM:\\s*(\\d+) kB", status_file.read()).group(1))
sys.exit(status)
"""


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float | None


def sheetprop(*args, tmp: Path) -> Run:
    peak = tmp / "peak-kb"
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-c", WRAPPER, str(peak), *map(str, args)], capture_output=True,
                            text=True, cwd=ROOT, timeout=4 * SECONDS)
    seconds = time.monotonic() - start
    peak_mb = int(peak.read_text()) / 1024 if peak.exists() else None
    peak.unlink(missing_ok=True)
    return Run(result.returncode, result.stdout, result.stderr, seconds, peak_mb)


def refused(path: Path, tmp: Path) -> tuple[str, Run]:
    """Run verify with --annotate; assert the one-line refusal, and return its message."""
    out = tmp / "annotated.xlsx"
    run = sheetprop("verify", path, "--annotate", out, tmp=tmp)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sheetprop: error: "), run.stderr
    assert not out.exists() and not list(tmp.glob(".annotated.xlsx*")), "an annotated copy was left behind"
    assert run.seconds < SECONDS, run.seconds
    return lines[0].removeprefix("sheetprop: error: "), run


def judged(path: Path, tmp: Path, *args) -> Run:
    """Run verify on a sheet that must be judged (exit 0 or 1): no error, no traceback."""
    run = sheetprop("verify", path, *args, tmp=tmp)
    assert run.returncode in (0, 1), run.stdout + run.stderr
    assert run.stderr == "", run.stderr
    assert run.seconds < SECONDS, run.seconds
    return run


# ---------------------------------------------------------------------------------------- files

@pytest.fixture(scope="module")
def correct(tmp_path_factory):
    """A correct hand-made sheet: with formulas and the values LibreOffice cached, and values only."""
    folder = tmp_path_factory.mktemp("correct")
    formulas = folder / "formulas.xlsx"
    handmade.write_workbook(formulas, [handmade.SHEETS[0]])
    recalculated = recalculate(formulas, folder / "lo")
    values = folder / "values.xlsx"
    handmade.values_copy(recalculated, values)
    return {"formulas": recalculated, "values": values}


def edited(source: Path, target: Path, edit) -> Path:
    """A copy of ``source`` with ``edit(worksheet)`` applied by openpyxl."""
    workbook = openpyxl.load_workbook(source)
    edit(workbook.active)
    workbook.save(target)
    return target


def rewritten(source: Path, target: Path, part: str, write) -> Path:
    """A copy of the zip ``source`` whose member ``part`` is replaced by what ``write(stream)`` writes,
    streamed in, so that a part of gigabytes never sits in memory."""
    with zipfile.ZipFile(source) as archive, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for item in archive.infolist():
            if item.filename == part:
                with out.open(part, "w", force_zip64=True) as stream:
                    write(stream)
            else:
                out.writestr(item.filename, archive.read(item))
    return target


SHEET_OPEN = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
              b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_CLOSE = b"</sheetData></worksheet>"


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (version 3, 512-byte sectors) holding up to three ``streams``:
    sector 0 the FAT, sector 1 the directory, then each stream padded to 4,096 bytes (so none goes to
    the mini stream). Encrypted workbooks are such files, with streams EncryptionInfo and EncryptedPackage."""
    sector, end, free, fat_sector, none = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    fat, data, placed = [fat_sector, end], b"", []
    for body in streams.values():
        padded = body.ljust(max(4096, -(-len(body) // sector) * sector), b"\0")
        start, count = len(fat), len(padded) // sector
        fat += [*range(start + 1, start + count), end]
        placed.append((start, len(body)))
        data += padded
    assert len(fat) <= 128 and len(streams) <= 3

    def entry(name: str, kind: int, right=none, child=none, start=end, size=0) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBBIII", len(raw), kind, 1, none, right, child)
                + bytes(36) + struct.pack("<IQ", start, size))

    names = list(streams)
    # Siblings as a chain of right links, in the directory's order: by length, then by upper case.
    order = sorted(range(len(names)), key=lambda i: (len(names[i]), names[i].upper()))
    right = {order[i]: order[i + 1] + 1 for i in range(len(order) - 1)}
    directory = entry("Root Entry", 5, child=order[0] + 1)
    for i, name in enumerate(names):
        directory += entry(name, 2, right=right.get(i, none), start=placed[i][0], size=placed[i][1])
    directory = directory.ljust(4 * 128, b"\0")
    header = (CFB + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0) + struct.pack("<109I", 0, *[free] * 108))
    return header + struct.pack("<128I", *fat, *[free] * (128 - len(fat))) + directory + data


def encrypted_workbook() -> bytes:
    """What Excel writes for a workbook saved with a password to open (the encryption itself is noise here)."""
    info = struct.pack("<HHI", 4, 4, 0x40) + (b'<?xml version="1.0"?><encryption xmlns='
                                              b'"http://schemas.microsoft.com/office/2006/encryption"/>')
    return compound_file({"EncryptionInfo": info, "EncryptedPackage": struct.pack("<Q", 9000) + os.urandom(9008)})


# ---------------------------------------------------------------------------------------- unreadable files

def test_not_a_zip_named_xlsx(tmp_path):
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"h1;a_h1;w1\n0.1;0.5;0.15\n" * 40)
    message, _ = refused(path, tmp_path)
    assert message == ("sheet.xlsx cannot be read as a spreadsheet: it holds no zip archive, as every .xlsx does "
                       "(damaged, or another kind of file renamed?): open it in your spreadsheet program, save it "
                       "as .xlsx and verify that")


def test_a_file_name_with_a_line_break_stays_one_line(tmp_path):
    path = tmp_path / "my\nsheet.xlsx"
    path.write_bytes(os.urandom(1000))
    message, _ = refused(path, tmp_path)
    assert message.startswith("my sheet.xlsx cannot be read as a spreadsheet")


def test_truncated_workbook(correct, tmp_path):
    whole = correct["values"].read_bytes()
    path = tmp_path / "half.xlsx"
    path.write_bytes(whole[:len(whole) // 2])
    message, _ = refused(path, tmp_path)
    assert message == ("half.xlsx is damaged: its zip archive is broken (cut short; an interrupted save or "
                       "download?): save or download it again and verify that")


def test_a_part_damaged_inside_the_zip(correct, tmp_path):
    """The directory intact, a sheet's compressed bytes overwritten: caught while its XML is counted."""
    data = bytearray(correct["values"].read_bytes())
    with zipfile.ZipFile(correct["values"]) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    start = sheet.header_offset + 30 + len(sheet.filename) + 40
    data[start:start + 200] = bytes(200)
    path = tmp_path / "scribbled.xlsx"
    path.write_bytes(bytes(data))
    message, _ = refused(path, tmp_path)
    assert message.startswith("scribbled.xlsx is damaged: its zip archive is broken (")
    assert message.endswith("save or download it again and verify that")


@pytest.fixture(scope="module")
def zip_bomb(correct, tmp_path_factory):
    """The correct workbook with its sheet swapped for 1 GiB of '<row/>', streamed in: about 1 MB on disk."""
    piece = b"<row/>" * (MB // 6)

    def write(stream):
        stream.write(SHEET_OPEN)
        for _ in range(1024 * MB // len(piece)):
            stream.write(piece)
        stream.write(SHEET_CLOSE)
    target = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    return rewritten(correct["values"], target, "xl/worksheets/sheet1.xml", write)


def test_zip_bomb_refused_before_inflating(zip_bomb, tmp_path):
    assert zip_bomb.stat().st_size < 2 * MB
    message, run = refused(zip_bomb, tmp_path)
    packed = zip_bomb.stat().st_size
    assert message == (f"bomb.xlsx would unpack to 1,024 MB, {1024 * MB / packed:,.0f} times its size on disk, where a "
                       "workbook's XML packs 4 to 10 times (a zip bomb?): copy the exercise's table into a new "
                       "workbook and verify that")
    assert run.peak_mb is not None and run.peak_mb < 250, run.peak_mb  # a gigabyte was never inflated


def test_millions_of_empty_cells_cost_nothing(correct, tmp_path):
    """Three million empty cells: 12 MB of XML that openpyxl would build an object for each of (about
    1 GB); the streaming reader keeps nothing of them, and says what the sheet holds."""
    row = b"<row>" + b"<c/>" * 1000 + b"</row>"

    def write(stream):
        stream.write(SHEET_OPEN)
        for _ in range(3000):
            stream.write(row)
        stream.write(SHEET_CLOSE)
    path = rewritten(correct["values"], tmp_path / "cells.xlsx", "xl/worksheets/sheet1.xml", write)
    message, run = refused(path, tmp_path)
    assert message == ("cells.xlsx holds no cells at all (every sheet is empty): is it the file you meant? save your "
                       "work and verify the saved file")
    assert run.peak_mb is not None and run.peak_mb < 250, run.peak_mb


def test_a_tag_of_megabytes_is_refused_as_it_streams(correct, tmp_path):
    """expat holds a whole tag in memory, and a streamed worksheet may unpack to gigabytes: no tag or text
    may run over 1 MB (a cell's longest text, escaped, is a third of that)."""
    def write(stream):
        stream.write(SHEET_OPEN)
        stream.write(b'<row r="1"><c r="A1" x="' + b"y" * (8 * MB) + b'"><v>1</v></c></row>')
        stream.write(SHEET_CLOSE)
    path = rewritten(correct["values"], tmp_path / "tag.xlsx", "xl/worksheets/sheet1.xml", write)
    message, run = refused(path, tmp_path)
    assert message == ("tag.xlsx holds a tag or a text of over 1 MB, more than a cell holds: copy the exercise's table "
                       "into a new workbook and verify that")
    assert run.peak_mb is not None and run.peak_mb < 250, run.peak_mb


@pytest.mark.parametrize("limit, cells, expected", [
    ("MAX_SHEET_CELLS", lambda: [1.5] * 2000, "claims over 1,000 cells with content in one sheet"),
    ("MAX_CELLS", lambda: ["text"] * 2000, "claims over 1,000 cells of text in one sheet"),
    ("MAX_KEPT", lambda: [f"=ROW()*{k}" for k in range(2000)],
     "holds over 1,000 characters of text and distinct formulas in one sheet"),
])
def test_a_sheet_over_what_the_reader_keeps_is_refused_as_it_is_read(correct, tmp_path, monkeypatch, limit,
                                                                      cells, expected):
    """The streaming reader's own limits (cells with content, cells of text, characters of text and distinct
    formulas in one sheet), lowered to 1,000 here: the sheet is refused as soon as it passes one."""
    def edit(sheet):
        for k, value in enumerate(cells()):
            sheet.cell(100 + k, 60, value)
    path = edited(correct["values"], tmp_path / "many.xlsx", edit)
    monkeypatch.setattr(guard, limit, 1000)
    with pytest.raises(VerifyError) as caught:
        verify(path)
    assert str(caught.value).startswith(f"many.xlsx {expected}")


def test_a_zip_of_many_parts_refused_before_its_directory_is_read(tmp_path):
    path = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(12_000):
            archive.writestr(f"p{i}", b"")
    message, _ = refused(path, tmp_path)
    assert message == ("parts.xlsx lists 12,000 parts in its zip archive, more than a workbook has (sheetprop "
                       "reads up to 10,000): copy the exercise's table into a new workbook and verify that")


@pytest.mark.parametrize("make, expected", [
    (lambda p: p.write_bytes(b""),
     "{name} is empty (0 bytes): the save or download did not finish; save or download it again"),
    (lambda p: openpyxl.Workbook().save(p),
     "{name} holds no cells at all (every sheet is empty): is it the file you meant? save your work and "
     "verify the saved file"),
    (lambda p: zipfile.ZipFile(p, "w").close(),
     "{name} is a zip archive but not an Excel workbook (no [Content_Types].xml inside): open it in your "
     "spreadsheet program, save it as .xlsx and verify that"),
], ids=["zero bytes", "no cells", "empty zip"])
def test_empty_files(tmp_path, make, expected):
    path = tmp_path / "empty.xlsx"
    make(path)
    message, _ = refused(path, tmp_path)
    assert message == expected.format(name="empty.xlsx")


def test_a_workbook_openpyxl_warns_about_is_still_one_line(correct, tmp_path):
    """No styles part: openpyxl warns on stderr ('no default style') unless told not to."""
    path = tmp_path / "bare.xlsx"
    with zipfile.ZipFile(correct["values"]) as archive, zipfile.ZipFile(path, "w") as out:
        for item in archive.infolist():
            if item.filename != "xl/styles.xml":
                out.writestr(item, archive.read(item))
    run = judged(path, tmp_path)
    assert run.returncode == 0 and "all 240 cells agree" in run.stdout


# ---------------------------------------------------------------------------------------- passwords and protection

PASSWORD = ("is password-protected (encrypted), so its cells cannot be read: save a copy without a password "
            "and verify that")


def _encrypted_ods(path: Path) -> None:
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml" '
                'manifest:media-type="text/xml"><manifest:encryption-data manifest:checksum-type="SHA1/1K" '
                'manifest:checksum="AAAA"/></manifest:file-entry></manifest:manifest>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", os.urandom(2000))


def _encrypted_members(path: Path) -> None:
    """A zip whose member is flagged as encrypted with a zip password (zipfile cannot write the cipher,
    so the flag is set in the local and the central header afterwards)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", os.urandom(100))
    data = bytearray(path.read_bytes())
    for signature, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        data[data.index(signature) + at] |= 0x1
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("name, make", [
    ("secret.xlsx", lambda p: p.write_bytes(encrypted_workbook())),
    ("secret.xls", lambda p: p.write_bytes(encrypted_workbook())),
    ("secret.ods", _encrypted_ods),
    ("zipped.xlsx", _encrypted_members),
], ids=["excel xlsx", "excel named xls", "ods", "zip password"])
def test_password_protected(tmp_path, name, make):
    path = tmp_path / name
    make(path)
    message, _ = refused(path, tmp_path)
    assert message == f"{name} {PASSWORD}"


def test_our_compound_file_is_one():
    """The encrypted workbook above has the layout every reader checks first."""
    data = encrypted_workbook()
    assert data[:8] == CFB and len(data) % 512 == 0
    assert struct.unpack("<HH", data[0x1A:0x1E]) == (3, 0xFFFE)
    assert data[512:516] == struct.pack("<I", 0xFFFFFFFD)  # the FAT marks its own sector
    names = [data[1024 + 128 * i:1024 + 128 * i + 64].decode("utf-16-le").rstrip("\0") for i in range(3)]
    assert names == ["Root Entry", "EncryptionInfo", "EncryptedPackage"]


def test_an_old_excel_workbook_named_xlsx(tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(compound_file({"Workbook": b"\x09\x08\x10\x00" + os.urandom(5000)}))
    message, _ = refused(path, tmp_path)
    assert message == ("old.xlsx is an old Excel 97–2003 workbook named .xlsx: rename it to .xls, or save it as "
                       ".xlsx, and verify that")


def test_protected_sheet_and_structure_are_read_normally(correct, tmp_path):
    """Protection against editing is not encryption: the cells are all there to read."""
    path = tmp_path / "protected.xlsx"
    workbook = openpyxl.load_workbook(correct["values"])
    workbook.active.protection.sheet = True
    workbook.active.protection.password = "teacher"
    workbook.security = WorkbookProtection(workbookPassword="teacher", lockStructure=True)
    workbook.save(path)
    run = judged(path, tmp_path)
    assert run.returncode == 0 and "all 240 cells agree" in run.stdout


# ---------------------------------------------------------------------------------------- not a workbook at all

def _pipe(path: Path) -> None:
    os.mkfifo(path)  # reading it would wait forever for a writer


@pytest.mark.parametrize("name, make, expected", [
    ("folder.xlsx", Path.mkdir, "{path} is a folder, not a file: give the path of the workbook inside it"),
    ("pipe.xlsx", _pipe,
     "{path} is not a regular file (a pipe or a device): save the workbook to a file and verify that"),
    ("notes.txt", lambda p: p.write_text("h1 a_h1 w1"),
     "notes.txt: not a spreadsheet sheetprop can read: save it as .xlsx or .ods and verify that"),
    ("old.xls", lambda p: p.write_bytes(bytes(range(256)) * 8),
     "old.xls is not a .xls spreadsheet (its bytes match no spreadsheet format; damaged?): open it in your "
     "spreadsheet program, save it as .xlsx and verify that"),
    ("sheet.ods", lambda p: p.write_bytes(b""),
     "sheet.ods is empty (0 bytes): the save or download did not finish; save or download it again"),
    ("sheet.ods", lambda p: p.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8),
     "sheet.ods is damaged: its zip archive is broken (cut short; an interrupted save or download?): save or "
     "download it again and verify that"),
    ("sheet.ods", lambda p: p.write_text("<html>h1 a_h1 w1</html>\n" + "x" * 5000),
     "LibreOffice could not convert sheet.ods: source file could not be loaded (damaged, password-protected, or "
     "not a spreadsheet?): if it opens in your spreadsheet program, save it as .xlsx without a password and "
     "verify that"),
], ids=["folder", "pipe", "txt", "garbage xls", "empty ods", "truncated ods", "text ods"])
def test_not_a_workbook(tmp_path, name, make, expected):
    path = tmp_path / name
    make(path)
    message, _ = refused(path, tmp_path)
    assert message == expected.format(path=path)


def test_a_file_that_cannot_be_opened(tmp_path, monkeypatch):
    """Tests run as root, who reads any file: the refusal is simulated where the file is opened."""
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"PK")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(guard, "open", denied, raising=False)
    with pytest.raises(VerifyError) as caught:
        verify(path)
    assert str(caught.value) == ("locked.xlsx cannot be read (permission denied): make it readable (chmod u+r) "
                                 "or verify a copy")


def test_an_annotated_copy_must_not_overwrite_the_sheet(correct, tmp_path):
    path = tmp_path / "mine.xlsx"
    path.write_bytes(correct["values"].read_bytes())
    run = sheetprop("verify", path, "--annotate", path, tmp=tmp_path)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip() == ("sheetprop: error: mine.xlsx: the annotated copy would overwrite the sheet "
                                  "being verified; name another file")
    assert path.read_bytes() == correct["values"].read_bytes()


# ---------------------------------------------------------------------------------------- sheets that are judged

def test_a_million_columns_and_rows_claimed(correct, tmp_path):
    """A cell at XFD1048576 (the dimension then claims A1:XFD1048576), one far right of a data row, and
    notes of 32,767 characters (a spreadsheet's most): judged as usual, in bounded time and memory."""
    def edit(sheet):
        sheet["XFD1048576"] = "the very last cell"
        sheet["XFD9"] = 1.0
        for row in range(20, 30):
            sheet.cell(row, 40, "a" * 32_767)
    path = edited(correct["values"], tmp_path / "far.xlsx", edit)
    with zipfile.ZipFile(path) as archive:
        # openpyxl writes '/>' with lxml and ' />' without it
        assert re.search(rb'<dimension ref="A1:XFD1048576"\s*/>', archive.read("xl/worksheets/sheet1.xml"))
    out = tmp_path / "far-annotated.xlsx"
    run = judged(path, tmp_path, "--annotate", out)
    assert run.returncode == 0 and "all 240 cells agree" in run.stdout and out.exists()
    assert run.peak_mb is not None and run.peak_mb < 500, run.peak_mb


def test_errors_and_text_where_numbers_belong_are_reported_per_cell(correct, tmp_path):
    """What a student expects: the sheet judged, each such cell named with what it holds (exit 1)."""
    def edit(sheet):
        sheet["Z9"] = "#DIV/0!"
        sheet["L10"] = "abc"
        sheet["T11"] = "0,25"
        sheet["O12"] = "#VALUE!"
        sheet["W13"] = "0.0625"
    path = edited(correct["values"], tmp_path / "errors.xlsx", edit)
    run = judged(path, tmp_path)
    assert run.returncode == 1
    for line in ["correct!Z9 ∂E/∂w1 (Etotaldw1): found '#DIV/0!', expected 0.0001078131669",
                 "likely slip: the cell shows #DIV/0!: a division by zero in its formula",
                 "correct!L10 a_h1 (act_h1): found 'abc', expected 0.5068653164",
                 "likely slip: the cell holds the text 'abc', not a number",
                 "correct!T11 a_o1 (act_o1): found '0,25'",
                 "likely slip: the cell holds the text '0,25', not a number: type 0.25, with a decimal point",
                 "correct!O12 w5: found '#VALUE!'",
                 "likely slip: the cell shows #VALUE!: its formula reads text where a number belongs",
                 "correct!W13 E1: found '0.0625'",
                 "the text '0.0625', a number stored as text: type it again as a number"]:
        assert line in run.stdout, line
    assert "cells not judged: a cell they read is empty or not a number" in run.stdout
    data = json.loads(judged(path, tmp_path, "--json").stdout)
    assert {(f["cell"], f["found"]) for f in data["findings"]} >= {
        ("Z9", "#DIV/0!"), ("L10", "abc"), ("T11", "0,25"), ("O12", "#VALUE!"), ("W13", "0.0625")}


HOSTILE_FORMULAS = {
    "Z9": "(" * 3000 + "Z8" + ")" * 3000,          # nested deeper than Python's recursion
    "AA9": "SUM(A1:XFD1048576)",                    # 17 billion cells if spelled out
    "AB9": "9^99999999",                            # an integer power that would never finish
    "AC9": "(-8)^(1/3)",                            # a complex number in Python
    "AD9": "+".join(["AD8"] * 3000),                # longer than a spreadsheet allows
    "AE9": "1" + "+1" * 4000,                       # just short of it, nested 4,000 deep once bracketed
    "AF9": "W8:X8",                                 # a bare range: a list, not a number
}


def test_hostile_formulas_in_wrong_cells(correct, tmp_path):
    """Each formula is read to name the slip; none may hang, crash or spell out a giant range."""
    path = correct["formulas"]
    for cell, formula in HOSTILE_FORMULAS.items():
        target = tmp_path / f"{cell}.xlsx"
        patch_cell(path, target, "correct", cell, lambda xml, f=formula: re.sub(
            r"<v>[^<]*</v>", "<v>0.125</v>", re.sub(r"<f[^>]*>[^<]*</f>", f"<f>{f}</f>", xml)))
        path = target
    run = judged(path, tmp_path)
    assert run.returncode == 1
    for cell in HOSTILE_FORMULAS:
        assert re.search(rf"correct!{cell} \S+ \(Etotaldw\d\): found 0.125,", run.stdout), (cell, run.stdout)
    assert "recalculated with" not in run.stdout  # the values cached were judged as they are
