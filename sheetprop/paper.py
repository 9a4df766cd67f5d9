"""The paper a class prints on: A4 unless the config says ``paper = "letter"``.

Each size is one record, read by the config (its names), the workbook's page setup and the walkthrough's
print style.

>>> PAPERS["a4"].landscape_width, PAPERS["letter"].landscape_width
(11.69, 11.0)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Paper:
    """A paper size: its name in the config, its portrait width and height in inches, its number among
    SpreadsheetML's paper sizes (``pageSetup paperSize``, XlsxWriter's ``set_paper``) and its CSS ``@page`` size."""

    name: str
    width: float
    height: float
    excel: int
    css: str

    @property
    def landscape_width(self) -> float:
        return self.height


PAPERS = {paper.name: paper for paper in (Paper("a4", 8.27, 11.69, 9, "A4"), Paper("letter", 8.5, 11.0, 1, "letter"))}
DEFAULT = "a4"  # most classes print on A4; LibreOffice's own default here is US Letter
