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


def command(env: Environment, limits: Limits, runtime_dir: Path) -> list[str]:
    """The argv that starts ipykernel inside the sandbox (``{connection_file}`` left in)."""
    binary = shutil.which("bwrap")
    if binary is None:
        raise SandboxUnavailable(f"bubblewrap (bwrap) is not installed. {FIX}")
    disk = max(limits.disk_mb // 2, 1) * 1024 * 1024
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
        *SYSTEM,
        "--ro-bind-try",
        "/etc/ld.so.cache",
        "/etc/ld.so.cache",
        "--ro-bind-try",
        "/etc/localtime",
        "/etc/localtime",
        "--ro-bind-try",
        "/etc/fonts",
        "/etc/fonts",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(disk),
        "--tmpfs",
        "/tmp",  # noqa: S108 - a fresh tmpfs inside the sandbox, not the host's /tmp
        "--size",
        str(disk),
        "--tmpfs",
        HOME,
    ]
    for path in _interpreter_paths(env):
        argv += ["--ro-bind", str(path), str(path)]
    for path in (*env.read_only, *env.packages):
        argv += ["--ro-bind", str(path), str(path)]
    argv += ["--bind", str(runtime_dir), str(runtime_dir)]
    # bwrap's root is a writable tmpfs with no size limit: make it read-only once built.
    argv += ["--remount-ro", "/"]
    environment = {
        "HOME": HOME,
        "PATH": f"{env.prefix}/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
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
        "{connection_file}",
        *KERNEL_OPTIONS,
    ]
    return argv


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
