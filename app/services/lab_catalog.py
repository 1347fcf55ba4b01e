"""The labs on disk: source notebooks in LABS_ROOT, parsed once per change of the file."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from app.content import labs
from app.errors import NotFound
from app.sandbox import notebooks

LAB_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_cache: dict[Path, tuple[float, labs.Lab]] = {}
_lock = threading.Lock()


def load(root: Path, lab_id: str) -> labs.Lab:
    """The lab *lab_id*; NotFound if there is no such lab, LabError if its file is broken."""
    path = root / f"{lab_id}.ipynb"
    if not LAB_ID.fullmatch(lab_id) or not path.is_file():
        raise NotFound(f"There is no lab called {lab_id!r}.")
    mtime = path.stat().st_mtime
    with _lock:
        cached = _cache.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
    try:
        lab = labs.parse(notebooks.read(path.read_bytes()))
    except notebooks.BadNotebook as exc:
        raise labs.LabError(f"{path.name}: {exc}") from None
    with _lock:
        _cache[path] = (mtime, lab)
    return lab
