"""Running a learner's cells in their own interactive kernel, with outputs streamed live.

A run goes on a thread of its own: the request that asked for it returns at once, the
outputs are published to the event log as they arrive (for SSE or polling), and when the
cell ends its outputs are handed to *save* so a reload shows them. The simulator seed of
the learner is set in every new kernel before their first cell runs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from app.domain.notebook_html import clean
from app.engine.events import EventLog
from app.errors import Conflict
from app.sandbox.base import STATUS_TEXT, CellResult, Output

logger = logging.getLogger(__name__)
HOST = "local"  # the kernel host name in metrics: these kernels run in this process
# (workspace id, cell id, outputs, status, execution count or None)
SaveOutputs = Callable[[int, str, list[dict[str, Any]], str, int | None], None]


class Sessions(Protocol):
    def start(self, key: str, *, setup: str = "") -> str: ...
    def execute(
        self,
        key: str,
        code: str,
        *,
        on_output=None,
        history: bool = True,
        timeout=None,
        setup: str = "",
    ) -> CellResult: ...
    def send_comm(
        self, key: str, comm_id: str, data: dict, buffers: list[bytes], *, on_output=None
    ) -> CellResult | None: ...
    def interrupt(self, key: str) -> None: ...
    def restart(self, key: str, *, setup: str = "") -> str: ...
    def status(self, key: str) -> str: ...
    def complete(self, key: str, code: str, cursor: int) -> dict[str, Any]: ...
    def inspect(self, key: str, code: str, cursor: int) -> dict[str, Any]: ...


# Outputs that live only while the page that shows them does: never saved with a cell.
LIVE_ONLY = ("comm", "captured")
# ipywidgets models whose "value" the page shows as HTML.
HTML_MODELS = ("HTMLModel", "HTMLMathModel")


def shown(output: Output, html_models: set[str] | None = None) -> dict[str, Any]:
    """An output as the page receives it: HTML sanitised, in an Output widget and in an
    HTML widget's value too (*html_models*: the comm ids of the workspace's HTML widgets,
    kept up to date here), everything else as produced."""
    data = output.as_dict()
    if output.mime == "text/html":
        data["data"] = clean(output.data)
    message = output.message or {}
    inner = message.get("output") if output.type == "captured" else None
    if inner and inner.get("mime") == "text/html":
        data["message"] = {**message, "output": {**inner, "data": clean(inner["data"])}}
    if output.type == "comm" and html_models is not None:
        data["message"] = _clean_html_widget(message, html_models)
    return data


def _clean_html_widget(message: dict[str, Any], html_models: set[str]) -> dict[str, Any]:
    payload = message.get("data")
    state = payload.get("state") if isinstance(payload, dict) else None
    if not isinstance(state, dict):
        return message
    if message.get("op") == "open" and state.get("_model_name") in HTML_MODELS:
        html_models.add(message["comm_id"])
    if message["comm_id"] not in html_models or not isinstance(state.get("value"), str):
        return message
    state = {**state, "value": clean(state["value"])}
    return {**message, "data": {**payload, "state": state}}


def seed_code(seed: int) -> str:
    """What a workspace's kernel runs when it starts: the learner's seed, as grading sets it."""
    return f"SHOPFLOOR_SEED = {int(seed)}"


class CellRuns:
    def __init__(
        self, sessions: Sessions, events: EventLog, save: SaveOutputs, *, threads: int = 8
    ) -> None:
        self.sessions = sessions
        self.events = events
        self.save = save
        self.running: set[str] = set()
        self.cancelled: set[str] = set()  # interrupted: the cells still queued do not run
        self.run_starts: dict[str, int] = {}  # the last event number before the current run
        self.restarting: set[str] = set()
        self.html_models: dict[str, set[str]] = {}  # per workspace: see shown()
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="lab-run")

    @staticmethod
    def key(workspace_id: int) -> str:
        return f"workspace-{workspace_id}"

    def run(
        self,
        workspace_id: int,
        seed: int,
        cells: list[tuple[str, str]],
        cell_seconds: float | None = None,
    ) -> None:
        """Start running *cells* (id, code) in order; Conflict while this workspace runs.

        "Run all" passes every code cell: the run stops at the first cell that does not end
        "ok", as in Jupyter, and the rest are reported as skipped. *cell_seconds* is the
        lab's own limit per cell, when it sets one.
        """
        key = self.key(workspace_id)
        with self.lock:
            if key in self.running:
                raise Conflict("A cell is still running. Wait for it, or interrupt it.")
            self.running.add(key)
            self.cancelled.discard(key)
        try:  # the event log may be away (Redis): then the workspace must not stay "running"
            self.run_starts[key] = self.events.last(key)
            for cell_id, _ in cells:
                self.events.publish(key, {"type": "queued", "cell": cell_id})
            self.pool.submit(self._run_all, workspace_id, seed, list(cells), cell_seconds)
        except BaseException:
            with self.lock:
                self.running.discard(key)
                self.run_starts.pop(key, None)
            raise

    def _run_all(
        self, workspace_id: int, seed: int, cells: list[tuple[str, str]], cell_seconds=None
    ) -> None:
        key = self.key(workspace_id)
        last_events: list[dict[str, Any]] = []
        try:
            for position, (cell_id, code) in enumerate(cells):
                done = self._run(workspace_id, seed, cell_id, code, cell_seconds)
                rest = cells[position + 1 :]
                if rest and done["status"] == "ok" and key not in self.cancelled:
                    self.events.publish(key, done)
                    continue
                last_events = [done, *(self._done(c, "skipped") for c, _ in rest)]
                break
        finally:
            with self.lock:
                self.running.discard(key)
                self.cancelled.discard(key)
            # Published once the workspace is free, so a page may run again on "done".
            for event in last_events:
                self.events.publish(key, event)

    def _run(
        self, workspace_id: int, seed: int, cell_id: str, code: str, cell_seconds=None
    ) -> dict[str, Any]:
        """Run one cell; return its "done" event (the caller publishes it)."""
        key = self.key(workspace_id)
        outputs: list[dict[str, Any]] = []
        try:
            self.events.publish(key, {"type": "running", "cell": cell_id})

            def on_output(output: Output) -> None:
                data = shown(output, self.html_models.setdefault(key, set()))
                if output.type not in LIVE_ONLY:
                    outputs.append(data)
                self.events.publish(key, {"type": "output", "cell": cell_id, "output": data})

            result = self.sessions.execute(
                key, code, on_output=on_output, timeout=cell_seconds, setup=seed_code(seed)
            )
        except Exception as exc:  # the kernel could not start: say why, keep the code
            logger.warning("workspace %s: run failed: %s", workspace_id, exc)
            message = str(exc) or "The kernel could not be started."
            return {"type": "done", "cell": cell_id, "status": "failed", "message": message}
        status, count = result.status, result.execution_count
        try:  # saved before "done" goes out, so a page reloaded on "done" shows the outputs
            self.save(workspace_id, cell_id, outputs, status, count)
        except Exception:
            logger.exception("workspace %s: outputs of %s not saved", workspace_id, cell_id)
        return self._done(cell_id, status, count)

    @staticmethod
    def _done(cell_id: str, status: str, count: int | None = None) -> dict[str, Any]:
        """A "done" event; *count* is the kernel's execution count of the run (In[n])."""
        return {
            "type": "done",
            "cell": cell_id,
            "status": status,
            "message": STATUS_TEXT[status],
            "execution_count": count,
        }

    def send_widget(
        self, workspace_id: int, cell_id: str, comm_id: str, data: dict, buffers: list[bytes]
    ) -> None:
        """Deliver a widget's message from the page (a slider moved) to the kernel.

        It runs as a cell does, one request at a time per workspace (Conflict while a cell
        runs: the page sends it again when that cell is done), and what the widget's handlers
        output goes to *cell_id*, the cell showing the widget, without being saved: it lives
        as long as the widget. A "widget-done" event ends it, with the status of the run:
        "gone" when the kernel that made the widget is no longer there.
        """
        key = self.key(workspace_id)
        with self.lock:
            if key in self.running:
                raise Conflict("A cell is still running. The widget waits for it.")
            self.running.add(key)
        try:
            self.pool.submit(self._send_widget, key, cell_id, comm_id, data, buffers)
        except BaseException:
            with self.lock:
                self.running.discard(key)
            raise

    def _send_widget(self, key, cell_id, comm_id, data, buffers) -> None:
        status = "failed"
        try:

            def on_output(output: Output) -> None:
                data = shown(output, self.html_models.setdefault(key, set()))
                event = {"type": "output", "cell": cell_id, "output": data}
                self.events.publish(key, event)

            result = self.sessions.send_comm(key, comm_id, data, buffers, on_output=on_output)
            status = "gone" if result is None else result.status
        except Exception as exc:
            logger.warning("%s: widget message not delivered: %s", key, exc)
        finally:
            with self.lock:
                self.running.discard(key)
            self.events.publish(
                key, {"type": "widget-done", "cell": cell_id, "comm": comm_id, "status": status}
            )

    def interrupt(self, workspace_id: int) -> None:
        """Stop the running cell (the kernel and its variables live on) and the queued ones."""
        key = self.key(workspace_id)
        with self.lock:
            if key in self.running:
                self.cancelled.add(key)
        self.sessions.interrupt(key)

    def restart(self, workspace_id: int, seed: int) -> None:
        """A new kernel with the learner's seed; runs asked for meanwhile wait for it."""
        key = self.key(workspace_id)
        with self.lock:
            self.restarting.add(key)
        self.html_models.pop(key, None)  # the new kernel's widgets start afresh
        self.events.publish(key, {"type": "kernel", "status": "restarting"})
        try:
            self.sessions.restart(key, setup=seed_code(seed))
        finally:
            with self.lock:
                self.restarting.discard(key)
        self.events.publish(key, {"type": "kernel", "status": "idle", "restarted": True})

    def complete(self, workspace_id: int, code: str, cursor: int) -> dict[str, Any]:
        """Completions at *cursor* in *code* (a cell's text) from the workspace's kernel.

        *cursor* counts code points, as Jupyter does. The answer is ``{"matches": [str,
        ...], "cursor_start": int, "cursor_end": int}`` (the matches replace that range of
        *code*), with ``"reason": "no-kernel"`` or ``"busy"`` when no kernel could answer.
        Asking never starts a kernel, and answers within a few seconds.
        """
        return self.sessions.complete(self.key(workspace_id), code, cursor)

    def inspect(self, workspace_id: int, code: str, cursor: int) -> dict[str, Any]:
        """Help on the name at *cursor*: ``{"found": bool, "text": str}``; else as complete."""
        return self.sessions.inspect(self.key(workspace_id), code, cursor)

    def cleared(self, workspace_id: int, cell_ids: list[str] | None) -> None:
        """Tell the workspace's open pages that outputs were cleared (None: every cell's)."""
        self.events.publish(self.key(workspace_id), {"type": "cleared", "cells": cell_ids})

    def follow_from(self, workspace_id: int) -> int:
        """The event number a newly loaded page follows from.

        The page shows the saved outputs; while a run is going on, that run's events are
        replayed so the page catches up with it.
        """
        key = self.key(workspace_id)
        with self.lock:
            if key in self.running:
                return self.run_starts.get(key, 0)
        return self.events.last(key)

    def status(self, workspace_id: int) -> str:
        """none, starting, restarting, busy, idle or dead (dead: 'kernel died — restart')."""
        key = self.key(workspace_id)
        if key in self.restarting:
            return "restarting"
        status = self.sessions.status(key)
        if status == "none" and key in self.running:
            return "starting"
        return status

    def cull(self) -> list[str]:
        """Shut down kernels left idle too long; their learners' next run starts a new one."""
        culled = self.sessions.cull_idle()
        for key in culled:
            self.html_models.pop(key, None)
            self.events.publish(key, {"type": "kernel", "status": "none", "culled": True})
        return culled

    def kernel_stats(self) -> dict[str, dict[str, int]]:
        """Kernels alive here and the memory they use, for /metrics and host heartbeats."""
        live = getattr(self.sessions, "sessions", None) or getattr(self.sessions, "kernels", {})
        memory = getattr(self.sessions, "memory_bytes", lambda: 0)()
        return {"kernels": {HOST: len(live)}, "kernel_memory_bytes": {HOST: memory}}

    def readiness(self) -> list[tuple[str, bool, str]]:
        return []  # the kernels run here: the sandbox check covers them

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        """Stop taking runs and shut down every kernel, as the process ending would."""
        self.close()
        self.sessions.close()
