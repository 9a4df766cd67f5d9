"""The wheels the check page installs into Pyodide: sheetprop as it runs here, and the pure-Python
libraries verify and grade import, at the very versions installed here, so that the page and the command
line run the same code.

Judging needs openpyxl (cell letters, dates; et_xmlfile with it) and XlsxWriter (the annotated copy's
comments). pandas, matplotlib and formualizer are not needed to judge and are left out: the page never
draws a chart, and a sheet without cached values is sent back to the spreadsheet program.

Each wheel is written from the installed files, byte for byte, with a fresh RECORD, entries sorted and
dated 1980, so that the same installation writes the same wheels.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata as metadata
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import sheetprop

JUDGING = ("openpyxl", "xlsxwriter")
SKIPPED = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")  # written by the installer, not the wheel
EPOCH = (1980, 1, 1, 0, 0, 0)


class NotPure(RuntimeError):
    """A library the page needs is installed in a way that cannot be moved into a browser."""


@dataclass(frozen=True)
class Wheel:
    name: str     # the file name, sheetprop-0.1.0-py3-none-any.whl
    data: bytes


def wheels() -> list[Wheel]:
    """sheetprop's wheel, then one per library judging needs (their requirements too)."""
    return [own(), *(installed(name) for name in needed())]


def needed(names=JUDGING) -> list[str]:
    """``names`` and what they require (extras left out), each once, in order.

    >>> needed(("openpyxl",))
    ['openpyxl', 'et_xmlfile']
    """
    found: list[str] = []
    todo = list(names)
    while todo:
        name = metadata.distribution(todo.pop(0)).metadata["Name"]
        key = _key(name)
        if key in map(_key, found):
            continue
        found.append(key)
        for requirement in metadata.requires(name) or ():
            if "extra ==" not in requirement.replace("extra==", "extra =="):
                todo.append(re.match(r"[A-Za-z0-9._-]+", requirement)[0])
    return found


def own() -> Wheel:
    """sheetprop as it runs here (the folder its modules are imported from), data files included."""
    root = Path(sheetprop.__file__).parent
    version = sheetprop.__version__
    files = {f"sheetprop/{path.relative_to(root).as_posix()}": path.read_bytes()
             for path in sorted(root.rglob("*")) if path.is_file() and "__pycache__" not in path.parts
             and path.suffix not in (".pyc", ".pyo")}
    info = f"sheetprop-{version}.dist-info"
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: sheetprop\nVersion: {version}\n".encode()
    files[f"{info}/WHEEL"] = _wheel_file()
    return Wheel(f"sheetprop-{version}-py3-none-any.whl", _zipped(files, info))


def installed(name: str) -> Wheel:
    """The wheel of the installed distribution ``name``, from its own files."""
    distribution = metadata.distribution(name)
    key, version = _key(distribution.metadata["Name"]), distribution.version
    listed = distribution.files
    if listed is None:
        raise NotPure(f"{name} is installed without a list of its files (RECORD), so the check page cannot take it "
                      f"along: reinstall it with pip (pip install --force-reinstall {name}=={version})")
    files, info = {}, None
    for entry in listed:
        path = entry.as_posix()
        if path.startswith("..") or "__pycache__" in path or path.endswith((".pyc", ".pyo")):
            continue
        if path.endswith((".so", ".pyd", ".dylib")):
            raise NotPure(f"{name} {version} is installed with compiled code ({path}); the check page needs its "
                          "pure-Python wheel")
        top, _, rest = path.partition("/")
        if top.endswith(".dist-info"):
            info = top
            if rest in SKIPPED:
                continue
        files[path] = Path(distribution.locate_file(entry)).read_bytes()
    if info is None:
        raise NotPure(f"{name} is installed without its .dist-info folder: reinstall it with pip")
    return Wheel(f"{key}-{version}-py3-none-any.whl", _zipped(files, info))


def _key(name: str) -> str:
    """A distribution's name as a wheel's file name spells it: et-xmlfile → et_xmlfile."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _wheel_file() -> bytes:
    return b"Wheel-Version: 1.0\nGenerator: sheetprop check-page\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _zipped(files: dict[str, bytes], info: str) -> bytes:
    """A wheel of ``files`` with its RECORD (sha256 and size of each file)."""
    import io

    record = "".join(f"{path},sha256={_digest(data)},{len(data)}\n" for path, data in sorted(files.items()))
    files = {**files, f"{info}/RECORD": (record + f"{info}/RECORD,,\n").encode()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(files):
            entry = zipfile.ZipInfo(path, EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, files[path])
    return buffer.getvalue()


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
