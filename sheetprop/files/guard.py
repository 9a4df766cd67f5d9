"""Looking at a file before openpyxl or LibreOffice opens it: what it really is, and whether it is
small enough to unpack and parse.

A broken or hostile file is turned away here, in one line that names the problem and the fix, before
anything is inflated: a zip bomb by the sizes its directory declares (zipfile never inflates a member
past its declared size), a file that would build millions of objects by counting its XML elements as
they stream past, and a file that claims more than its bytes show (a row repeated a million times,
a cell of a hundred million characters, an array formula over a whole sheet) by reading its XML with
expat and adding up what it claims, before LibreOffice or openpyxl would build it. A document type
declaration (entities to expand or fetch) and a picture or object linked from outside the file (which
LibreOffice would fetch) are turned away too. Each check returns the message, or None when the file may
be opened.

>>> looks_binary(b"h1;a_h1;w1\\n0.1;0.5;0.15\\n"), looks_binary(bytes(range(256)))
(False, True)
"""

from __future__ import annotations

import re
import stat
import struct
import zipfile
from pathlib import Path
from xml.parsers import expat

from sheetprop.files import OOXML
from sheetprop.files.errors import Refused

MB = 1024 * 1024
MAX_BYTES = 200 * MB          # a file LibreOffice or formualizer opens, and what its zip unpacks to; a
                              # hand-made sheet is under 1 MB
MAX_PARTS = 10_000            # zip members; a workbook has a few dozen
MAX_DIRECTORY = 4 * MB        # the zip's table of contents, which zipfile reads whole before anything else
MAX_ELEMENTS = 2_000_000      # XML elements of what an engine opens, and of an .xlsx's parts other than its
                              # worksheets (a sheet of the exercise: ~20,000)
MAX_CELLS = 1_000_000         # cells with content a file handed to an engine claims, repeat counts and array
                              # ranges multiplied out; and cells of text one sheet of a streamed .xlsx holds
MAX_TEXT = 65_536             # characters in one cell or string: twice the 32,767 a spreadsheet cell holds
# An .xlsx whose sheets the streaming reader reads (xlsx.py) holds only what it keeps of each cell, so it
# may be as large as sheetprop's own workbooks get (100,000 iterations: 0.5 GB packed, 2 GB of XML):
MAX_STREAMED = 64 * 1024 * MB  # what it unpacks to
MAX_PACKING = 50              # times its size on disk, once over MAX_BYTES: sheets pack 4-10 times, a zip
                              # bomb a thousand
MAX_SHEET_CELLS = 16_777_216  # cells with content in one sheet (a number: 20 bytes as held): the 100,000-
                              # iteration workbook has 4.4 million on each rate sheet
MAX_KEPT = 100_000_000        # characters of text and of distinct formulas one sheet keeps (and its shared
                              # strings): the 100,000-iteration workbook keeps some thousands

CFB = bytes.fromhex("D0CF11E0A1B11AE1")  # OLE2 compound file: an old .xls, or an encrypted .xlsx
ZIP = b"PK\x03\x04"
ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # the stream an encrypted workbook hides its zip in
PASSWORD = ("is password-protected (encrypted), so its cells cannot be read: save a copy without a password "
            "and verify that")
AGAIN = "open it in your spreadsheet program, save it as .xlsx and verify that"
SMALLER = "copy the exercise's table into a new workbook and verify that"
CHUNK = MB


def file_problem(path: Path) -> str | None:
    """Is ``path`` a regular file that can be read at all?"""
    try:
        info = path.stat()
    except FileNotFoundError:
        return f"{path}: no such file: check the name and the folder"
    except OSError as error:
        return f"{path}: cannot be looked at ({error.strerror}): check the path"
    if stat.S_ISDIR(info.st_mode):
        return f"{path} is a folder, not a file: give the path of the workbook inside it"
    if not stat.S_ISREG(info.st_mode):
        # A pipe or a device would block the read or never end.
        return f"{path} is not a regular file (a pipe or a device): save the workbook to a file and verify that"
    return None


def content_problem(path: Path, name: str, streamed: bool = False) -> str | None:
    """Is the content of ``path`` (shown to the user as ``name``) safe to hand to LibreOffice or formualizer,
    or, with ``streamed``, to the streaming reader (xlsx.py), which checks the worksheets' cells itself as
    it reads them?"""
    size = path.stat().st_size
    if size == 0:
        return f"{name} is empty (0 bytes): the save or download did not finish; save or download it again"
    if size > MAX_BYTES and not (streamed and path.suffix.lower() in OOXML):
        return f"{name} is {size / MB:,.0f} MB, over the {MAX_BYTES // MB} MB sheetprop reads: {SMALLER}"
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except PermissionError:
        return f"{name} cannot be read (permission denied): make it readable (chmod u+r) or verify a copy"
    except OSError as error:
        return f"{name} cannot be read ({error.strerror}): copy it to a local folder and verify the copy"
    suffix = path.suffix.lower()
    if head.startswith(CFB):
        return _compound(path, name, suffix)
    if head.startswith(ZIP) or zipfile.is_zipfile(path):
        return _archive(path, name, suffix, streamed and suffix in OOXML)
    if suffix in OOXML:
        return (f"{name} cannot be read as a spreadsheet: it holds no zip archive, as every .xlsx does "
                f"(damaged, or another kind of file renamed?): {AGAIN}")
    if looks_binary(head):
        return f"{name} is not a {suffix} spreadsheet (its bytes match no spreadsheet format; damaged?): {AGAIN}"
    if head.lstrip().startswith(b"<"):  # XML (a flat .fods) or HTML: read for what it claims, as a zip's parts
        with open(path, "rb") as stream:
            return _claims(Claims(name), stream, path.name, counting=True)
    return None  # text (CSV saved as .xls): LibreOffice tells what it is


def looks_binary(head: bytes) -> bool:
    """Control bytes that no text file holds."""
    return any(byte < 9 or 13 < byte < 32 for byte in head)


def _compound(path: Path, name: str, suffix: str) -> str | None:
    if _holds(path, ENCRYPTED):
        return f"{name} {PASSWORD}"
    if suffix in OOXML or suffix == ".ods":
        return (f"{name} is an old Excel 97–2003 workbook named {suffix}: rename it to .xls, or save it as .xlsx, "
                "and verify that")
    return None  # an .xls: LibreOffice reads it


def _holds(path: Path, needle: bytes) -> bool:
    with open(path, "rb") as handle:
        return contains(handle, needle)


def contains(stream, needle: bytes) -> bool:
    """Does ``stream`` hold ``needle``? Read in chunks that overlap, so that no match is cut in two.

    >>> import io
    >>> contains(io.BytesIO(b"x" * (CHUNK - 3) + b"encryption-data"), b"encryption-data")
    True
    """
    tail = b""
    while chunk := stream.read(CHUNK):
        if needle in tail + chunk:
            return True
        tail = chunk[-(len(needle) - 1):]
    return False


def _archive(path: Path, name: str, suffix: str, streamed: bool = False) -> str | None:
    directory = zip_directory(path)
    if directory is None:
        return _damaged(name, "cut short")
    parts, size = directory
    if parts > MAX_PARTS:
        return (f"{name} lists {parts:,} parts in its zip archive, more than a workbook has (sheetprop reads "
                f"up to {MAX_PARTS:,}): {SMALLER}")
    if size > MAX_DIRECTORY:
        return (f"{name} has a zip directory of {size / MB:,.0f} MB, more than a workbook has (sheetprop reads "
                f"up to {MAX_DIRECTORY // MB} MB): {SMALLER}")
    try:
        with zipfile.ZipFile(path) as archive:
            return _members(archive, name, suffix, streamed, path.stat().st_size)
    except Exception as error:  # noqa: BLE001 - zipfile and zlib raise many kinds; all mean damaged
        return _damaged(name, " ".join(str(error).split()) or type(error).__name__)


def _damaged(name: str, how: str) -> str:
    return (f"{name} is damaged: its zip archive is broken ({how}; an interrupted save or download?): "
            "save or download it again and verify that")


def zip_directory(path: Path) -> tuple[int, int] | None:
    """(members, bytes of the central directory) as the end record declares them, read from the file's
    last 64 KB alone; None when there is no end record (the file is cut short)."""
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 22 - 65535))
        tail = handle.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return None
        parts, directory = struct.unpack("<HI", tail[at + 10:at + 16])
        if parts == 0xFFFF or directory == 0xFFFFFFFF:
            return _zip64_directory(handle, tail, at, size)
    return parts, directory


def _zip64_directory(handle, tail: bytes, at: int, size: int) -> tuple[int, int] | None:
    locator = tail[at - 20:at] if at >= 20 else b""
    if not locator.startswith(b"PK\x06\x07"):
        return None
    (offset,) = struct.unpack("<Q", locator[8:16])
    if offset > size - 56:
        return None
    handle.seek(offset)
    record = handle.read(56)
    if not record.startswith(b"PK\x06\x06"):
        return None
    parts, directory = struct.unpack("<QQ", record[32:48])
    return parts, directory


def _members(archive: zipfile.ZipFile, name: str, suffix: str, streamed: bool = False,
             packed: int = 0) -> str | None:
    members = archive.infolist()
    if any(member.flag_bits & 0x1 for member in members):
        return f"{name} {PASSWORD}"
    if any(member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for member in members):
        # bzip2 and LZMA inflate without zipfile's bound on each step; no spreadsheet program writes them.
        return f"{name} is packed in a way no spreadsheet program packs a workbook: {AGAIN}"
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_BYTES and not streamed:
        return (f"{name} would unpack to {unpacked / MB:,.0f} MB, over the {MAX_BYTES // MB} MB sheetprop unpacks "
                f"(a zip bomb, or far more than a sheet of the exercise): {SMALLER}")
    if unpacked > MAX_BYTES and unpacked > MAX_PACKING * max(packed, 1):
        return (f"{name} would unpack to {unpacked / MB:,.0f} MB, {unpacked / max(packed, 1):,.0f} times its size on "
                f"disk, where a workbook's XML packs 4 to 10 times (a zip bomb?): {SMALLER}")
    if unpacked > MAX_STREAMED:
        return (f"{name} would unpack to {unpacked / MB:,.0f} MB, over the {MAX_STREAMED // MB:,} MB sheetprop "
                f"unpacks: {SMALLER}")
    others = sum(member.file_size for member in members if not (streamed and is_worksheet(member.filename)))
    if others > MAX_BYTES:  # the parts other than worksheets are read whole (shared strings) or by engines
        return (f"{name} would unpack to {others / MB:,.0f} MB besides its worksheets, over the {MAX_BYTES // MB} MB "
                f"sheetprop unpacks (a zip bomb, or far more than a sheet of the exercise): {SMALLER}")
    names = set(archive.namelist())
    if suffix in OOXML and "[Content_Types].xml" not in names:
        if "mimetype" in names:
            return f"{name} is an OpenDocument spreadsheet named {suffix}: rename it to .ods and verify that"
        return f"{name} is a zip archive but not an Excel workbook (no [Content_Types].xml inside): {AGAIN}"
    if "META-INF/manifest.xml" in names:  # an OpenDocument file lists each encrypted part there
        with archive.open("META-INF/manifest.xml") as manifest:
            if contains(manifest, b"encryption-data"):
                return f"{name} {PASSWORD}"
    if streamed:  # the worksheets are checked by the reader as it reads them
        members = [member for member in members if not is_worksheet(member.filename)]
    elements = _elements(archive, members)
    if elements > MAX_ELEMENTS:
        return _too_many_elements(name)
    claims = Claims(name)
    for member in members:
        if member.filename.lower().endswith((".xml", ".rels", ".vml")):
            with archive.open(member) as stream:
                if problem := _claims(claims, stream, member.filename, needed=is_needed(member.filename)):
                    return problem
    return None


def is_needed(part: str) -> bool:
    """Is a zip member one that cells are read from (by xlsx.py, or by LibreOffice converting), so that it
    must be well-formed XML? Any other part (a form button's VML, which Excel writes with an unclosed
    ``<br>``, a chart, a thumbnail) may be as loosely written as its program writes it, and is still bounded.

    >>> is_needed("xl/worksheets/sheet1.xml"), is_needed("xl/drawings/vmlDrawing1.vml"), is_needed("content.xml")
    (True, False, True)
    """
    return NEEDED.fullmatch(part) is not None


def is_worksheet(part: str) -> bool:
    """Is a zip member an .xlsx worksheet by its name ('xl/worksheets/sheet1.xml')? A worksheet stored
    under another name is checked with the other parts."""
    return re.fullmatch(r"xl/worksheets/[^/]+\.xml", part, re.IGNORECASE) is not None


def too_many_cells(name: str, limit: int = MAX_CELLS, what: str = "cells with content") -> str:
    """The refusal of a file that claims more than ``limit`` cells (of ``what`` kind)."""
    return (f"{name} claims over {limit:,} {what} (a row or a cell repeated, or a formula spread, that many "
            f"times), where a sheet of the exercise has some tens of thousands: {SMALLER}")


def too_long(name: str) -> str:
    """The refusal of a file holding a text longer than any cell holds."""
    return (f"{name} holds a text of over {MAX_TEXT:,} characters in one cell or string, where a spreadsheet "
            f"cell holds at most 32,767: {SMALLER}")


def too_much_text(name: str) -> str:
    """The refusal of a sheet whose texts and distinct formulas add up to more than MAX_KEPT characters."""
    return (f"{name} holds over {MAX_KEPT:,} characters of text and distinct formulas in one sheet, where a sheet "
            f"of the exercise has some thousands: {SMALLER}")


def doctype(name: str) -> str:
    """The refusal of a file with a document type declaration."""
    return (f"{name} holds a document type declaration, which no spreadsheet program writes (entities a "
            f"parser would expand, or fetch from elsewhere): {AGAIN}")


def _too_many_elements(name: str) -> str:
    return (f"{name} is too big to verify: over {MAX_ELEMENTS:,} XML elements (cells, text, formatting), "
            f"where a sheet of the exercise has some tens of thousands: {SMALLER}")


# Elements whose text is one cell's or one string's (xlsx: shared and inline strings, cell values and
# formulas, comments; ODF: cells and notes); any other element's text is counted on its own.
TEXT_HOLDERS = {"si", "is", "c", "comment", "table-cell", "covered-table-cell", "annotation"}
ODF_CELLS = {"table-cell", "covered-table-cell"}
LINKED = {"image", "object", "object-ole", "plugin", "applet", "floating-frame"}  # ODF draw:… that load an href
EXTERNAL_OK = ("/hyperlink", "/externalLinkPath")  # a click's target; another workbook, its values cached here
XLINK = "http://www.w3.org/1999/xlink href"
CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")
# The parts cells are read from: an .xlsx's content types, relationships, workbook, shared strings, styles
# and worksheets; an OpenDocument file's content, styles and manifest.
NEEDED = re.compile(r"\[Content_Types\]\.xml|(?:.*/)?_rels/[^/]*\.rels|xl/[^/]+\.xml|xl/worksheets/[^/]+\.xml"
                    r"|content\.xml|styles\.xml|META-INF/manifest\.xml", re.IGNORECASE)
LOOSE_RUN = 6 * MAX_TEXT  # bytes between two '<' of a loosely written part: MAX_TEXT characters, escaped


class Claims:
    """What the XML parts of one file claim, added up across parts: cells with content (each repeat
    counted), and the text of the cell or string being read."""

    def __init__(self, name: str):
        self.name, self.cells, self.elements = name, 0, 0
        self.stack: list[list] = []   # open ODF rows [rows repeated, cells with content] and cells [repeat, has content]
        self.text: list[list] = []    # [local name, characters] of the open text holders

    def refuse(self, message: str):
        raise Refused(f"{self.name} {message}")

    def count(self, cells: int) -> None:
        self.cells += cells
        if self.cells > MAX_CELLS:
            raise Refused(too_many_cells(self.name))

    def characters(self, count: int) -> None:
        if not self.text:
            self.text.append(["", 0])
        self.text[-1][1] += count
        if self.text[-1][1] > MAX_TEXT:
            raise Refused(too_long(self.name))


def _local(tag: str) -> str:
    return tag.rsplit(" ", 1)[-1]


def _claims(claims: Claims, stream, part: str, counting: bool = False, needed: bool = True) -> str | None:
    """Read one XML part with expat, adding what it claims to ``claims``; the refusal, or None. With
    ``counting`` its elements are counted too (a flat file, whose elements nothing counted before). A part
    not ``needed`` for the cells that is not well-formed is read on loosely from where expat stopped."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.buffer_size = 1 << 16

    def declaration(*_):
        raise Refused(doctype(claims.name))

    def start(tag, attributes):
        if counting:
            claims.elements += 1
            if claims.elements > MAX_ELEMENTS:
                raise Refused(_too_many_elements(claims.name))
        name = _local(tag)
        for value in attributes.values():
            if len(value) > MAX_TEXT:
                claims.characters(len(value))
        if claims.stack and claims.stack[-1][2] == "cell":
            claims.stack[-1][1] = True  # anything inside a cell gives it content
        if name == "Relationship" and attributes.get("TargetMode") == "External":
            _relationship(claims, attributes)
        elif name in LINKED and XLINK in attributes and _outside(attributes[XLINK]):
            claims.refuse(f"shows a picture or object linked from {_shown(attributes[XLINK])} rather than held in "
                          "the file, which LibreOffice would fetch: embed it (insert it, not as a link) or delete "
                          "it, save and verify that")
        elif name == "table-row":
            claims.stack.append([_repeat(attributes, "number-rows-repeated"), 0, "row"])
        elif name in ODF_CELLS:
            content = any(_local(key) in ("value-type", "formula", "value") for key in attributes)
            claims.stack.append([_repeat(attributes, "number-columns-repeated"), content, "cell"])
            spanned = (_repeat(attributes, "number-matrix-columns-spanned")
                       * _repeat(attributes, "number-matrix-rows-spanned"))
            if spanned > 1:
                claims.count(spanned)
        elif name == "f" and attributes.get("t") in ("array", "dataTable") and "ref" in attributes:
            claims.count(area(attributes["ref"]))
        if name in TEXT_HOLDERS:
            claims.text.append([name, 0])
        elif not claims.text or claims.text[-1][0] == "":
            claims.text[-1:] = [["", 0]]  # text outside any holder is counted per element

    def end(tag):
        name = _local(tag)
        if name in TEXT_HOLDERS and claims.text and claims.text[-1][0] == name:
            claims.text.pop()
        if name in ODF_CELLS and claims.stack and claims.stack[-1][2] == "cell":
            repeat, content, _ = claims.stack.pop()
            if content:
                row = next((frame for frame in reversed(claims.stack) if frame[2] == "row"), None)
                if row is not None:
                    row[1] += repeat
                    if row[1] * row[0] > MAX_CELLS:
                        claims.count(row[1] * row[0])
                else:
                    claims.count(repeat)
        elif name == "table-row" and claims.stack and claims.stack[-1][2] == "row":
            repeat, cells, _ = claims.stack.pop()
            claims.count(repeat * cells)

    def text(data):
        if claims.stack and claims.stack[-1][2] == "cell" and data.strip():
            claims.stack[-1][1] = True
        claims.characters(len(data))

    parser.StartDoctypeDeclHandler = declaration
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    chunk = b""
    try:
        while chunk := stream.read(CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except Refused as refusal:  # raised inside expat's callbacks to stop reading
        return str(refusal)
    except expat.ExpatError as error:
        if not needed:
            return _loose(claims.name, chunk, stream)
        if part.lower().endswith((".xml", ".rels", ".vml")):  # a zip's part: damaged
            return (f"{claims.name} is damaged: its part {part} is not well-formed XML ({error}): save or download "
                    "it again and verify that")
        return None  # a text file that is not XML (HTML saved as .xls): LibreOffice tells what it is
    finally:
        claims.stack.clear()
        claims.text.clear()
    return None


def _loose(name: str, chunk: bytes, stream) -> str | None:
    """The rest of a part that is not well-formed XML (from the chunk expat stopped in), bounded as expat
    would have bounded it: no document type declaration, and no text or tag longer than a cell holds."""
    run = 0  # bytes since the last '<'
    tail = b""
    while chunk:
        seen = tail + chunk
        if b"<!doctype" in seen.lower():
            return doctype(name)
        last = chunk.rfind(b"<")
        first = chunk.find(b"<")
        longest = max((len(piece) for piece in chunk.split(b"<")), default=0)
        if max(run + (len(chunk) if first < 0 else first), longest) > LOOSE_RUN:
            return too_long(name)
        run = run + len(chunk) if last < 0 else len(chunk) - 1 - last
        tail = chunk[-8:]
        chunk = stream.read(CHUNK)
    return None


def _relationship(claims: Claims, attributes: dict) -> None:
    kind, target = attributes.get("Type", ""), attributes.get("Target", "")
    if not kind.endswith(EXTERNAL_OK):
        what = kind.rsplit("/", 1)[-1] or "part"
        claims.refuse(f"links its {what} to {_shown(target)} outside the file rather than holding it, which "
                      "LibreOffice would fetch: embed it (insert it, not as a link) or delete it, save and verify that")


def _outside(href: str) -> bool:
    """Does an ODF href point outside the package (a URL, an absolute path, a parent folder)?"""
    href = href.strip()
    return bool(re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", href)) or href.startswith(("/", "\\", "../", "..\\"))


def _shown(target: str) -> str:
    target = " ".join(target.split())
    return repr(target if len(target) <= 80 else target[:80] + "…")


def _repeat(attributes: dict, name: str) -> int:
    for key, value in attributes.items():
        if _local(key) == name:
            try:
                return max(1, int(value))
            except ValueError:
                return 1
    return 1


def area(ref: str) -> int:
    """Cells in a range such as 'A1:XFD1048576' (1 for one cell, or what cannot be read)."""
    corners = CELL.findall(ref)
    if len(corners) != 2:
        return 1
    (c1, r1), (c2, r2) = corners
    return (abs(_column(c2) - _column(c1)) + 1) * (abs(int(r2) - int(r1)) + 1)


def _column(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _elements(archive: zipfile.ZipFile, members) -> int:
    """Start tags in the XML parts, counted as they stream past (stopping once over the limit): each
    '<' opens one, except '</', '<?' and '<!'."""
    count = 0
    for member in members:
        if not member.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        last = b""
        with archive.open(member) as stream:
            while chunk := stream.read(CHUNK):
                seen = last + chunk  # a '</' split across two chunks is counted once, here
                count += chunk.count(b"<") - seen.count(b"</") - seen.count(b"<?") - seen.count(b"<!")
                last = chunk[-1:]
                if count > MAX_ELEMENTS:
                    return count
    return count
