"""Problems found in curriculum files, reported as ``file:line:col: CODE message``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from app.content.confined import Refused


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


# Every kind of problem has a named code. Errors start with E-, warnings with W-.
CODES: dict[str, str] = {
    "E-YAML": "the file is not valid YAML",
    "E-FRONT-MATTER": "a lesson does not start with YAML front matter",
    "E-SCHEMA": "a required field is missing or has the wrong type",
    "E-BAD-ID": "an id is not lower-case letters, digits and hyphens (or a framework code)",
    "E-DUP-ID": "the same id is used twice",
    "E-UNKNOWN-FRAMEWORK": "a course names a competency framework that does not exist",
    "E-UNKNOWN-COMPETENCY": "a competency id does not exist in the framework",
    "E-MISSING-FILE": "a listed module folder or lesson file does not exist",
    "E-BROKEN-LINK": "a link points to a lesson file that does not exist",
    "E-MISSING-ASSET": "a figure or asset file does not exist",
    "E-UNSAFE-LINK": "a link uses a scheme that is never followed (javascript:, data:, ...)",
    "E-MONEY-AS-MATHS": "two dollar amounts in one paragraph are read as a formula between them",
    "E-QUIZ": "a quiz block is malformed",
    "E-QUIZ-POLICY": "a quiz policy (policy, attempts, counts) is unknown or inconsistent",
    "E-LAB": "a lab block is malformed",
    "E-MISSING-LAB": "a lab block names a notebook that does not exist in labs/",
    "E-CYCLE": "competency prerequisites (precedes) form a cycle",
    "E-MASTERY": "a mastery rule (method, levels, requires, ...) is unknown or inconsistent",
    "E-UNSAFE-PATH": "a path is absolute or leads outside its course folder (or labs/)",
    "E-SYMLINK": "a file or folder is a symbolic link; links are refused wherever they point",
    "E-SPECIAL-FILE": "a FIFO, device or socket where a file or folder belongs",
    "E-TOO-LARGE": "a file is larger than its limit (lesson 256 KB, asset 10 MB, notebook 5 MB)",
    # Apprenticeship program standards (curricula/programs/*.yml)
    "E-PROGRAM-KEY": "a program file has a key it does not know",
    "E-PROGRAM-APPROACH": "a program's approach is not time-based, competency-based or hybrid",
    "E-PROGRAM-ONET": "an O*NET-SOC code is not shaped NN-NNNN.NN",
    "E-PROGRAM-RAPIDS": "a RAPIDS code is malformed or its CB/HY suffix contradicts the approach",
    "E-PROGRAM-FRAMEWORK": "a program names a competency framework that does not exist",
    "E-PROGRAM-TERM": "the term is missing its hours or disagrees with the work processes",
    "E-PROGRAM-OJL-HOURS": "a time-based program has fewer than 2,000 hours of on-the-job learning",
    "E-PROGRAM-HOURS": "a work process's hours are missing, negative or the wrong shape",
    "E-PROGRAM-RANGE": "a work process's minimum hours are above its maximum",
    "E-PROGRAM-TOTAL": "a hybrid term's hours are outside the work processes' min and max sums",
    "E-PROGRAM-PROBATION": "the probation is longer than 25 % of the term or one year",
    "E-PROGRAM-COMPETENCY": "a work process names a competency its framework does not have",
    "E-PROGRAM-NO-COMPETENCY": "a competency-based or hybrid program lists no competency",
    "E-PROGRAM-COURSE": "the related-instruction outline names a course that does not exist",
    "E-PROGRAM-RTI": "related-instruction hours or program year are impossible",
    "E-PROGRAM-WAGE": "a wage step's basis, start or the journeyworker wage is wrong",
    "E-PROGRAM-WAGE-ORDER": "wage steps do not increase, in start and in percent",
    "E-PROGRAM-WAGE-PERCENT": "a wage step is not above 0 % and at most 100 % of the journey wage",
    # Achievements (badges/*.yml)
    "E-BADGE-SCHEMA": "an achievement's field is missing or has the wrong type",
    "E-BADGE-KEY": "an achievement, its criteria or a rule has a key it does not know",
    "E-BADGE-DUP-ID": "two achievement files use the same id",
    "E-BADGE-TYPE": "not an Open Badges 3.0 achievement type, nor an 'ext:' extension type",
    "E-BADGE-RULE": "a criteria rule is malformed (no kind, two kinds, a bad share or score)",
    "E-BADGE-COMPETENCY": "a rule names a framework or competency that does not exist",
    "E-BADGE-LEVEL": "a mastery rule's level is not in the framework's scale",
    "E-BADGE-COURSE": "a rule names a course that does not exist",
    "E-BADGE-LAB": "a rule names a lab no lesson has, or one not written yet",
    "E-BADGE-PROGRAM": "a rule names a program or work process that does not exist",
    "E-BADGE-ALIGNMENT": "an alignment names a competency its framework does not have",
    "E-BADGE-ARTWORK": "the artwork template is not a file in badges/artwork/",
    "E-BADGE-ISSUER": "no issuer, an issuer that is not an organization slug, or one twice",
    "E-BADGE-DURATION": "valid_for is not an ISO 8601 duration such as P3Y or P18M",
    "W-NO-COMPETENCY": "a lesson is mapped to no competency",
    "W-ORPHAN-MODULE": "a module folder is not listed in course.yml, so learners never reach it",
    "W-ORPHAN-LESSON": "a lesson file is not listed in its module.yml, so learners never reach it",
    "W-NO-QUIZ": "a module has no quiz",
    "W-LAB-PLANNED": "a lab block names a notebook that is planned but not written yet",
    "W-RAW-HTML": "raw HTML in Markdown is shown as text, not rendered",
    "W-UNKNOWN-LANGUAGE": "a code block names a language the highlighter does not know",
    "W-COURSE-HOURS": "a course declares more RTI hours than its material justifies",
    "W-PROGRAM-RTI-HOURS": "a program year plans fewer than 144 hours of related instruction",
}


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    col: int
    code: str
    message: str

    @property
    def severity(self) -> Severity:
        return Severity.ERROR if self.code.startswith("E-") else Severity.WARNING

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"


class Problems:
    """Collects problems with paths shown relative to the curriculum root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.items: list[Problem] = []
        self._refused: set[tuple[str, int, int, str]] = set()

    def add(self, path: Path, line: int, col: int, code: str, message: str) -> None:
        if code not in CODES:
            raise ValueError(f"unknown problem code {code}")
        try:
            shown = str(path.relative_to(self.root))
        except ValueError:
            shown = str(path)
        self.items.append(Problem(shown, line, col, code, message))

    def refused(self, exc: Refused, path: Path, line: int = 1, col: int = 1) -> None:
        """Record a refused path: at the offending file if there is one, else where written.

        A link or special file met by several loaders (and the scan of the whole tree) is
        reported once.
        """
        where = (exc.path, 1, 1) if exc.path is not None else (path, line, col)
        key = (str(where[0]), where[1], where[2], exc.code)
        if key not in self._refused:
            self._refused.add(key)
            self.add(*where, exc.code, exc.message)

    def extend(self, other: Problems) -> None:
        """Take *other*'s problems as they are shown (paths relative to its own root)."""
        self.items.extend(other.items)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity is Severity.ERROR]

    def sorted(self, ignore: frozenset[str] = frozenset()) -> list[Problem]:
        return sorted(p for p in self.items if p.code not in ignore)
