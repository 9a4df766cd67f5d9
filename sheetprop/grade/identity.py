"""Whose submission is it: the student named by the folder a learning platform downloads, matched with the
roster when there is one.

The layouts teachers get:

- Canvas ("Download Submissions"): one file per student, ``lastfirst_[LATE_]userid_submissionid_file.xlsx``,
  e.g. ``leeann_12345_6789012_exercise.xlsx``: the id is Canvas's user id, the name is the student's,
  surname first, in lower case without spaces.
- Moodle ("Download all submissions"): ``Full Name_participantid_assignsubmission_file_exercise.xlsx``, or a
  folder ``Full Name_participantid_assignsubmission_file_`` (or ``…_file``) per student holding the file.
- GitHub Classroom (``gh classroom clone student-repos``, the Classroom Assistant): one folder per student,
  ``assignment-prefix-username``, holding the repository.
- Anything else: the top folder's name when the file is in one, else the file's name.

With a roster (id, name, email), a submission is the student whose id is the platform's id or stands whole in
the path (``lecture-exercise-s101.xlsx``), whose name is the platform's name (in either order), or whose
e-mail's user name ends a Classroom folder; a submission that matches two students, or none, is said so.

>>> who("leeann_LATE_12345_6789012_lecture-exercise.xlsx")
Identity(id='12345', name='leeann', platform='Canvas')
>>> who("Ann Lee_881234_assignsubmission_file_/work.xlsx")
Identity(id='881234', name='Ann Lee', platform='Moodle')
>>> who("backprop-sheet-annlee/exercise.xlsx")
Identity(id='backprop-sheet-annlee', name='', platform='folder')
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

CANVAS = re.compile(r"(?P<name>[^_/]+)_(?:late_)?(?P<id>\d+)_\d+_.+", re.IGNORECASE)
MOODLE = re.compile(r"(?P<name>[^_/]+)_(?P<id>\d+)_assignsubmission_[a-z]+(?:_.*)?", re.IGNORECASE)


@dataclass(frozen=True)
class Identity:
    """The student a path names: an id, a name (either may be ''), and the layout it was read from."""

    id: str
    name: str
    platform: str


def who(path: str) -> Identity:
    """The student the submission's path (inside DIR, with '/') names."""
    parts = PurePosixPath(path).parts
    for part in parts:
        if (m := MOODLE.fullmatch(part)):
            return Identity(m["id"], m["name"].strip(), "Moodle")
    if (m := CANVAS.fullmatch(parts[-1])):
        return Identity(m["id"], m["name"], "Canvas")
    if len(parts) > 1:
        return Identity(parts[0], "", "folder")
    return Identity(PurePosixPath(parts[-1]).stem, "", "file")


def match(path: str, identity: Identity, roster) -> tuple[object | None, str]:
    """The roster's student (a roster.Student) the submission at ``path`` belongs to, or None and why."""
    found = [student for student in roster if _is(student, path, identity)]
    if len(found) == 1:
        return found[0], ""
    if found:
        return None, "matches several students of the roster: " + ", ".join(s.id for s in found)
    return None, "matches no student of the roster: rename it with the student's id, or add the student"


def _is(student, path: str, identity: Identity) -> bool:
    if student.id == identity.id or _whole(student.id, path):
        return True
    if identity.name and _fold(identity.name) in _names(student.name):
        return True
    user = student.email.split("@")[0] if "@" in student.email else ""
    top = PurePosixPath(path).parts[0]
    return bool(user) and (identity.id == user or top.lower().endswith("-" + user.lower()))


def _whole(text: str, path: str) -> bool:
    """Does ``text`` stand in ``path`` as a whole, not inside a longer run of letters and digits?"""
    return re.search(rf"(?<![^\W_]){re.escape(text)}(?![^\W_])", path, re.IGNORECASE) is not None


def _names(name: str) -> set[str]:
    """A roster name as platforms write it: as is, and surname first, each folded (Canvas: 'leeann')."""
    words = name.split()
    return {_fold(name), _fold(" ".join(words[-1:] + words[:-1]))}


def _fold(text: str) -> str:
    """Letters only, lower case, accents off: 'Ann-Marie Lée' and 'annmarielee' fold alike."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text.casefold() if c.isalnum() and not unicodedata.combining(c))
