"""Live ipywidgets in the lab workspace: the messages between a kernel and the page.

A widget is a model in the kernel and a view in the page, kept in step by Jupyter comm
messages (the Jupyter widget message protocol, version 2): the kernel opens a comm per
model with its state, sends updates as its state changes, and receives the page's updates
(a slider dragged) as comm messages on its shell channel. The kernel's messages reach the
page as outputs of the cell whose run sent them (``comm``), a displayed widget as a
``widget`` output naming its model, and what a cell prints inside an ``Output`` widget as a
``captured`` output, so the page can draw it inside that widget as JupyterLab does.

Both sides are untrusted: every message is plain JSON of bounded size, and the page may only
send the methods the protocol gives a front end. No Flask here.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from app.sandbox.base import Output

VIEW_TYPE = "application/vnd.jupyter.widget-view+json"
COMM_KINDS = ("comm_open", "comm_msg", "comm_close")
WIDGET_TARGET = "jupyter.widget"  # the only comm target whose opening the page is told of
PAGE_METHODS = ("update", "request_state", "custom")  # what a front end may send
PAGE_MESSAGE_BYTES = 1_000_000  # one message from the page: its JSON and buffers together
_COMM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def comm_output(
    kind: str, content: dict, buffers, metadata: dict | None, limit: int
) -> Output | None:
    """The page's copy of a comm message from the kernel (*metadata* is the message's: a
    widget's opening says its protocol version there); a note if it is larger than *limit*
    bytes; None for the opening of a comm the page has no use for (not a widget)."""
    comm_id = content.get("comm_id")
    if not isinstance(comm_id, str) or not _COMM_ID.match(comm_id):
        return None
    message: dict[str, Any] = {"op": kind.removeprefix("comm_"), "comm_id": comm_id}
    if kind == "comm_open":
        if content.get("target_name") != WIDGET_TARGET:
            return None
        message["target_name"] = WIDGET_TARGET
        message["metadata"] = _plain(metadata)
    message["data"] = _plain(content.get("data"))
    encoded = [base64.b64encode(bytes(b)).decode("ascii") for b in (buffers or [])]
    if encoded:
        message["buffers"] = encoded
    try:
        size = len(json.dumps(message, allow_nan=False))
    except ValueError:  # NaN or infinity: JSON.parse in the page would reject the message
        return Output("note", text="[a widget update with a value JSON cannot hold was left out]")
    if size > limit:
        return Output(
            "note",
            text=f"[a widget update of about {size // 1024:,} KB was left out: larger than "
            f"{limit // 1024:,} KB]",
        )
    return Output("comm", message=message)


def view_output(data: dict) -> Output | None:
    """A displayed widget: its model's id, and what the page says of it once reloaded."""
    view = data.get(VIEW_TYPE)
    model_id = view.get("model_id") if isinstance(view, dict) else None
    if not isinstance(model_id, str) or not _COMM_ID.match(model_id):
        return None
    return Output(
        "widget",
        text=f"[{_name(data)}: it works while the kernel that drew it runs; run the cell "
        "again to bring it back]",
        message={"model_id": model_id},
    )


def note_for(data: dict) -> Output:
    """A displayed widget where nothing can show it (a graded run)."""
    return Output(
        "note",
        text=f"[{_name(data)}: widgets are not shown here; set the value in your code and "
        "run the cell again]",
    )


def _name(data: dict) -> str:
    """ "IntSlider widget", from the text form ("IntSlider(value=50)"), or just "widget"."""
    plain = data.get("text/plain")
    name = plain.split("(", 1)[0] if isinstance(plain, str) else ""
    return f"{name} widget" if name.isidentifier() else "widget"


def output_capture(message: dict) -> tuple[str, str] | None:
    """(comm id, msg_id) when *message* (a comm output's) sets an Output widget's ``msg_id``.

    An ipywidgets Output widget used as ``with out:`` sets its ``msg_id`` to the request
    being run, and clears it after; what the request outputs meanwhile belongs to it.
    """
    data = message.get("data")
    if message.get("op") not in ("open", "msg") or not isinstance(data, dict):
        return None
    state = data.get("state")
    if data.get("method", "update") not in ("update", "echo_update") or not isinstance(state, dict):
        return None
    msg_id = state.get("msg_id")
    return (message["comm_id"], msg_id) if isinstance(msg_id, str) else None


def from_page(body: Any) -> tuple[str, dict, list[bytes]]:
    """(comm id, data, buffers) of a message the page sends to a widget's model.

    ValueError, with a sentence for the page, if it is not one a front end may send.
    """
    if not isinstance(body, dict):
        raise ValueError("Send the widget message as a JSON object.")
    comm_id, data, buffers = body.get("comm_id"), body.get("data"), body.get("buffers") or []
    if not isinstance(comm_id, str) or not _COMM_ID.match(comm_id):
        raise ValueError("A widget message names its widget's comm id.")
    if not isinstance(data, dict) or data.get("method") not in PAGE_METHODS:
        raise ValueError(f"A widget message's method is one of {', '.join(PAGE_METHODS)}.")
    if not isinstance(buffers, list) or not all(isinstance(b, str) for b in buffers):
        raise ValueError("A widget message's buffers are base64 text.")
    try:
        size = len(json.dumps(data, allow_nan=False))
        raw = [base64.b64decode(b, validate=True) for b in buffers]
    except (TypeError, ValueError, binascii.Error):
        raise ValueError("A widget message holds plain JSON and base64 buffers.") from None
    if size + sum(len(b) for b in raw) > PAGE_MESSAGE_BYTES:
        raise ValueError(f"A widget message is at most {PAGE_MESSAGE_BYTES // 1000:,} KB.")
    paths = data.get("buffer_paths", [])
    if not isinstance(paths, list) or len(paths) != len(raw):
        raise ValueError("A widget message names a path for each of its buffers.")
    return comm_id, data, raw


def _plain(value: Any) -> Any:
    """*value* as plain JSON (what the kernel sent was decoded from JSON already)."""
    return value if isinstance(value, dict) else {}
