"""One lesson file: front matter, body, quiz and lab blocks, links and figures."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from app.content import confined, hours, quizzes, yamlfiles
from app.content.fields import Fields
from app.content.lexers import lexer_for
from app.content.limits import LESSON_BYTES
from app.content.model import LabRef, Lesson, Question, QuizPolicy
from app.content.problems import Problems

if TYPE_CHECKING:
    pass

UNSAFE_SCHEME = re.compile(r"^\s*(javascript|vbscript|data|file):", re.IGNORECASE)
# What two dollar amounts in one paragraph look like once read as maths between them:
# "$0.15 each: ... at $18" is the formula "0.15 each: ... at ". Real formulas start with a
# symbol, or a number and an operator, not a number and a word.
MONEY_AS_MATHS = re.compile(r"^\d[\d,.]*\s+[A-Za-z(]")
MONEY_MESSAGE = "'${}…$' is read as maths between two dollar signs; write \\$ for a dollar amount"
SPECIAL_LANGS = {"quiz", "lab", "text", "plain", "mermaid"}


@dataclass(frozen=True)
class Context:
    """What a lesson is checked against."""

    course_folder: Path
    competencies: frozenset[str] | None  # None: the course's framework is unknown


def load(path: Path, ctx: Context, problems: Problems) -> Lesson | None:
    """Parse and check one lesson file; None if it cannot be read or has no front matter.

    *path* lies inside the course folder; it is read through ``confined`` (no link, at most
    LESSON_BYTES).
    """
    try:
        raw = confined.read_bytes(
            ctx.course_folder, path.relative_to(ctx.course_folder), limit=LESSON_BYTES
        )
        text = raw.decode("utf-8")
    except confined.Refused as exc:
        problems.refused(exc, path)
        return None
    except UnicodeDecodeError:
        problems.add(path, 1, 1, "E-YAML", "the file is not UTF-8 text")
        return None
    front, body, body_line = _split_front_matter(text)
    if front is None:
        problems.add(
            path, 1, 1, "E-FRONT-MATTER", "a lesson starts with '---', YAML fields and '---'"
        )
        return None
    try:
        data = yamlfiles.load(front, line_offset=1)
    except yamlfiles.YamlError as exc:
        problems.add(path, exc.mark.line, exc.mark.col, "E-YAML", exc.message)
        return None
    fields = Fields(data, path, problems, "lesson front matter")
    competencies = fields.texts("competencies")
    _check_codes(fields, "competencies", competencies, ctx)
    if not competencies:
        fields.problem("id", "W-NO-COMPETENCY", "this lesson is mapped to no competency")
    minutes = fields.number("minutes", required=False, default=10)
    if minutes <= 0 or minutes > 600:
        fields.problem("minutes", None, "minutes must be between 1 and 600")
    policy = quizzes.parse_lesson_policy(fields)
    tokens = hours.block_parser().parse(body)
    questions, labs = _scan_body(path, tokens, body_line, ctx, problems, policy)
    return Lesson(
        id=fields.slug(),
        title=fields.text("title"),
        path=path.relative_to(ctx.course_folder),
        minutes=int(minutes),
        objectives=fields.texts("objectives"),
        competencies=competencies,
        body=body,
        body_line=body_line,
        content_hash=hashlib.sha256(raw).hexdigest(),
        questions=tuple(questions),
        labs=tuple(labs),
        id_line=fields.mark("id").line,
        prose=hours.prose_of_tokens(tokens),
    )


def _split_front_matter(text: str) -> tuple[str | None, str, int]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None, text, 1


def _check_codes(fields: Fields, key: str, codes, ctx: Context) -> None:
    if ctx.competencies is None:
        return
    for code in codes:
        if code not in ctx.competencies:
            fields.problem(
                key, "E-UNKNOWN-COMPETENCY", f"competency '{code}' is not in the framework"
            )


def _scan_body(
    path: Path, tokens, body_line: int, ctx: Context, problems: Problems, policy: QuizPolicy
):
    questions: list[Question] = []
    labs: list[LabRef] = []
    for token in tokens:
        line = body_line + (token.map[0] if token.map else 0)
        if token.type == "fence":
            info = token.info.strip().split()[0] if token.info.strip() else ""
            if info in ("quiz", "lab"):
                found = questions if info == "quiz" else labs
                _block(info, token.content, path, line, ctx, problems, found, policy)
            elif info and info not in SPECIAL_LANGS and not _known_language(info):
                problems.add(path, line, 1, "W-UNKNOWN-LANGUAGE", f"no highlighter for '{info}'")
        elif token.type == "html_block":
            problems.add(path, line, 1, "W-RAW-HTML", "raw HTML is shown as text, not rendered")
        elif token.type == "inline":
            _check_inline(token, path, line, ctx, problems)
    return questions, labs


def _block(kind, content, path, line, ctx, problems, found: list, policy: QuizPolicy) -> None:
    try:
        data = yamlfiles.load(content, line_offset=line)
    except yamlfiles.YamlError as exc:
        problems.add(path, exc.mark.line, exc.mark.col, "E-YAML", f"in {kind} block: {exc.message}")
        return
    if kind == "lab":
        lab = quizzes.parse_lab(data, path, problems, line=line)
        if lab:
            found.append(lab)
        return
    question = quizzes.parse_question(data, path, problems, line=line, default=policy)
    if question:
        fields = Fields(data, path, problems, "a quiz", code="E-QUIZ")
        _check_codes(fields, "competencies", question.competencies, ctx)
        texts = [question.prompt, question.explanation, *(c.text for c in question.choices)]
        for maths in _inline_maths(texts):
            if MONEY_AS_MATHS.match(maths):
                message = MONEY_MESSAGE.format(maths[:24].replace("\n", " "))
                problems.add(path, line, 1, "E-MONEY-AS-MATHS", f"in quiz {question.id}: {message}")
        found.append(question)


def _inline_maths(texts) -> list[str]:
    """The inline formulas in quiz texts, as the page's renderer reads them."""
    parser = hours.block_parser()
    return [
        child.content
        for text in texts
        if text and "$" in text
        for token in parser.parse(text)
        for child in token.children or ()
        if child.type == "math_inline"
    ]


def _check_inline(token, path: Path, first_line: int, ctx: Context, problems: Problems) -> None:
    def line_of(fragment: str) -> int:
        at = token.content.find(fragment)
        return first_line + (token.content[:at].count("\n") if at > 0 else 0)

    for child in token.children or []:
        line = line_of(str(child.attrGet("href") or child.attrGet("src") or child.content or ""))
        if child.type == "html_inline":
            problems.add(
                path, line, 1, "W-RAW-HTML", f"raw HTML {child.content!r} is shown as text"
            )
        elif child.type == "math_inline" and MONEY_AS_MATHS.match(child.content):
            message = MONEY_MESSAGE.format(child.content[:24].replace("\n", " "))
            problems.add(path, line_of(child.content), 1, "E-MONEY-AS-MATHS", message)
        elif child.type == "link_open":
            _check_link(str(child.attrGet("href") or ""), path, line, ctx, problems)
        elif child.type == "image":
            src = str(child.attrGet("src") or "")
            if UNSAFE_SCHEME.match(src):
                scheme = src.split(":")[0].strip()
                problems.add(path, line, 1, "E-UNSAFE-LINK", f"a '{scheme}:' image is refused")
            elif not re.match(r"^[a-z]+://", src):
                _check_figure(src, path, line, ctx, problems)
    # markdown-it drops links it refuses; find them in the source text instead.
    for match in re.finditer(r"\]\(\s*<?([a-zA-Z]+:[^)\s>]*)", token.content):
        if UNSAFE_SCHEME.match(match.group(1)):
            line = line_of(match.group(0))
            scheme = match.group(1).split(":")[0]
            problems.add(path, line, 1, "E-UNSAFE-LINK", f"a '{scheme}:' link is refused")


def _check_figure(src: str, path: Path, line: int, ctx: Context, problems: Problems) -> None:
    try:
        if resolve_asset(src, path, ctx.course_folder) is None:
            problems.add(path, line, 1, "E-MISSING-ASSET", f"figure '{src}' does not exist")
    except confined.Refused as exc:
        problems.refused(exc, path, line)


def _check_link(href: str, path: Path, line: int, ctx: Context, problems: Problems) -> None:
    target = href.split("#")[0]
    if not target or re.match(r"^[a-z][a-z0-9+.-]*:|^/", target):
        return
    try:
        found = resolve_lesson_link(target, path, ctx.course_folder)
    except confined.Refused as exc:
        problems.refused(exc, path, line)
        return
    if target.endswith(".md") and found is None:
        problems.add(path, line, 1, "E-BROKEN-LINK", f"link '{href}' points to no lesson file")


def resolve_lesson_link(href: str, lesson_path: Path, course_folder: Path) -> str | None:
    """The course-relative path of the lesson file *href* points to, if it exists.

    A link out of the course points to no lesson; Refused for a link on the way.
    """
    base = lesson_path.parent.relative_to(course_folder)
    try:
        rel = confined.relative(href.split("#")[0], base=base)
    except confined.Refused:
        return None
    return rel.as_posix() if confined.kind(course_folder, rel) == "file" else None


def resolve_asset(src: str, lesson_path: Path, course_folder: Path) -> str | None:
    """The course-relative path of a figure: relative to the lesson, else to the course.

    Raises Refused for a path that leads out of the course from both, or through a link.
    """
    lesson_folder = lesson_path.parent.relative_to(course_folder)
    refused = []
    for base in (lesson_folder, PurePosixPath()):
        try:
            rel = confined.relative(src, base=base)
        except confined.Refused as exc:
            refused.append(exc)
            continue
        if rel.parts[:1] == ("assets",) and confined.kind(course_folder, rel) == "file":
            return rel.as_posix()
    if len(refused) == 2:
        raise refused[0]
    return None


@cache
def _known_language(name: str) -> bool:
    return lexer_for(name) is not None
