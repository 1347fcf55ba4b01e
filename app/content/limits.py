"""How large curriculum and lab files may be: every limit the content loader enforces.

They are far above what real content needs (the largest shipped lesson is about 10 KB,
the largest notebook about 26 KB) and low enough that one file cannot tie up a server
for long or hold much memory while it is parsed, rendered or stored. Rendering is the
costly part: ordinary text renders at about 0.3 s per MB, but a lesson built to be slow
(every character an unmatched ``[``, or a maths span every 4 bytes) costs 15-30 µs per
character even with MARKDOWN_NESTING, hence 256 KB per lesson (about 5 s at worst, measured).
"""

from __future__ import annotations

MB = 1024 * 1024

LESSON_BYTES = 256 * 1024  # a lesson's Markdown file, front matter and quiz blocks included
ASSET_BYTES = 10 * MB  # one figure in a course's assets/
NOTEBOOK_BYTES = 5 * MB  # a lab notebook in labs/ or labs/learner/ (as uploads, in sandbox/)
YAML_BYTES = 256 * 1024  # one YAML document: course.yml, module.yml, a framework, a block
YAML_DEPTH = 32  # lists and mappings nested in one another
# Markdown blocks and inline markup nested in one another; deeper is shown as text. The
# parser's default (100) makes each unmatched '[' cost about 100 nested attempts.
MARKDOWN_NESTING = 20
CASE_BYTES = 10 * MB  # a CASE 1.1 package brought in by `flask curriculum import-case`


def describe(size: int) -> str:
    """A size for people: ``1 MB``, ``256 KB``, ``12 bytes``."""
    if size >= MB:
        return f"{size / MB:.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size / 1024:.1f} KB".replace(".0 KB", " KB")
    return f"{size} bytes"
