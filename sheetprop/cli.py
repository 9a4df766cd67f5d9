"""The command line: ``sheetprop build`` and friends, progress for long runs, clear errors and exit codes.

Exit status: 0 done, 2 bad input (config or arguments), 1 anything else that went wrong.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sheetprop import __version__

EXAMPLES = """examples:
  sheetprop build                              the lecture's 2-2-2 example into outputs/
  sheetprop build examples/blog.toml --out out  your own network and values
  sheetprop build examples/*.toml              several configs at once
"""


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("sheetprop: interrupted; nothing was half-written", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - one line for the user, the traceback only on --debug
        if args.debug:
            raise
        from sheetprop.config import ConfigError

        status = 2 if isinstance(error, ConfigError) else 1
        print(f"sheetprop: error: {error}", file=sys.stderr)
        return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sheetprop", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Backpropagation, worked example as a living spreadsheet: every forward value, "
                    "chain-rule derivative and weight update as real formulas.",
        epilog=EXAMPLES)
    parser.add_argument("--version", action="version", version=f"sheetprop {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_verify(commands)

    build = commands.add_parser(
        "build", help="write the workbook and learning-rate chart for a config",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
        description="Compute every iteration for every learning rate and write NAME.xlsx (one sheet per "
                    "rate, every derived cell a formula with its value) and NAME-learning-rates.png.")
    build.add_argument("configs", nargs="*", metavar="CONFIG",
                       help="TOML config files (default: the built-in lecture example)")
    build.add_argument("--out", default="outputs", metavar="DIR", help="folder to write into (default: outputs)")
    build.add_argument("--quiet", action="store_true", help="print nothing but errors")
    build.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    build.set_defaults(run=_build)
    return parser


def _build(args) -> int:
    from sheetprop import config as configs
    from sheetprop.build import build, default_config

    loaded = [configs.load(path) for path in args.configs] or [default_config()]
    for config in loaded:
        total = config.iterations * len(config.learning_rates)
        with Progress(f"building {config.name}", total, enabled=not args.quiet) as progress:
            result = build(config, args.out, progress.advance)
        if not args.quiet:
            print(f"{config.heading}: wrote {result.workbook} and {result.chart}")
            print(format_summary(result.summary))
    return 0


def format_summary(summary) -> str:
    """The learning-rate comparison as a small text table."""
    below = f"below {summary.threshold:g} at"
    lines = [f"{'learning rate':>13}  {'E_total at 1':>14}  {f'at {summary.iterations}':>14}  {below:>16}  status"]
    for r in summary.rates:
        reached = "never" if r.reached is None else f"iteration {r.reached}"
        best = "  ← best" if r.rate == summary.best else ""
        lines.append(f"{r.rate:>13g}  {r.first:>14.10g}  {r.final:>14.10g}  {reached:>16}  {r.status}{best}")
    return "\n".join(lines)


def _add_verify(commands) -> None:
    verify = commands.add_parser(
        "verify", help="check a hand-made spreadsheet of the exercise, cell by cell",
        description="Judge every cell of a hand-made backpropagation sheet (.xlsx or .ods, with or without "
                    "formulas) against the correct formula evaluated on that row's own cells; report each wrong "
                    "quantity's first wrong cell, the value expected, the correct formula and the likely slip. "
                    "Exit status: 0 all cells agree, 1 something is wrong, 2 the file cannot be read.")
    verify.add_argument("sheet", metavar="FILE", help="the workbook to check (.xlsx, .xlsm, .ods)")
    verify.add_argument("--json", action="store_true", help="print the findings as JSON")
    verify.add_argument("--annotate", metavar="OUT.xlsx", help="also write a copy with wrong cells highlighted")
    verify.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    verify.set_defaults(run=_verify)


def _verify(args) -> int:
    from sheetprop.verify import VerifyError, verify
    from sheetprop.verify.report import as_json, as_text

    try:
        report = verify(args.sheet, annotate=args.annotate)
    except VerifyError as error:
        print(f"sheetprop: error: {error}", file=sys.stderr)
        return 2
    print(as_json(report) if args.json else as_text(report))
    if args.annotate and not args.json:
        print(f"wrote {args.annotate}")
    return report.status


class Progress:
    """A one-line progress bar on stderr, shown only on a terminal and once work has run a second."""

    def __init__(self, label: str, total: int, enabled: bool = True):
        self.label, self.total, self.done = label, total, 0
        self.enabled = enabled and sys.stderr.isatty()
        self.start = self.shown = time.monotonic()
        self.visible = False

    def __enter__(self):
        return self

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if self.enabled and now - self.start > 1 and now - self.shown > 0.1:
            self.shown, self.visible = now, True
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                             f"{self.done:,}/{self.total:,} rows")
            sys.stderr.flush()

    def __exit__(self, *exc):
        if self.visible:
            sys.stderr.write("\r" + " " * 80 + "\r")
            sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
