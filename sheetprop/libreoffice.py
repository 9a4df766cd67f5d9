"""LibreOffice, headless, as the real spreadsheet engine: recalculate a workbook, or convert it.

LibreOffice keeps whatever cached values a file carries unless told to recalculate on load, so each
call runs with a private profile whose settings force a full recalculation of every formula.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


class LibreOfficeError(RuntimeError):
    """LibreOffice is missing or could not convert the file."""


class NotInstalled(LibreOfficeError):
    """LibreOffice is missing: the file itself may be fine."""


def soffice() -> str:
    """Path of the LibreOffice binary, or a NotInstalled error saying how to install it."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise NotInstalled("LibreOffice is not installed; install it with "
                           "'apt-get install -y --no-install-recommends libreoffice-calc-nogui'")
    return found


def convert(source, out_dir, fmt: str = "xlsx", timeout: float = 600) -> Path:
    """Open ``source`` in LibreOffice, recalculate every formula, and save it into ``out_dir`` as ``fmt``.

    Returns the written file (``out_dir/<source stem>.<fmt>``).
    """
    source, out_dir = Path(source).resolve(), Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sheetprop-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_PROFILE, encoding="utf-8")
        command = [soffice(), f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                   "--convert-to", fmt, "--outdir", str(out_dir), str(source)]
        returncode, stdout, stderr = _run(command, timeout, source.name)
    target = out_dir / f"{source.stem}.{fmt}"
    if returncode != 0 or not target.exists():
        raise LibreOfficeError(f"LibreOffice could not convert {source.name}: {stderr.strip() or stdout.strip()}")
    return target


def _run(command: list[str], timeout: float, name: str) -> tuple[int, str, str]:
    """Run LibreOffice in a process group of its own, and stop the whole group when the run ends early
    (a timeout, Ctrl-C, a signal): ``soffice`` is a script whose ``soffice.bin`` outlives a killed parent."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except BaseException as error:
        _stop_group(process)
        if isinstance(error, subprocess.TimeoutExpired):
            raise LibreOfficeError(f"LibreOffice took over {timeout:.0f} s converting {name}") from None
        raise
    return process.returncode, stdout, stderr


def _stop_group(process: subprocess.Popen, patience: float = 5.0) -> None:
    """SIGKILL every process of ``process``'s group and wait (a bounded while) until none is left."""
    import os
    import signal
    import time

    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return  # the group is empty
        time.sleep(0.02)


def recalculate(source, out_dir) -> Path:
    """A copy of ``source`` (xlsx) recalculated by LibreOffice, written into ``out_dir``."""
    return convert(source, out_dir, "xlsx")
