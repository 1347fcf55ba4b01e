"""Types of the lab execution engine. No Flask, no database, no users: just notebooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# A code cell with this tag runs out of band (SandboxKernel.evaluate): its source is one
# expression, evaluated as a user expression of a silent request, so no input transformer,
# run-cell event or display hook in the kernel sees it, and its value comes back on the reply.
REPLY_TAG = "sandbox-reply"


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start here; the message names the fix. Nothing was executed."""


@dataclass(frozen=True)
class Limits:
    """Hard limits for one kernel. Configurable per lab; these defaults suit the labs."""

    cell_seconds: float = 30.0  # wall clock per cell
    notebook_seconds: float = 300.0  # wall clock for the whole notebook
    cpu_seconds: int = 120  # CPU time for the kernel and everything it starts
    memory_mb: int = 1024
    processes: int = 64  # processes and threads
    file_mb: int = 64  # largest file the kernel may write
    disk_mb: int = 128  # all writable space (home, /tmp and /dev/shm together; memory)
    open_files: int = 256
    output_bytes: int = 200_000  # text output kept per cell; the rest is cut with a marker
    image_bytes: int = 2_000_000  # larger images are dropped with a note
    value_bytes: int = 4_000_000  # the text of an out-of-band value (REPLY_TAG cells)
    message_bytes: int = 256_000_000  # a larger message from the kernel is dropped unread
    cpu_share: float = 1.0  # cores one kernel may use at most, all its processes together

    def merged(self, overrides: dict[str, Any] | None) -> Limits:
        """These limits with *overrides* (from a lab's metadata) applied; unknown keys fail."""
        if not overrides:
            return self
        unknown = set(overrides) - set(self.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown limit(s): {', '.join(sorted(unknown))}")
        values = {**self.__dict__, **overrides}
        return Limits(**{k: type(getattr(self, k))(v) for k, v in values.items()})


# Cell statuses, each with the sentence a learner reads when it happens.
STATUS_TEXT = {
    "ok": "Ran without errors.",
    "error": "Your code raised an error.",
    "timeout": "Stopped: this cell ran longer than the time allowed for one cell.",
    "notebook-timeout": "Stopped: the notebook ran longer than the time allowed for it.",
    "memory": "Stopped: your code used more memory than the lab allows.",
    "cpu": "Stopped: your code used more processor time than the lab allows.",
    "processes": "Stopped: your code started more processes than the lab allows.",
    "disk": "Stopped: your code wrote more data to disk than the lab allows.",
    "killed": "Stopped: the kernel ended unexpectedly (the code may have exited or crashed it).",
    "skipped": "Not run, because an earlier cell stopped the kernel.",
}


@dataclass
class Output:
    # stream | execute_result | display_data | error | note; in a live workspace also
    # widget (a widget's view; *text* says what it was once the page is reloaded), comm (a
    # message between the kernel and the page's widgets) and captured (an output sent to an
    # ipywidgets Output widget): see app.sandbox.widgets.
    type: str
    name: str = ""  # stdout / stderr for streams
    text: str = ""
    mime: str = ""  # image/png, image/jpeg, image/svg+xml, or text/html
    data: str = ""  # base64 image data, or the HTML (unsanitised: clean it before showing)
    message: dict[str, Any] | None = None  # widget, comm and captured outputs: plain JSON

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        if self.message is not None:
            out["message"] = self.message
        if self.name:
            out["name"] = self.name
        if self.mime:
            out["mime"] = self.mime
            out["data"] = self.data
            if self.text:
                out["text"] = self.text  # the plain-text form of an HTML output
        else:
            out["text"] = self.text
        return out


@dataclass
class CellResult:
    index: int  # position among the notebook's code cells
    status: str = "skipped"
    error: dict[str, str] | None = None
    outputs: list[Output] = field(default_factory=list)
    seconds: float = 0.0
    value: str | None = None  # REPLY_TAG cells: the text/plain form of the expression's value
    execution_count: int | None = None  # the kernel's In[n] of this run, if it began

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "status": self.status,
            "message": STATUS_TEXT[self.status],
            "error": self.error,
            "outputs": [o.as_dict() for o in self.outputs],
            "seconds": round(self.seconds, 3),
        }


@dataclass
class RunResult:
    status: str  # completed | failed (the kernel could not be started)
    cells: list[CellResult]
    seconds: float = 0.0
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "message": self.message,
            "seconds": round(self.seconds, 3),
            "cells": [c.as_dict() for c in self.cells],
        }
