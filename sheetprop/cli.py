"""The command line: ``sheetprop build`` and friends, progress for long runs, clear errors and exit codes.

Exit status: 0 done, 2 bad input (config or arguments), 1 anything else that went wrong.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from sheetprop import __version__
from sheetprop.numerals import DIGITS
from sheetprop.parameters import LEARNING_RATE

EXAMPLES = """examples:
  sheetprop build                              the lecture's 2-2-2 example into outputs/
  sheetprop build examples/blog.toml --out out  your own network and values
  sheetprop build examples/*.toml              several configs at once
  sheetprop build --format xlsx,ods            the workbook as .ods too (LibreOffice converts it)
  sheetprop build --digits 4                   the walkthrough's numbers to 4 significant digits
  sheetprop show --iteration 2 --lr 0.5        one iteration's numbers and math in the terminal
  sheetprop verify my-sheet.xlsx               find the slips in a hand-made sheet
  sheetprop exercise --blank backward          the student's workbook: derived cells to fill
  sheetprop grade submissions/                 grade a class's sheets into grades.csv and grades.html
  sheetprop check-page --out check             a web page where students check their sheets themselves

Each command has its own --help.
"""
SHOW_EXAMPLES = """examples:
  sheetprop show                               iteration 1 of the lecture example
  sheetprop show examples/blog.toml --lr 0.5 --iteration 2 --digits 9
  sheetprop show --csv trace.csv               every iteration of every rate as CSV
  sheetprop show --csv - | head                the CSV to stdout
  sheetprop show --optimizer adam --lr 0.1     Adam's first update, its running averages included
"""
EXERCISE_EXAMPLES = """examples:
  sheetprop exercise                          the lecture's exercise: outputs/lecture-exercise.xlsx
  sheetprop exercise --blank backward         iteration 1's forward pass given as a worked example
  sheetprop exercise examples/blog.toml --format xlsx,ods --out class
  sheetprop exercise --roster roster.csv --out class  one workbook per student, values of their own
"""
GRADE_EXAMPLES = """examples:
  sheetprop grade submissions/                          grades.csv and grades.html beside the sheets
  sheetprop grade submissions/ --assignment examples/blog.toml --out report
  sheetprop grade submissions/ --roster roster.csv      one row per student, in roster order
"""
CHECK_PAGE_EXAMPLES = """examples:
  sheetprop check-page --out check                   the page for the lecture example: serve check/ or put it online
  sheetprop check-page examples/blog.toml --out check  for your own assignment
  python3 -m http.server -d check                    try it at http://localhost:8000/
"""
VERIFY_EXAMPLES = """examples:
  sheetprop verify my-sheet.xlsx                      each wrong quantity: first wrong cell, expected value, slip
  sheetprop verify my-sheet.ods --json                the same findings as JSON, for graders
  sheetprop verify my-sheet.xlsx --annotate out.xlsx  a copy with wrong cells highlighted and commented
  sheetprop verify my-sheet.ods --annotate out.ods    the copy in the sheet's own format
"""


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    previous = _stop_on_signals()
    try:
        status = args.run(args)
        sys.stdout.flush()  # a reader that went away shows here, not in Python's flush at exit
        return status
    except BrokenPipeError:
        return _reader_gone()
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM/SIGHUP as Stopped: every cleanup has run
        _ignore_signals()  # a second signal must not cut this line short
        number = getattr(stop, "signum", signal.SIGINT)
        print(f"sheetprop: stopped by {signal.Signals(number).name}; nothing was half-written, "
              "earlier outputs are as they were", file=sys.stderr)
        return 128 + number
    except Exception as error:  # noqa: BLE001 - one line for the user, the traceback only on --debug
        if args.debug:
            raise
        from sheetprop.config import ConfigError

        if _no_space(error):
            where = f" in {args.out}" if getattr(args, "out", None) else ""
            print(f"sheetprop: error: no space left on the device{where}; free some space and run again "
                  "(nothing was half-written, earlier outputs are as they were)", file=sys.stderr)
            return 1
        # A config's problems one line each, every one of them at once.
        for problem in error.problems if isinstance(error, ConfigError) else (error,):
            print(f"sheetprop: error: {_one_line(problem)}", file=sys.stderr)
        return 2 if isinstance(error, ConfigError) else 1
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the program is, so that every ``finally`` and ``with`` cleans up."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


_STOPPING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _stop_on_signals() -> dict:
    """Turn SIGTERM and SIGHUP into Stopped (Ctrl-C is KeyboardInterrupt already); returns the old handlers."""
    def stop(number, frame):
        _ignore_signals()  # the cleanup the first signal starts runs to its end
        raise Stopped(number)

    previous = {}
    for number in _STOPPING:
        previous[number] = signal.signal(number, stop)
    return previous


def _ignore_signals() -> None:
    for number in (signal.SIGINT, *_STOPPING):
        signal.signal(number, signal.SIG_IGN)


def _no_space(error: BaseException) -> bool:
    """Whether a full disk is behind ``error`` (libraries wrap the OSError: follow causes and arguments)."""
    import errno

    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        inner = next((a for a in getattr(error, "args", ()) if isinstance(a, BaseException)), None)
        error = error.__cause__ or error.__context__ or inner
    return False


def _one_line(error) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _reader_gone() -> int:
    """Output piped into a reader that stopped early (``sheetprop show | head -1``): end quietly, status 0."""
    # Python flushes stdout once more at exit; pointed at the null device, that flush cannot fail.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sheetprop", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Backpropagation, worked example as a living spreadsheet: every forward value, "
                    "chain-rule derivative and weight update as real formulas.",
        epilog=EXAMPLES)
    parser.add_argument("--version", action="version", version=f"sheetprop {__version__}")
    # Also accepted after the command (sheetprop build --debug); there its default is SUPPRESS, so that a
    # subcommand's own default cannot overwrite the global one.
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser(
        "build", help="write the workbook and learning-rate chart for a config",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
        description="Compute every iteration for every learning rate and write NAME.xlsx (one sheet per "
                    "rate, every derived cell a formula with its value), NAME-learning-rates.png and the "
                    "step-by-step walkthrough NAME-walkthrough.md and .html (with NAME-network.svg).")
    build.add_argument("configs", nargs="*", metavar="CONFIG",
                       help="TOML config files (default: the built-in lecture example)")
    build.add_argument("--out", default="outputs", metavar="DIR", help="folder to write into (default: outputs)")
    build.add_argument("--format", default="xlsx", type=_formats, metavar="FORMATS",
                       help="workbook formats, comma-separated: xlsx (default), ods (converted by LibreOffice, "
                            "headless), or xlsx,ods")
    build.add_argument("--digits", default=DIGITS, type=_digits, metavar="N",
                       help=f"significant digits of the numbers in the walkthrough (default {DIGITS})")
    build.add_argument("--quiet", action="store_true", help="print nothing but errors")
    build.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    build.set_defaults(run=_build)

    show = commands.add_parser(
        "show", help="print one iteration's values, chain rule and updates in the terminal",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=SHOW_EXAMPLES,
        description="Print the forward values, every partial derivative with its chain, and the updated "
                    "weights of one iteration, named as in the workbook.")
    show.add_argument("config", nargs="?", metavar="CONFIG", help="TOML config (default: the lecture example)")
    show.add_argument("--iteration", type=int, default=1, metavar="N", help="which iteration (default 1)")
    show.add_argument("--lr", type=float, metavar="X", help=f"learning rate {LEARNING_RATE.symbol}, in "
                      f"{LEARNING_RATE.range_text} (default: the config's first)")
    show.add_argument("--optimizer", metavar="NAME",
                      help="which optimizer (default: the config's first); any of " + ", ".join(_optimizer_names()))
    show.add_argument("--digits", type=int, default=10, metavar="D", help="significant digits (default 10)")
    show.add_argument("--csv", metavar="FILE", help="also write every iteration of every rate to FILE as CSV "
                      "('-': the CSV alone, to stdout)")
    show.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    show.set_defaults(run=_show)
    _add_verify(commands)
    _add_exercise(commands)
    _add_grade(commands)
    _add_check_page(commands)
    return parser


def _build(args) -> int:
    from sheetprop.writers import start_asides, stop_asides

    # The PNG's process starts first, so that matplotlib's import (the build's longest step) overlaps
    # the loading of sheetprop's modules and the config as well as the workbook.
    asides = start_asides()
    try:
        from sheetprop import config as configs
        from sheetprop.outputs import build_with

        out = Path(args.out)
        if out.exists() and not out.is_dir():
            raise configs.ConfigError(f"--out: {args.out} is a file, not a folder; give a folder to write into")
        loaded, problems = [], []
        for path in args.configs:  # every file's problems, before anything is built
            try:
                loaded.append(configs.load(path))
            except configs.ConfigError as error:
                problems += error.problems
        if problems:
            raise configs.ConfigError(*problems)
        loaded = loaded or [configs.default()]
        stems = {}
        for path, config in zip(args.configs, loaded):
            if config.stem in stems:
                raise configs.ConfigError(f"{stems[config.stem]} and {path} both write {config.stem}.xlsx and its "
                                          f"companions into {args.out}: give one of them another 'name'")
            stems[config.stem] = path
        for config in loaded:
            total = config.iterations * len(config.cases)
            with Progress(f"building {config.name}", total, enabled=not args.quiet) as progress:
                result = build_with(asides, config, args.out, progress.advance, args.format, args.digits)
            asides = None  # used and stopped: the next config's build starts its own
            if not args.quiet:
                print(f"{config.heading}: wrote {', '.join(str(path) for path in result.files)}")
                print(format_summary(result.summary))
    finally:
        stop_asides(asides or {})
    return 0


def _show(args) -> int:
    from sheetprop import config as configs
    from sheetprop.atomic import replacing
    from sheetprop.show import show_iteration
    from sheetprop.trace import run

    from sheetprop.limits import max_iterations

    # The options first: a refusal must not wait for the config's run.
    problem = args.lr is not None and LEARNING_RATE.problem(args.lr)  # nan and inf have one too
    if problem:
        raise configs.ConfigError(f"--lr: {problem}; give a rate in that range")
    if not 1 <= args.digits <= 17:
        raise configs.ConfigError("--digits: give a whole number from 1 to 17")
    if not 1 <= args.iteration <= max_iterations(1):
        raise configs.ConfigError(f"--iteration: give a whole number from 1 to {max_iterations(1):,} "
                                  "(the rows a sheet holds)")
    config = configs.load(args.config) if args.config else configs.default()
    optimizer = args.optimizer or config.optimizers[0]
    if optimizer not in _optimizer_names():
        from sheetprop.optimizers import OPTIMIZERS

        optimizer = configs.choose(optimizer, OPTIMIZERS, "--optimizer", "optimizer")
    rates = config.learning_rates if args.csv else [args.lr or config.learning_rates[0]]
    if args.lr is not None and args.lr not in rates:
        rates = [*rates, args.lr]
    # One row past the iteration shown: its update is the next row's weights.
    trace = run(config, rates, max(config.iterations, args.iteration + 1) if args.csv else args.iteration + 1,
                optimizer)
    # Numbers in the shortest form that reads back to the same float (Python's repr, pandas' default).
    if args.csv == "-":  # the CSV alone on stdout, for a pipe
        trace.frame().to_csv(sys.stdout, index=False, lineterminator="\n")
        return 0
    if args.csv:  # written before anything is printed: a reader that stops early cannot stop it
        with replacing(args.csv) as part:
            trace.frame().to_csv(part, index=False)
    print(show_iteration(trace, args.iteration, args.lr or rates[0], args.digits))
    if args.csv:
        print(f"\nwrote {args.csv}: {len(trace.rows)} learning rates × {trace.iterations} iterations")
    return 0


def _kinds() -> str:
    """The spreadsheets sheetprop reads, by suffix, for a help text or an error."""
    from sheetprop.files import READABLE

    return ", ".join(READABLE)


def _optimizer_names() -> list[str]:
    from sheetprop.optimizers import OPTIMIZERS
    return list(OPTIMIZERS)


def _formats(text: str) -> tuple[str, ...]:
    """``xlsx,ods`` → ('xlsx', 'ods'); anything else is a usage error (exit status 2)."""
    from sheetprop.writers import FORMATS

    formats = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    if not formats or any(f not in FORMATS for f in formats):
        raise argparse.ArgumentTypeError(f"{text!r}: give one or more of {', '.join(FORMATS)}, comma-separated")
    return formats


def _digits(text: str) -> int:
    try:
        digits = int(text)
    except ValueError:
        digits = 0
    if not 1 <= digits <= 17:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number from 1 to 17")
    return digits


def format_summary(summary) -> str:
    """The learning-rate comparison as a small text table."""
    below = f"below {summary.threshold:g} at"
    optimizer = [f"{'optimizer':<9}  "] if summary.named else []
    lines = ["".join(optimizer) + f"{'learning rate':>13}  {'E_total at 1':>14}  {f'at {summary.iterations}':>14}  "
             f"{below:>16}  status"]
    for r in summary.rates:
        reached = "never" if r.reached is None else f"iteration {r.reached}"
        best = "  ← best" if r.case == summary.best else ""
        named = f"{r.optimizer:<9}  " if summary.named else ""
        lines.append(f"{named}{r.rate:>13g}  {r.first:>14.10g}  {r.final:>14.10g}  {reached:>16}  {r.status}{best}")
    return "\n".join(lines)


def _add_exercise(commands) -> None:
    from sheetprop.exercise import BLANKS

    exercise = commands.add_parser(
        "exercise", help="write the exercise workbook: the answer's layout with the cells left for students",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXERCISE_EXAMPLES,
        description="Write NAME-exercise.xlsx: the answer workbook's sheets (parameter cells with the assignment's "
                    "values, every column's name and math note, the iteration column) with the derived cells "
                    "empty for a student to fill with formulas; sheetprop verify judges the filled-in file.")
    exercise.add_argument("config", nargs="?", metavar="CONFIG", help="TOML config (default: the lecture example)")
    exercise.add_argument("--out", default="outputs", metavar="DIR", help="folder to write into (default: outputs)")
    exercise.add_argument("--blank", default="all", choices=list(BLANKS),
                          help="what is left empty: " + "; ".join(f"{k}: {v}" for k, v in BLANKS.items())
                               + " (default all)")
    exercise.add_argument("--format", default="xlsx", type=_formats, metavar="FORMATS",
                          help="xlsx (default), ods, or xlsx,ods")
    exercise.add_argument("--roster", metavar="ROSTER.csv",
                          help="the class's roster (columns id, name, optional email): one workbook per student, "
                               "NAME-exercise-ID.xlsx, with starting values drawn from the student's id")
    exercise.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    exercise.set_defaults(run=_exercise)


def _exercise(args) -> int:
    from sheetprop import config as configs
    from sheetprop.exercise import build_exercise

    from sheetprop.roster import read_roster

    config = configs.load(args.config) if args.config else configs.default()
    roster = read_roster(args.roster) if args.roster else None
    written = build_exercise(config, args.out, args.blank, args.format, roster=roster)
    print(f"{config.heading}: wrote {', '.join(str(path) for path in written)}")
    return 0


def _add_grade(commands) -> None:
    grade = commands.add_parser(
        "grade", help="verify every spreadsheet in a folder: grades.csv and a class report",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=GRADE_EXAMPLES,
        description=f"Judge every spreadsheet ({_kinds()}) under DIR (subfolders too) against the assignment and write "
                    "grades.csv (one row per submission: student, status, score = the share of the assigned cells "
                    "judged right, wrong quantities, first wrong cell, likely slip, differences from the assignment) "
                    "and grades.html (the class report, the misconceptions grouped). Statuses: correct, wrong, "
                    "incomplete, not started, not the exercise, unreadable, missing (with --roster). Links, pipes "
                    "and devices are never read.")
    grade.add_argument("folder", metavar="DIR", help="the folder of submitted sheets")
    grade.add_argument("--assignment", metavar="CONFIG",
                       help="the config the students were given (default: the lecture example)")
    grade.add_argument("--roster", metavar="ROSTER.csv",
                       help="the class's roster (columns id, name, optional email): one row per student in its "
                            "order, a 'missing' row for a student who submitted nothing, each submission judged "
                            "against its student's own variant (sheetprop exercise --roster)")
    grade.add_argument("--out", metavar="DIR", help="folder for grades.csv and grades.html (default: DIR)")
    grade.add_argument("--quiet", action="store_true", help="print nothing but errors")
    grade.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    grade.set_defaults(run=_grade)


def _grade(args) -> int:
    from sheetprop import config as configs
    from sheetprop.grade import STATUSES, grade_folder, submissions, write_grades

    folder = Path(args.folder)
    if not folder.is_dir():
        raise configs.ConfigError(f"DIR: {args.folder} is not a folder; give the folder of submitted sheets")
    from sheetprop.roster import read_roster

    assignment = configs.load(args.assignment) if args.assignment else configs.default()
    roster = read_roster(args.roster) if args.roster else None
    total = len(submissions(folder))
    if not total and roster is None:
        raise configs.ConfigError(f"DIR: {args.folder} holds no spreadsheet ({_kinds()}); give the folder of "
                                  "submitted sheets")
    with Progress("grading", total, enabled=not args.quiet, unit="files", finishing="writing the report") as bar:
        grades = grade_folder(folder, assignment, bar.advance, roster=roster)
    csv_path, html_path = write_grades(grades, args.out or folder, f"{assignment.heading}: grades")
    if not args.quiet:
        counts = {s: sum(g.status == s for g in grades) for s in STATUSES}
        print(f"graded {total} files: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
        print(f"wrote {csv_path}, {html_path}")
    return 0


def _add_check_page(commands) -> None:
    page = commands.add_parser(
        "check-page", help="write a web page where students check their sheets and teachers grade, in the browser",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=CHECK_PAGE_EXAMPLES,
        description="Write a static folder (index.html and what it loads, about 14 MB) where a student drops a sheet "
                    "and sees the report sheetprop verify prints, with a highlighted copy to download, and a teacher "
                    "drops a folder and gets the class report and grades.csv, as sheetprop grade writes them. It runs "
                    "sheetprop itself in the browser (Pyodide): the files never leave the computer. Pyodide comes from "
                    "the npm registry, fetched once with npm into sheetprop's cache (or given with --pyodide).")
    page.add_argument("config", nargs="?", metavar="CONFIG", help="the assignment's TOML config (default: the lecture example)")
    page.add_argument("--out", required=True, metavar="DIR", help="folder to write the page into")
    page.add_argument("--pyodide", metavar="FILE",
                      help="a pyodide-VERSION.tgz fetched elsewhere with 'npm pack pyodide@VERSION' (default: fetched "
                           "with npm, once)")
    page.add_argument("--quiet", action="store_true", help="print nothing but errors")
    page.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    page.set_defaults(run=_check_page)


def _check_page(args) -> int:
    from sheetprop import config as configs
    from sheetprop.checkpage import write_check_page

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise configs.ConfigError(f"--out: {args.out} is a file, not a folder; give a folder to write the page into")
    config = configs.load(args.config) if args.config else configs.default()
    written = write_check_page(out, args.config, args.pyodide)
    if not args.quiet:
        size = sum(path.stat().st_size for path in written)
        print(f"{config.heading}: wrote the check page into {out} ({len(written)} files, {size / 1e6:.1f} MB): "
              f"serve it (python3 -m http.server -d {out}) or put it on a web host")
    return 0


def _add_verify(commands) -> None:
    verify = commands.add_parser(
        "verify", help="check a hand-made spreadsheet of the exercise, cell by cell",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=VERIFY_EXAMPLES,
        description="Judge every cell of a hand-made backpropagation sheet (.xlsx or .ods, with or without "
                    "formulas) against the correct formula evaluated on that row's own cells; report each wrong "
                    "quantity's first wrong cell, the value expected, the correct formula and the likely slip. "
                    "Exit status: 0 all judged cells agree, 1 something in the sheet is wrong, 2 the file cannot "
                    "be read (or nothing in it can be judged), 3 verify itself failed (a bug, or the annotated copy "
                    "could not be written; a report printed before it stands).")
    verify.add_argument("sheet", metavar="FILE", help=f"the workbook to check ({_kinds()})")
    verify.add_argument("--json", action="store_true", help="print the findings as JSON")
    verify.add_argument("--annotate", metavar="OUT", help="also write a copy with wrong cells highlighted and commented "
                        "(the comments print at the end), as .xlsx or in the sheet's own format (.ods for an .ods); "
                        "'-': the copy to stdout (in the sheet's own format), the report to stderr")
    verify.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    verify.set_defaults(run=_verify)


def _verify(args) -> int:
    """Exit status 0 or 1 as the report says, 2 when the file cannot be read; 3 when verify itself fails,
    never 1, which says the sheet is wrong."""
    from sheetprop.verify import VerifyError, verify_file
    from sheetprop.verify.report import as_json, as_text, error_json

    shown, gone = [], []
    to_stdout = args.annotate == "-"  # the annotated copy on stdout, for a pipe; the report then on stderr
    if to_stdout and sys.stdout.isatty():
        print("sheetprop: error: --annotate -: stdout is a terminal, not a file; redirect it (> copy.xlsx) or "
              "name the copy", file=sys.stderr)
        return 2
    report_out = sys.stderr if to_stdout else sys.stdout

    def show(report):  # before the annotated copy is written: a copy that fails must not lose the report
        try:
            print(as_json(report) if args.json else as_text(report), file=report_out, flush=True)
        except BrokenPipeError:  # the reader left (| head): the annotated copy is still written
            gone.append(True)
        shown.append(report)

    scratch = tempfile.TemporaryDirectory(prefix="sheetprop-annotate-") if to_stdout else None
    if scratch:  # written beside, in the sheet's own format, then copied out
        from sheetprop.files.annotate import kinds

        annotate = Path(scratch.name) / f"{Path(args.sheet).stem}-annotated{kinds(Path(args.sheet))[0]}"
    else:
        annotate = args.annotate
    try:
        report = verify_file(args.sheet, annotate=annotate, report_to=show)
        if scratch:
            with open(annotate, "rb") as copy:
                shutil.copyfileobj(copy, sys.stdout.buffer)
            sys.stdout.buffer.flush()
    except BrokenPipeError:
        raise
    except VerifyError as error:
        if shown and args.annotate:  # the report stands; only its copy failed
            print(f"sheetprop: error: the report above stands, but the annotated copy {args.annotate} could not be "
                  f"written: {error}", file=sys.stderr)
            return 3
        if args.json:  # a grading script reads one JSON object whatever happened
            print(error_json(args.sheet, 2, str(error)), file=report_out)
        print(f"sheetprop: error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 - one line, exit 3; the traceback on --debug
        if args.debug:
            raise
        reason = " ".join(str(error).split())
        detail = f"{type(error).__name__}: {reason}" if reason else type(error).__name__
        if shown and args.annotate:
            print(f"sheetprop: error: the report above stands, but the annotated copy {args.annotate} could not be "
                  f"written ({detail}): choose another path, or run with --debug for the traceback", file=sys.stderr)
        else:
            message = (f"verify failed on {args.sheet} ({detail}): a bug in sheetprop; run with --debug for the "
                       "traceback and report it")
            if args.json and not shown:
                print(error_json(args.sheet, 3, message), file=report_out)
            print(f"sheetprop: error: {message}", file=sys.stderr)
        return 3
    finally:
        if scratch:
            scratch.cleanup()
    if gone:
        raise BrokenPipeError
    if args.annotate and not args.json and not to_stdout:
        print(f"wrote {args.annotate}")
    return report.status


class Progress:
    r"""A one-line progress bar on stderr, shown only on a terminal and once work has run a second.

    >>> import io
    >>> class Terminal(io.StringIO):
    ...     def isatty(self): return True
    >>> ticks = iter([0, 0, 0.5, 1.5, 1.55])
    >>> with Progress("lecture", 4, stream=Terminal(), clock=lambda: next(ticks)) as bar:
    ...     for _ in range(4): bar.advance()
    >>> for line in bar.stream.getvalue().split("\r")[1:]: print(repr(line.strip()))  # then wiped
    'lecture [######################........] 3/4 rows'
    'lecture [##############################] 4/4 rows, writing the file'
    ''
    ''
    """

    def __init__(self, label: str, total: int, enabled: bool = True, stream=None, clock=time.monotonic,
                 unit: str = "rows", finishing: str = "writing the file"):
        self.label, self.total, self.done = label, total, 0
        self.unit, self.finishing = unit, finishing
        self.stream, self.clock = stream or sys.stderr, clock
        self.enabled = enabled and self.stream.isatty()
        self.start = self.shown = clock()
        self.visible = False

    def __enter__(self):
        return self

    def advance(self, count: int = 1) -> None:
        self.done += count
        if not self.enabled:
            return
        now, last = self.clock(), self.done >= self.total
        if now - self.start > 1 and (now - self.shown > 0.1 or last):
            self.shown, self.visible = now, True
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            # After the last row the Compare sheet, the zip, the chart and the walkthrough still take a moment.
            tail = f", {self.finishing}" if last else ""
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                              f"{self.done:,}/{self.total:,} {self.unit}{tail}")
            self.stream.flush()

    def __exit__(self, *exc):
        if self.visible:
            self.stream.write("\r" + " " * 80 + "\r")
            self.stream.flush()


if __name__ == "__main__":
    sys.exit(main())
