"""One submission against its assignment: verify's report turned into a Grade.

Each sheet verify judged is matched with the assignment's sheet of its optimizer and learning rate; the
score counts, per assigned quantity, the cells judged right (judged, less the wrong ones), never more
than were assigned. The statuses, in the order they are decided:

- ``unreadable``: the file cannot be read (damaged, password-protected, a link, not a regular file);
- ``not the exercise``: no sheet looks like the backpropagation exercise;
- ``not started``: the exercise as handed out, or nothing filled that was left to fill;
- ``wrong``: a cell is wrong, or the sheet is of another network, or starts from other values than
  assigned (each difference named in ``values``);
- ``incomplete``: something assigned is missing or could not be judged (``notes`` says what);
- ``correct``: every assigned cell is there and judged right (score 1).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sheetprop.grade.assignment import Assignment, bias_difference, network_differences
from sheetprop.grade.folder import Submission, still_inside
from sheetprop.grade.verdict import Finding, Grade
from sheetprop.graph import ACT, BIAS, COUNTER, ERROR, INPUT, NET, TARGET, build_graph


def grade_file(submission: Submission, folder, assignment: Assignment, student: str = "") -> Grade:
    """Verify one submission and grade it against ``assignment`` (``student``'s variant, with a roster);
    never raises for what the file holds."""
    from sheetprop.verify import NothingToJudge, NotTheExercise, VerifyError, verify

    name = submission.name
    problem = still_inside(submission, folder)  # looked at again here: the folder may have changed since
    if problem:
        return Grade(name, "unreadable", notes=problem)
    try:
        report = verify(submission.path)
    except NothingToJudge as error:
        if error.blank:
            return Grade(name, "not started", 0.0, notes=str(error), right=0, assigned=assignment.total())
        if isinstance(error, NotTheExercise):
            return Grade(name, "not the exercise", notes=str(error))
        return Grade(name, "incomplete", 0.0, notes=str(error), right=0, assigned=assignment.total())
    except VerifyError as error:
        return Grade(name, "unreadable", notes=str(error))
    except Exception as error:  # noqa: BLE001 - one file's trouble is its row, never the batch's end
        return Grade(name, "unreadable", notes=f"verify failed on it: {type(error).__name__}: {error}"[:300])
    return from_report(name, report, assignment, student, handed_out(submission.path))


def handed_out(path) -> str:
    """How the exercise left its cells (``Exercise.blank``: 'all' or 'backward'), as the file's custom
    properties record it; 'all' for a file that records nothing (a sheet made by hand)."""
    import zipfile
    from xml.etree import ElementTree

    part, tag = ("meta.xml", "user-defined") if str(path).lower().endswith(".ods") else ("docProps/custom.xml",
                                                                                         "property")
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo(part)
            if info.file_size > 1_000_000:
                return "all"
            text = archive.read(info)
        if b"<!DOCTYPE" in text or b"<!ENTITY" in text:
            return "all"
        for element in ElementTree.fromstring(text).iter():
            name = next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "name"), None)
            if element.tag.rsplit("}", 1)[-1] == tag and name == "sheetprop exercise":
                return "".join(element.itertext()).strip() or "all"
    except (KeyError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        pass
    return "all"


@dataclass
class _Sheet:
    """One judged sheet, as the grade sees it: the assignment's case it answers (None: none), its right
    cells per quantity, and whether its network is another."""

    report: object
    case: object = None
    right: int = 0
    other_network: bool = False


def from_report(name: str, report, assignment: Assignment, student: str = "", blank: str = "all") -> Grade:
    """The Grade of a verify report against ``assignment``."""
    from sheetprop.verify.report import numbers
    from sheetprop.verify.rules import noise

    def same(a: float, b: float) -> bool:  # float noise: a fill handle's 0.989999999999998 is 0.99
        return abs(a - b) <= noise(b)

    differences, extras, notes = [], [], []  # what changes the computation; what is only more than assigned
    sheets = [_Sheet(sheet) for sheet in report.sheets]
    cases = assignment.cases
    optimizers = {case.optimizer for case in cases}
    # Match each sheet with the case of its optimizer and rate; a sheet of another network counts no cell.
    for sheet in sheets:
        network = sheet.report.network
        assigned = assignment.config.network_for(network.optimizer if network.optimizer in optimizers
                                                 else cases[0].optimizer)
        other = network_differences(network, assigned)
        bias = bias_difference(network, assigned, assignment.values(student), sheet.report.givens)
        other += [bias] if bias else []
        if network.optimizer not in optimizers:
            other.append(f"optimizer: {network.optimizer}, assigned {', '.join(sorted(optimizers))}")
        differences += other
        sheet.other_network = bool(other)
        rate = sheet.report.learning_rate
        sheet.case = next((case for case in cases if case.optimizer == network.optimizer and rate is not None
                           and same(rate, case.rate)), None)
        if sheet.case is None and rate is not None and not sheet.other_network:
            rates = ", ".join(f"{c.rate:g}" for c in cases if c.optimizer == network.optimizer)
            extras.append(f"η = {rate:.10g} (sheet {sheet.report.sheet}), assigned {rates}")
    _place_unrated(sheets, cases)
    # The starting values and hyperparameters each sheet was given, against the student's own.
    differences += _value_differences(report, assignment, student, same)
    # Count the right cells of each assigned case: its best sheet.
    columns = {q for s in report.sheets for _, q, _ in s.columns}
    right = assigned_total = 0
    best: dict = {}
    for sheet in sheets:
        if sheet.case is None or sheet.other_network:
            continue
        sheet.right = _right_cells(sheet.report, assignment.cells(sheet.case.optimizer, columns, blank),
                                   assignment.given_first(sheet.case.optimizer, blank))
        if sheet.case not in best or sheet.right > best[sheet.case].right:
            best[sheet.case] = sheet
    unfinished = []
    for case in cases:
        cells = assignment.cells(case.optimizer, columns, blank)
        total = sum(cells.values())
        assigned_total += total
        sheet = best.get(case)
        label = f"η = {case.rate:g}" + (f" ({case.optimizer})" if len(optimizers) > 1 else "")
        if sheet is None:
            unfinished.append(f"no sheet for {label}")
            continue
        right += sheet.right
        if sheet.right < total:
            unfinished.append(_what_is_missing(sheet.report, cells, assignment.iterations, label))
        if sheet.report.iterations > assignment.iterations:
            extras.append(f"iterations: {sheet.report.iterations} (sheet {sheet.report.sheet}), "
                          f"assigned {assignment.iterations}")
    score = right / assigned_total if assigned_total else 0.0
    findings = tuple(Finding(f.where, f.quantity, *numbers(f.found, f.expected), f.diagnosis, f.slip, f.sheet)
                     for f in report.findings)
    wrong = tuple(dict.fromkeys(f.quantity for f in report.findings))
    # The sheets' notes speak of the student's work (what their columns were read as, too); the file's (how its
    # values were recalculated) do not.
    notes += [n for s in report.sheets for n in (*s.assumed, *s.notes)]
    first = report.findings[0] if report.findings else None
    if wrong or differences:
        status = "wrong"
    elif _only_given(report, assignment, blank):
        status, notes = "not started", ["nothing filled beyond what the exercise gives", *notes]
    elif unfinished or report.incomplete:
        status = "incomplete"
        notes = ["; ".join(unfinished or report.incomplete), *notes]
    else:
        status = "correct"
    if status == "wrong" and unfinished:
        notes = ["; ".join(unfinished), *notes]
    rates = tuple(dict.fromkeys(s.learning_rate for s in report.sheets if s.learning_rate is not None))
    return Grade(name, status, score, wrong, first.where if first else "", first.diagnosis if first else "",
                 tuple(dict.fromkeys(differences + extras)), rates, "; ".join(dict.fromkeys(notes))[:600], findings,
                 right, assigned_total, student)


def _place_unrated(sheets: list[_Sheet], cases) -> None:
    """A sheet whose rate cannot be told (nothing updated yet) answers the first case no sheet answers,
    in the order of the sheets: the exercise's sheets come in the assignment's order."""
    taken = {s.case for s in sheets if s.case is not None}
    for sheet in sheets:
        if sheet.case is None and sheet.report.learning_rate is None and not sheet.other_network:
            sheet.case = next((c for c in cases if c not in taken and c.optimizer == sheet.report.network.optimizer),
                              None)
            taken.add(sheet.case)


def _right_cells(sheet, cells: dict[str, int], given: set[str]) -> int:
    """The cells of ``sheet`` judged right, per assigned quantity at most as many as were assigned; the first
    row of a quantity the exercise gave there (``given``) is not counted."""
    from openpyxl.utils.cell import coordinate_from_string

    by_letter = {letter: quantity for letter, quantity, _ in sheet.columns}
    wrong = Counter()
    for finding in sheet.findings:
        for cell in finding.cells:
            wrong[by_letter.get(coordinate_from_string(cell)[0], finding.quantity)] += 1
    return sum(min(count, max(0, sheet.judged_cells.get(name, 0) - wrong[name] - (name in given)))
               for name, count in cells.items())


def _what_is_missing(sheet, cells: dict[str, int], iterations: int, label: str) -> str:
    """What a sheet lacks, in the teacher's words: rows, or quantities (those judged in no cell)."""
    none = [name for name in cells if not sheet.judged_cells.get(name)]
    parts = []
    if sheet.iterations < iterations:
        parts.append(f"{sheet.iterations} of {iterations} iterations")
    if none:
        shown = ", ".join(none[:6]) + (f" and {len(none) - 6} more" if len(none) > 6 else "")
        parts.append(f"nothing judged of {shown}")
    if not parts:
        parts.append("some cells empty or not judged")
    return f"{label} (sheet {sheet.sheet}): " + "; ".join(parts)


def _value_differences(report, assignment: Assignment, student: str, same) -> list[str]:
    """Where the sheets' starting values (and hyperparameters) differ from the student's assignment:
    ``w4 = 0.5, assigned 0.3``; or, with a roster, ``the values of student ID's variant``."""
    found = {}
    for sheet in report.sheets:
        for quantity, value in sheet.givens.items():
            found.setdefault(quantity, value)
    optimizer = report.sheets[0].network.optimizer if report.sheets else None
    optimizer = optimizer if optimizer in {c.optimizer for c in assignment.cases} else None
    own = assignment.values(student, optimizer)
    differ = [f"{q} = {v:.10g}, assigned {own[q]:.10g}" for q, v in found.items() if q in own and not same(v, own[q])]
    if differ and assignment.variants:
        for other in ("", *assignment.variants):
            theirs = assignment.values(other, optimizer)
            if other != student and all(same(v, theirs[q]) for q, v in found.items() if q in theirs):
                return [f"the values of student {other}'s variant" if other else
                        "the values of the exercise without a roster, not the student's own variant"]
    return differ


def _only_given(report, assignment: Assignment, blank: str) -> bool:
    """Is nothing judged but what the exercise gave (its inputs and targets; with ``--blank backward``, one
    row of iteration 1's forward pass), with nothing wrong? Such a file was handed back as it was handed out."""
    if report.findings:
        return False
    roles = (INPUT, TARGET, BIAS, COUNTER) + ((NET, ACT, ERROR) if blank == "backward" else ())
    given = {q.name for q in build_graph(assignment.config.network).quantities if q.role in roles}
    return all(sheet.iterations == 1 and set(sheet.judged_cells) <= given for sheet in report.sheets)
