"""Editing a cell inside an .xlsx file's XML, as a user's edit or a deliberate mistake would."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path


def sheet_part(archive: zipfile.ZipFile, title: str) -> str:
    """The zip member holding the sheet called ``title``."""
    workbook = archive.read("xl/workbook.xml").decode()
    rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    # XlsxWriter writes name, sheetId, r:id; LibreOffice puts state="visible" in between.
    rid = re.search(rf'<sheet name="{re.escape(title)}"[^>]*? r:id="(rId\d+)"', workbook).group(1)
    target = re.search(rf'<Relationship Id="{rid}" Type="[^"]+" Target="([^"]+)"', rels).group(1)
    return "xl/" + target.lstrip("/").removeprefix("xl/")


def patch_cell(source: Path, target: Path, title: str, cell: str, edit) -> None:
    """Copy ``source`` to ``target`` with the XML of one cell passed through ``edit(xml) -> xml``."""
    with zipfile.ZipFile(source) as archive:
        part = sheet_part(archive, title)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for item in archive.infolist():
                data = archive.read(item)
                if item.filename == part:
                    xml = data.decode()
                    match = re.search(rf'<c r="{cell}"[^>]*>.*?</c>', xml)
                    assert match, f"no cell {cell} in {title}"
                    xml = xml[:match.start()] + edit(match.group(0)) + xml[match.end():]
                    data = xml.encode()
                out.writestr(item, data)
