"""What the check page's Web Worker calls, in Pyodide: sheetprop's own verify and grade on files held in
the browser's memory, each answer a JSON text for the page to show.

Nothing here judges: it calls the command line's entry points (``verify_file``, ``grade_folder``,
``write_grades``) and renders their results as the command line does (``as_text``, ``as_json``). It runs
in CPython too, which is how the tests hold the page's answers against the command line's.

>>> import json
>>> json.loads(refusal("class.ods", 10_000))["error"].startswith("class.ods is an OpenDocument sheet")
True
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path


def refusal(name: str, size: int) -> str | None:
    """A JSON error when ``name`` cannot be checked in a browser at all (said before its bytes are copied
    into Python's memory), else None."""
    from sheetprop.files.guard import MAX_BYTES, MB
    from sheetprop.files.read import CONVERTED, NATIVE  # read as they are; converted by LibreOffice first
    from sheetprop.verify.report import error_json

    suffix = Path(name).suffix.lower()
    if suffix in CONVERTED:
        kind = "an OpenDocument sheet" if "od" in suffix else "an old-style .xls workbook"
        return error_json(name, 2, f"{name} is {kind}, which needs LibreOffice to read, and LibreOffice cannot run "
                                   "in a web browser: save it as .xlsx in your spreadsheet program and check that, "
                                   "or run sheetprop verify on it")
    if suffix not in NATIVE:
        return error_json(name, 2, f"{name}: not a spreadsheet the page can read: give an .xlsx, .xlsm or .xltx file")
    if size > MAX_BYTES:  # the browser holds the whole file in memory, where verify would stream it from disk
        return error_json(name, 2, f"{name} is {size / MB:,.0f} MB, over the {MAX_BYTES // MB} MB the page reads: "
                                   "run sheetprop verify on it")
    return None


def check(path, assignment_file=None) -> str:
    """verify on one file as ``sheetprop verify FILE --json --annotate OUT`` runs it, from the file's own
    folder (so the report names the file as the command line given its name does). The answer:
    ``{"status", "json", "text", "error", "annotated", "unwritten", "assignment"}``: ``json`` is the command
    line's JSON, ``annotated`` the path of the highlighted copy when one was written (``unwritten`` why
    not, when writing it failed), ``assignment`` grade's verdict against ``assignment_file`` (a config;
    None: the lecture example)."""
    from sheetprop.verify import VerifyError, verify_file
    from sheetprop.verify.report import as_json, as_text, error_json

    path = Path(path)
    name = path.name
    early = refusal(name, path.stat().st_size)
    if early:
        return _answer(2, early, json.loads(early)["error"])
    annotated = path.with_name(f"{path.stem}-checked.xlsx")
    reports = []
    here = os.getcwd()
    os.chdir(path.parent)
    try:
        report = verify_file(name, annotate=annotated.name, report_to=reports.append)
    except VerifyError as error:
        return _answer(2, error_json(name, 2, str(error)), str(error))
    except Exception as error:  # noqa: BLE001 - the page says it, as the command line's exit status 3 does
        detail = f"{type(error).__name__}: {' '.join(str(error).split())}".rstrip(": ")
        if not reports:
            message = f"verify failed on {name} ({detail}): a bug in sheetprop; run sheetprop verify --debug on it"
            return _answer(3, error_json(name, 3, message), message)
        report, annotated = reports[0], None  # the report stands without its highlighted copy
        unwritten = f"the report stands, but the highlighted copy could not be written ({detail})"
    else:
        unwritten = None
    finally:
        os.chdir(here)
    answer = json.loads(_answer(report.status, as_json(report), None, as_text(report)))
    answer["annotated"] = str(annotated) if annotated and annotated.exists() and report.findings else None
    answer["unwritten"] = unwritten
    answer["assignment"] = _against_assignment(path, report, assignment_file)
    return json.dumps(answer, ensure_ascii=False)


def _against_assignment(path: Path, report, assignment_file) -> dict:
    """grade's verdict on the report: status, score, the values that differ from the assignment's, and what
    else it notes (what is missing, for one)."""
    from sheetprop.grade.assignment import Assignment
    from sheetprop.grade.judge import from_report, handed_out

    grade = from_report(path.name, report, Assignment(assignment(assignment_file)), "", handed_out(path))
    return {"status": grade.status, "score": grade.row()["score"], "values": list(grade.values), "notes": grade.notes}


def grade(folder, out, assignment_file=None, progress=None) -> str:
    """``sheetprop grade FOLDER --assignment ASSIGNMENT --out OUT``, one file after another (no process can
    be started in a browser) and the class report without its chart (no matplotlib there). The answer:
    ``{"files", "csv", "html"}`` with grades.csv's and grades.html's text; ``progress(done, total)``
    after each file."""
    from sheetprop.files import READABLE
    from sheetprop.grade import grade_folder, submissions, write_grades

    config = assignment(assignment_file)
    total = len(submissions(folder))
    if not total:  # as the command line refuses such a folder
        return json.dumps({"error": f"none of these is a spreadsheet ({', '.join(READABLE)}): give the submitted sheets"})
    done = 0

    def advance(count: int = 1) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, total)

    grades = grade_folder(folder, config, advance, workers=0)
    csv_path, html_path = write_grades(grades, out, f"{config.heading}: grades", chart=False)
    return json.dumps({"files": len(grades), "csv": csv_path.read_text(encoding="utf-8"),
                       "html": html_path.read_text(encoding="utf-8")}, ensure_ascii=False)


def assignment(path=None):
    """The assignment the page was written for: the config at ``path``, or the lecture example."""
    from sheetprop import config as configs

    return configs.load(path) if path else configs.default()


def _answer(status: int, report_json: str, error: str | None, text: str = "") -> str:
    return json.dumps({"status": status, "json": report_json, "text": text, "error": error, "annotated": None,
                       "unwritten": None, "assignment": None}, ensure_ascii=False)


def discard(folder) -> None:
    """Let a check's or a class's files go (the browser's memory is the file system here)."""
    shutil.rmtree(folder, ignore_errors=True)
