"""The lab engine: notebooks run in sandboxed Jupyter kernels. Imports nothing from Flask.

``build_executor(settings)`` returns the backend the configuration asks for:
``jupyter`` (bubblewrap-sandboxed kernels; the default and the only one for learners) or
``fake`` (scripted results, for web tests that are not about execution).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.sandbox.base import Limits, RunResult, SandboxUnavailable
from app.sandbox.bwrap import Environment
from app.sandbox.executor import Executor, FakeExecutor, JupyterExecutor
from app.sandbox.sessions import FakeSessions, SessionManager

logger = logging.getLogger(__name__)

__all__ = [
    "Environment",
    "Executor",
    "FakeExecutor",
    "JupyterExecutor",
    "Limits",
    "RunResult",
    "SandboxUnavailable",
    "build_executor",
    "build_sessions",
]


def build_executor(settings: Mapping[str, Any], root: Path) -> Executor:
    """Choose and configure the executor; *root* resolves relative paths in *settings*."""
    if settings.get("backend", "jupyter") == "fake":
        return FakeExecutor(float(settings.get("fake_seconds_per_cell", 0)))
    python = Path(settings.get("lab_python", ".venv-lab/bin/python"))
    python = python if python.is_absolute() else root / python
    read_only = tuple(
        (p if Path(p).is_absolute() else root / p) for p in settings.get("read_only", ())
    )
    allow_unsandboxed = bool(settings.get("allow_unsandboxed", False))
    if allow_unsandboxed:
        logger.warning(
            "SANDBOX allow_unsandboxed is ON: learner code runs WITHOUT the sandbox. "
            "Never use this setting where learners can reach the server."
        )
    packages = tuple(
        (Path(p) if Path(p).is_absolute() else root / p) for p in settings.get("packages", ())
    )
    limits = Limits().merged(settings.get("limits"))
    return JupyterExecutor(
        Environment(python, tuple(Path(p) for p in read_only), packages),
        limits,
        sandboxed=not allow_unsandboxed,
        pool_size=int(settings.get("pool_size", 2)),
    )


def build_sessions(
    executor: Executor, idle_seconds: float, max_sessions: int = 0
) -> SessionManager | FakeSessions:
    """Interactive kernels for the lab workspace, on the same engine as *executor*.

    They share the executor's warm pool; a kernel left idle for *idle_seconds* is culled,
    and at most *max_sessions* live at once (the one unused longest makes room).
    """
    if isinstance(executor, FakeExecutor):
        return FakeSessions(executor.seconds_per_cell)
    if not isinstance(executor, JupyterExecutor):
        raise TypeError(f"no interactive sessions for {type(executor).__name__}")
    return SessionManager(
        executor.config(), pool=executor.pool, idle_seconds=idle_seconds, max_sessions=max_sessions
    )
