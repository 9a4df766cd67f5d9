"""One build: a config's run handed to every writer of the table below, all or nothing.

Every output is a writer of one shape, ``write(run, folder) -> paths``. A build runs the writers it needs
into a temporary folder beside the output folder, and moves their files into place only when every one
of them succeeded: a failing writer leaves the output folder exactly as it was.

>>> [writer.name for writer in WRITERS]
['xlsx', 'ods', 'png', 'walkthrough']
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sheetprop import config as configs
from sheetprop.compare import Summary
from sheetprop.numerals import DIGITS
from sheetprop.writers import FORMATS, WRITERS, Aside, Writer, start_asides, stop_asides  # noqa: F401




@dataclass(frozen=True)
class BuildResult:
    """The files one build wrote and its learning-rate comparison.

    ``workbook`` is NAME.xlsx, or NAME.ods when that is the only format asked for; ``others`` holds
    NAME.ods beside NAME.xlsx and the walkthrough's files.
    """

    workbook: Path
    chart: Path
    summary: Summary
    others: tuple[Path, ...] = ()

    @property
    def files(self) -> tuple[Path, ...]:
        return self.workbook, self.chart, *self.others


def default_config() -> configs.Config:
    """The built-in example (``sheetprop.config.default``): the lecture's 2-2-2 network, six rates."""
    return configs.default()


def build(config: configs.Config, out_dir, progress: Callable[[int], None] | None = None,
          formats: tuple[str, ...] = ("xlsx",), digits: int = DIGITS) -> BuildResult:
    """Compute every learning rate's run and write ``NAME.xlsx`` (and/or ``NAME.ods``, per ``formats``),
    ``NAME-learning-rates.png`` and the walkthrough (numbers to ``digits`` significant digits) into ``out_dir``."""
    return build_with(None, config, out_dir, progress, formats, digits)


def build_with(asides: dict | None, config: configs.Config, out_dir, progress: Callable[[int], None] | None = None,
               formats: tuple[str, ...] = ("xlsx",), digits: int = DIGITS) -> BuildResult:
    """``build``, with the processes of ``writers.start_asides()`` started before the config was loaded
    (``sheetprop build`` starts them first thing); it uses and stops them. None: it starts its own."""
    from sheetprop.runs import Run
    from sheetprop.workbook.layout import Layout

    try:
        formats = tuple(formats)
        if not formats or set(formats) - set(FORMATS):
            raise ValueError(f"workbook formats {formats!r}: choose from {', '.join(FORMATS)}")
        run = Run.of(config, digits=digits, formats=formats, progress=progress)
        writers = [w for w in WRITERS if not w.workbook or w.name in formats]
        # Writers that may run aside start at once, if they have not (their imports overlap the checks below
        # too), are handed what they read of the run once the staging folder exists and the runs are summarized
        # (as the workbook's rate sheets end), and are each waited for at its turn, so that the writers after it
        # find its files (the walkthrough shows the PNG). A build that gives up stops them before its staging
        # folder goes.
        asides = start_asides(WRITERS) if asides is None else asides
        stop_asides({name: aside for name, aside in asides.items() if name not in {w.name for w in writers}})
        misfit = Layout(run.graph).misfit(config.iterations)
        if misfit:  # named with the file, as every other config problem is
            raise configs.ConfigError(f"{config.source}: {misfit}" if config.source else misfit)
        for writer in writers:
            check = getattr(importlib.import_module(writer.where.split(":")[0]), "check", None)
            if check:
                check()  # e.g. no LibreOffice for .ods: stop before anything is written
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        with locked(out_dir), staging(out_dir) as folder:
            try:
                for aside in asides.values():
                    run.when_summarized(functools.partial(aside.begin, folder, run))
                written = []
                for writer in writers:
                    if writer.name in asides and asides[writer.name].pid is not None:
                        asides[writer.name].begin(folder, run)  # if the writers before it did not summarize
                        written += asides[writer.name].result()
                    else:
                        written += writer.write(run, folder)
            finally:  # before the staging folder goes
                stop_asides(asides)
    finally:  # a build refused before its staging folder
        stop_asides(asides or {})
    files = [out_dir / path.name for path in written]
    workbooks = [f for f in files if f.suffix.lstrip(".") in FORMATS]
    chart = next(f for f in files if f.suffix == ".png")
    others = [f for f in files if f not in (workbooks[0], chart)]
    return BuildResult(workbooks[0], chart, run.summary, tuple(others))


class FolderBusy(RuntimeError):
    """Another build is writing into the same output folder."""


STAGING_PREFIX = ".sheetprop-build-"


@contextlib.contextmanager
def locked(out_dir: Path):
    """Hold an exclusive lock on ``out_dir`` (flock on the folder itself: no lock file is left behind), or
    raise FolderBusy at once when another build holds it."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; builds into one folder at once are not told apart there
        yield
        return
    handle = os.open(out_dir, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderBusy(f"--out: {out_dir} is busy: another sheetprop build is writing into it; wait for it "
                             "to finish or choose another folder") from None
        yield
    finally:
        os.close(handle)  # releases the lock


@contextlib.contextmanager
def staging(out_dir: Path):
    """A temporary folder beside ``out_dir``'s files; on success its files replace their namesakes in
    ``out_dir`` all together (renames on one file system, undone if one fails), on failure it goes and
    ``out_dir`` is as it was. Call it holding ``locked(out_dir)``: whatever staging folder is there
    then was left by a build that was killed, and goes first."""
    for leftover in out_dir.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(leftover, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
    try:
        yield folder
        commit(sorted(p for p in folder.iterdir() if p.is_file()), out_dir, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def commit(paths: list[Path], out_dir: Path, folder: Path) -> None:
    """Move ``paths`` into ``out_dir``, all or none: each file they replace is first linked into
    ``folder``, and put back if any move fails; signals wait until the moves are done."""
    import signal

    previous = folder / ".previous"
    previous.mkdir()
    for path in paths:
        os.chmod(path, 0o644)
        if (out_dir / path.name).exists():
            try:
                os.link(out_dir / path.name, previous / path.name)
            except OSError:  # a file system without hard links
                shutil.copy2(out_dir / path.name, previous / path.name)
    stopping = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, stopping)
    moved = []
    try:
        for path in paths:
            os.replace(path, out_dir / path.name)
            moved.append(path.name)
    except BaseException:
        for name in moved:
            if (previous / name).exists():
                os.replace(previous / name, out_dir / name)
            else:
                (out_dir / name).unlink(missing_ok=True)
        raise
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
