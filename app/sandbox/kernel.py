"""One sandboxed IPython kernel, driven through jupyter-client over Unix sockets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.sandbox import bwrap, cgroups
from app.sandbox.base import CellResult, Limits, Output, SandboxUnavailable
from app.sandbox.outputs import OutputCollector

if TYPE_CHECKING:
    from jupyter_client import AsyncKernelManager

logger = logging.getLogger(__name__)
RUNTIME_ROOT = Path(tempfile.gettempdir()) / "shopfloor-kernels"  # short: sun_path ≤ 107 bytes
KERNEL_NAME = "shopfloor-sandbox"
MATCHES_MAX = 200  # completions kept from one reply
MATCH_CHARS = 200  # a longer completion is dropped, not cut (a cut one would be wrong code)
INSPECT_CHARS = 16_000  # the text of an inspection; the rest is cut with a marker


@dataclass(frozen=True)
class KernelConfig:
    environment: bwrap.Environment
    limits: Limits = Limits()
    sandboxed: bool = True  # False only with the loudly logged development setting
    startup_seconds: float = 60.0


class SandboxKernel:
    """Start with ``await SandboxKernel.start(config)``; always ``await kernel.shutdown()``."""

    def __init__(self, config: KernelConfig) -> None:
        self.config = config
        self.id = uuid.uuid4().hex[:12]
        self.runtime = RUNTIME_ROOT / self.id
        self.group: cgroups.Cgroup | None = None
        self.manager: AsyncKernelManager | None = None
        self.client = None
        self.started_at = 0.0
        self.last_used = 0.0
        self.log = None
        self._shell: asyncio.Lock | None = None  # see _shell_lock

    @classmethod
    async def start(cls, config: KernelConfig) -> SandboxKernel:
        kernel = cls(config)
        try:
            await kernel._start()
        except BaseException:
            await kernel.shutdown()
            raise
        return kernel

    async def _start(self) -> None:
        # jupyter_client and pyzmq load with the first kernel, not with the app (`flask --help`).
        import zmq
        from jupyter_client import AsyncKernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        limits = self.config.limits
        self.runtime.mkdir(parents=True, mode=0o700)
        spec_dir = self.runtime / "spec" / KERNEL_NAME
        spec_dir.mkdir(parents=True)
        if self.config.sandboxed:
            bwrap.check()
            argv = bwrap.command(self.config.environment, limits, self.runtime)
        else:
            argv = [
                str(self.config.environment.python),
                "-m",
                "ipykernel_launcher",
                "-f",
                "{connection_file}",
                *bwrap.KERNEL_OPTIONS,
            ]
        self.group = cgroups.create(
            self.id,
            memory_bytes=limits.memory_mb * 1024 * 1024,
            pids=limits.processes,
            cpu_share=limits.cpu_share,
        )
        launch = {
            "argv": argv,
            "rlimits": _rlimits(limits, self.group),
            "cgroup": self.group.to_json() if self.group else None,
        }
        (self.runtime / "launch.json").write_text(json.dumps(launch))
        kernel_json = {
            "argv": bwrap.launcher_argv(self.runtime / "launch.json"),
            "display_name": "Shopfloor lab (sandboxed)",
            "language": "python",
            "interrupt_mode": "message",
        }
        (spec_dir / "kernel.json").write_text(json.dumps(kernel_json))
        self.manager = AsyncKernelManager(
            kernel_name=KERNEL_NAME,
            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_dir.parent)]),
            transport="ipc",
            connection_file=str(self.runtime / "k.json"),
            ip=str(self.runtime / "k"),
        )
        self.log = open(self.runtime / "kernel.log", "wb")  # noqa: SIM115 - closed in shutdown
        await self.manager.start_kernel(stdout=self.log, stderr=subprocess.STDOUT)
        # Messages are read whole into the host's memory before any output limit applies:
        # the sockets refuse (and drop) anything larger than message_bytes.
        self.client = self.manager.client()
        self.client.context.setsockopt(zmq.MAXMSGSIZE, limits.message_bytes)
        self.client.start_channels(hb=False)  # liveness comes from the process, not heartbeats
        try:
            await self.client.wait_for_ready(timeout=self.config.startup_seconds)
        except RuntimeError as exc:
            tail = (self.runtime / "kernel.log").read_text(errors="replace")[-500:]
            raise SandboxUnavailable(f"the sandboxed kernel did not start: {exc}. {tail}") from None
        self.started_at = self.last_used = time.monotonic()

    async def run_code(
        self,
        code: str,
        index: int,
        *,
        timeout: float,
        on_output: Callable[[Output], None] | None = None,
        history: bool = True,
    ) -> CellResult:
        """Execute one cell, streaming outputs to *on_output*; never raises for learner errors.

        With *history* (as in Jupyter) the run takes the kernel's next execution count, which
        its traceback names ("Cell In[n]"); without, the count is left for the next cell.
        """
        result = CellResult(index=index, status="ok")
        collector = OutputCollector(self.config.limits, on_output)
        start = time.monotonic()
        msg_id = self.client.execute(code, store_history=history, allow_stdin=False)
        deadline = start + timeout
        status = await self._drain(msg_id, collector, deadline)
        if status == "timeout":
            status = await self._interrupt(msg_id, collector)
        result.outputs = collector.outputs
        result.error = collector.error
        result.execution_count = collector.execution_count if history else None
        result.seconds = time.monotonic() - start
        self.last_used = time.monotonic()
        result.status = self._classify(status, collector)
        return result

    async def evaluate(self, expression: str, index: int, *, timeout: float) -> CellResult:
        """Evaluate *expression* out of band and keep the text form of its value.

        It is a user expression of a silent, empty execute request: IPython's cell machinery
        (input transformers, run-cell events, the display hook, history) never sees it, and
        the value comes back in the reply on the shell channel, which code in the kernel
        cannot print into. The learner's code can still have changed what it evaluates, so
        the value is data to check, never to trust.
        """
        result = CellResult(index=index, status="ok")
        start = time.monotonic()
        async with self._shell_lock():
            msg_id = self.client.execute(
                "",
                silent=True,
                store_history=False,
                user_expressions={"value": expression},
                allow_stdin=False,
            )
            reply = await self._next(self.client.get_shell_msg, msg_id, start + timeout)
            if reply == "timeout":  # too slow: interrupt; kill the kernel if that does not help
                with contextlib.suppress(Exception):
                    await self.manager.interrupt_kernel()
                read = self.client.get_shell_msg
                if await self._next(read, msg_id, time.monotonic() + 5) == "timeout":
                    await self.kill()
        if reply == "timeout":
            result.status = "timeout"
        elif reply == "dead":
            result.status = self._death_reason()
        else:
            self._read_value(reply, result)
        result.seconds = time.monotonic() - start
        self.last_used = time.monotonic()
        if self.group and cgroups.oom_killed(self.group):
            result.status = "memory"
        return result

    async def complete(self, code: str, cursor: int, *, timeout: float) -> dict:
        """The kernel's completions at *cursor* (in code points, as Jupyter counts from 5.2).

        ``{"matches": [str, ...], "cursor_start": int, "cursor_end": int}``: the matches
        replace ``code[cursor_start:cursor_end]``. The reply comes from code the learner
        controls, so only plain, bounded values are kept; a timeout, a dead kernel or a
        malformed reply gives no matches, never an exception.
        """
        cursor = max(0, min(cursor, len(code)))
        reply = await self._ask(lambda: self.client.complete(code, cursor), timeout)
        return completion(reply, code, cursor)

    async def inspect(self, code: str, cursor: int, *, timeout: float) -> dict:
        """What the kernel says about the name at *cursor*: ``{"found": bool, "text": str}``.

        The text is IPython's plain-text help (signature, docstring), without terminal
        colours or other control characters, at most INSPECT_CHARS long; untrusted, as
        with :meth:`complete`.
        """
        cursor = max(0, min(cursor, len(code)))
        reply = await self._ask(lambda: self.client.inspect(code, cursor, detail_level=0), timeout)
        return inspection(reply)

    async def _ask(self, send: Callable[[], str], timeout: float) -> dict | None:
        """Send a shell request with *send* (it returns the msg_id); the reply's content.

        None when no answer came in time (the queue for the shell lock counts), the kernel
        is gone, or the reply is not a dict. A late reply is dropped by the next reader.
        """
        deadline = time.monotonic() + timeout
        try:
            async with asyncio.timeout(timeout):
                await self._shell_lock().acquire()
        except TimeoutError:
            return None
        try:
            if self.client is None or not await self.is_alive():
                return None
            reply = await self._next(self.client.get_shell_msg, send(), deadline)
        except Exception:  # the channels closed under us (shutdown, restart)
            logger.debug("kernel %s: no reply to a shell request", self.id, exc_info=True)
            return None
        finally:
            self._shell_lock().release()
        self.last_used = time.monotonic()  # the learner is at work: completing is activity
        content = reply.get("content") if isinstance(reply, dict) else None
        return content if isinstance(content, dict) else None

    def _shell_lock(self) -> asyncio.Lock:
        """One shell request at a time: a reader drops the replies it was not waiting for.

        Made on first use, on the loop that drives this kernel.
        """
        if self._shell is None:
            self._shell = asyncio.Lock()
        return self._shell

    async def _next(self, read, msg_id: str, deadline: float):
        """The next message answering *msg_id* from *read* (a channel's reader).

        "timeout" after *deadline*, "dead" if the kernel died while we waited.
        """
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            try:
                msg = await read(timeout=min(remaining, 0.5))
            except Exception:  # queue.Empty: nothing yet; check the kernel is still there
                if not await self.manager.is_alive():
                    return "dead"
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def _read_value(self, reply: dict, result: CellResult) -> None:
        content = reply.get("content") or {}
        found = (content.get("user_expressions") or {}).get("value")
        if content.get("status") != "ok" or not isinstance(found, dict):
            result.status = "error"
            result.error = {"name": str(content.get("ename", "Error")), "message": ""}
        elif found.get("status") != "ok":
            result.status = "error"
            result.error = {
                "name": str(found.get("ename", "Error"))[:200],
                "message": str(found.get("evalue", ""))[:1000],
            }
        else:
            text = (found.get("data") or {}).get("text/plain")
            if not isinstance(text, str) or len(text) > self.config.limits.value_bytes:
                result.status = "error"
                result.error = {"name": "ValueTooLarge", "message": "not kept"}
            else:
                result.value = text

    async def _drain(self, msg_id: str, collector: OutputCollector, deadline: float) -> str:
        """Read iopub until the cell is idle; return ok, error, timeout or dead."""
        while True:
            msg = await self._next(self.client.get_iopub_msg, msg_id, deadline)
            if isinstance(msg, str):
                return msg
            kind = msg["msg_type"]
            if kind == "status" and msg["content"]["execution_state"] == "idle":
                return "error" if collector.error else "ok"
            collector.add(kind, msg["content"])

    async def _interrupt(self, msg_id: str, collector: OutputCollector) -> str:
        with contextlib.suppress(Exception):
            await self.manager.interrupt_kernel()
        status = await self._drain(msg_id, collector, time.monotonic() + 5)
        if status in ("ok", "error"):
            collector.error = None  # the KeyboardInterrupt is ours, not the learner's
            collector.drop_interrupt_traceback()
            return "timeout"
        await self.kill()
        return "timeout"

    def _classify(self, status: str, collector: OutputCollector) -> str:
        if self.group and cgroups.oom_killed(self.group):
            return "memory"
        if status == "dead":
            return self._death_reason()
        if self.group and cgroups.pids_exhausted(self.group) and status == "error":
            return "processes"
        if status == "error" and collector.error_mentions(("No space left", "File too large")):
            return "disk"
        if status == "error" and collector.error_mentions(("MemoryError",)):
            return "memory"
        return status

    def _death_reason(self) -> str:
        process = getattr(self.manager.provisioner, "process", None) if self.manager else None
        code = process.poll() if process else None
        if code in (-24, 128 + 24):  # SIGXCPU: the CPU-time limit
            return "cpu"
        if code in (-9, 128 + 9) and self.group and cgroups.oom_killed(self.group):
            return "memory"
        return "killed"

    def memory_bytes(self) -> int:
        """What the kernel's sandbox uses now: its cgroup's memory, else the resident size
        of the process it was launched as (0 once it is gone)."""
        if self.group:
            return cgroups.memory_bytes(self.group)
        process = getattr(self.manager.provisioner, "process", None) if self.manager else None
        try:
            status = Path(f"/proc/{process.pid}/status").read_text() if process else ""
        except OSError:
            return 0
        kib = next((line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")), 0)
        return int(kib) * 1024

    async def is_alive(self) -> bool:
        return bool(self.manager) and await self.manager.is_alive()

    async def interrupt(self) -> None:
        await self.manager.interrupt_kernel()

    async def kill(self) -> None:
        if self.manager:
            with contextlib.suppress(Exception):
                await self.manager.kill_kernel()
        if self.group:
            cgroups.remove(self.group)

    async def shutdown(self) -> None:
        """Stop the kernel and remove everything it had: sockets, home, cgroup.

        A kernel serves one run and keeps nothing worth saving, so it is killed outright:
        the sandbox's processes die with bubblewrap (--die-with-parent) and the cgroup sweep
        catches anything left.
        """
        if self.client:
            with contextlib.suppress(Exception):
                self.client.stop_channels()
        process = getattr(self.manager.provisioner, "process", None) if self.manager else None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            with contextlib.suppress(Exception):
                await asyncio.get_running_loop().run_in_executor(None, process.wait, 10)
        if self.manager:
            with contextlib.suppress(Exception):
                await self.manager.cleanup_resources()
            with contextlib.suppress(Exception):
                self.manager.context.destroy(linger=0)
        if self.group:
            cgroups.remove(self.group)
        if self.log:
            self.log.close()
        shutil.rmtree(self.runtime, ignore_errors=True)


def _rlimits(limits: Limits, group: cgroups.Cgroup | None) -> dict[str, int | list[int]]:
    values = {
        # SIGXCPU at the soft limit tells "CPU time" apart from other kills; SIGKILL follows.
        "RLIMIT_CPU": [limits.cpu_seconds, limits.cpu_seconds + 5],
        "RLIMIT_FSIZE": limits.file_mb * 1024 * 1024,
        "RLIMIT_NOFILE": limits.open_files,
        "RLIMIT_CORE": 0,
    }
    if group is None:
        # No cgroup: the cruder rlimits stand in for memory.max and pids.max.
        values["RLIMIT_AS"] = limits.memory_mb * 1024 * 1024 * 2
        values["RLIMIT_NPROC"] = limits.processes * 4
    return values


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
