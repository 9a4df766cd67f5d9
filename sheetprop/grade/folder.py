"""The submissions in a teacher's folder, found without leaving it.

A class's folder is untrusted: a student's file may be a symbolic link (to /etc/passwd, to another
student's folder), a pipe that blocks whoever reads it, or a device. The walk never follows a link and
never opens anything but a regular file inside the folder; every such entry that looks like a submission
gets a row saying why it was not read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from sheetprop.files import READABLE

SUFFIXES = READABLE  # every spreadsheet verify reads, templates too: a class hands in what it saved
OFFICE_LEFTOVERS = ("~$", ".~lock", ".")  # lock files and hidden files: no student's work


@dataclass(frozen=True)
class Submission:
    """One entry of the folder: its path inside the folder (as the report shows it), where it is, and why it
    cannot be read (None when it is a regular file that may be)."""

    name: str
    path: Path
    problem: str | None = None


def submissions(folder) -> list[Submission]:
    """The spreadsheets under ``folder`` (subfolders too), in sorted order; links, pipes and devices named
    like a spreadsheet (and links to folders) come with their problem, office lock files are left out.

    >>> import tempfile; folder = Path(tempfile.mkdtemp())
    >>> (folder / "ann.xlsx").write_bytes(b""); (folder / "bob.xlsx").symlink_to("/etc/passwd")
    0
    >>> [(s.name, s.problem) for s in submissions(folder)]
    [('ann.xlsx', None), ('bob.xlsx', 'a symbolic link (to a file or folder that may be outside DIR): grade follows no link; hand in the file itself')]
    """
    folder = Path(folder)
    found: list[Submission] = []
    _walk(folder, "", found)
    return sorted(found, key=lambda s: s.name)


LINK = "a symbolic link (to a file or folder that may be outside DIR): grade follows no link; hand in the file itself"


def _walk(folder: Path, prefix: str, found: list[Submission]) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError as error:
        found.append(Submission(prefix or ".", folder, f"the folder cannot be listed ({error.strerror})"))
        return
    for entry in entries:
        name = prefix + entry.name
        if entry.name.startswith(OFFICE_LEFTOVERS):
            continue
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError as error:
            found.append(Submission(name, Path(entry.path), f"cannot be looked at ({error.strerror})"))
            continue
        if stat.S_ISLNK(mode):
            if _looks_submitted(entry.name) or _points_at_folder(entry.path):
                found.append(Submission(name + ("/" if _points_at_folder(entry.path) else ""), Path(entry.path),
                                        LINK))
        elif stat.S_ISDIR(mode):
            _walk(Path(entry.path), name + "/", found)
        elif _looks_submitted(entry.name):
            problem = None if stat.S_ISREG(mode) else ("not a regular file (a pipe, a device or a socket): grade "
                                                       "reads regular files only")
            found.append(Submission(name, Path(entry.path), problem))


def _looks_submitted(name: str) -> bool:
    return Path(name).suffix.lower() in SUFFIXES


def _points_at_folder(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def still_inside(submission: Submission, folder) -> str | None:
    """Checked again just before the file is read: is it still a regular file, reached through no link,
    inside ``folder``? The problem in words, or None."""
    try:
        info = os.lstat(submission.path)
    except OSError as error:
        return f"cannot be looked at ({error.strerror})"
    if stat.S_ISLNK(info.st_mode):
        return LINK
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a pipe, a device or a socket): grade reads regular files only"
    real, root = Path(os.path.realpath(submission.path)), Path(os.path.realpath(folder))
    if root not in real.parents:
        return "reached through a link to a folder outside DIR: grade follows no link"
    return None
