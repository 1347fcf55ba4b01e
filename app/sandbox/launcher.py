"""Start one sandboxed kernel: limits first, then bubblewrap, then the kernel.

Run as a plain script by jupyter-client (the kernelspec's argv), never imported by the app:

    python -I launcher.py SPEC.json CONNECTION_FILE

SPEC.json (written by the engine) holds the cgroup to join, the rlimits to set and the
command to exec. Standard library only.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cgroups  # noqa: E402  (a sibling file, imported as a script module)

CONNECTION_PLACEHOLDER = "{connection_file}"


def main(spec_path: str, connection_file: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    if spec.get("cgroup"):
        cgroups.attach(cgroups.Cgroup.from_json(spec["cgroup"]), os.getpid())
    for name, value in spec["rlimits"].items():
        soft, hard = value if isinstance(value, list) else (value, value)
        resource.setrlimit(getattr(resource, name), (soft, hard))
    argv = [connection_file if arg == CONNECTION_PLACEHOLDER else arg for arg in spec["argv"]]
    # Nothing of the web process's environment (secrets, database URLs) goes any further:
    # not even bubblewrap's own process, whose environment the kernel could read in /proc.
    os.execve(argv[0], argv, {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})  # noqa: S606


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
