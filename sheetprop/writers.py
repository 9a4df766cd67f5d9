"""The build's writers, and the processes that run some of them aside: what ``sheetprop build`` needs before
the config is loaded, kept free of sheetprop's heavier modules (the config's, the graph's, the writers') so
that the PNG's process starts at once (``outputs`` runs the build).
"""

from __future__ import annotations

import contextlib
import importlib
import os
from dataclasses import dataclass
from pathlib import Path


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


def start_asides(writers=WRITERS) -> dict:
    """A process for each of ``writers`` that may run aside, started now and preparing (the PNG's imports
    matplotlib), keyed by the writer's name; none where processes cannot be forked or spared. Call it as early
    as possible, before the config is loaded (``sheetprop build`` does), and hand the result to
    ``outputs.build_with``."""
    asides = {}
    for writer in writers:
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
    import gc
    import pickle
    import traceback

    # The process runs one writer and exits: the collector's passes (over matplotlib's import, mostly) cost
    # an eighth of its time, the build's longest path, and what they would free goes when it exits.
    gc.disable()
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
