"""How large curriculum and lab files may be: every limit the content loader enforces.

They are far above what real content needs (the largest shipped lesson is about 10 KB,
the largest notebook about 26 KB) and low enough that one file cannot tie up a server
for seconds or hold hundreds of megabytes while it is parsed, rendered or stored.
"""

from __future__ import annotations

MB = 1024 * 1024

LESSON_BYTES = 1 * MB  # a lesson's Markdown file, front matter and quiz blocks included
ASSET_BYTES = 10 * MB  # one figure in a course's assets/
NOTEBOOK_BYTES = 5 * MB  # a lab notebook in labs/ or labs/learner/ (as uploads, in sandbox/)
YAML_BYTES = 256 * 1024  # one YAML document: course.yml, module.yml, a framework, a block
YAML_DEPTH = 32  # lists and mappings nested in one another
CASE_BYTES = 10 * MB  # a CASE 1.1 package brought in by `flask curriculum import-case`


def describe(size: int) -> str:
    """A size for people: ``1 MB``, ``256 KB``, ``12 bytes``."""
    if size >= MB:
        return f"{size / MB:.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size / 1024:.1f} KB".replace(".0 KB", " KB")
    return f"{size} bytes"
