"""The bubblewrap command line for a kernel: no network, own namespaces, minimal filesystem."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from app.sandbox.base import Limits, SandboxUnavailable

HOME = "/home/learner"
# The kernel's sockets, and its connection file (read-only): a tmpfs of the sandbox's own that
# the host reaches through /proc (see boundary.py). Sockets take no space: the size only
# bounds what a notebook may put there.
SOCKETS = "/run/kernel"
SOCKETS_BYTES = 64 * 1024
CONNECTION_FILE = f"{SOCKETS}/connection.json"
MIB = 1024 * 1024
# The system's programs and libraries, read-only; nothing else of the host's root.
SYSTEM = (
    "--ro-bind", "/usr", "/usr",
    "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
    "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
)  # fmt: skip
SANDBOX_UID = 1000

FIX = (
    "Install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`, or run `make run`) "
    "on a host that allows user namespaces. For a laptop without it, set "
    "SHOPFLOOR_SANDBOX__ALLOW_UNSANDBOXED=true (development only: learner code then runs "
    "unprotected)."
)


@dataclass(frozen=True)
class Environment:
    """What a kernel may see: the lab Python, plus read-only extras (simulator, data)."""

    python: Path  # the lab environment's interpreter, e.g. .venv-lab/bin/python
    read_only: tuple[Path, ...] = field(default_factory=tuple)
    # Packages bound read-only and importable (their parent folders go on PYTHONPATH).
    packages: tuple[Path, ...] = field(default_factory=tuple)

    @property
    def prefix(self) -> Path:
        return self.python.parent.parent

    def base_prefix(self) -> Path:
        """Where the environment's interpreter really lives (a venv only links to it)."""
        out = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
            [str(self.python), "-I", "-c", "import sys; print(sys.base_prefix)"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return Path(out.stdout.strip())


# IPython's own completer answers Tab at once; jedi's first answer in a new kernel takes
# seconds (loading its caches), longer than the editor waits.
KERNEL_OPTIONS = ("--IPCompleter.use_jedi=False",)


def command(env: Environment, limits: Limits, connection_file: Path, info_fd: int) -> list[str]:
    """The argv that starts ipykernel inside the sandbox.

    *connection_file* is the host's path of the kernel's connection file, mounted read-only
    at CONNECTION_FILE; bubblewrap reports its sandbox's process on *info_fd*. Every place the
    kernel may write is a tmpfs of the sandbox with a size (``tmpfs_sizes``): no host folder
    is mounted writable, so nothing a notebook writes reaches the host's disk.
    """
    binary = shutil.which("bwrap")
    if binary is None:
        raise SandboxUnavailable(f"bubblewrap (bwrap) is not installed. {FIX}")
    sizes = tmpfs_sizes(limits)
    argv = [
        binary,
        "--unshare-all",
        "--unshare-user",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--cap-drop",
        "ALL",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--info-fd",
        str(info_fd),
        *SYSTEM,
        "--ro-bind-try",
        "/etc/ld.so.cache",
        "/etc/ld.so.cache",
        "--ro-bind-try",
        "/etc/fonts",
        "/etc/fonts",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
    ]
    for path, size in sizes.items():
        argv += ["--size", str(size), "--tmpfs", path]
    # bubblewrap's /dev is a tmpfs with no size limit: read-only once /dev/shm is mounted in it
    # (the device nodes and /dev/pts are mounts of their own and keep working).
    argv += ["--remount-ro", "/dev"]
    argv += ["--ro-bind", str(connection_file), CONNECTION_FILE]
    for path in _interpreter_paths(env):
        argv += ["--ro-bind", str(path), str(path)]
    for path in (*env.read_only, *env.packages):
        argv += ["--ro-bind", str(path), str(path)]
    # bwrap's root is a writable tmpfs with no size limit: make it read-only once built.
    argv += ["--remount-ro", "/"]
    environment = {
        "HOME": HOME,
        "PATH": f"{env.prefix}/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        # Every kernel keeps UTC, whatever the server's zone: a learner's code (SQLite's
        # 'localtime', time.localtime) gives the same answer wherever it is graded.
        "TZ": "UTC",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MPLCONFIGDIR": f"{HOME}/.config/matplotlib",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    if env.packages:
        environment["PYTHONPATH"] = ":".join(sorted({str(p.parent) for p in env.packages}))
    for key, value in environment.items():
        argv += ["--setenv", key, value]
    argv += [
        "--chdir",
        HOME,
        "--",
        str(env.python),
        "-m",
        "ipykernel_launcher",
        "-f",
        CONNECTION_FILE,
        *KERNEL_OPTIONS,
    ]
    return argv


def tmpfs_sizes(limits: Limits) -> dict[str, int]:
    """Bytes of each writable folder: home, /tmp and /dev/shm share ``disk_mb`` (/dev/shm an
    eighth of it, for semaphores and shared memory), and the sockets' folder has its own few
    kilobytes."""
    total = limits.disk_mb * MIB
    shm = max(total // 8, MIB)
    each = max((total - shm) // 2, MIB)
    return {"/tmp": each, HOME: each, "/dev/shm": shm, SOCKETS: SOCKETS_BYTES}  # noqa: S108


@cache
def _interpreter_paths(env: Environment) -> tuple[Path, ...]:
    paths = {env.prefix.resolve(), env.prefix}
    base = env.base_prefix()
    if not str(base).startswith("/usr"):
        paths.add(base)
    return tuple(sorted(paths))


def check() -> None:
    """Raise SandboxUnavailable unless bubblewrap can create the namespaces we need."""
    _probe()


@cache
def _probe() -> None:
    binary = shutil.which("bwrap")
    if binary is None:
        raise SandboxUnavailable(f"bubblewrap (bwrap) is not installed. {FIX}")
    try:
        result = subprocess.run(  # noqa: S603 - fixed arguments
            [
                binary,
                "--unshare-all",
                "--unshare-user",
                "--cap-drop",
                "ALL",
                "--die-with-parent",
                *SYSTEM,
                "--",
                "/usr/bin/true",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailable(f"bubblewrap could not run: {exc}. {FIX}") from None
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()[-1:] or ["no message"]
        raise SandboxUnavailable(f"bubblewrap cannot create a sandbox here ({detail[0]}). {FIX}")


def launcher_argv(spec_file: Path) -> list[str]:
    """The kernelspec argv: our launcher script, run by this (host) interpreter."""
    script = Path(__file__).resolve().parent / "launcher.py"
    return [sys.executable, "-I", str(script), str(spec_file), "{connection_file}"]
