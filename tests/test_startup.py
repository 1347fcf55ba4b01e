"""Every `flask` command, `flask --help` included, builds the app first: that must stay quick.

Libraries that only some requests or commands need (PDFs, password hashing, signing, kernels,
Markdown, images) are imported where they are used, not when the app is built.
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
    "redis",  # /readyz's Redis check (rate limits load it themselves when they use it)
}

BUILD = """
import json, sys
from app import create_app

create_app({config!r})
print(json.dumps(sorted(name for name in {heavy!r} if name in sys.modules)))
"""


def test_building_the_app_imports_no_heavy_library(tmp_path):
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
