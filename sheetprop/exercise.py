"""``sheetprop exercise``: the answer workbook's layout with the derived cells left for a student.

The sheets are the answer's — parameter cells holding the assignment's values, the header row with each
quantity's name and its math note, the iteration column — and a student fills the empty cells with
formulas; ``sheetprop verify`` then judges the filled-in file like any hand-made sheet. With a roster, each
student gets a workbook of their own variant (roster.py): their id on every sheet and in the file's
properties.

>>> from sheetprop.graph import ACT, Quantity
>>> from sheetprop.expr import Sym
>>> a_h1 = Quantity("a_h1", ACT, "hidden layer", Sym("h1"))
>>> Exercise("all").gives(a_h1, 1), Exercise("backward").gives(a_h1, 1), Exercise("backward").gives(a_h1, 2)
(False, True, False)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sheetprop.graph import ACT, COUNTER, ERROR, NET, Quantity

# What --blank leaves for the student: every derived cell, or all but iteration 1's forward pass.
BLANKS = {
    "all": "every derived cell",
    "backward": "the backward pass and the updates, with iteration 1's forward pass given as a worked example",
}
FORWARD = (NET, ACT, ERROR)  # E_total is an ERROR quantity too


@dataclass(frozen=True)
class Exercise:
    """Which cells an exercise workbook gives (the others it leaves empty), and whose workbook it is."""

    blank: str = "all"
    student: str = ""      # the roster's id, for a student's own variant
    name: str = ""         # the roster's name

    def gives(self, quantity: Quantity, iteration: int) -> bool:
        """Whether the cell of ``quantity`` at ``iteration`` (1-based) is given: the iteration count, the
        copies of the assignment's values (inputs, targets, fixed biases), the starting values on iteration
        1 (initial weights, an optimizer's empty state), and with ``backward`` iteration 1's forward pass."""
        from sheetprop.workbook.style import shows_as_given  # XlsxWriter: not for `sheetprop --help`

        if quantity.role == COUNTER or shows_as_given(quantity):
            return True
        if iteration == 1 and quantity.first is not None:
            return True
        return self.blank == "backward" and iteration == 1 and quantity.role in FORWARD

    @property
    def instructions(self) -> str:
        """The line above each sheet's table, where the answer workbook says how to edit it."""
        given = " Iteration 1's forward pass is given as a worked example." if self.blank == "backward" else ""
        whose = f"Exercise of {self.name or 'student'} (id {self.student}), with values of your own" \
            if self.student else "Exercise"
        return (f"{whose}: fill each empty cell of the table with a formula (hover a column's name for its math); "
                f"the parameter cells (blue on yellow) hold the assignment's values.{given} "
                "Check your work with: sheetprop verify FILE")

    @property
    def properties(self) -> dict[str, str]:
        """The file's custom properties: which cells it gives, and the student's id."""
        return {"sheetprop exercise": self.blank, **({"student id": self.student} if self.student else {})}


def build_exercise(config, out_dir, blank: str = "all", formats: tuple[str, ...] = ("xlsx",),
                   progress=None, roster=None) -> tuple[Path, ...]:
    """Write ``NAME-exercise.xlsx`` (and/or ``.ods``) into ``out_dir``: one sheet per run of ``config``,
    the cells ``blank`` names left empty; with ``roster`` (a list of roster.Student), one
    ``NAME-exercise-ID.xlsx`` per student, each of the student's own variant. All files or none replace
    their namesakes."""
    from dataclasses import replace

    from sheetprop.config import ConfigError
    from sheetprop.libreoffice import convert, soffice
    from sheetprop.outputs import staging
    from sheetprop.roster import stem, variant
    from sheetprop.runs import Run
    from sheetprop.workbook.layout import Layout
    from sheetprop.workbook.writer import write_workbook

    if blank not in BLANKS:
        raise ValueError(f"blank {blank!r}: choose one of {', '.join(BLANKS)}")
    misfit = Layout(Run.of(config).graph).misfit(config.iterations)
    if misfit:
        raise ConfigError(misfit)
    if "ods" in formats:
        soffice()  # no LibreOffice: stop before anything is written
    # Every variant drawn before anything is written: a roster with no learning variant writes nothing.
    if roster is None:
        books = [(f"{config.stem}-exercise", config, Exercise(blank))]
    else:
        books = [(f"{config.stem}-exercise-{stem(student)}",
                  replace(config, values={**config.values, **variant(config, student.id)}),
                  Exercise(blank, student.id, student.name)) for student in roster]
        clash = [name for name, count in Counter(name for name, _, _ in books).items() if count > 1]
        if clash:
            raise ConfigError(f"--roster: ids that differ only in characters a file name cannot hold give one file "
                              f"name ({', '.join(clash)}); give those students ids of letters, digits, '-' and '_'")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with staging(out_dir) as folder:
        for name, assigned, exercise in books:
            workbook = folder / f"{name}.xlsx"
            write_workbook(workbook, Run.of(assigned, progress=progress), exercise=exercise)
            if "ods" in formats:
                converted = convert(workbook, folder / "converted", "ods")
                converted.replace(folder / f"{name}.ods")
                converted.parent.rmdir()
            if "xlsx" not in formats:
                workbook.unlink()
        written = sorted(path.name for path in folder.iterdir())
    return tuple(out_dir / file for file in written)
