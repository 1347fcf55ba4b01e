"""JSON from outside with a bound on nesting depth: refused plainly, never a RecursionError.

Python's parser recurses once per level, so a body of ten thousand ``[`` raises
RecursionError (a 500) in the parser or in whatever walks the result later. ``loads``
turns both into ``TooDeep``, a ValueError with a message fit for the sender.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 100


class TooDeep(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The JSON is nested more than {limit} levels deep; send it flatter.")
        self.limit = limit


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH, **kwargs: Any) -> Any:
    """Parse *text* like ``json.loads``; raise TooDeep past *max_depth* nested lists/objects."""
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise TooDeep(max_depth) from None
    if depth_exceeds(value, max_depth):
        raise TooDeep(max_depth)
    return value


def depth_exceeds(value: Any, limit: int) -> bool:
    """True if *value* nests lists and dicts more than *limit* levels deep (no recursion)."""
    if not isinstance(value, dict | list):
        return False
    stack: list[tuple[dict | list, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, dict | list):
                if level + 1 > limit:
                    return True
                stack.append((child, level + 1))
    return False
