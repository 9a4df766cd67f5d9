"""A grade as plain data: the row of grades.csv for one submission, and the findings behind it.

>>> grade = Grade("ann.xlsx", "wrong", 0.9, wrong=("∂E/∂w3",), first_cell="Sheet1!Z9", diagnosis="a_h1 where a_h2 belongs")
>>> grade.row()["wrong"], grade.row()["score"]
('∂E/∂w3', '0.9')
"""

from __future__ import annotations

from dataclasses import dataclass, field

# In the order the report lists them: the verdicts on work first, then what could not be graded.
STATUSES = ("correct", "wrong", "incomplete", "not started", "not the exercise", "unreadable", "missing")
COLUMNS = ("student", "name", "file", "status", "score", "right", "assigned", "wrong", "first_cell", "diagnosis",
           "values", "learning_rates", "notes")


@dataclass(frozen=True)
class Finding:
    """One wrong quantity of a submission, as the class report lists it: where, what, and the kind of slip
    (a key of verify's SLIPS; '' where no slip could be named)."""

    where: str
    quantity: str
    found: str
    expected: str
    diagnosis: str
    slip: str = ""
    sheet: str = ""


@dataclass(frozen=True)
class Grade:
    """The verdict on one submission: a row of grades.csv.

    ``score`` is the share of the assigned cells judged right (None where nothing could be graded);
    ``right`` and ``assigned`` are the counts it is made of."""

    file: str
    status: str
    score: float | None = None
    wrong: tuple[str, ...] = ()
    first_cell: str = ""
    diagnosis: str = ""
    values: tuple[str, ...] = ()          # "w4 = 0.5, assigned 0.3", "biases: none, assigned b1 = 0.35, b2 = 0.6"
    learning_rates: tuple[float, ...] = ()
    notes: str = ""
    findings: tuple[Finding, ...] = field(default=(), repr=False)
    right: int | None = None
    assigned: int | None = None
    student: str = ""
    name: str = ""

    def row(self) -> dict[str, str]:
        """The CSV row: texts, lists joined by '; ', the score to 3 significant digits."""
        return {"student": self.student, "name": self.name, "file": self.file, "status": self.status,
                "score": "" if self.score is None else f"{self.score:.3g}",
                "right": "" if self.right is None else str(self.right),
                "assigned": "" if self.assigned is None else str(self.assigned),
                "wrong": "; ".join(self.wrong), "first_cell": self.first_cell, "diagnosis": self.diagnosis,
                "values": "; ".join(self.values), "learning_rates": "; ".join(f"{r:g}" for r in self.learning_rates),
                "notes": self.notes}
