"""Pyodide for the check page: the npm registry's ``pyodide`` package at one pinned version, fetched once.

The package is fetched with ``npm pack`` (npm's own registry settings, proxies and cache apply), checked
against the integrity the registry published for this version, and kept in sheetprop's cache folder
(``$SHEETPROP_CACHE``, else ``$XDG_CACHE_HOME/sheetprop``, else ``~/.cache/sheetprop``); every later page
is written from the cached file, offline. Without npm, ``--pyodide FILE`` takes a ``pyodide-VERSION.tgz``
fetched elsewhere (``npm pack pyodide@VERSION``); it is checked the same way.

    python3 -m sheetprop.checkpage.runtime     fetch it now (scripts/test does), print where it is
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

VERSION = "314.0.8"
# The registry's dist.integrity for pyodide@314.0.8 (npm view pyodide@314.0.8 dist.integrity).
INTEGRITY = "sha512-74Wq1kXOC+CCEzAfxuRAO701nAcCMLjf8NrwvWpu8S41dVMXwXmLQ05dYB+F4e46AdnGo0oq7YHSVUpHsoarLQ=="
# What the page loads: the loader, the interpreter (JavaScript glue and WebAssembly) and the standard
# library. The lock file's packages are never loaded (the wheels come with the page), so only its
# "info" is kept, handed to the loader in place of the 120 kB file.
FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
LOCK = "pyodide-lock.json"
LICENSE = "MPL-2.0"
SOURCE = "https://github.com/pyodide/pyodide"


class RuntimeMissing(RuntimeError):
    """Pyodide could not be had; the message says how to get it."""


@dataclass(frozen=True)
class Runtime:
    """The pinned Pyodide package: its files by name (bytes) and its lock file's ``info``."""

    version: str
    files: dict[str, bytes]
    lock_info: dict


def cache_folder() -> Path:
    """Where sheetprop keeps what it fetched once."""
    if os.environ.get("SHEETPROP_CACHE"):
        return Path(os.environ["SHEETPROP_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sheetprop"


def package(given=None) -> Path:
    """The checked ``pyodide-VERSION.tgz``: ``given`` (a file fetched elsewhere), else the cached one, else
    fetched now with npm into the cache."""
    if given:
        given = Path(given)
        if not given.is_file():
            raise RuntimeMissing(f"--pyodide: {given} is not a file; give the pyodide-{VERSION}.tgz that "
                                 f"'npm pack pyodide@{VERSION}' writes")
        _check(given)
        return given
    cached = cache_folder() / f"pyodide-{VERSION}.tgz"
    if cached.is_file():
        _check(cached)
        return cached
    return fetch(cached)


def fetch(target: Path) -> Path:
    """``npm pack pyodide@VERSION`` into ``target``'s folder, checked before it is kept."""
    npm = shutil.which("npm")
    if not npm:
        raise RuntimeMissing(f"the check page needs Pyodide {VERSION} from the npm registry, fetched once with npm, "
                             f"which is not installed: install npm (apt-get install npm), or fetch it elsewhere with "
                             f"'npm pack pyodide@{VERSION}' and give the file with --pyodide")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pyodide-", dir=target.parent) as folder:
        try:
            result = subprocess.run([npm, "pack", f"pyodide@{VERSION}", "--pack-destination", folder, "--json"],
                                    capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            raise RuntimeMissing(f"npm took over 10 minutes to fetch pyodide@{VERSION}: try again, or fetch it "
                                 "elsewhere and give the file with --pyodide") from None
        packed = Path(folder) / f"pyodide-{VERSION}.tgz"
        if result.returncode != 0 or not packed.is_file():
            why = (result.stderr.strip().splitlines() or ["no message"])[-1]
            raise RuntimeMissing(f"npm could not fetch pyodide@{VERSION} ({why}): check that the npm registry can be "
                                 "reached, or fetch it elsewhere and give the file with --pyodide")
        _check(packed)
        os.replace(packed, target)
    return target


def _check(path: Path) -> None:
    digest = base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()
    if f"sha512-{digest}" != INTEGRITY:
        raise RuntimeMissing(f"{path} is not the npm registry's pyodide@{VERSION} (its sha512 differs from the "
                             "published one): delete it and run again to fetch it afresh")


def load(given=None) -> Runtime:
    """The files the page loads and the lock file's info, read from the checked package."""
    path = package(given)
    files: dict[str, bytes] = {}
    with tarfile.open(path, "r:gz") as archive:
        for name in (*FILES, LOCK):
            member = archive.extractfile(f"package/{name}")
            if member is None:
                raise RuntimeMissing(f"{path} lacks package/{name}: delete it and run again to fetch it afresh")
            files[name] = member.read()
    info = json.loads(files.pop(LOCK))["info"]
    return Runtime(VERSION, files, info)


if __name__ == "__main__":
    print(package())
