"""A class: its roster, and one variant of the assignment per student.

A roster is a CSV file with the columns ``id`` and ``name`` (and ``email``, optional), one student a row,
as a gradebook exports it (comma or semicolon, with or without Excel's byte-order mark).

A student's variant keeps the assignment's network, learning rates and iterations and draws its starting
values (inputs, targets, initial weights) from the student's id: the same id gives the same values on every
machine. Each value moves by up to 40 % of itself, rounded to 3 decimals (targets stay within the range
the assignment's targets span), and a draw is kept only when the example still learns at every learning
rate (E_total lower at the last iteration than at the first); otherwise the next draw is tried.

>>> from sheetprop.config import default
>>> values = variant(default(), "s1024")
>>> values == variant(default(), "s1024"), values == variant(default(), "s1025"), sorted(values)[:3]
(True, False, ['i1', 'i2', 't1'])
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
from dataclasses import dataclass, replace
from pathlib import Path

from sheetprop.config import Config, ConfigError

SPREAD = 0.4            # a starting value moves by up to this share of itself
DECIMALS = 3
DRAWS = 50              # draws tried before a config is declared to have no variant that learns
MAX_ROSTER_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Student:
    """One row of the roster."""

    id: str
    name: str
    email: str = ""


def read_roster(path) -> list[Student]:
    """The students of ``path``, in its order; every problem of the file in one ConfigError."""
    path = Path(path)
    try:
        if not path.is_file():
            raise ConfigError(f"--roster: {path} is not a file; give the roster's CSV file (columns id, name)")
        if path.stat().st_size > MAX_ROSTER_BYTES:
            raise ConfigError(f"--roster: {path} is larger than 1 MB; a roster is a CSV of id and name")
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"--roster: {path} is not UTF-8 text; save it as CSV UTF-8") from None
    return parse_roster(text, str(path))


def parse_roster(text: str, where: str = "roster") -> list[Student]:
    """The students of a roster's text.

    >>> parse_roster("id,name,email\\ns1,Ann Lee,ann@example.org\\ns2,Bo\\n")
    [Student(id='s1', name='Ann Lee', email='ann@example.org'), Student(id='s2', name='Bo', email='')]
    >>> parse_roster("id;name\\ns1;Ann\\ns1;Bo\\n;Cy\\n")
    Traceback (most recent call last):
    sheetprop.config.ConfigError: --roster: roster row 3: id s1 is there twice (rows 2 and 3); roster row 4: no id; give each student an id of their own
    """
    delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise ConfigError(f"--roster: {where} is empty; give a CSV with the columns id, name (email optional)")
    header = [cell.strip().lower() for cell in rows[0]]
    missing = [column for column in ("id", "name") if column not in header]
    if missing:
        raise ConfigError(f"--roster: {where} has no column {' and no column '.join(missing)} in its first row "
                          f"(found: {', '.join(rows[0]) or 'nothing'}); name the columns id, name (email optional)")
    at = {column: header.index(column) for column in ("id", "name", "email") if column in header}
    students, seen, problems = [], {}, []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cell = lambda column: row[at[column]].strip() if column in at and at[column] < len(row) else ""  # noqa: E731
        student = Student(cell("id"), cell("name"), cell("email"))
        if not student.id:
            problems.append(f"{where} row {number}: no id")
        elif student.id in seen:
            problems.append(f"{where} row {number}: id {student.id} is there twice (rows {seen[student.id]} and {number})")
        else:
            seen[student.id] = number
            students.append(student)
    if problems:
        raise ConfigError("--roster: " + "; ".join(problems) + "; give each student an id of their own")
    if not students:
        raise ConfigError(f"--roster: {where} lists no student; add one row per student (id, name)")
    return students


def variant(config: Config, student: str) -> dict[str, float]:
    """The starting values of ``student``'s variant of ``config`` (see the module's docstring)."""
    from sheetprop.compare import DECREASING, REACHED
    from sheetprop.graph import INPUT, TARGET, WEIGHT, build_graph
    from sheetprop.runs import Run

    seed = int.from_bytes(hashlib.sha256(f"sheetprop variant {student}".encode()).digest()[:8], "big")
    draw = random.Random(seed)
    graph = build_graph(config.network)
    role = {name: graph[name].role for name in config.values if name in graph.index}
    varied = [name for name in config.values if role.get(name) in (INPUT, TARGET, WEIGHT)]  # not biases
    targets = [config.values[name] for name in varied if role[name] == TARGET]
    low, high = (min(targets), max(targets)) if targets else (0.0, 1.0)
    for _ in range(DRAWS):
        values = {}
        for name in varied:
            moved = round(config.values[name] * (1 + draw.uniform(-SPREAD, SPREAD)), DECIMALS)
            values[name] = min(max(moved, low), high) if role[name] == TARGET else moved
        summary = Run.of(replace(config, values={**config.values, **values})).summary
        if all(rate.status in (REACHED, DECREASING) for rate in summary.rates):
            return values
    raise ConfigError(f"{config.name}: none of {DRAWS} variants drawn for student {student} learns at every "
                      "learning rate; give the config learning rates at which it learns")


def stem(student: Student) -> str:
    """The student's part of a file name: the id, made safe for any file system."""
    from sheetprop.config import file_stem

    return file_stem(student.id)
