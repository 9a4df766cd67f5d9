"""Spreadsheet files from someone else, read and written: OOXML (.xlsx, .xlsm and
the templates .xltx, .xltm) and ODF (.ods, .fods).

verify judges what this package reads and never the other way round: nothing here knows the exercise.

    guard.py     what a file really is, and whether it is small enough to open, before anything opens it
    xlsx.py      an .xlsx streamed, one sheet at a time, in bounded memory
    read.py      a file → grids, one sheet at a time (LibreOffice converts .ods and .xls first; recalc.py
                 computes formulas saved without values)
    recalc.py    formualizer, else LibreOffice, recalculating in a child process under caps
    patch.py     the user's .xlsx patched part by part: cells filled and commented, the rest byte for byte
    annotate.py  the annotated copy, .xlsx or the sheet's own format, its comments printing (patch.py, or
                 openpyxl for a package patch.py leaves alone; LibreOffice converts it to .ods)
    errors.py    what goes wrong, one family of exceptions whose one-line messages say what to do
"""

# What sheetprop reads, by the file's suffix: every command that looks for spreadsheets takes these (nothing
# here imports: the command line names them in its help without loading a reader).
OOXML = (".xlsx", ".xlsm", ".xltx", ".xltm")  # workbooks and templates: one package, read as it is (xlsx.py)
CONVERTED = (".ods", ".fods", ".xls")          # converted by LibreOffice first
READABLE = OOXML + CONVERTED
