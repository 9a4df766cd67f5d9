"""Write files all at once: into a temporary file beside the target, then rename into place.

A run that fails or is killed mid-write leaves the previous file untouched and no partial file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def replacing(path):
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on error it is removed.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with replacing(target) as temporary:
    ...     _ = temporary.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    # The process id in the name: a concurrent run's file is told apart from a killed run's leftover.
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".part", dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
        _remove_leftovers(path)
    finally:
        temporary.unlink(missing_ok=True)


def _remove_leftovers(path: Path) -> None:
    """Temporary files of earlier runs that were killed before they could clean up (never those of a run
    still going)."""
    for leftover in path.parent.glob(f".{path.name}.*.part"):
        if not _running(leftover.name[len(path.name) + 2:].split(".")[0]):
            leftover.unlink(missing_ok=True)


def _running(pid: str) -> bool:
    """Whether the process ``pid`` (text from a file name; anything else counts as gone) is alive."""
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
