"""Reading an .xlsx in one streaming pass: every sheet's values and formulas, in bounded memory.

Each worksheet's XML is inflated a megabyte at a time and parsed with expat as it arrives; nothing of
the file is held but what is kept of each cell: a number (8 bytes in its column's array), or text, a
truth value, an error or a date by cell; a formula as the index of its template, the formula with its
own row's number and the row above's written as markers (``=A5*B4`` in row 5 and ``=A6*B5`` in row 6
are one template), so that a column of a million formulas filled down keeps one string. One sheet is
read at a time (``Workbook.sheet``).

The reader checks, as it reads, what guard.py checks of the other parts: no document type declaration,
no text over guard.MAX_TEXT characters in one cell, no more than guard.MAX_SHEET_CELLS cells with
content in one sheet (an array formula counts every cell of its range), so that a hostile sheet is
refused as soon as it claims too much, before it is held.

>>> row_template("AB7-$B$3*AE8", 8) == row_template("AB99-$B$3*AE100", 100)
True
>>> from_template(row_template("AB7-$B$8*AE8+18", 8), 100), from_template(row_template("AB7-$B$8*AE8+18", 8), 8)
('AB99-$B$100*AE100+1100', 'AB7-$B$8*AE8+18')
"""

from __future__ import annotations

import math
import posixpath
import re
import zipfile
from array import array
from bisect import bisect_left
from collections.abc import Mapping
from xml.parsers import expat

from sheetprop.files import guard
from sheetprop.files.errors import Refused, Unreadable

CHUNK = 1 << 20
MAX_RUN = CHUNK  # bytes of one tag or text (see feed)
CELL = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})$")
# Built-in number formats that show a date or a time (ECMA-376 18.8.30).
DATE_FORMATS = {*range(14, 23), *range(45, 48)}
NAN = math.nan


def unreadable(name: str, why) -> Unreadable:
    """The error for a workbook this reader trips on (damaged, or written by an unusual program)."""
    return Unreadable(f"{name}: cannot be read as a spreadsheet ({why}): open it in your spreadsheet program, save it "
                      "again and verify that")


def row_template(formula: str, row: int) -> str:
    """``formula`` with its row's number written as NUL and the row above's as SOH (XML holds neither
    character), so that a formula filled down a column is one template in every row."""
    return formula.replace(str(row), "\x00").replace(str(row - 1), "\x01")


def from_template(template: str, row: int) -> str:
    """The formula of ``template`` in ``row``: exactly the text ``row_template`` was given."""
    return template.replace("\x01", str(row - 1)).replace("\x00", str(row))


def column_number(letters: str) -> int:
    """'A' → 1, 'AB' → 28."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


COLUMNS: dict[str, int] = {}  # letters → number, filled as met (a sheet uses a few dozen)


class _Column:
    """One column's cells in row order: the row, the number (NaN when the cell holds something else,
    kept by cell in the sheet's ``others``) and the formula's template (-1 when none)."""

    __slots__ = ("rows", "numbers", "formulas")

    def __init__(self):
        self.rows, self.numbers, self.formulas = array("i"), array("d"), array("i")

    def find(self, row: int) -> int:
        i = bisect_left(self.rows, row)
        return i if i < len(self.rows) and self.rows[i] == row else -1

    def tidy(self) -> None:
        """Sort by row, the last of a row written twice winning (a cell written out of order)."""
        last = {row: i for i, row in enumerate(self.rows)}
        order = sorted(last.values(), key=lambda i: self.rows[i])
        self.rows = array("i", (self.rows[i] for i in order))
        self.numbers = array("d", (self.numbers[i] for i in order))
        self.formulas = array("i", (self.formulas[i] for i in order))


class Sheet:
    """The cells of one sheet as read: ``values`` and ``formulas`` are read-only mappings by (row, column)."""

    def __init__(self, title: str):
        self.title = title
        self.columns: dict[int, _Column] = {}
        self.others: dict[tuple[int, int], object] = {}   # text, truth values, errors, dates, huge numbers
        self.templates: list[str] = []
        self.uncached = 0          # formulas with no cached value
        self.count = 0             # cells with a value

    # Made when asked for: held by the sheet, they would make a cycle that keeps a sheet of millions of
    # cells until Python's cycle collector happens to run, and the next sheet would be read beside it.
    @property
    def values(self) -> "Values":
        return Values(self)

    @property
    def formulas(self) -> "Formulas":
        return Formulas(self)

    def rows(self) -> list[int]:
        """The rows holding a value, top to bottom."""
        if not self.uncached:  # every cell kept holds a value: the columns' rows are the answer
            return sorted(set().union(*(found.rows for found in self.columns.values())))
        return sorted({row for row, _ in self.values})

    def texts(self) -> dict[tuple[int, int], str]:
        """The cells holding text (errors such as '#VALUE!' included), by (row, column)."""
        return {cell: value for cell, value in self.others.items() if isinstance(value, str)}


class Values(Mapping):
    """(row, column) → the cell's value: a float, text, True/False, an error text, a datetime."""

    def __init__(self, sheet: Sheet):
        self._sheet = sheet

    def get(self, cell, default=None):
        row, column = cell
        found = self._sheet.columns.get(column)
        if found is None:
            return default
        i = found.find(row)
        if i < 0:
            return default
        number = found.numbers[i]
        if number == number:
            return number
        return self._sheet.others.get(cell, default)

    def __getitem__(self, cell):
        value = self.get(cell, _MISSING)
        if value is _MISSING:
            raise KeyError(cell)
        return value

    def __contains__(self, cell) -> bool:
        return self.get(cell, _MISSING) is not _MISSING

    def __iter__(self):
        others = self._sheet.others
        for column, found in self._sheet.columns.items():
            for row, number in zip(found.rows, found.numbers):
                if number == number or (row, column) in others:
                    yield row, column

    def __len__(self) -> int:
        return self._sheet.count


class Formulas(Mapping):
    """(row, column) → the cell's formula, as written ('=A5*B5')."""

    def __init__(self, sheet: Sheet):
        self._sheet = sheet

    def get(self, cell, default=None):
        row, column = cell
        found = self._sheet.columns.get(column)
        if found is None:
            return default
        i = found.find(row)
        if i < 0 or found.formulas[i] < 0:
            return default
        return from_template(self._sheet.templates[found.formulas[i]], row)

    def __getitem__(self, cell):
        value = self.get(cell)
        if value is None:
            raise KeyError(cell)
        return value

    def __contains__(self, cell) -> bool:
        return self.get(cell) is not None

    def __iter__(self):
        for column, found in self._sheet.columns.items():
            for row, template in zip(found.rows, found.formulas):
                if template >= 0:
                    yield row, column

    def __len__(self) -> int:
        return sum(1 for _ in self)


_MISSING = object()


class Workbook:
    """An .xlsx opened for reading: its sheets' titles in order, each sheet read on request."""

    def __init__(self, path, name: str, cells: bool = True):
        """With ``cells`` False, only the parts and the sheets' titles are read (no shared strings)."""
        self.name = name
        try:
            self.archive = zipfile.ZipFile(path)
            self.parts = {info.filename: info for info in self.archive.infolist()}
            book = self._main_part()
            relations = self._relations(book)
            self.date1904, sheets = _book(self._xml(book))
            self.sheets = [(title, relations[rid][1]) for title, rid in sheets
                           if rid in relations and relations[rid][0].endswith("/worksheet")]
            strings = next((target for kind, target in relations.values() if kind.endswith("/sharedStrings")), None)
            styles = next((target for kind, target in relations.values() if kind.endswith("/styles")), None)
            self.main, self.styles = book, styles
            self.strings = _strings(self._stream(strings), name) if cells and strings in self.parts else []
            self.dates = _date_styles(self._xml(styles)) if cells and styles in self.parts else set()
        except (Unreadable, Refused):
            self.close()
            raise
        except Exception as error:  # noqa: BLE001 - zipfile, expat, int(): all mean the file is damaged
            self.close()
            raise unreadable(name, " ".join(str(error).split()) or type(error).__name__) from None

    @property
    def titles(self) -> list[str]:
        return [title for title, _ in self.sheets]

    def close(self) -> None:
        archive = getattr(self, "archive", None)
        if archive is not None:
            archive.close()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()

    def _main_part(self) -> str:
        if "_rels/.rels" in self.parts:
            for kind, target in self._relations_of("_rels/.rels", "").values():
                if kind.endswith("/officeDocument"):
                    return target
        return "xl/workbook.xml"

    def _relations(self, part: str) -> dict[str, tuple[str, str]]:
        folder, file = posixpath.split(part)
        return self._relations_of(posixpath.join(folder, "_rels", file + ".rels"), folder)

    def _relations_of(self, rels: str, folder: str) -> dict[str, tuple[str, str]]:
        if rels not in self.parts:
            return {}
        found = {}
        for tag, attributes in _elements(self._xml(rels)):
            if tag == "Relationship" and attributes.get("TargetMode") != "External":
                target = attributes.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                found[attributes.get("Id")] = (attributes.get("Type", ""), path)
        return found

    def _stream(self, part: str):
        return self.archive.open(self.parts[part])

    def _xml(self, part: str) -> bytes:
        if part not in self.parts:
            raise unreadable(self.name, f"its part {part} is missing")
        with self._stream(part) as stream:
            return stream.read()

    def sheet(self, index: int) -> Sheet:
        """Read sheet ``index`` (in the workbook's order) whole, in one streaming pass."""
        title, part = self.sheets[index]
        sheet = Sheet(title)
        if part not in self.parts:
            return sheet  # a sheet whose part is missing reads as empty, as openpyxl has it
        try:
            with self._stream(part) as stream:
                _SheetReader(sheet, self).read(stream)
        except (Unreadable, Refused):
            raise
        except expat.ExpatError as error:
            raise Refused(f"{self.name} is damaged: its part {part} is not well-formed XML ({error}): save "
                                "or download it again and verify that") from None
        except Exception as error:  # noqa: BLE001 - zlib and zipfile raise many kinds; all mean damaged
            raise Refused(f"{self.name} is damaged: its zip archive is broken "
                                f"({' '.join(str(error).split()) or type(error).__name__}; an interrupted save or "
                                "download?): save or download it again and verify that") from None
        return sheet


def _parser(name: str) -> expat.XMLParserType:
    """expat without namespace processing (elements are told by their local names), refusing a DOCTYPE."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 1 << 16

    def declaration(*_):
        raise Refused(guard.doctype(name))
    parser.StartDoctypeDeclHandler = declaration
    return parser


def feed(parser, stream, name: str) -> None:
    """Parse ``stream`` a megabyte at a time. No run of bytes between two '>' may pass MAX_RUN: expat holds
    a whole tag (its attributes) in memory, and a worksheet may unpack to gigabytes, where one tag of them
    would be all of it; a cell's longest text (65,536 characters, escaped) is a third of that."""
    run = 0  # bytes since the last '>'
    while chunk := stream.read(CHUNK):
        first = chunk.find(b">")
        if run + (len(chunk) if first < 0 else first) > MAX_RUN:
            raise Refused(f"{name} holds a tag or a text of over {MAX_RUN // CHUNK} MB, more than a cell holds: "
                                f"{guard.SMALLER}")
        run = run + len(chunk) if first < 0 else len(chunk) - 1 - chunk.rfind(b">")
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _local(tag: str) -> str:
    return tag.rpartition(":")[2]


def _elements(xml: bytes) -> list[tuple[str, dict]]:
    """Every element of a small part (workbook, relationships, styles): (local name, attributes)."""
    found = []
    parser = _parser("")
    parser.StartElementHandler = lambda tag, attributes: found.append((_local(tag), attributes))
    parser.Parse(xml, True)
    return found


def _book(xml: bytes) -> tuple[bool, list[tuple[str, str]]]:
    """Whether dates count from 1904, and each sheet's (title, relationship id), in order."""
    date1904, sheets = False, []
    for tag, attributes in _elements(xml):
        if tag == "workbookPr":
            date1904 = attributes.get("date1904", "0").lower() in ("1", "true")
        elif tag == "sheet":
            rid = next((v for k, v in attributes.items() if _local(k) == "id"), None)
            sheets.append((attributes.get("name", ""), rid))
    return date1904, sheets


def _date_styles(xml: bytes) -> set[int]:
    """The cell styles (indices into cellXfs) whose number format shows a date or a time."""
    custom, styles, inside = {}, [], None
    for tag, attributes in _elements(xml):
        if tag == "numFmt":
            custom[attributes.get("numFmtId")] = attributes.get("formatCode", "")
        elif tag in ("cellXfs", "cellStyleXfs", "dxfs"):
            inside = tag
        elif tag == "xf" and inside == "cellXfs":
            styles.append(attributes.get("numFmtId", "0"))
    dates = set()
    for index, code in enumerate(styles):
        number = int(code) if code.isdigit() else -1
        if number in DATE_FORMATS or (code in custom and _is_date_format(custom[code])):
            dates.add(index)
    return dates


def _is_date_format(code: str) -> bool:
    """Does a custom number format show a date or a time (d, m, y, h, s outside quotes and brackets)?"""
    plain = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code.split(";")[0])
    return bool(re.search(r"[dmyhs]", plain, re.IGNORECASE)) and not re.fullmatch(r"[#0.,%E+\- ]*", plain)


def _strings(stream, name: str) -> list[str]:
    """The shared strings, each the text of its runs (phonetic guides left out), checked for length."""
    strings: list[str] = []
    text: list[str] = []
    depth = {"si": 0, "rPh": 0, "t": 0}
    size = [0]

    def start(tag, _):
        local = _local(tag)
        if local in depth:
            depth[local] += 1
            if local == "si":
                text.clear()
                size[0] = 0

    def end(tag):
        local = _local(tag)
        if local in depth:
            depth[local] -= 1
            if local == "si":
                strings.append("".join(text))

    def characters(data):
        if depth["t"] and not depth["rPh"]:
            size[0] += len(data)
            if size[0] > guard.MAX_TEXT:
                raise Refused(guard.too_long(name))
            text.append(data)

    parser = _parser(name)
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, characters
    with stream:
        feed(parser, stream, name)
    return strings


# The elements a worksheet reader acts on, by local name.
C, V, F, ROW, IS, T, RPH = range(7)
CODES = {"c": C, "v": V, "f": F, "row": ROW, "is": IS, "t": T, "rPh": RPH}


class _SheetReader:
    """expat's handlers for one worksheet, keeping each cell as it closes. Written for speed: a cell of
    sheetprop's own workbooks is six calls from expat, each a few look-ups."""

    def __init__(self, sheet: Sheet, book: Workbook):
        self.sheet, self.book, self.name = sheet, book, book.name
        self.row, self.column = 0, 0
        self.cell: tuple[int, int] | None = None
        self.kind = self.style = None
        self.formula: dict | None = None      # attributes of the open cell's <f>
        self.text: str | None = None          # the characters of the open <v>, <f> or <t>, or None
        self.value: str | None = None
        self.formula_text: str | None = None
        self.inline: list[str] | None = None  # the texts of an inline string's runs
        self.phonetic = 0
        self.shared: dict[str, tuple] = {}    # shared formula index → (text, cell), then its translator
        self.interned: dict[str, int] = {}
        self.claimed = 0          # cells with content, and array formulas' ranges
        self.kept = sum(map(len, book.strings))   # characters of text and formulas held
        self.ordered = True
        self.codes: dict[str, int | None] = {}

    def read(self, stream) -> None:
        parser = _parser(self.name)
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.characters
        feed(parser, stream, self.name)
        if not self.ordered:
            for found in self.sheet.columns.values():
                found.tidy()
            self.sheet.count = sum(1 for _ in self.sheet.values)

    def start(self, tag, attributes):
        code = self.codes.get(tag, -1)
        if code == -1:
            code = self.codes[tag] = CODES.get(_local(tag))
        if code == C:
            reference = attributes.get("r")
            match = CELL.match(reference) if reference else None
            if match:
                letters = match.group(1)
                column = COLUMNS.get(letters)
                if column is None:
                    column = COLUMNS[letters] = column_number(letters)
                self.column, self.row = column, int(match.group(2))
            else:
                self.column += 1
            self.cell = (self.row, self.column)
            self.kind, self.style = attributes.get("t", "n"), attributes.get("s")
            self.formula = self.value = self.formula_text = self.inline = None
        elif code == V:
            self.text = ""
        elif code == F:
            self.formula, self.text = attributes, ""
        elif code == ROW:
            reference = attributes.get("r")
            self.row = int(reference) if reference and reference.isdigit() else self.row + 1
            self.column = 0
        elif code == IS:
            self.inline = []
        elif code == T:
            if self.inline is not None and not self.phonetic:
                self.text = ""
        elif code == RPH:
            self.phonetic += 1

    def characters(self, data):
        if self.text is not None:
            text = self.text = self.text + data if self.text else data
            if len(text) > guard.MAX_TEXT:
                raise Refused(guard.too_long(self.name))

    def end(self, tag):
        code = self.codes.get(tag)
        if code == C:
            if self.cell:
                self.keep()
            self.cell = None
        elif code == V:
            self.value, self.text = self.text, None
        elif code == F:
            self.formula_text, self.text = self.text, None
        elif code == T:
            if self.text is not None and self.inline is not None:
                self.inline.append(self.text)
                if sum(map(len, self.inline)) > guard.MAX_TEXT:
                    raise Refused(guard.too_long(self.name))
            self.text = None
        elif code == RPH:
            self.phonetic -= 1

    def keep(self) -> None:
        """Store the cell that just closed."""
        row, column = cell = self.cell
        formula = self._formula(cell) if self.formula is not None else None
        raw = self.value
        value = None
        if self.kind == "n" and raw and not (self.style is not None and self.book.dates):
            try:
                value = float(raw)
            except ValueError:
                pass
            if value is not None and value - value != 0.0:
                value = None  # not finite: a number too large, kept as written below
        if value is None:
            value = self._value()
        if value is None and formula is None:
            return
        self.claimed += 1
        if self.claimed > guard.MAX_SHEET_CELLS:
            raise Refused(guard.too_many_cells(self.name, guard.MAX_SHEET_CELLS, "cells with content in one sheet"))
        sheet = self.sheet
        found = sheet.columns.get(column)
        if found is None:
            found = sheet.columns[column] = _Column()
        elif found.rows[-1] >= row:
            self.ordered = False
        found.rows.append(row)
        if value.__class__ is float:
            found.numbers.append(value)
            sheet.count += 1
        else:
            found.numbers.append(NAN)
            if value is not None:
                sheet.others[cell] = value
                sheet.count += 1
                if len(sheet.others) > guard.MAX_CELLS:  # some 150 bytes each as held, where a number takes 20
                    raise Refused(guard.too_many_cells(self.name, guard.MAX_CELLS, "cells of text in one sheet"))
                if self.kind != "s" and value.__class__ is str:  # a shared string is held once, in the book
                    self._keep_characters(len(value))
            else:
                sheet.uncached += 1
        if formula is None:
            found.formulas.append(-1)
        else:
            template = row_template(formula, row)
            index = self.interned.get(template)
            if index is None:
                self._keep_characters(len(template))
                index = self.interned[template] = len(sheet.templates)
                sheet.templates.append(template)
            found.formulas.append(index)

    def _keep_characters(self, count: int) -> None:
        self.kept += count
        if self.kept > guard.MAX_KEPT:
            raise Refused(guard.too_much_text(self.name))

    def _formula(self, cell: tuple[int, int]) -> str | None:
        attributes, text = self.formula, self.formula_text
        kind = attributes.get("t", "normal")
        if kind == "dataTable":
            return None  # a what-if table's cells: no formula of their own
        if kind == "array" and "ref" in attributes:
            self.claimed += guard.area(attributes["ref"]) - 1
        if kind == "shared" and "si" in attributes:
            if text:
                self.shared[attributes["si"]] = (text, cell)
            elif attributes["si"] in self.shared:
                text = self._translate(attributes["si"], cell)
        return "=" + text if text else None

    def _translate(self, index: str, cell: tuple[int, int]) -> str:
        """A shared formula's text in another cell of its range (as Excel fills it), by openpyxl's
        translator, made once per shared formula (it tokenizes the formula)."""
        found = self.shared[index]
        if isinstance(found[0], str):
            from openpyxl.formula.translate import Translator

            found = self.shared[index] = (Translator("=" + found[0], origin=_a1(found[1])),)
        return found[0].translate_formula(_a1(cell))[1:]

    def _value(self):
        """The open cell's value as Python holds it, or None when it has none."""
        raw, kind = self.value, self.kind
        if kind == "inlineStr":
            text = "".join(self.inline) if self.inline is not None else raw
            return text or None
        if raw is None or raw == "":
            return None
        if kind == "s":
            try:
                text = self.book.strings[int(raw)]
            except (ValueError, IndexError):
                raise unreadable(self.name, f"a cell refers to shared string {raw[:20]!r}, which the file does not "
                                            "hold") from None
            return text or None
        if kind in ("str", "e"):
            return raw
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind == "d":
            return _iso_date(raw)
        return self._number(raw)

    def _number(self, raw: str):
        try:
            number = float(raw)
        except ValueError:
            raise unreadable(self.name, f"cell {_a1(self.cell)} holds {raw[:40]!r} where a number belongs") from None
        if not math.isfinite(number):
            try:
                return int(raw)  # a number too large for a spreadsheet: kept as written, never judged a number
            except ValueError:
                return number
        if self.style is not None and self.style.isdigit() and int(self.style) in self.book.dates:
            return _date(number, self.book.date1904)
        return number


def _a1(cell: tuple[int, int]) -> str:
    row, column = cell
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def _date(serial: float, date1904: bool):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

    try:
        return from_excel(serial, CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900)
    except (ValueError, OverflowError):
        return serial


def _iso_date(text: str):
    import datetime

    try:
        return datetime.datetime.fromisoformat(text.rstrip("Z"))
    except ValueError:
        return text
