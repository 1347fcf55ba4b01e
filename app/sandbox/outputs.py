"""Collecting a cell's outputs within the limits: text cut with a marker, images capped."""

from __future__ import annotations

import re
from collections.abc import Callable

from app.sandbox.base import Limits, Output

IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
WIDGET_TYPE = "application/vnd.jupyter.widget-view+json"


class OutputCollector:
    def __init__(self, limits: Limits, on_output: Callable[[Output], None] | None) -> None:
        self.limits = limits
        self.on_output = on_output or (lambda _: None)
        self.outputs: list[Output] = []
        self.error: dict[str, str] | None = None
        self.text_bytes = 0
        self.cut = False
        self.execution_count: int | None = None  # In[n], from the kernel's execute_input

    def add(self, kind: str, content: dict) -> None:
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

    def _rich(self, kind: str, data: dict) -> None:
        if WIDGET_TYPE in data:
            # An ipywidgets control needs a live link to the kernel that the workspace does
            # not offer: say so, rather than print its text form ("IntSlider(value=50)").
            plain = data.get("text/plain")
            name = plain.split("(", 1)[0] if isinstance(plain, str) else ""
            shown = f"{name} " if name.isidentifier() else ""
            self._emit(
                Output(
                    "note",
                    text=f"[an interactive {shown}widget: widgets are not shown in this "
                    "workspace; set the value in your code and run the cell again]",
                )
            )
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
