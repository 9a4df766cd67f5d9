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
from typing import TYPE_CHECKING, Callable

from sheetprop.compare import Summary
from sheetprop.numerals import DIGITS

if TYPE_CHECKING:
    from sheetprop import config as configs


@dataclass(frozen=True)
class Writer:
    """One output: what it writes, and where its ``write(run, folder)`` lives (imported when it runs)."""

    name: str
    writes: str
    where: str          # "module:function"
    workbook: bool = False  # a workbook format, chosen with --format; the others are always written
    # Reads nothing the writers before it write: it may run in a process of its own beside them (the PNG:
    # matplotlib's import and drawing take as long as the workbook, on the other core). Its module has
    # ``prepare()``, run first in that process, and ``aside_input(run)``, what its ``write`` reads of the run.
    aside: bool = False

    def write(self, run, folder: Path) -> tuple[Path, ...]:
        module, function = self.where.split(":")
        return getattr(importlib.import_module(module), function)(run, folder)


# In the order they run: the walkthrough shows the PNG drawn before it.
WRITERS = (
    Writer("xlsx", "NAME.xlsx: a sheet of live formulas per learning rate, and the Compare sheet",
           "sheetprop.workbook.writer:write", workbook=True),
    Writer("ods", "NAME.ods: the workbook as OpenDocument, converted by LibreOffice",
           "sheetprop.workbook.ods:write", workbook=True),
    Writer("png", "NAME-learning-rates.png: E_total against iteration for every rate", "sheetprop.plots:write",
           aside=True),
    Writer("walkthrough", "NAME-walkthrough.md, NAME-walkthrough.html, NAME-network.svg: the worked example",
           "sheetprop.walkthrough:write"),
)
FORMATS = tuple(writer.name for writer in WRITERS if writer.workbook)


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
    from sheetprop import config as configs

    return configs.default()


def build(config: configs.Config, out_dir, progress: Callable[[int], None] | None = None,
          formats: tuple[str, ...] = ("xlsx",), digits: int = DIGITS, asides: dict | None = None) -> BuildResult:
    """Compute every learning rate's run and write ``NAME.xlsx`` (and/or ``NAME.ods``, per ``formats``),
    ``NAME-learning-rates.png`` and the walkthrough (numbers to ``digits`` significant digits) into ``out_dir``.

    ``asides`` are the processes of ``start_asides()``, started before the config was loaded; the build uses
    and stops them. Without them it starts its own."""
    from sheetprop import config as configs
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
        asides = start_asides() if asides is None else asides
        stop_asides({name: aside for name, aside in asides.items() if name not in {w.name for w in writers}})
        try:
            Layout(run.graph).check_fits(config.iterations)
        except configs.ConfigError as error:  # name the file, as every other config error does
            raise configs.ConfigError(f"{config.source}: {error}" if config.source else str(error)) from None
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


def start_asides() -> dict:
    """A process for each writer that may run aside, started now and preparing (the PNG's imports
    matplotlib), keyed by the writer's name; none where processes cannot be forked or spared. Call it as early
    as possible, before the config is loaded (``sheetprop build`` does), and hand the result to ``build``."""
    asides = {}
    for writer in WRITERS:
        if writer.aside and _can_fork():
            try:
                asides[writer.name] = Aside(writer)
            except OSError:  # no process to spare: it runs in its turn
                pass
    return asides


def stop_asides(asides: dict) -> None:
    """Stop every process of ``asides`` that still runs (see ``Aside.stop``)."""
    for aside in asides.values():
        aside.stop()


def _can_fork() -> bool:
    """Whether a writer may run in a forked process: a system with fork, and one thread only (a process with
    others, a notebook's, could fork with a lock held)."""
    import threading

    return hasattr(os, "fork") and threading.active_count() == 1


class Aside:
    """A writer run in a forked process of its own while the build goes on.

    The process starts at once with the writer module's ``prepare()`` (imports), and writes when ``begin``
    hands it the staging folder and the module's ``aside_input(run)``, what its ``write`` reads of the run;
    ``result()`` waits for its paths or raises its error. ``stop()`` kills and reaps it if it is still running,
    so that nothing writes into a staging folder once the build gives up.
    """

    def __init__(self, writer: Writer):
        import sys

        self.name = writer.name
        self.begun = False
        for stream in (sys.stdout, sys.stderr):  # else the child would hold, and print, a copy of their buffers
            stream.flush()
        results, report = os.pipe()
        told, tell = os.pipe()
        _widen(tell)
        try:
            self.pid = os.fork()
        except OSError:
            for end in (results, report, told, tell):
                os.close(end)
            raise
        if self.pid == 0:  # the child: write, report, and leave without running any of the parent's cleanups
            code = 1
            try:
                os.close(results)
                os.close(tell)
                code = _aside(writer, told, report)
                sys.stderr.flush()
            finally:
                os._exit(code)
        os.close(report)
        os.close(told)
        self.results, self.tell = results, tell
        self.module = writer.where.split(":")[0]

    def begin(self, folder: Path, run) -> None:
        """Let the writer write into ``folder``, handing it what it reads of ``run``; once only, later calls do
        nothing. A process that has died takes nothing: ``result()`` reports it."""
        import pickle

        if self.begun or self.tell is None:
            return
        self.begun = True
        data = pickle.dumps((os.fsencode(folder), importlib.import_module(self.module).aside_input(run)))
        with os.fdopen(self.tell, "wb") as pipe:
            self.tell = None
            with contextlib.suppress(BrokenPipeError):
                pipe.write(data)

    def result(self) -> tuple[Path, ...]:
        """The writer's paths, once its process has ended; its error, raised here, if it failed."""
        import pickle

        with os.fdopen(self.results, "rb") as pipe:
            self.results = None
            data = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        if not data:
            raise RuntimeError(f"the {self.name} writer's process ended without a result (wait status {status})")
        failed, value = pickle.loads(data)
        if failed:
            raise value
        return value

    def stop(self) -> None:
        """Kill the process if it still runs, and reap it; close the pipes."""
        import signal

        if self.pid is not None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = None
        for name in ("results", "tell"):
            if getattr(self, name) is not None:
                os.close(getattr(self, name))
                setattr(self, name, None)


def _widen(pipe: int) -> None:
    """Give ``pipe`` room for a mebibyte where the system allows (Linux): what the build hands a writer aside
    (the PNG's E_total trajectories, 8 bytes a row) is then written at once, not when the process, still
    importing, reads it."""
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl

        fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, 1 << 20)


def _aside(writer: Writer, told: int, report: int) -> int:
    """In the child: prepare, wait for the folder and the writer's input, run ``writer`` and send (failed,
    paths or error) down ``report``; returns the exit code. No input (the build gave up) ends it at once."""
    import pickle
    import traceback

    try:
        prepare = getattr(importlib.import_module(writer.where.split(":")[0]), "prepare", None)
        if prepare:
            prepare()
        with os.fdopen(told, "rb") as pipe:
            data = pipe.read()
        if not data:
            return 1
        folder, given = pickle.loads(data)
        outcome, code = (False, writer.write(given, Path(os.fsdecode(folder)))), 0
    except BaseException as error:  # noqa: BLE001 - every failure, Ctrl-C too, goes to the parent to raise
        error.add_note(f"in the {writer.name} writer's process:\n{traceback.format_exc()}")
        outcome, code = (True, error), 1
    try:
        data = pickle.dumps(outcome)
    except Exception:  # noqa: BLE001 - an error that does not pickle is sent as its text
        data = pickle.dumps((True, RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]}")))
    with os.fdopen(report, "wb") as stream:
        stream.write(data)
    return code


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
