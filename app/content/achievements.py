"""Achievements: read and check ``badges/*.yml`` against the curriculum (see badges/README.md).

Files are read through ``confined`` and ``yamlfiles`` like the rest of the tree, and every
problem is an E-BADGE-... code at the line and column of the value. The rules name
competencies, courses, labs and apprenticeship programs of the loaded curriculum; the
issuers are organization slugs, which live in the database, so only their shape is checked.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any

from app.content import case, confined, yamlfiles
from app.content.achievement_rules import (
    ACHIEVEMENT_TYPES,
    EXTENSION_TYPE,
    OJL_HOURS,
    PROBATION_COMPLETE,
    PROGRAM_COMPLETE,
    WORK_PROCESS_COMPLETE,
    Achievement,
    Alignment,
    CourseRule,
    LabRule,
    MasteryRule,
    ProgramRule,
    Rule,
)
from app.content.fields import SLUG, Fields
from app.content.limits import YAML_BYTES
from app.content.model import Curriculum, Framework
from app.content.problems import Problems
from app.content.program_standard import Program
from app.content.yamlfiles import LocatedDict, LocatedList

ARTWORK_FOLDER = "artwork"
DEFAULT_ARTWORK = "default"
ID_CHARS = 64  # ids key issued credentials

KEYS = {
    "achievement": (
        "id name description type framework criteria alignments artwork issuers "
        "instructor_approval valid_for tags"
    ),
    "criteria": "narrative rules",
    "mastery": "mastery framework level mastered",
    "course": "course lessons",
    "lab": "lab min_score",
    "program": "program complete probation_complete work_process ojl_hours",
    "alignment": "framework code",
}
RULE_KINDS = ("mastery", "course", "lab", "program")
# ISO 8601 durations in whole years, months, weeks and days: P3Y, P18M, P1Y6M, P90D.
DURATION = re.compile(r"^P(?=\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
MAX_DURATION_DAYS = 50 * 366


def load_all(
    badges_root: Path, curriculum: Curriculum, programs: tuple[Program, ...], problems: Problems
) -> tuple[Achievement, ...]:
    """Parse and check every ``*.yml`` directly under *badges_root*; a missing folder is empty."""
    try:
        entries = confined.listdir(badges_root)
    except confined.Refused as exc:
        problems.refused(exc, badges_root)
        return ()
    context = _Context(badges_root, curriculum, programs)
    found: list[Achievement] = []
    first: dict[str, Path] = {}
    for entry in entries:
        if entry.kind != "file" or entry.path.suffix != ".yml":
            continue
        path = badges_root / entry.path
        achievement = _load(badges_root, entry.path, context, problems)
        if achievement is None or not achievement.id:
            continue
        if achievement.id in first:
            shown = first[achievement.id].name
            message = f"achievement id '{achievement.id}' is already used in {shown}"
            problems.add(path, achievement.id_line, 1, "E-BADGE-DUP-ID", message)
        else:
            first[achievement.id] = path
            found.append(achievement)
    return tuple(found)


class _Context:
    """What the rules may name: the curriculum's frameworks, courses, labs and programs."""

    def __init__(self, root: Path, curriculum: Curriculum, programs: tuple[Program, ...]):
        self.root = root
        self.frameworks: dict[str, Framework] = {f.id: f for f in curriculum.frameworks}
        self.courses = {c.id: c for c in curriculum.courses}
        self.labs: dict[str, bool] = {}  # lab id → planned (not written yet)
        for course in curriculum.courses:
            for lesson in course.lessons():
                for lab in lesson.labs:
                    self.labs[lab.id] = self.labs.get(lab.id, True) and lab.planned
        self.programs = {p.id: p for p in programs}


def _load(
    root: Path, name: PurePosixPath, context: _Context, problems: Problems
) -> Achievement | None:
    path = root / name
    try:
        data = yamlfiles.load(confined.read_text(root, name, limit=YAML_BYTES))
    except confined.Refused as exc:
        problems.refused(exc, path)
        return None
    except yamlfiles.YamlError as exc:
        problems.add(path, exc.mark.line, exc.mark.col, "E-YAML", exc.message)
        return None
    except UnicodeDecodeError:
        problems.add(path, 1, 1, "E-YAML", "the file is not UTF-8 text")
        return None
    return _Parser(path, problems, context).achievement(data)


class _Parser:
    def __init__(self, path: Path, problems: Problems, context: _Context) -> None:
        self.path = path
        self.problems = problems
        self.context = context

    def fields(self, data: Any, what: str) -> Fields:
        """Fields of one mapping; each key it may not have is an E-BADGE-KEY error."""
        found = Fields(data, self.path, self.problems, what, code="E-BADGE-SCHEMA")
        allowed = KEYS[what].split()
        for key in found.data:
            if key not in allowed:
                message = f"unknown key '{key}' in {what}; use {', '.join(allowed)}"
                found.problem(key, "E-BADGE-KEY", message)
        return found

    def achievement(self, data: Any) -> Achievement:
        top = self.fields(data, "achievement")
        ident = top.slug()
        if len(ident) > ID_CHARS:
            top.problem("id", "E-BAD-ID", f"an id has at most {ID_CHARS} characters")
        framework = top.text("framework", required=False)
        if framework and framework not in self.context.frameworks:
            top.problem("framework", "E-BADGE-COMPETENCY", f"no framework '{framework}'")
            framework = ""
        criteria = self.fields(top.data.get("criteria"), "criteria")
        return Achievement(
            id=ident,
            name=top.text("name"),
            description=top.text("description"),
            achievement_type=self.achievement_type(top),
            narrative=criteria.text("narrative"),
            rules=self.rules(criteria, framework),
            alignments=self.alignments(top, framework),
            artwork=self.artwork(top),
            issuers=self.issuers(top),
            instructor_approval=top.boolean("instructor_approval"),
            valid_for=self.valid_for(top),
            tags=top.texts("tags"),
            source=str(self.path),
            id_line=top.mark("id").line,
        )

    def achievement_type(self, top: Fields) -> str:
        value = top.text("type")
        if not value or value in ACHIEVEMENT_TYPES or EXTENSION_TYPE.match(value):
            return value
        if value.startswith("ext:"):
            message = f"'{value}': an extension type is 'ext:' then letters, digits, . _ -"
        else:
            message = (
                f"'{value}' is not an Open Badges 3.0 achievement type (such as Badge, "
                f"Certificate, Competency, MicroCredential); write an extension as 'ext:{value}'"
            )
        top.problem("type", "E-BADGE-TYPE", message)
        return ""

    # Rules ------------------------------------------------------------------------------

    def rules(self, criteria: Fields, framework: str) -> tuple[Rule, ...]:
        listed = criteria.items("rules", required=True)
        if "rules" in criteria.data and isinstance(listed, LocatedList) and not listed:
            criteria.problem("rules", "E-BADGE-RULE", "an achievement needs at least one rule")
        found: list[Rule] = []
        for index, raw in enumerate(listed):
            kinds = [k for k in RULE_KINDS if isinstance(raw, dict) and k in raw]
            if len(kinds) != 1:
                mark = listed.mark(index)
                named = f"names {' and '.join(kinds)}" if kinds else "names no kind"
                message = f"a rule {named}; give exactly one of {', '.join(RULE_KINDS)}"
                self.problems.add(self.path, mark.line, mark.col, "E-BADGE-RULE", message)
                continue
            rule = getattr(self, f"{kinds[0]}_rule")(self.fields(raw, kinds[0]), framework)
            if rule is not None:
                found.append(rule)
        return tuple(found)

    def mastery_rule(self, rule: Fields, default_framework: str) -> MasteryRule | None:
        framework = self.rule_framework(rule, default_framework)
        raw = rule.data.get("mastery")
        codes = rule.texts("mastery") if isinstance(raw, list) else (rule.text("mastery"),)
        codes = tuple(code for code in codes if code)
        if not codes:
            rule.problem("mastery", "E-BADGE-RULE", "name the competency codes to master")
            return None
        known = self.context.frameworks.get(framework)
        if known is None:
            return None
        for code in codes:
            if code not in known.codes():
                message = f"competency '{code}' is not in framework '{framework}'"
                rule.problem("mastery", "E-BADGE-COMPETENCY", message)
        if "level" in rule.data and "mastered" in rule.data:
            rule.problem("level", "E-BADGE-RULE", "give 'level' or 'mastered', not both")
        if "mastered" in rule.data and rule.boolean("mastered") is not True:
            rule.problem("mastered", "E-BADGE-RULE", "'mastered' can only be true")
        level, title = self.level(rule, known)
        return MasteryRule(framework, codes, level, title)

    def rule_framework(self, rule: Fields, default: str) -> str:
        framework = rule.text("framework", required=False) or default
        if not framework:
            message = "name the competencies' framework (here or at the top: framework: ...)"
            rule.problem("mastery", "E-BADGE-COMPETENCY", message)
        elif framework not in self.context.frameworks:
            rule.problem("framework", "E-BADGE-COMPETENCY", f"no framework '{framework}'")
        return framework

    def level(self, rule: Fields, framework: Framework) -> tuple[int | None, str]:
        raw = rule.data.get("level")
        if raw is None:
            return None, ""
        titles = {level.level: level.title for level in framework.levels}
        by_title = {title.lower(): number for number, title in titles.items()}
        if isinstance(raw, int) and not isinstance(raw, bool) and raw in titles:
            return raw, titles[raw]
        if isinstance(raw, str) and raw.strip().lower() in by_title:
            number = by_title[raw.strip().lower()]
            return number, titles[number]
        named = ", ".join(f"{n} ({t})" for n, t in sorted(titles.items()))
        message = f"level '{raw}' is not in the framework's scale: {named}"
        rule.problem("level", "E-BADGE-LEVEL", message)
        return None, ""

    def course_rule(self, rule: Fields, _framework: str) -> CourseRule | None:
        course = rule.text("course")
        if course and course not in self.context.courses:
            rule.problem("course", "E-BADGE-COURSE", f"no course '{course}' under curricula/")
        raw = rule.data.get("lessons", "all")
        share = _share(raw)
        if share is None:
            message = f"lessons: '{raw}' is not 'all' or a share such as '80%' (1 to 100)"
            rule.problem("lessons", "E-BADGE-RULE", message)
            return None
        return CourseRule(course, share) if course else None

    def lab_rule(self, rule: Fields, _framework: str) -> LabRule | None:
        lab = rule.text("lab")
        planned = self.context.labs.get(lab)
        if lab and planned is None:
            rule.problem("lab", "E-BADGE-LAB", f"no course lesson has a lab '{lab}'")
        elif planned:
            rule.problem("lab", "E-BADGE-LAB", f"lab '{lab}' is planned, not written yet")
        score = rule.number("min_score")
        if "min_score" in rule.data and not 0 < score <= 100:
            message = f"min_score {score:g} is not a percentage above 0 and at most 100"
            rule.problem("min_score", "E-BADGE-RULE", message)
            return None
        return LabRule(lab, score) if lab and "min_score" in rule.data else None

    def program_rule(self, rule: Fields, _framework: str) -> ProgramRule | None:
        ident = rule.text("program")
        program = self.context.programs.get(ident)
        if ident and program is None:
            rule.problem("program", "E-BADGE-PROGRAM", f"no program '{ident}' in programs/")
        work_process = rule.text("work_process", required=False)
        if program and work_process and work_process not in {w.id for w in program.work_processes}:
            message = f"program '{ident}' has no work process '{work_process}'"
            rule.problem("work_process", "E-BADGE-PROGRAM", message)
        what = [k for k in ("complete", "probation_complete", "ojl_hours") if k in rule.data]
        if not what and work_process:
            what = ["work_process"]
        if len(what) != 1:
            message = (
                "say which milestone: complete: true, probation_complete: true, "
                "work_process: <id> (completed) or ojl_hours: <n> (optionally in a work_process)"
            )
            rule.problem(what[-1] if what else "program", "E-BADGE-RULE", message)
            return None
        if what[0] in ("complete", "probation_complete"):
            if work_process:
                rule.problem("work_process", "E-BADGE-RULE", f"'{what[0]}' takes no work_process")
            if rule.boolean(what[0]) is not True:
                rule.problem(what[0], "E-BADGE-RULE", f"'{what[0]}' can only be true")
            milestone = PROGRAM_COMPLETE if what[0] == "complete" else PROBATION_COMPLETE
            return ProgramRule(ident, milestone)
        if what[0] == "work_process":
            return ProgramRule(ident, WORK_PROCESS_COMPLETE, work_process)
        hours = rule.number("ojl_hours")
        if not 0 < hours <= 100_000:
            rule.problem("ojl_hours", "E-BADGE-RULE", f"{hours:g} hours is not above 0")
            return None
        return ProgramRule(ident, OJL_HOURS, work_process, hours)

    # Alignments, artwork, issuers, validity ---------------------------------------------

    def alignments(self, top: Fields, framework: str) -> tuple[Alignment, ...]:
        listed = top.items("alignments")
        found: list[Alignment] = []
        for index, raw in enumerate(listed):
            mark = listed.mark(index)
            where, code = framework, raw
            if isinstance(raw, LocatedDict):
                pair = self.fields(raw, "alignment")
                where = pair.text("framework", required=False) or framework
                code = pair.text("code")
            if not isinstance(code, str) or not code:
                message = "an alignment is a competency code, or {framework: ..., code: ...}"
                self.problems.add(self.path, mark.line, mark.col, "E-BADGE-SCHEMA", message)
                continue
            known = self.context.frameworks.get(where)
            item = next((i for i in known.items if i.code == code), None) if known else None
            if known is None or item is None:
                message = f"alignment '{code}' is not a competency of framework '{where}'"
                if not where:
                    message = f"alignment '{code}' names no framework (framework: at the top)"
                self.problems.add(self.path, mark.line, mark.col, "E-BADGE-ALIGNMENT", message)
                continue
            found.append(
                Alignment(where, code, case.item_uuid(known, item), item.title, item.description)
            )
        return tuple(found)

    def artwork(self, top: Fields) -> str:
        name = top.text("artwork", required=False) or DEFAULT_ARTWORK
        if not SLUG.match(name):
            message = f"artwork '{name}' is not a template name (lower-case, digits, hyphens)"
            top.problem("artwork", "E-BADGE-ARTWORK", message)
            return DEFAULT_ARTWORK
        try:
            there = confined.kind(self.context.root, f"{ARTWORK_FOLDER}/{name}.svg") == "file"
        except confined.Refused as exc:
            self.problems.refused(exc, self.path, top.mark("artwork").line)
            return DEFAULT_ARTWORK
        if not there:
            message = f"no artwork template badges/{ARTWORK_FOLDER}/{name}.svg"
            top.problem("artwork", "E-BADGE-ARTWORK", message)
        return name

    def issuers(self, top: Fields) -> tuple[str, ...]:
        issuers = top.texts("issuers", required=True)
        listed = top.data.get("issuers")
        if isinstance(listed, list) and not listed:
            top.problem("issuers", "E-BADGE-ISSUER", "name at least one organization (its slug)")
        for index, slug in enumerate(issuers):
            if not SLUG.match(slug):
                mark = listed.mark(index)
                message = f"issuer '{slug}' is not an organization slug"
                self.problems.add(self.path, mark.line, mark.col, "E-BADGE-ISSUER", message)
            elif issuers.index(slug) != index:
                mark = listed.mark(index)
                message = f"issuer '{slug}' is listed twice"
                self.problems.add(self.path, mark.line, mark.col, "E-BADGE-ISSUER", message)
        return tuple(dict.fromkeys(issuers))

    def valid_for(self, top: Fields) -> str:
        value = top.text("valid_for", required=False)
        if not value:
            return ""
        if duration_days(value) is None:
            message = (
                f"valid_for '{value}' is not an ISO 8601 duration of whole years, months, "
                "weeks or days above zero and under 50 years, such as P3Y or P18M"
            )
            top.problem("valid_for", "E-BADGE-DURATION", message)
            return ""
        return value


def duration_days(value: str) -> int | None:
    """Roughly how many days *value* (P3Y, P1Y6M, P90D) spans; None if it is no such duration."""
    match = DURATION.match(value)
    if not match:
        return None
    years, months, weeks, days = (int(part or 0) for part in match.groups())
    total = years * 365 + months * 30 + weeks * 7 + days
    return total if 0 < total <= MAX_DURATION_DAYS else None


def _share(raw: Any) -> int | None:
    """The percent of lessons a course rule needs: 'all' → 100, '80%' → 80."""
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text == "all":
            return 100
        if text.endswith("%") and text[:-1].strip().isdigit():
            value = int(text[:-1])
            return value if 1 <= value <= 100 else None
    return None
