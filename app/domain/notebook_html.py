"""HTML that learners' code displays (pandas tables and the like), made safe to show.

The kernel's HTML is the learner's own output, yet it is untrusted: a notebook can print
anything. Only an allowlist of table and text markup survives; scripts, event handlers,
styles, forms, frames and every URL scheme but http(s) and data images are removed.
"""

from __future__ import annotations

import re
from typing import Any

import nh3
from markupsafe import Markup

TAGS = {
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col",
    "p", "br", "hr", "div", "span", "pre", "code", "b", "strong", "i", "em", "u", "sub",
    "sup", "small", "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5",
    "h6", "blockquote", "a", "abbr",
}  # fmt: skip
ATTRIBUTES = {
    "*": {"class", "title"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "col": {"span"},
    "colgroup": {"span"},
    "a": {"href"},
    "ol": {"start"},
}


# An empty header cell (nh3 writes tags in this one form). The first one in a row is the
# corner above a pandas index, named "Row" for screen readers; the others stand over no
# column (the spacers beside a named index) and become plain cells.
_FIRST_EMPTY_TH = re.compile(r"(<tr>\s*)<th((?: [a-z]+=\"[^\"]*\")*)>\s*</th>")
_EMPTY_TH = re.compile(r"<th((?: [a-z]+=\"[^\"]*\")*)>\s*</th>")


def clean(html: str) -> str:
    """*html* with everything outside the allowlist removed (links open nothing new).

    Empty table header cells get an accessible name or stop being headers.
    """
    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    if "<th" not in cleaned:
        return cleaned
    cleaned = _FIRST_EMPTY_TH.sub(r'\1<th\2><span class="visually-hidden">Row</span></th>', cleaned)
    return _EMPTY_TH.sub(r"<td\1></td>", cleaned)


def for_page(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Saved outputs ready for a template: HTML cleaned again and marked safe, the rest as is.

    Cleaning on the way out as well as on the way in means an output stored before a
    tightening of the allowlist is shown under the new rules.
    """
    shown = []
    for output in outputs:
        if output.get("mime") == "text/html":
            output = {**output, "data": Markup(clean(str(output.get("data", ""))))}  # noqa: S704
        shown.append(output)
    return shown
