"""LibreOffice, headless, as the real spreadsheet engine: recalculate a workbook, or convert it.

LibreOffice keeps whatever cached values a file carries unless told to recalculate on load, so each
call runs with a private profile whose settings force a full recalculation of every formula.

A file from someone else (``untrusted=True``, as verify passes) is converted with no network at all —
LibreOffice fetches pictures linked by URL, external links and WEBSERVICE while it loads and
recalculates — in a network namespace without interfaces (``unshare --net``, as a normal user with
``--map-root-user``), under a cap on its address space and its time; its process group is killed
when the time is up. Where no such namespace can be had, it is not run at all.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sheetprop.files.errors import Exhausted, LibreOfficeError, NoSandbox, NotInstalled

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>2</value></prop></item>
</oor:items>
"""


UNTRUSTED_MEMORY = 2 * 1024 ** 3   # address space; a hand-made sheet converts within a few hundred MB
UNTRUSTED_SECONDS = 120            # a hand-made sheet converts in a few seconds
SANDBOXES = (("unshare", "--net"), ("unshare", "--map-root-user", "--net"))  # root; anyone else


@functools.cache
def sandbox() -> tuple[str, ...] | None:
    """The command prefix that runs a program in a network namespace without interfaces (no network,
    not even loopback), or None when none works here. Each is tried once, on ``true``."""
    order = SANDBOXES if os.geteuid() == 0 else SANDBOXES[::-1]
    for prefix in order:
        if shutil.which(prefix[0]) is None:
            return None
        try:
            probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            continue
        if probe.returncode == 0:
            return prefix
    return None


def _limits(memory: int | None):
    """preexec_fn: cap the address space of LibreOffice and everything it starts."""
    import resource  # POSIX only, absent where verify runs in the browser (Pyodide)

    def apply():
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    return apply


def soffice() -> str:
    """Path of the LibreOffice binary, or a NotInstalled error saying how to install it."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise NotInstalled("LibreOffice is not installed; install it with "
                           "'apt-get install -y --no-install-recommends libreoffice-calc-nogui'")
    return found


def convert(source, out_dir, fmt: str = "xlsx", timeout: float = 600, untrusted: bool = False) -> Path:
    """Open ``source`` in LibreOffice, recalculate every formula, and save it into ``out_dir`` as ``fmt``.

    Always without a network where a namespace can be made; with ``untrusted`` never with one (NoSandbox
    otherwise), within UNTRUSTED_MEMORY and at most UNTRUSTED_SECONDS. Returns the written file
    (``out_dir/<source stem>.<fmt>``).
    """
    source, out_dir = Path(source).resolve(), Path(out_dir).resolve()
    if sys.platform == "emscripten":  # the check page: Python in a browser, which cannot start a program
        raise NotInstalled(f"{source.name} needs LibreOffice (an .ods, or formulas saved without their values), "
                           "which cannot run in a web browser: open it in your spreadsheet program, save it as "
                           ".xlsx and check that, or run sheetprop verify on it")
    prefix = sandbox()
    if prefix is None and untrusted:
        raise NoSandbox(f"LibreOffice would be needed to read {source.name}, and sheetprop runs it on a file from "
                        "someone else only without network access, which needs 'unshare --net' (util-linux) and "
                        "network namespaces, missing here: save the sheet as .xlsx with its values (as your "
                        "spreadsheet program saves it) and verify that")
    memory = UNTRUSTED_MEMORY if untrusted else None
    timeout = min(timeout, UNTRUSTED_SECONDS) if untrusted else timeout
    out_dir.mkdir(parents=True, exist_ok=True)
    # One private folder for LibreOffice's profile and its temporary files (TMPDIR: its lu….tmp), removed
    # however the conversion ends: done, failed, timed out, or stopped by a signal (which kills it first).
    with tempfile.TemporaryDirectory(prefix="sheetprop-lo-") as private:
        profile, temporary = Path(private) / "profile", Path(private) / "tmp"
        (profile / "user").mkdir(parents=True)
        temporary.mkdir()
        (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE, encoding="utf-8")
        command = [*(prefix or ()), soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
                   "--norestore", "--convert-to", fmt, "--outdir", str(out_dir), str(source)]
        environment = {**os.environ, "TMPDIR": str(temporary), "TMP": str(temporary), "TEMP": str(temporary)}
        returncode, stdout, stderr = _run(command, timeout, memory, source.name, environment)
    target = out_dir / f"{source.stem}.{fmt}"
    if returncode != 0 or not target.exists():
        if returncode < 0 or (memory and returncode > 128):
            raise Exhausted(f"LibreOffice stopped while converting {source.name} (signal "
                                   f"{-returncode if returncode < 0 else returncode - 128}"
                                   + (f"; it may use at most {memory // 1024 ** 2:,} MB here" if memory else "")
                                   + "): the file asks for more than a sheet of the exercise needs")
        raise LibreOfficeError(_failed(source.name, stderr.strip() or stdout.strip(), untrusted))
    return target


def _failed(name: str, output: str, untrusted: bool) -> str:
    """Why LibreOffice could not convert ``name``, in a line: its own words (without its warnings about
    Java), and what to do about a file from someone else."""
    said = " ".join(line.strip() for line in re.sub(r"Warning: [^\n]*", "", output).splitlines() if line.strip())
    message = f"LibreOffice could not convert {name}: {said}".replace(": Error:", ":").rstrip(": ")
    if untrusted:
        message += (" (damaged, password-protected, or not a spreadsheet?): if it opens in your spreadsheet program, "
                    "save it as .xlsx without a password and verify that")
    return message


def _run(command: list[str], timeout: float, memory: int | None, name: str,
         environment: dict | None = None) -> tuple[int, str, str]:
    """Run LibreOffice in a process group of its own, killed whole when ``timeout`` runs out or anything
    stops the wait (soffice is a script that starts oosplash, which starts soffice.bin: killing the first
    leaves the others)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, preexec_fn=_limits(memory), env=environment)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        process.communicate()
        raise Exhausted(f"LibreOffice took over {timeout:.0f} s converting {name}, more than a sheet of "
                               "the exercise takes: copy the exercise's table into a new workbook and verify "
                               "that") from None
    except BaseException:
        _kill(process)
        raise
    _kill(process)  # anything it left running in its group
    return process.returncode, stdout, stderr


def _kill(process: subprocess.Popen, patience: float = 5.0) -> None:
    """SIGKILL every process of ``process``'s group and wait (a bounded while) until none is left."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except (ProcessLookupError, PermissionError):
            return  # the group is empty
        time.sleep(0.02)


def recalculate(source, out_dir, untrusted: bool = False) -> Path:
    """A copy of ``source`` (xlsx) recalculated by LibreOffice, written into ``out_dir``."""
    return convert(source, out_dir, "xlsx", untrusted=untrusted)
