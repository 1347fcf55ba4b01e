"""Collecting a cell's outputs within the limits: text cut with a marker, images capped."""

from __future__ import annotations

import re
from collections.abc import Callable

from app.sandbox import widgets
from app.sandbox.base import Limits, Output

IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
OUTPUT_KINDS = ("stream", "execute_result", "display_data", "error", "clear_output")


class OutputCollector:
    """The outputs of one request to a kernel, within its limits.

    With *widgets* (a live workspace) ipywidgets work: comm messages become ``comm``
    outputs, a displayed widget a ``widget`` output, and what the request outputs inside an
    Output widget a ``captured`` output (app.sandbox.widgets). Without, comm messages are
    ignored and a displayed widget is a note. *parent* is the request's msg_id.
    """

    def __init__(
        self,
        limits: Limits,
        on_output: Callable[[Output], None] | None,
        *,
        widgets: bool = False,
        parent: str = "",
    ) -> None:
        self.limits = limits
        self.on_output = on_output or (lambda _: None)
        self.outputs: list[Output] = []
        self.error: dict[str, str] | None = None
        self.text_bytes = 0
        self.cut = False
        self.execution_count: int | None = None  # In[n], from the kernel's execute_input
        self.widgets = widgets
        self.parent = parent
        self.capturing: dict[str, str] = {}  # Output widget's comm id → the msg_id it takes
        self.into: str | None = None  # the Output widget the current output goes to

    def add(self, kind: str, content: dict, buffers=(), metadata: dict | None = None) -> None:
        """One iopub message of the request: its type, content, buffers and metadata."""
        if kind in widgets.COMM_KINDS:
            if self.widgets:
                self._comm(kind, content, buffers, metadata)
            return
        self.into = self._capturer() if kind in OUTPUT_KINDS else None
        if self.into and kind == "clear_output":
            message = {"model_id": self.into, "clear": True, "wait": bool(content.get("wait"))}
            self.on_output(Output("captured", message=message))
            return
        if self.into and kind == "error":  # shown in the widget; the request did not fail
            traceback = "\n".join(content.get("traceback", []))
            self._emit(Output("error", text=_strip_ansi(traceback)))
            return
        if kind == "execute_input":
            count = content.get("execution_count")
            self.execution_count = count if isinstance(count, int) else None
        elif kind == "stream":
            self._text(Output("stream", name=content.get("name", "stdout"), text=content["text"]))
        elif kind in ("execute_result", "display_data"):
            self._rich(kind, content.get("data", {}))
        elif kind == "error":
            self.error = {
                "name": content.get("ename", "Error"),
                "message": content.get("evalue", ""),
            }
            traceback = "\n".join(content.get("traceback", []))
            self._emit(Output("error", text=_strip_ansi(traceback)))
        elif kind == "clear_output":
            self.outputs = [o for o in self.outputs if o.type == "error"]
            self.text_bytes = 0

    def _comm(self, kind: str, content: dict, buffers, metadata) -> None:
        output = widgets.comm_output(kind, content, buffers, metadata, self.limits.image_bytes)
        if output is None:
            return
        capture = widgets.output_capture(output.message) if output.message else None
        if capture:
            comm_id, msg_id = capture
            self.capturing.pop(comm_id, None)
            if msg_id:
                self.capturing[comm_id] = msg_id  # the latest is the innermost `with`
        elif kind == "comm_close":
            self.capturing.pop(content.get("comm_id"), None)
        self.on_output(output)  # not kept with the cell's outputs: it is live only

    def _capturer(self) -> str | None:
        """The Output widget that this request's outputs go to now, if any."""
        inside = [c for c, msg_id in self.capturing.items() if msg_id == self.parent]
        return inside[-1] if inside else None

    def _rich(self, kind: str, data: dict) -> None:
        if widgets.VIEW_TYPE in data:
            # A widget needs its live link to the kernel: only a live workspace has one.
            # Elsewhere say so, rather than print its text form ("IntSlider(value=50)").
            view = widgets.view_output(data) if self.widgets else None
            self._emit(view or widgets.note_for(data))
            return
        for mime in IMAGE_TYPES:
            if mime in data:
                payload = data[mime]
                if len(payload) > self.limits.image_bytes:
                    size = len(payload) * 3 // 4 // 1024
                    self._emit(
                        Output(
                            "note",
                            text=f"[image of about {size} KB left out: larger than "
                            f"{self.limits.image_bytes // 1024} KB]",
                        )
                    )
                else:
                    self._emit(Output(kind, mime=mime, data=payload))
                return
        html = data.get("text/html")
        if (
            isinstance(html, str)
            and len(html.encode()) <= self.limits.output_bytes - self.text_bytes
        ):
            # Kept as received; whoever shows it sanitises it (app.domain.notebook_html).
            self.text_bytes += len(html.encode())
            self._emit(Output(kind, mime="text/html", data=html, text=data.get("text/plain", "")))
            return
        if "text/plain" in data:
            self._text(Output(kind, text=data["text/plain"]))

    def _text(self, output: Output) -> None:
        if self.cut:
            return
        room = self.limits.output_bytes - self.text_bytes
        encoded = output.text.encode("utf-8", "replace")
        if len(encoded) > room:
            output.text = encoded[: max(room, 0)].decode("utf-8", "ignore")
            self.cut = True
        self.text_bytes += len(output.text.encode())
        if output.text:
            self._emit(output)
        if self.cut:
            self._emit(
                Output(
                    "note",
                    text=f"[output cut: more than {self.limits.output_bytes:,} bytes of text]",
                )
            )

    def _emit(self, output: Output) -> None:
        if self.into:  # inside an Output widget: the page draws it there
            message = {"model_id": self.into, "output": output.as_dict()}
            self.on_output(Output("captured", message=message))
            return
        if (
            self.outputs
            and output.type == "stream"
            and self.outputs[-1].type == "stream"
            and self.outputs[-1].name == output.name
        ):
            self.outputs[-1].text += output.text  # merge consecutive chunks of one stream
        else:
            self.outputs.append(output)
        self.on_output(output)

    def drop_interrupt_traceback(self) -> None:
        self.outputs = [
            o for o in self.outputs if not (o.type == "error" and "KeyboardInterrupt" in o.text)
        ]

    def error_mentions(self, needles: tuple[str, ...]) -> bool:
        if not self.error:
            return False
        text = f"{self.error['name']} {self.error['message']}"
        return any(n in text for n in needles)


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
