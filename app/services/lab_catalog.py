"""The labs on disk: source notebooks in LABS_ROOT, parsed once per change of the file."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from app.content import confined, labs
from app.content.labs import LAB_ID
from app.errors import NotFound
from app.sandbox import notebooks

_cache: dict[Path, tuple[float, labs.Lab]] = {}
_lock = threading.Lock()


def load(root: Path, lab_id: str) -> labs.Lab:
    """The lab *lab_id*; NotFound if there is no such lab, LabError if its file is broken.

    A notebook that is a link, a special file or too large is broken: it is never read.
    """
    root = root.resolve()
    path = root / f"{lab_id}.ipynb"
    try:
        if not LAB_ID.fullmatch(lab_id) or confined.kind(root, path.name) != "file":
            raise NotFound(f"There is no lab called {lab_id!r}.")
        mtime = os.stat(path, follow_symlinks=False).st_mtime
        with _lock:
            cached = _cache.get(path)
            if cached is not None and cached[0] == mtime:
                return cached[1]
        lab = labs.parse(notebooks.read(labs.read_notebook(root, path.name)))
    except confined.Refused as exc:
        raise labs.LabError(f"{path.name}: {exc.message}") from None
    except notebooks.BadNotebook as exc:
        raise labs.LabError(f"{path.name}: {exc}") from None
    with _lock:
        _cache[path] = (mtime, lab)
    return lab
