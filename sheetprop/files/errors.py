"""What goes wrong with a file, as one family of exceptions.

Every message is one line that names the file, says what is wrong with it and what to do about it, so
that the command line prints it as it is (exit 2) and a caller can show it to whoever gave the file:

    FileError                 any file sheetprop cannot read, convert or write as asked
    ├── Refused               turned away before anything opens it, or as soon as it claims too much:
    │                         damaged, encrypted, too large, hostile, another kind of file, a target
    │                         that cannot be written
    ├── Unreadable            the streaming reader trips on it (an unusual writer); LibreOffice may still
    ├── CannotPatch           a package the annotated copy does not patch in place (openpyxl writes it)
    └── EngineError           a spreadsheet engine could not do its work
        ├── FormualizerError  formualizer missing or failing (LibreOffice is tried next)
        └── LibreOfficeError  LibreOffice could not convert the file
            ├── NotInstalled  LibreOffice is missing: the file itself may be fine
            │   └── NoSandbox no network namespace here, so LibreOffice is not run on someone else's file
            └── Exhausted     it ran out of the time or memory it may use: the file asks too much

>>> str(Refused("book.xlsx is empty (0 bytes):\\n  save it again"))
'book.xlsx is empty (0 bytes): save it again'
>>> issubclass(NoSandbox, FileError)
True
"""

from __future__ import annotations


class FileError(Exception):
    """A file sheetprop cannot read, convert or write as asked; the message, one line, says what to do."""

    def __init__(self, message: str):
        # One line whatever a file name or a library's message holds.
        super().__init__(" ".join(str(message).split()))


class Refused(FileError):
    """A file turned away: damaged, encrypted, too large, hostile, another kind of file, or a target
    that cannot be written."""


class Unreadable(FileError):
    """A file the streaming reader cannot read (written by an unusual program); LibreOffice may still."""


class CannotPatch(FileError):
    """A package of a kind the annotated copy does not patch in place: openpyxl writes that copy."""


class EngineError(FileError):
    """A spreadsheet engine (formualizer, LibreOffice) could not do its work on a file."""


class FormualizerError(EngineError):
    """formualizer is missing, or could not recalculate the file; LibreOffice may still."""


class LibreOfficeError(EngineError):
    """LibreOffice could not convert the file."""


class NotInstalled(LibreOfficeError):
    """LibreOffice is missing: the file itself may be fine."""


class NoSandbox(NotInstalled):
    """No network namespace can be made here, so LibreOffice is not run on a file from someone else."""


class Exhausted(LibreOfficeError):
    """LibreOffice ran out of the time or the memory it may use: the file asks too much."""
