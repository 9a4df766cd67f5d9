"""One submission against its assignment: verify's report turned into a Grade."""

from __future__ import annotations

from pathlib import Path

from sheetprop.grade.folder import Submission, still_inside
from sheetprop.grade.verdict import Finding, Grade


def grade_file(submission: Submission, folder, assignment_values: dict[str, float],
               rates: tuple[float, ...]) -> Grade:
    """Verify one submission and turn the report into a Grade; never raises for what the file holds."""
    from sheetprop.verify import VerifyError, verify

    name = submission.name
    problem = still_inside(submission, folder)  # looked at again here: the folder may have changed since
    if problem:
        return Grade(name, "unreadable", notes=problem)
    try:
        report = verify(submission.path)
    except VerifyError as error:
        text = str(error)
        if "no sheet looks like" in text:
            return Grade(name, "not the exercise", notes=text)
        if "can be judged" in text or "holds no cells" in text:
            return Grade(name, "incomplete", 0.0, notes=text)
        return Grade(name, "unreadable", notes=text)
    except Exception as error:  # noqa: BLE001 - one file's trouble is its row, never the batch's end
        return Grade(name, "unreadable", notes=f"verify failed on it: {type(error).__name__}: {error}"[:300])
    return _from_report(name, report, assignment_values, rates)


def _from_report(name: str, report, assignment_values: dict[str, float], rates: tuple[float, ...]) -> Grade:
    judged = {q for sheet in report.sheets for _, q, _ in sheet.columns
              if q != "iteration" and not q.endswith("(not judged)")}
    wrong = tuple(dict.fromkeys(f.quantity for f in report.findings))
    judged |= set(wrong)
    score = (len(judged) - len(wrong)) / len(judged) if judged else 0.0
    from sheetprop.verify.report import numbers

    findings = tuple(Finding(f.where, f.quantity, *numbers(f.found, f.expected), f.diagnosis)
                     for f in report.findings)
    sheet_rates = tuple(dict.fromkeys(s.learning_rate for s in report.sheets if s.learning_rate is not None))
    values = _other_values(report, assignment_values, rates)
    first = report.findings[0] if report.findings else None
    notes = "; ".join(dict.fromkeys((*report.notes, *(n for s in report.sheets for n in s.notes))))
    if wrong:
        status = "wrong"
    elif report.incomplete:  # verify's own list of core quantities it could not judge
        status = "incomplete"
        notes = "not judged: " + "; ".join(report.incomplete) + (f"; {notes}" if notes else "")
    else:
        status = "correct"
    return Grade(name, status, score, wrong, first.where if first else "", first.diagnosis if first else "",
                 values, sheet_rates, notes[:500], findings)


def _other_values(report, assignment_values: dict[str, float], rates: tuple[float, ...]) -> tuple[str, ...]:
    """Where the sheet's given values differ from the assignment's: ``w4 = 0.5, assigned 0.3``."""
    found = {}
    for sheet in report.sheets:
        for quantity, value in sheet.givens.items():
            found.setdefault(quantity, value)
    differ = [f"{q} = {v:.10g}, assigned {assignment_values[q]:.10g}" for q, v in found.items()
              if q in assignment_values and not _same(v, assignment_values[q])]
    for sheet in report.sheets:
        rate = sheet.learning_rate
        if rate is not None and rates and not any(_same(rate, r) for r in rates):
            assigned = ", ".join(f"{r:g}" for r in rates)
            differ.append(f"η = {rate:.10g} ({sheet.sheet}), assigned {assigned}")
    return tuple(differ)


def _same(a: float, b: float) -> bool:
    """A typed value is the assignment's when verify would take it for that constant (float noise: a fill
    handle's 0.989999999999998 is 0.99)."""
    from sheetprop.verify.rules import noise

    return abs(a - b) <= noise(b)
