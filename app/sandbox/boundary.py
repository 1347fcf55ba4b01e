"""What crosses a sandboxed kernel's boundary to the host, at a cost the host bounds.

Nothing the sandbox can write is the host's: no host folder is mounted writable in it.
- Its ZeroMQ sockets live in a small tmpfs of its own (``bwrap.SOCKETS``). The host reaches
  them through the sandbox's root as /proc shows it: ``open_folder`` takes a handle on that
  folder once bubblewrap has built the sandbox, and the kernel's host folder gets a link to
  the handle (``/proc/self/fd/N``), so the host's sockets connect to the sandbox's sockets
  and to nothing else, even if the process id is later reused. Whoever starts bubblewrap
  may do this, root or not: the sandbox's processes run as that user, in a user namespace
  it created.
- Its stdout and stderr (bubblewrap's errors, the kernel's log, and everything the kernel
  echoes of what its processes write to their file descriptors) are a pipe, not a file: the
  host keeps the last ``TAIL_BYTES`` of it (``PipeTail``), for the message of a kernel
  that does not start.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable

from app.sandbox.base import SandboxUnavailable

TAIL_BYTES = 4096
POLL_SECONDS = 0.005  # building the sandbox takes some milliseconds; the kernel's start, ~0.7 s


class PipeTail(asyncio.Protocol):
    """The last TAIL_BYTES written into a pipe that the host reads; the rest is dropped."""

    def __init__(self) -> None:
        self.data = b""
        self.transport: asyncio.BaseTransport | None = None
        self.ended = asyncio.Event()  # every writer has closed the pipe

    @classmethod
    async def open(cls) -> tuple[PipeTail, int]:
        """A new pipe, read on the running loop: its tail, and the write end (to pass on)."""
        read, write = os.pipe()
        tail = cls()
        pipe = os.fdopen(read, "rb", buffering=0)
        await asyncio.get_running_loop().connect_read_pipe(lambda: tail, pipe)
        return tail, write

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.data = (self.data + data[-TAIL_BYTES:])[-TAIL_BYTES:]

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended.set()

    def text(self) -> str:
        return self.data.decode(errors="replace")

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def read_info(pipe: PipeTail, timeout: float) -> dict:
    """What bubblewrap reported on its ``--info-fd`` (*pipe*): ``child-pid``, namespaces.

    An empty dict if bubblewrap ended without reporting (its error is in the kernel's output).
    """
    try:
        await asyncio.wait_for(pipe.ended.wait(), timeout)
    except TimeoutError:
        raise SandboxUnavailable("bubblewrap did not report its sandbox in time") from None
    try:
        info = json.loads(pipe.data or b"{}")
    except ValueError:
        raise SandboxUnavailable(f"bubblewrap reported {pipe.data[:200]!r}") from None
    return info if isinstance(info, dict) else {}


async def open_folder(
    info: dict, path: str, *, deadline: float, alive: Callable[[], Awaitable[bool]]
) -> int:
    """An O_PATH handle on the folder *path* inside the sandbox bubblewrap reported in *info*.

    It waits until bubblewrap has moved its first process into the sandbox's own root (not
    the host's, nor the scratch root it builds in). The caller closes the handle.
    """
    pid = info.get("child-pid")
    if not isinstance(pid, int) or pid <= 0:
        raise SandboxUnavailable("bubblewrap did not report its sandbox's process")
    host_root = os.stat("/")
    while True:
        fd = _open_inside(pid, path, host_root)
        if fd is not None:
            break
        if time.monotonic() > deadline:
            raise SandboxUnavailable(
                f"the host could not reach the sandbox's sockets at /proc/{pid}/root{path}: "
                "it must be able to read its own processes' roots in /proc"
            )
        if not await alive():
            raise SandboxUnavailable("the sandbox ended while it was being built")
        await asyncio.sleep(POLL_SECONDS)
    namespace = info.get("mnt-namespace")
    try:
        same = namespace is None or os.stat(f"/proc/{pid}/ns/mnt").st_ino == namespace
    except OSError:
        same = False
    if not same:  # the process ended and its id went to another: not our sandbox
        os.close(fd)
        raise SandboxUnavailable("the sandbox ended while it was being built")
    return fd


def _open_inside(pid: int, path: str, host_root: os.stat_result) -> int | None:
    try:
        if os.path.samestat(os.stat(f"/proc/{pid}/root"), host_root):
            return None  # bubblewrap has not left the host's root yet
        flags = os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
        return os.open(f"/proc/{pid}/root{path}", flags)
    except (FileNotFoundError, NotADirectoryError, PermissionError, ProcessLookupError):
        return None  # not built yet (or never: the caller's deadline decides)
