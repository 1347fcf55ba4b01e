"""What a kernel's complete and inspect replies may give the editor: plain, bounded values.

The replies come from code the learner controls, so only plain values of bounded size are
kept, and anything malformed gives nothing rather than an error.
"""

from __future__ import annotations

import re

MATCHES_MAX = 200  # completions kept from one reply
MATCH_CHARS = 200  # a longer completion is dropped, not cut (a cut one would be wrong code)
INSPECT_CHARS = 16_000  # the text of an inspection; the rest is cut with a marker


def no_completion(cursor: int) -> dict:
    return {"matches": [], "cursor_start": cursor, "cursor_end": cursor}


def completion(content: dict | None, code: str, cursor: int) -> dict:
    """The matches of a complete_reply's *content*, bounded; none if anything is off."""
    if not content or content.get("status") != "ok":
        return no_completion(cursor)
    start, end, found = (
        content.get("cursor_start"),
        content.get("cursor_end"),
        content.get("matches"),
    )
    if not (_is_int(start) and _is_int(end) and 0 <= start <= end <= len(code)):
        return no_completion(cursor)
    if not isinstance(found, list):
        return no_completion(cursor)
    matches: list[str] = []
    seen: set[str] = set()
    for match in found[: MATCHES_MAX * 50]:  # a hostile list may hold millions
        if (
            isinstance(match, str)
            and 0 < len(match) <= MATCH_CHARS
            and match not in seen
            and not _UNPRINTABLE.search(match)
        ):
            seen.add(match)
            matches.append(match)
            if len(matches) == MATCHES_MAX:
                break
    if not matches:
        return no_completion(cursor)
    return {"matches": matches, "cursor_start": start, "cursor_end": end}


def no_inspection() -> dict:
    return {"found": False, "text": ""}


def inspection(content: dict | None) -> dict:
    """The plain text of an inspect_reply's *content*, cleaned and bounded."""
    if not content or content.get("status") != "ok" or content.get("found") is not True:
        return no_inspection()
    data = content.get("data")
    text = data.get("text/plain") if isinstance(data, dict) else None
    if not isinstance(text, str):
        return no_inspection()
    text = plain(text[: INSPECT_CHARS * 4])  # colour codes may make up much of it
    if len(text) > INSPECT_CHARS:
        text = text[:INSPECT_CHARS].rstrip() + "\n… (cut)"
    return {"found": bool(text.strip()), "text": text}


# Terminal escape sequences: CSI (colours, cursor moves), OSC (titles, links) and the
# two-character ones; what they leave, and every other control character but the newline
# and the tab, goes (with the bidirectional overrides that could reorder what is shown).
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, ended by BEL or ST
    r"|\x1b[@-_]"  # the other escapes of two characters
    r"|\x9b[0-?]*[ -/]*[@-~]"  # CSI in its 8-bit form
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # in a match


def plain(text: str) -> str:
    text = text.replace("\r\n", "\n")
    return _CONTROL.sub("", _ESCAPES.sub("", text))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
