"""A workbook as Google Sheets' "Download → Microsoft Excel (.xlsx)" writes it, made here from a workbook
with cached values (openpyxl reads its formulas and values; the package is written by hand).

What such a download looks like, unlike Excel's or LibreOffice's (as readers of it have met it): no
docProps (no app.xml, no core.xml), no calcChain, no <dimension> and no <bookViews>; a workbook.xml declaring
the Mac-Excel namespaces (mx, mv) with an empty <workbookPr/>, <definedNames/> and <calcPr/>; sheets
referred to as rId3, rId4, … after styles and
shared strings; styles with decimal attribute values ("10.0") and an alignment on every format; every
text a shared string; <sheetFormatPr customHeight="1" defaultColWidth="12.63" defaultRowHeight="15.75"/>;
formulas without their '=' each with its cached value, and formulas with no Excel function wrapped as
IFERROR(__xludf.DUMMYFUNCTION("…"), value) — done here to the columns ``wrapped`` names.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import openpyxl
from openpyxl.utils import get_column_letter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NAMESPACES = (f'xmlns="{MAIN}" xmlns:r="{RELS}" '
              'xmlns:mx="http://schemas.microsoft.com/office/mac/excel/2008/main" '
              'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
              'xmlns:mv="urn:schemas-microsoft-com:mac:vml" '
              'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" '
              'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main" '
              'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
              'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"')
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
STYLES = (HEAD + f'<styleSheet xmlns="{MAIN}" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
          'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
          '<fonts count="2"><font><sz val="10.0"/><color rgb="FF000000"/><name val="Arial"/><scheme val="minor"/></font>'
          '<font><color theme="1"/><name val="Arial"/><scheme val="minor"/></font></fonts>'
          '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="lightGray"/></fill></fills>'
          '<borders count="1"><border/></borders>'
          '<cellStyleXfs count="1"><xf borderId="0" fillId="0" fontId="0" numFmtId="0" applyAlignment="1" applyFont="1"/></cellStyleXfs>'
          '<cellXfs count="2"><xf borderId="0" fillId="0" fontId="0" numFmtId="0" xfId="0" applyAlignment="1" applyFont="1">'
          '<alignment readingOrder="0" shrinkToFit="0" vertical="bottom" wrapText="0"/></xf>'
          '<xf borderId="0" fillId="0" fontId="1" numFmtId="0" xfId="0" applyAlignment="1" applyFont="1">'
          '<alignment readingOrder="0" vertical="bottom"/></xf></cellXfs>'
          '<cellStyles count="1"><cellStyle xfId="0" name="Normal" builtinId="0"/></cellStyles>'
          '<dxfs count="0"/></styleSheet>')


def download(source: Path, target: Path, wrapped: tuple[str, ...] = ()) -> Path:
    """``source`` (formulas with cached values) as Google Sheets' download, into ``target``; the formulas of
    the columns whose header is in ``wrapped`` as Google writes a function Excel lacks."""
    formulas = openpyxl.load_workbook(source)
    values = openpyxl.load_workbook(source, data_only=True)
    strings: dict[str, int] = {}
    sheets = []
    for ws in formulas.worksheets:
        shown = values[ws.title]
        headers = {}
        rows = []
        for row in ws.iter_rows():
            cells = []
            for cell in row:
                if cell.value is None:
                    continue
                if isinstance(cell.value, str) and not cell.value.startswith("="):
                    headers.setdefault(cell.column, cell.value)
                cells.append(_cell(cell, shown[cell.coordinate].value, strings, headers.get(cell.column) in wrapped))
            if cells:
                rows.append(f'<row r="{row[0].row}">{"".join(cells)}</row>')
        widths = "".join(f'<col customWidth="1" min="{c}" max="{c}" width="14.38"/>' for c in range(1, ws.max_column + 1))
        sheets.append((ws.title, HEAD + f'<worksheet {NAMESPACES}><sheetPr><outlinePr summaryBelow="0" summaryRight="0"/>'
                       '</sheetPr><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
                       '<sheetFormatPr customHeight="1" defaultColWidth="12.63" defaultRowHeight="15.75"/>'
                       f'<cols>{widths}</cols><sheetData>{"".join(rows)}</sheetData></worksheet>'))
    shared = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    parts = {
        "[Content_Types].xml": HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default ContentType="application/xml" Extension="xml"/>'
        '<Default ContentType="application/vnd.openxmlformats-package.relationships+xml" Extension="rels"/>'
        + "".join(f'<Override ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml" '
                  f'PartName="/xl/worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
        + '<Override ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" '
          'PartName="/xl/sharedStrings.xml"/>'
          '<Override ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml" '
          'PartName="/xl/styles.xml"/>'
          '<Override ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml" '
          'PartName="/xl/workbook.xml"/></Types>',
        "_rels/.rels": HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/_rels/workbook.xml.rels": HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{RELS}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        + "".join(f'<Relationship Id="rId{i + 2}" Type="{RELS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                  for i in range(1, len(sheets) + 1)) + "</Relationships>",
        "xl/workbook.xml": HEAD + f"<workbook {NAMESPACES}><workbookPr/><sheets>"
        + "".join(f'<sheet state="visible" name={quoteattr(title)} sheetId="{i}" r:id="rId{i + 2}"/>'
                  for i, (title, _) in enumerate(sheets, 1)) + "</sheets><definedNames/><calcPr/></workbook>",
        "xl/styles.xml": STYLES,
        "xl/sharedStrings.xml": HEAD + f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">{shared}</sst>',
        **{f"xl/worksheets/sheet{i}.xml": xml for i, (_, xml) in enumerate(sheets, 1)},
    }
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return target


def _cell(cell, value, strings: dict[str, int], wrap: bool) -> str:
    where = f'r="{get_column_letter(cell.column)}{cell.row}" s="1"'
    if isinstance(cell.value, str) and cell.value.startswith("="):
        formula = cell.value[1:]
        if wrap:
            formula = f'IFERROR(__xludf.DUMMYFUNCTION("{formula.replace(chr(34), chr(34) * 2)}"),{value!r})'
        if isinstance(value, str):
            return f'<c {where} t="str"><f>{escape(formula)}</f><v>{escape(value)}</v></c>'
        return f"<c {where}><f>{escape(formula)}</f><v>{value!r}</v></c>"
    if isinstance(cell.value, str):
        index = strings.setdefault(cell.value, len(strings))
        return f'<c {where} t="s"><v>{index}</v></c>'
    return f"<c {where}><v>{cell.value!r}</v></c>"
