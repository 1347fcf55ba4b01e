"""Every `flask` command, `flask --help` included, builds the app first: that must stay quick.

Building the app reads its configuration and lists its commands; the database, the lab engine
and the web layer are wired on first use (app.application). Wiring them imports no library
that only some requests or commands need (PDFs, password hashing, signing, kernels, Markdown,
images): those are imported where they are used.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each of these costs from ~10 ms to ~0.4 s (fpdf2 with fontTools) to import.
HEAVY = {
    "nbformat",  # notebooks: read when a lab is opened, run or graded
    "jsonschema",
    "argon2",  # password hashing: sign-in and sign-up
    "zxcvbn",  # password strength: sign-up and password changes
    "email_validator",
    "fpdf",  # the apprentice record as PDF
    "fontTools",
    "cryptography",  # signing and verifying credentials
    "pyld",
    "lxml",
    "PIL",  # partner logos
    "segno",  # QR codes on credential pages
    "markdown_it",  # rendering lessons
    "mdit_py_plugins",
    "latex2mathml",
    "jupyter_client",  # kernels
    "zmq",
    "alembic",  # migrations: `flask db` and code that migrates
    "mako",
    "yaml",  # content files: read when content is loaded or checked
    "redis",  # /readyz's Redis check (rate limits load it themselves when they use it)
}

BUILD = """
import json, sys
from app import create_app

create_app({config!r}).finish_setup()
print(json.dumps(sorted(name for name in {heavy!r} if name in sys.modules)))
"""


def test_wiring_the_app_imports_no_heavy_library(tmp_path):
    config = {
        "TESTING": True,
        "SECRET_KEY": "startup-test-" + "x" * 32,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'startup.sqlite'}",
        "LAB_WORKERS": 0,
    }
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    done = subprocess.run(
        [sys.executable, "-c", BUILD.format(config=config, heavy=sorted(HEAVY))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == []


HELP = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))
sys.argv = ["flask", "--help"]
from flask.cli import main
main()
"""


def test_flask_help_lists_every_command_without_wiring_the_app(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env |= {"SHOPFLOOR_PUBLIC_BASE_URL": "http://127.0.0.1:5000",
            "SHOPFLOOR_INSTANCE_PATH": str(tmp_path / "instance")}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", HELP], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    listed = done.stdout.split("Commands:")[1]
    for name in ("curriculum", "labs", "users", "db", "seed-demo", "routes", "run"):
        assert f"\n  {name} " in listed
    loaded = set(json.loads(done.stderr.splitlines()[-1]))
    assert not loaded & {"app.extensions", "app.models", "app.web", "app.engine", "sqlalchemy"}
