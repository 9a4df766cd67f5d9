"""sheetprop.files: spreadsheet packages read, guarded and written, apart from the judging.

Each case is a file made here for the test (handmade.py's sheets, openpyxl's and XlsxWriter's packages
edited part by part), never a real sheet's content.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import sheetprop.files
from sheetprop import libreoffice
from sheetprop.files import errors

ROOT = Path(__file__).resolve().parent.parent
FILES = ROOT / "sheetprop" / "files"


def modules_of_files():
    return [importlib.import_module(f"sheetprop.files.{info.name}") for info in pkgutil.iter_modules(sheetprop.files.__path__)]


def test_files_never_imports_the_judging():
    """Imports run one way: verify reads through files, files knows nothing of verify (nor of grade)."""
    for path in FILES.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert not {name for name in imported if name.startswith(("sheetprop.verify", "sheetprop.grade"))}, path.name


def test_one_family_of_errors():
    """Every exception a file module (and LibreOffice's runner) raises is a FileError defined in errors.py."""
    found = set()
    for module in [*modules_of_files(), libreoffice]:
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, BaseException):
                found.add(value)
                assert value.__module__ == "sheetprop.files.errors", f"{module.__name__}.{name}"
                assert issubclass(value, errors.FileError), f"{module.__name__}.{name}"
    assert {errors.Refused, errors.Unreadable, errors.CannotPatch, errors.FormualizerError, errors.Exhausted} <= found
    for path in [*FILES.glob("*.py"), ROOT / "sheetprop" / "libreoffice.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        classes = [node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
                   and any(getattr(base, "id", "").endswith(("Error", "Exception")) for base in node.bases)]
        assert path.name == "errors.py" or not classes, (path.name, classes)


def test_verify_error_is_the_family():
    """``sheetprop.VerifyError``, which callers already catch, catches every error of a file."""
    import sheetprop

    assert sheetprop.VerifyError is errors.FileError
    with pytest.raises(sheetprop.VerifyError, match="no such file: check the name"):
        sheetprop.verify_sheet(ROOT / "no such sheet.xlsx")
