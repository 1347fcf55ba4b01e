"""The processes of `make bench-load` (benchmarks/load.py): each mode of serving Shopfloor,
started in process groups of its own and stopped, with its database and Redis, at the end."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"


# -- processes ---------------------------------------------------------------------------------


class Stack:
    """Processes started in sessions of their own, stopped as whole process groups."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        try:
            process = subprocess.Popen(  # noqa: S603 - our own programs
                argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        finally:
            log.close()
        self.running.append((name, process))
        return process

    def stop(self, name: str | None = None, grace: float = 20.0) -> None:
        """SIGTERM the group(s), SIGKILL what is left after *grace* seconds."""
        chosen = [(n, p) for n, p in self.running if name is None or n == name]
        for _, process in chosen:
            _signal_group(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for label, process in chosen:
            while _group_alive(process.pid) and time.monotonic() < deadline:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=0.2)
            if _group_alive(process.pid):
                print(f"  ({label} was still running {grace:g} s after SIGTERM: killed)")
            _signal_group(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        self.running = [(n, p) for n, p in self.running if (n, p) not in chosen]

    def tail(self, name: str, lines: int = 25) -> str:
        path = self.logs / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_checked(argv: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own programs
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def wait_ready(base: str, stack: Stack, names: list[str], *, seconds: float = 120) -> None:
    """Until /readyz answers 200; SystemExit (with the log) if a process died first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for name, process in stack.running:
            if name in names and process.poll() is not None:
                raise SystemExit(f"{name} exited ({process.returncode}):\n{stack.tail(name)}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{base}/readyz", timeout=5) as answer,  # noqa: S310
        ):
            if answer.status == 200:
                return
        time.sleep(0.5)
    raise SystemExit(f"{base} was not ready in {seconds:g} s:\n{stack.tail(names[0])}")


# -- the modes ---------------------------------------------------------------------------------


class Mode:
    """One way of serving Shopfloor: its environment, database, processes and cleanup."""

    name = ""

    def __init__(self, args, tmp: Path) -> None:
        self.args, self.tmp = args, tmp
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.stack = Stack(tmp)
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("SHOPFLOOR_") and k not in ("DATABASE_URL", "REDIS_URL")
        }
        self.env |= {
            "SHOPFLOOR_SECRET_KEY": secrets.token_hex(32),
            "SHOPFLOOR_INSTANCE_PATH": str(tmp / "instance"),
            "SHOPFLOOR_PUBLIC_BASE_URL": self.base,
            "SHOPFLOOR_DEV_MODE": "false",
            "SHOPFLOOR_LOG_FORMAT": "json",
            # Every learner running cells keeps a kernel: room for all of them (default 24).
            "SHOPFLOOR_LAB_MAX_KERNELS": str(max(24, args.cells + 8)),
            "PYTHONUNBUFFERED": "1",
        }

    workers = 1

    def settings(self) -> str:
        raise NotImplementedError

    def create(self) -> None:
        """Make the database (and clean Redis)."""

    def serve(self) -> None:
        raise NotImplementedError

    def ready(self) -> None:
        wait_ready(self.base, self.stack, ["web"])

    def clean(self) -> None:
        """Drop what create() made."""


class Embedded(Mode):
    name = "embedded"

    def __init__(self, args, tmp: Path) -> None:
        super().__init__(args, tmp)
        self.env |= {
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite'}",
            "SHOPFLOOR_LAB_WORKERS": str(args.graders),
        }

    def settings(self) -> str:
        return (
            f"gunicorn 1 gthread worker × {self.args.threads} threads, SQLite, "
            f"{self.args.graders} grading threads and the kernels in the web process"
        )

    def serve(self) -> None:
        self.stack.start("web", gunicorn(1, self.args.threads, self.port, "wsgi:app"), self.env)


class Distributed(Mode):
    name = "distributed"
    workers = 2
    kernel_hosts = 2

    def __init__(self, args, tmp: Path) -> None:
        super().__init__(args, tmp)
        from sqlalchemy.engine import make_url

        self.database = f"shopfloor_bench_load_{secrets.token_hex(5)}"
        self.admin = make_url(args.pg_url)
        self.env |= {
            "DATABASE_URL": self.admin.set(database=self.database).render_as_string(False),
            "REDIS_URL": args.redis_url,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_WORKERS": str(self.workers),
            "WEB_THREADS": str(args.threads),
            "KERNEL_HOSTS": str(self.kernel_hosts),
            "KERNEL_CAPACITY": str(max(12, -(-args.cells // self.kernel_hosts) + 4)),
            # Several processes: their metrics meet in one folder (docs/operations.md).
            "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
        }
        (tmp / "metrics").mkdir()
        self.made = False

    def settings(self) -> str:
        return (
            f"gunicorn {self.workers} gthread workers × {self.args.threads} threads, "
            f"PostgreSQL, Redis, {self.kernel_hosts} kernel hosts, 2 Celery workers × 2 "
            "threads, beat"
        )

    def _admin(self):
        from sqlalchemy import create_engine

        return create_engine(
            self.admin.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
        )

    def create(self) -> None:
        import redis
        from sqlalchemy import text
        from sqlalchemy.exc import OperationalError

        engine = self._admin()
        try:
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.database}"'))
        except OperationalError as exc:
            raise SystemExit(f"PostgreSQL ({self.args.pg_url}): {exc.orig}") from None
        finally:
            engine.dispose()
        self.made = True
        client = redis.Redis.from_url(self.args.redis_url)
        try:
            stale = client.dbsize()
        except redis.ConnectionError as exc:
            raise SystemExit(f"Redis ({self.args.redis_url}): {exc}") from None
        client.flushdb()
        if stale:
            print(f"  (flushed {stale} key(s) left in {self.args.redis_url})")

    def serve(self) -> None:
        argv = ["bash", str(ROOT / "scripts" / "run-distributed.sh"), "--serve-only"]
        self.stack.start("web", argv, self.env)

    def ready(self) -> None:
        """/readyz, then every kernel host registered and every Celery worker ready."""
        import redis

        super().ready()
        client = redis.Redis.from_url(self.args.redis_url)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            hosts = len(client.keys("shopfloor:kernels:host:*"))
            # A Celery worker binds its control mailbox as its consumer starts.
            boxes = client.smembers("_kombu.binding.celery.pidbox")
            graders = sum(b"\x16grader" in box for box in boxes)
            if hosts >= self.kernel_hosts and graders >= 2:
                return
            time.sleep(0.5)
        raise SystemExit(
            f"{hosts} kernel host(s) and {graders} Celery worker(s) up after 120 s:\n"
            + self.stack.tail("web")
        )

    def clean(self) -> None:
        import redis
        from sqlalchemy import text

        with contextlib.suppress(Exception):
            redis.Redis.from_url(self.args.redis_url).flushdb()
        if self.made:
            engine = self._admin()
            try:
                with engine.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
            except Exception as exc:  # noqa: BLE001 - said, and the other modes still run
                print(f"  could not drop the database {self.database}: {exc}; drop it by hand")
            finally:
                engine.dispose()


def gunicorn(workers: int, threads: int, port: int, target: str) -> list[str]:
    return [
        str(BIN / "gunicorn"), "--workers", str(workers), "--worker-class", "gthread",
        "--threads", str(threads), "--bind", f"127.0.0.1:{port}", target,
    ]  # fmt: skip
