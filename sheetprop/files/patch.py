"""An annotated copy made by patching the .xlsx package, streaming, in bounded memory.

Every part of the zip is copied as it is (its compressed bytes, not inflated and deflated again) except:
the styles (a light-red fill, and for each style a flagged cell has a copy of it with that fill, so that
number formats, fonts and borders stay); each sheet holding flagged cells, inflated a megabyte at a time
and passed through with those cells' ``s`` attribute changed (a flagged cell the file does not hold is
inserted) and a ``<legacyDrawing>`` added when the sheet has none; the sheet's comments and VML drawing
(new parts, or the sheet's own with ours merged in: a cell that already has a comment keeps it, ours
added below it), its relationships and ``[Content_Types].xml``. The comments' XML and VML shapes are
XlsxWriter's own, written for our notes and spliced in. Charts, images and everything else stay byte
for byte.

A package of a kind this does not handle raises CannotPatch before anything is kept (macro-enabled,
Strict OOXML, styles without fills or cell formats, VML whose prefixes mean other things), and
annotate.py writes the copy with openpyxl instead.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
from html import unescape
from pathlib import Path

from sheetprop.files import xlsx as reader
from sheetprop.files.errors import CannotPatch, FileError

CHUNK = reader.CHUNK
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
COMMENTS_TYPE = RELATIONSHIPS + "/comments"
VML_TYPE = RELATIONSHIPS + "/vmlDrawing"
COMMENTS_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_CONTENT = "application/vnd.openxmlformats-officedocument.vmlDrawing"
VML_NAMESPACES = {b"v": b"urn:schemas-microsoft-com:vml", b"o": b"urn:schemas-microsoft-com:office:office",
                  b"x": b"urn:schemas-microsoft-com:office:excel"}
# The worksheet's children that come after <legacyDrawing>, and after <pageSetup> (ECMA-376 CT_Worksheet's
# sequence).
AFTER_LEGACY = {b"legacyDrawingHF", b"drawingHF", b"picture", b"oleObjects", b"controls", b"webPublishItems",
                b"tableParts", b"extLst"}
AFTER_PAGE_SETUP = {b"headerFooter", b"rowBreaks", b"colBreaks", b"customProperties", b"cellWatches",
                    b"ignoredErrors", b"smartTags", b"drawing", b"legacyDrawing"} | AFTER_LEGACY
WORKBOOK_TYPE = re.compile(rb"application/vnd\.openxmlformats-officedocument\.spreadsheetml\.(?:sheet|template)\.main\+xml")
WIDTH, HEIGHT = 420, 160  # a note's box, in pixels

# Every tag of a small part: comments, CDATA, processing instructions and declarations, then elements
# (attribute values may hold '>').
TAG = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<![^>]*>"
                 rb"|<(/?)([^\s/>]+)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S)
TAG_END = re.compile(rb"[\"'>]")
ATTRIBUTE = re.compile(rb"([^\s=]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def attributes(tag: bytes) -> dict[bytes, bytes]:
    """The attributes of one start tag, by name as written, values as written (not unescaped)."""
    return {m[1]: m[2] if m[2] is not None else m[3] for m in ATTRIBUTE.finditer(tag)}


def with_attributes(tag: bytes, values: dict[bytes, bytes]) -> bytes:
    """``tag`` with each of ``values`` set: replaced where it is written, added after the name where not."""
    for name, value in values.items():
        pattern = re.compile(rb"(\s" + re.escape(name) + rb"\s*=\s*)(\"[^\"]*\"|'[^']*')")
        if pattern.search(tag):
            tag = pattern.sub(lambda m: m[1] + b'"' + value + b'"', tag, count=1)
        else:
            name_end = re.match(rb"<[^\s/>]+", tag).end()
            tag = tag[:name_end] + b" " + name + b'="' + value + b'"' + tag[name_end:]
    return tag


def split_name(name: bytes) -> tuple[bytes, bytes]:
    """b'x:row' → (b'x:', b'row')."""
    prefix, _, local = name.rpartition(b":")
    return (prefix + b":" if prefix else b""), local


def tags(xml: bytes):
    """(start, end, closing, prefix, local name, attribute text, self-closing) of every element tag."""
    for m in TAG.finditer(xml):
        if m[2] is None:
            continue
        prefix, local = split_name(m[2])
        text = m[3]
        yield m.start(), m.end(), bool(m[1]), prefix, local, text, text.rstrip().endswith(b"/")


def root(xml: bytes) -> tuple[bytes, bytes, dict[bytes, bytes]]:
    """The root element's prefix, local name and attributes."""
    for _, _, closing, prefix, local, text, _ in tags(xml):
        return prefix, local, attributes(text)
    raise CannotPatch("a part holds no element")


def main_prefix(prefix: bytes, declared: dict[bytes, bytes]) -> bytes:
    """The root's prefix, which must name SpreadsheetML's transitional namespace (Strict is left to openpyxl)."""
    uri = declared.get(b"xmlns:" + prefix[:-1] if prefix else b"xmlns")
    if uri != MAIN:
        raise CannotPatch(f"its namespace is {(uri or b'none').decode(errors='replace')}")
    return prefix


# ---------------------------------------------------------------------------------------------- styles

class Styles:
    """styles.xml with one fill added, and a copy with that fill of each cell format a flagged cell has."""

    def __init__(self, xml: bytes, fill: str):
        self.xml = xml
        prefix, local, declared = root(xml)
        self.p = main_prefix(prefix, declared)
        self.fill, self.added, self.new = fill, [], {}
        self.fills = self.xfs = None      # ((start, end) of the start tag, start of the end tag or None)
        children: dict[bytes, list[tuple[int, int]]] = {b"fills": [], b"cellXfs": []}
        child = {b"fills": b"fill", b"cellXfs": b"xf"}
        stack: list[tuple[bytes, bytes, int, int]] = []   # open elements: prefix, name, start, end of start tag

        def element(p, name, start, tag_end, close, end):  # one element closed, its ancestors on the stack
            if p != self.p:
                return
            if len(stack) == 1 and name in child:
                setattr(self, "fills" if name == b"fills" else "xfs", ((start, tag_end), close))
            elif len(stack) == 2 and stack[1][0] == self.p and child.get(stack[1][1]) == name:
                children[stack[1][1]].append((start, end))

        for start, end, closing, p, name, _, empty in tags(xml):
            if closing:
                op, oname, ostart, oend = stack.pop()
                element(op, oname, ostart, oend, start, end)
            elif empty:
                element(p, name, start, end, None, end)
            else:
                stack.append((p, name, start, end))
        if self.fills is None or self.xfs is None or self.xfs[1] is None:
            raise CannotPatch("its styles have no fills or no cell formats")
        self.fill_spans, self.xf_spans = children[b"fills"], children[b"cellXfs"]
        self.fill_id = max(len(self.fill_spans), 2)  # fills 0 and 1 are Excel's none and gray125

    def restyle(self, style: bytes | None) -> bytes:
        """The index of the cell format ``style`` (a cell's ``s``; None or junk: format 0) with the fill."""
        key = style if style is not None and style.isdigit() else b"0"
        if key not in self.new:
            self.new[key] = b"%d" % (len(self.xf_spans) + len(self.new))
        return self.new[key]

    def render(self) -> bytes:
        """The styles part, patched."""
        p, xml = self.p, self.xml
        fill = (b"<%sfill><%spatternFill patternType=\"solid\"><%sfgColor rgb=\"FF%s\"/><%sbgColor indexed=\"64\"/>"
                b"</%spatternFill></%sfill>" % (p, p, p, self.fill.encode(), p, p, p))
        defaults = [b'<%sfill><%spatternFill patternType="%s"/></%sfill>' % (p, p, kind, p)
                    for kind in (b"none", b"gray125")][len(self.fill_spans):]
        edits = []  # (start, end, replacement)
        (fills_start, fills_end), fills_close = self.fills
        count = b"%d" % (self.fill_id + 1)
        opening = xml[fills_start:fills_end]
        if fills_close is None:  # <fills/>
            opening = opening[:-2].rstrip() + b">"
            edits.append((fills_start, fills_end, with_attributes(opening, {b"count": count}) + b"".join(defaults)
                          + fill + b"</%sfills>" % p))
        else:
            edits.append((fills_start, fills_end, with_attributes(opening, {b"count": count})))
            edits.append((fills_close, fills_close, b"".join(defaults) + fill))
        (xfs_start, xfs_end), xfs_close = self.xfs
        formats = []
        for old in sorted(self.new, key=lambda k: int(self.new[k])):
            index = int(old)
            if index < len(self.xf_spans):
                start, end = self.xf_spans[index]
                element = xml[start:end]
            else:
                element = b'<%sxf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' % p
            tag_end = TAG.match(element).end()
            formats.append(with_attributes(element[:tag_end], {b"fillId": b"%d" % self.fill_id, b"applyFill": b"1"})
                           + element[tag_end:])
        edits.append((xfs_start, xfs_end, with_attributes(xml[xfs_start:xfs_end],
                                                          {b"count": b"%d" % (len(self.xf_spans) + len(formats))})))
        edits.append((xfs_close, xfs_close, b"".join(formats)))
        return spliced(xml, edits)


def spliced(xml: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """``xml`` with each (start, end) replaced, the edits apart from one another."""
    out, last = [], 0
    for start, end, text in sorted(edits, key=lambda e: (e[0], e[1])):
        out += [xml[last:start], text]
        last = end
    out.append(xml[last:])
    return b"".join(out)


# ---------------------------------------------------------------------------------------------- a sheet

class _Stream:
    """A part read a megabyte at a time and written on as it is passed: ``buf[pos:]`` is not written yet."""

    def __init__(self, stream, write):
        self.stream, self.write = stream, write
        self.buf, self.pos, self.eof = b"", 0, False

    def more(self) -> bool:
        """Read the next chunk onto the buffer (positions in it stay valid)."""
        if not self.eof:
            chunk = self.stream.read(CHUNK)
            if chunk:
                self.buf += chunk
                return True
            self.eof = True
        return False

    def copy(self, upto: int) -> None:
        if upto > self.pos:
            self.write(self.buf[self.pos:upto])
            self.pos = upto

    def replace(self, end: int, text: bytes) -> None:
        """Write ``text`` in place of ``buf[pos:end]``."""
        self.write(text)
        self.pos = end

    def find(self, pattern: re.Pattern, margin: int):
        """The next match of ``pattern`` (whose matches are at most ``margin`` bytes), what comes before it
        written; None at the end of the part, everything written."""
        if self.pos >= CHUNK:
            self.buf, self.pos = self.buf[self.pos:], 0
        while True:
            found = pattern.search(self.buf, self.pos)
            if found:
                self.copy(found.start())
                return found
            if self.eof:
                self.copy(len(self.buf))
                return None
            # A match cut by the chunk's end starts with a '<' among the last ``margin`` bytes.
            cut = self.buf.find(b"<", max(self.pos, len(self.buf) - margin))
            self.copy(cut if cut >= 0 else len(self.buf))
            self.buf, self.pos = self.buf[self.pos:], 0
            self.more()

    def tag_end(self, start: int) -> int:
        """The end of the tag that opens at ``start`` ('>' outside quoted attribute values)."""
        i = start + 1
        while True:
            found = TAG_END.search(self.buf, i)
            if found is None:
                if not self.more():
                    raise CannotPatch("a tag never closes")
                continue
            if self.buf[found.start()] == ord(">"):
                return found.end()
            close = self.buf.find(self.buf[found.start():found.start() + 1], found.end())
            while close < 0:
                if not self.more():
                    raise CannotPatch("an attribute value never closes")
                close = self.buf.find(self.buf[found.start():found.start() + 1], found.end())
            i = close + 1

    def skip(self, terminator: bytes) -> None:
        """Write through the end of a comment, CDATA section or processing instruction."""
        start = self.pos + 2  # past '<!' or '<?', whose '-', '[' or '?' may not close it
        while True:
            end = self.buf.find(terminator, start)
            if end >= 0:
                self.copy(end + len(terminator))
                return
            self.copy(max(start, len(self.buf) - len(terminator)))
            self.buf, self.pos = self.buf[self.pos:], 0
            start = 0
            if not self.more():
                raise CannotPatch("a comment never closes")

    def rest(self) -> None:
        self.copy(len(self.buf))
        while chunk := self.stream.read(CHUNK):
            self.write(chunk)
        self.buf, self.pos, self.eof = b"", 0, True


OTHER = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>"}


def _pattern(*alternatives: bytes) -> re.Pattern:
    return re.compile(rb"<(?:!--|!\[CDATA\[|\?|" + b"|".join(alternatives) + rb")")


class SheetPatch:
    """One worksheet streamed through: flagged cells restyled (inserted where missing), its comments
    printed at the end (its page setup's ``cellComments``), a legacy drawing added when the sheet has
    none. ``legacy`` is then the existing one's relationship id, if any."""

    def __init__(self, styles: Styles, flagged: set[tuple[int, int]], new_legacy: str | None):
        self.styles, self.new_legacy, self.legacy = styles, new_legacy, None
        self.rows: dict[int, set[int]] = {}
        for row, column in flagged:
            self.rows.setdefault(row, set()).add(column)
        self.pending = sorted(self.rows)
        self.column_styles: list[tuple[int, int, bytes]] = []
        self.page_setup = False  # written (or rewritten) yet

    def run(self, stream, write) -> None:
        s = self.s = _Stream(stream, write)
        general = _pattern(rb"/?[A-Za-z_]")
        found = s.find(general, 16)
        while found is not None and found[0] in OTHER:
            s.skip(OTHER[found[0]])
            found = s.find(general, 16)
        if found is None:
            raise CannotPatch("a sheet holds no element")
        end = s.tag_end(found.start())
        prefix, _, declared = root(s.buf[found.start():end])
        p = self.p = main_prefix(prefix, declared)
        s.copy(end)
        q = re.escape(p)
        self._head(_pattern(q + rb"col(?=[\s/>])", q + rb"sheetData(?=[\s/>])"), len(p) + 12)
        self._tail(general)

    def _head(self, pattern: re.Pattern, margin: int) -> None:
        s = self.s
        while (found := s.find(pattern, margin)) is not None:
            if found[0] in OTHER:
                s.skip(OTHER[found[0]])
                continue
            end = s.tag_end(found.start())
            tag = s.buf[found.start():end]
            if found[0].endswith(b"col"):
                a = attributes(tag)
                if a.get(b"style", b"").isdigit() and a.get(b"min", b"").isdigit():
                    self.column_styles.append((int(a[b"min"]), int(a.get(b"max", a[b"min"])), a[b"style"]))
                s.copy(end)
                continue
            if tag.rstrip(b"> \t\r\n").endswith(b"/"):  # <sheetData/>
                s.replace(end, tag[:tag.rindex(b"/")].rstrip() + b">" + self._missing_rows(None)
                          + b"</%ssheetData>" % self.p)
            else:
                s.copy(end)
                self._sheet_data()
            return
        raise CannotPatch("a sheet holds no sheetData")

    def _sheet_data(self) -> None:
        s, q = self.s, re.escape(self.p)
        pattern = _pattern(q + rb"row(?=[\s/>])", b"/" + q + rb"sheetData(?=[\s>])")
        cells = _pattern(q + rb"c(?=[\s/>])", b"/" + q + rb"row(?=[\s>])")
        margin = len(self.p) + 16
        row = 0
        while (found := s.find(pattern, margin)) is not None:
            if found[0] in OTHER:
                s.skip(OTHER[found[0]])
                continue
            if found[0][1:2] == b"/":  # </sheetData>
                s.write(self._missing_rows(None))
                s.copy(s.tag_end(found.start()))
                return
            end = s.tag_end(found.start())
            tag = s.buf[found.start():end]
            number = attributes(tag).get(b"r", b"")
            row = int(number) if number.isdigit() else row + 1
            before = self._missing_rows(row)
            if before:
                s.write(before)
            if self.pending and self.pending[0] == row:
                self.pending.pop(0)
                self._row(tag, end, row, cells, margin)
            else:
                s.copy(end)
        raise CannotPatch("a sheet's sheetData never closes")

    def _row(self, tag: bytes, end: int, row: int, pattern: re.Pattern, margin: int) -> None:
        s, p = self.s, self.p
        wanted = set(self.rows[row])
        a = attributes(tag)
        row_style = a.get(b"s") if a.get(b"customFormat", b"0") in (b"1", b"true") else None
        if tag.rstrip(b"> \t\r\n").endswith(b"/"):  # <row/>
            s.replace(end, tag[:tag.rindex(b"/")].rstrip() + b">" + self._cells(row, wanted, row_style)
                      + b"</%srow>" % p)
            return
        s.copy(end)
        column = 0
        while (found := s.find(pattern, margin)) is not None:
            if found[0] in OTHER:
                s.skip(OTHER[found[0]])
                continue
            if found[0][1:2] == b"/":  # </row>
                s.write(self._cells(row, wanted, row_style))
                s.copy(s.tag_end(found.start()))
                return
            end = s.tag_end(found.start())
            tag = s.buf[found.start():end]
            a = attributes(tag)
            match = reader.CELL.match(a.get(b"r", b"").decode("ascii", "replace"))
            column = reader.column_number(match[1]) if match else column + 1
            before = {c for c in wanted if c < column}
            if before:
                s.write(self._cells(row, before, row_style))
                wanted -= before
            if column in wanted:
                wanted.discard(column)
                s.replace(end, with_attributes(tag, {b"s": self.styles.restyle(a.get(b"s"))}))
            else:
                s.copy(end)
        raise CannotPatch("a row never closes")

    def _cells(self, row: int, columns: set[int], row_style: bytes | None) -> bytes:
        """Empty cells for flagged cells the file does not hold, in the style they show (the row's, else
        the column's), with the fill."""
        out = []
        for column in sorted(columns):
            style = row_style or next((st for lo, hi, st in self.column_styles if lo <= column <= hi), None)
            out.append(b'<%sc r="%s" s="%s"/>' % (self.p, reader._a1((row, column)).encode(),
                                                   self.styles.restyle(style)))
        return b"".join(out)

    def _missing_rows(self, before: int | None) -> bytes:
        """Rows holding flagged cells that the file does not hold, above row ``before`` (None: all)."""
        out = []
        while self.pending and (before is None or self.pending[0] < before):
            row = self.pending.pop(0)
            out.append(b'<%srow r="%d">%s</%srow>' % (self.p, row, self._cells(row, self.rows[row], None), self.p))
        return b"".join(out)

    def _tail(self, pattern: re.Pattern) -> None:
        """After sheetData: find the sheet's legacy drawing, or put ours where the schema wants it."""
        s, p = self.s, self.p
        depth = 1
        while (found := s.find(pattern, 16)) is not None:
            if found[0] in OTHER:
                s.skip(OTHER[found[0]])
                continue
            end = s.tag_end(found.start())
            tag = s.buf[found.start():end]
            closing = tag[1:2] == b"/"
            prefix, name = split_name(re.match(rb"</?([^\s/>]+)", tag)[1])
            if closing:
                depth -= 1
                if depth == 0:
                    self._add_page_setup()
                    self._add_legacy()
                    s.rest()
                    return
            elif depth == 1 and prefix == p:
                if name == b"pageSetup":
                    s.replace(end, with_attributes(tag, {b"cellComments": b"atEnd"}))
                    self.page_setup = True
                    if not tag.rstrip(b"> \t\r\n").endswith(b"/"):
                        depth += 1
                    continue
                if name in AFTER_PAGE_SETUP:
                    self._add_page_setup()
                if name == b"legacyDrawing":
                    self.legacy = next((v.decode() for k, v in attributes(tag).items() if k.endswith(b":id")), None)
                    if self.legacy is None:
                        raise CannotPatch("a sheet's legacyDrawing names no relationship")
                    s.rest()
                    return
                if name in AFTER_LEGACY:
                    self._add_legacy()
                    s.rest()
                    return
            if not closing and not tag.rstrip(b"> \t\r\n").endswith(b"/"):
                depth += 1
            s.copy(end)
        raise CannotPatch("a sheet never closes")

    def _add_page_setup(self) -> None:
        if not self.page_setup:
            self.s.write(b'<%spageSetup cellComments="atEnd"/>' % self.p)
            self.page_setup = True

    def _add_legacy(self) -> None:
        if self.new_legacy:
            self.s.write(b'<%slegacyDrawing xmlns:r="%s" r:id="%s"/>' % (self.p, RELATIONSHIPS.encode(),
                                                                          self.new_legacy.encode()))


# ---------------------------------------------------------------------------------------------- comments

def xlsxwriter_notes(notes: list[tuple[int, int, str]]) -> tuple[bytes, bytes]:
    """XlsxWriter's comments part and VML drawing for ``notes`` (row, column, text) on one sheet: its
    first drawing (o:idmap data 1, shapes from _x0000_s1025)."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    for row, column, text in notes:
        sheet.write_comment(row - 1, column - 1, text, {"author": "sheetprop", "width": WIDTH, "height": HEIGHT})
    workbook.close()
    with zipfile.ZipFile(buffer) as archive:
        return archive.read("xl/comments1.xml"), archive.read("xl/drawings/vmlDrawing1.vml")


def renumbered(vml: bytes, first: int) -> bytes:
    """XlsxWriter's VML with its blocks of shape ids (1, 2, …) moved to ``first``, ``first`` + 1, …"""
    shift = first - 1
    vml = re.sub(rb"_x0000_s(\d+)", lambda m: b"_x0000_s%d" % (int(m[1]) + 1024 * shift), vml)
    return re.sub(rb'(<o:idmap v:ext="edit" data=")([^"]*)"',
                  lambda m: m[1] + b",".join(b"%d" % (int(b) + shift) for b in m[2].split(b",")) + b'"', vml)


def blocks_of(vml: bytes) -> set[int]:
    """The blocks of shape ids (1024 each) a VML drawing declares or uses."""
    used = {int(n) for m in re.finditer(rb"idmap\b[^>]*?\sdata\s*=\s*[\"']([^\"']*)", vml)
            for n in re.split(rb"[,\s]+", m[1]) if n.isdigit()}
    return used | {int(m[1]) // 1024 for m in re.finditer(rb"_x0000_s(\d+)", vml)}


def merged_vml(existing: bytes, ours: bytes) -> bytes:
    """The sheet's own VML drawing with our shapes (renumbered XlsxWriter VML) added at its end."""
    start = re.search(rb"<xml\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", existing)
    close = existing.rfind(b"</xml>")
    if start is None or close < 0:
        raise CannotPatch("a VML drawing that is not one <xml> element")
    opening = start[0]
    declared = {m[1]: m[2] for m in re.finditer(rb"xmlns:(\w+)\s*=\s*[\"']([^\"']*)", opening)}
    for prefix, uri in VML_NAMESPACES.items():
        if prefix not in declared:
            opening = opening[:4] + b' xmlns:%s="%s"' % (prefix, uri) + opening[4:]
        elif declared[prefix] != uri:
            raise CannotPatch("a VML drawing whose prefixes mean other things")
    shapes = b"".join(re.findall(rb"<v:shape .*?</v:shape>", ours, re.S))
    if not re.search(rb"id\s*=\s*[\"']_x0000_t202[\"']", existing):
        shapes = re.search(rb"<v:shapetype .*?</v:shapetype>", ours, re.S)[0] + shapes
    data = re.search(rb'data="([^"]*)"', ours)[1]
    edits = [(start.start(), start.end(), opening), (close, close, shapes)]
    idmap = re.search(rb"(idmap\b[^>]*?\sdata\s*=\s*)([\"'])([^\"']*)\2", existing)
    if idmap:
        edits.append((idmap.start(3), idmap.end(3), (idmap[3] + b"," if idmap[3].strip() else b"") + data))
    else:
        edits.append((start.end(), start.end(), b'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="%s"/>'
                                                b"</o:shapelayout>" % data))
    return spliced(existing, edits)


def comment_refs(xml: bytes) -> set[str]:
    """The cells a comments part comments on, upper case."""
    return {attributes(text).get(b"ref", b"").decode().upper() for _, _, closing, _, name, text, _ in tags(xml)
            if name == b"comment" and not closing}


def merged_comments(existing: bytes, new: bytes | None, appended: bytes | None) -> bytes:
    """The sheet's own comments part with XlsxWriter's ``new`` comments added and the runs of ``appended``
    put after the text of the comment each belongs to."""
    prefix, _, declared = root(existing)
    p = main_prefix(prefix, declared)

    def ours(xml):  # ref → the runs of our text, in the part's prefix
        found = {}
        for m in re.finditer(rb'<comment ref="([A-Z]+[0-9]+)" authorId="\d+">(.*?)</comment>', xml or b"", re.S):
            found[m[1].decode()] = re.sub(rb"<(/?)(?=[A-Za-z])", rb"<\1" + p, m[2]) if p else m[2]
        return found

    new_comments, appended_runs = ours(new), {ref: re.sub(rb"^<%stext>|</%stext>$" % (p, p), b"", runs)
                                              for ref, runs in ours(appended).items()}
    edits, author_end, list_end = [], None, None
    current = text_end = None
    for start, end, closing, pre, name, text, empty in tags(existing):
        if pre != p:
            continue
        if name == b"authors":
            if empty:
                author_end = (start, end)
            elif closing:
                author_end = (start, start)
        elif name == b"commentList":
            if empty:
                list_end = (start, end)
            elif closing:
                list_end = (start, start)
        elif name == b"comment" and not closing:
            current = attributes(text).get(b"ref", b"").decode().upper()
            text_end = None
        elif name in (b"rPh", b"phoneticPr") and current in appended_runs and text_end is None and not closing:
            text_end = start
        elif name == b"text" and closing and current in appended_runs:
            edits.append(((text_end if text_end is not None else start), appended_runs.pop(current)))
    if author_end is None or list_end is None:
        raise CannotPatch("a comments part without authors or a comment list")
    names = [unescape(m[1].decode()) for m in re.finditer(rb"<%sauthor>(.*?)</%sauthor>" % (p, p), existing, re.S)]
    author = names.index("sheetprop") if "sheetprop" in names else len(names)
    changes = [(at, at, text) for at, text in edits]
    if new_comments:
        listing = b"".join(b'<%scomment ref="%s" authorId="%d">%s</%scomment>' % (p, ref.encode(), author, runs, p)
                           for ref, runs in new_comments.items())
        start, end = list_end
        if start == end:
            changes.append((start, start, listing))
        else:
            changes.append((start, end, b"<%scommentList>%s</%scommentList>" % (p, listing, p)))
    if author == len(names) and new_comments:
        start, end = author_end
        entry = b"<%sauthor>sheetprop</%sauthor>" % (p, p)
        changes.append((start, end, entry if start == end else b"<%sauthors>%s</%sauthors>" % (p, entry, p)))
    return spliced(existing, changes)


def with_relations(existing: bytes | None, added: list[tuple[str, str, str]]) -> bytes:
    """A relationships part with (id, type, target) added (or a new part holding only those)."""
    entries = "".join(f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"/>' for rid, kind, target in added)
    if existing is None:
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
                f'"http://schemas.openxmlformats.org/package/2006/relationships">{entries}</Relationships>').encode()
    close = re.search(rb"</((?:[^\s:>]+:)?)Relationships\s*>", existing)
    if close is None:
        raise CannotPatch("a relationships part that does not close")
    prefix = close[1]
    if prefix:
        entries = entries.replace("<Relationship ", f"<{prefix.decode()}Relationship ")
    return spliced(existing, [(close.start(), close.start(), entries.encode())])


def with_content_types(xml: bytes, overrides: list[str], vml: bool) -> bytes:
    """[Content_Types].xml with an Override for each new comments part and, when needed, vml's Default."""
    close = re.search(rb"</((?:[^\s:>]+:)?)Types\s*>", xml)
    opening = re.search(rb"<((?:[^\s:>/]+:)?)Types\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", xml)
    if close is None or opening is None:
        raise CannotPatch("a [Content_Types].xml that is not one Types element")
    p = close[1].decode()
    edits = []
    if vml and not re.search(rb"<%sDefault\s[^>]*Extension\s*=\s*[\"']vml[\"']" % close[1], xml, re.I):
        default = f'<{p}Default Extension="vml" ContentType="{VML_CONTENT}"/>'
        edits.append((opening.end(), opening.end(), default.encode()))
    entries = "".join(f'<{p}Override PartName="/{name}" ContentType="{COMMENTS_CONTENT}"/>' for name in overrides)
    edits.append((close.start(), close.start(), entries.encode()))
    return spliced(xml, edits)


# ---------------------------------------------------------------------------------------------- the package

def copy_raw(source: zipfile.ZipFile, info: zipfile.ZipInfo, out: zipfile.ZipFile) -> None:
    """Copy one member's compressed bytes as they are (no inflating and deflating again)."""
    fp = source.fp
    fp.seek(info.header_offset)
    header = fp.read(30)
    if header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    fp.seek(info.header_offset + 30 + name_length + extra_length)
    copy = zipfile.ZipInfo(info.filename, info.date_time)
    copy.compress_type, copy.CRC = info.compress_type, info.CRC
    copy.compress_size, copy.file_size = info.compress_size, info.file_size
    copy.external_attr, copy.create_system = info.external_attr, info.create_system
    copy.flag_bits = info.flag_bits & 0x800  # UTF-8 names; sizes go in the local header, not a descriptor
    zip64 = copy.file_size > zipfile.ZIP64_LIMIT or copy.compress_size > zipfile.ZIP64_LIMIT
    copy.header_offset = out.fp.tell()
    out.fp.write(copy.FileHeader(zip64))
    left = info.compress_size
    while left:
        block = fp.read(min(left, CHUNK))
        if not block:
            raise zipfile.BadZipFile(f"{info.filename} is cut short")
        out.fp.write(block)
        left -= len(block)
    out.filelist.append(copy)
    out.NameToInfo[copy.filename] = copy
    out.start_dir = out.fp.tell()


class _Plan:
    """What changes for one sheet with flagged cells."""

    def __init__(self, title: str, part: str, notes: dict[tuple[int, int], str]):
        self.title, self.part, self.notes = title, part, notes
        folder, file = posixpath.split(part)
        self.folder, self.rels = folder, posixpath.join(folder, "_rels", file + ".rels")


def patch(source: Path, out: Path, marks: dict[str, dict[tuple[int, int], str]], fill: str, name: str,
          template: bool = False) -> None:
    """Write ``out``: ``source`` with each sheet's flagged cells (title → (row, column) → note) filled
    ``fill`` and commented, a workbook (or with ``template``, a template: .xltx) whatever ``source`` was.
    Raises CannotPatch, before anything is kept, for a package left to openpyxl."""
    try:
        book = reader.Workbook(source, name, cells=False)
    except FileError as why:
        raise CannotPatch(str(why)) from None
    with book, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as target:
        archive, parts = book.archive, book.parts
        types = "[Content_Types].xml"
        if types not in parts or book.styles not in parts:
            raise CannotPatch("no [Content_Types].xml or no styles")
        content_types = book._xml(types)
        if b"macroEnabled" in content_types:
            raise CannotPatch("a macro-enabled workbook")
        kind = b"template" if template else b"sheet"
        content_types = WORKBOOK_TYPE.sub(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.%s.main+xml" % kind, content_types)
        styles = Styles(book._xml(book.styles), fill)
        sheets = dict(book.sheets)
        taken = {n.lower() for n in parts}
        top = posixpath.dirname(book.main) or "xl"
        blocks = set()
        for part in parts:
            if part.lower().endswith(".vml"):
                blocks |= blocks_of(book._xml(part))
        plans, overrides, deferred = [], [], {book.styles}
        for title, notes in marks.items():
            if title not in sheets or sheets[title] not in parts:
                raise CannotPatch(f"no part for sheet {title}")
            plan = _Plan(title, sheets[title], notes)
            plan.relations = book._relations_of(plan.rels, plan.folder) if plan.rels in parts else {}
            ids = set(plan.relations) | _all_ids(book, plan.rels)
            fresh = (f"rId{n}" for n in range(1, 1 << 20) if f"rId{n}" not in ids)
            plan.comments = next((t for k, t in plan.relations.values() if k.endswith("/comments")), None)
            if plan.comments is not None and plan.comments not in parts:
                raise CannotPatch(f"sheet {title}'s comments part is missing")
            plan.existing = book._xml(plan.comments) if plan.comments else None
            refs = comment_refs(plan.existing) if plan.existing else set()
            plan.new = sorted((cell, text) for cell, text in notes.items() if reader._a1(cell) not in refs)
            plan.appended = sorted((cell, "\n\n" + text) for cell, text in notes.items() if reader._a1(cell) in refs)
            plan.comments_id = None if plan.comments else next(fresh)
            plan.legacy_id = next(fresh) if plan.new else None  # a drawing only for comments of our own
            if plan.comments is None:
                plan.new_comments = _free(taken, f"{top}/comments{{}}.xml")
                overrides.append(plan.new_comments)
            plan.vml_candidates = {t for k, t in plan.relations.values() if k.endswith("/vmlDrawing")}
            deferred |= {plan.rels} | plan.vml_candidates | ({plan.comments} if plan.comments else set())
            plans.append(plan)
        by_part = {plan.part: plan for plan in plans}
        for info in archive.infolist():
            if info.filename == types:
                _write(target, info, with_content_types(content_types, overrides, vml=True))
            elif info.filename in by_part:
                plan = by_part[info.filename]
                plan.patch = SheetPatch(styles, set(plan.notes), plan.legacy_id)
                force = info.file_size > (1 << 31)
                with archive.open(info) as stream, target.open(_info(info), "w", force_zip64=force) as written:
                    plan.patch.run(stream, written.write)
            elif info.filename not in deferred:
                copy_raw(archive, info, target)
        _write(target, parts[book.styles], styles.render())
        written_parts = {book.styles}
        for plan in plans:
            legacy = plan.patch.legacy
            vml = plan.relations.get(legacy, ("", None))[1] if legacy else None
            kind = plan.relations.get(legacy, ("", None))[0]
            if legacy and plan.new and (vml is None or vml not in parts or not kind.endswith("/vmlDrawing")):
                raise CannotPatch(f"sheet {plan.title}'s legacy drawing is missing")
            existing, new, appended = plan.existing, plan.new, plan.appended
            new_xml = new_vml = appended_xml = None
            first = max(blocks, default=0) + 1
            if new:
                new_xml, new_vml = xlsxwriter_notes([(r, c, t) for (r, c), t in new])
                new_vml = renumbered(new_vml, first)
                blocks |= blocks_of(new_vml)
            if appended:
                appended_xml = xlsxwriter_notes([(r, c, t) for (r, c), t in appended])[0]
            added = []
            if existing is not None:
                _write(target, parts[plan.comments], merged_comments(existing, new_xml, appended_xml))
                written_parts.add(plan.comments)
            else:
                _write(target, zipfile.ZipInfo(plan.new_comments), new_xml)
                added.append((plan.comments_id, COMMENTS_TYPE, posixpath.relpath(plan.new_comments, plan.folder)))
            if legacy and new_vml:
                _write(target, parts[vml], merged_vml(book._xml(vml), new_vml))
                written_parts.add(vml)
            elif new_vml:
                vml_part = _free(taken, f"{top}/drawings/vmlDrawing{{}}.vml")
                _write(target, zipfile.ZipInfo(vml_part), new_vml)
                added.append((plan.legacy_id, VML_TYPE, posixpath.relpath(vml_part, plan.folder)))
            if added:
                rels = book._xml(plan.rels) if plan.rels in parts else None
                _write(target, parts.get(plan.rels) or zipfile.ZipInfo(plan.rels), with_relations(rels, added))
                written_parts.add(plan.rels)
        for part in sorted(deferred - written_parts):
            if part in parts:
                copy_raw(archive, parts[part], target)


def _all_ids(book, rels: str) -> set[str]:
    """Every Id in a relationships part, external targets' too."""
    if rels not in book.parts:
        return set()
    return {m[1].decode() for m in re.finditer(rb"\sId\s*=\s*[\"']([^\"']*)", book._xml(rels))}


def _free(taken: set[str], pattern: str) -> str:
    """The first name of ``pattern`` (with {} for a number) that no part has (names compared as OPC does,
    case-insensitively); taken from then on."""
    number = 1
    while pattern.format(number).lower() in taken:
        number += 1
    name = pattern.format(number)
    taken.add(name.lower())
    return name


def _info(original: zipfile.ZipInfo) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(original.filename, original.date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = original.external_attr
    return info


def _write(target: zipfile.ZipFile, original: zipfile.ZipInfo, data: bytes) -> None:
    target.writestr(_info(original), data)
