"""Hostile notebooks: each is contained with a status a learner understands, the host is
untouched, and the next execution works."""

from __future__ import annotations

import os
import socket
import subprocess
import threading

import pytest

from tests.sandbox.conftest import ROOT, text

ALIVE = "print('still here')"


@pytest.fixture(scope="module")
def host_port():
    """A TCP server on the host's loopback, standing in for the web server."""
    server = socket.create_server(("127.0.0.1", 0))
    thread = threading.Thread(target=lambda: server.accept(), daemon=True)
    thread.start()
    yield server.getsockname()[1]
    server.close()


def test_no_network_at_all(run, host_port):
    code = f"""
import socket
for host, port in [("127.0.0.1", {host_port}), ("127.0.0.1", 5432), ("1.1.1.1", 53)]:
    try:
        socket.create_connection((host, port), timeout=2)
        print("CONNECTED", host, port)
    except OSError as exc:
        print("refused", host, port, type(exc).__name__)
try:
    socket.getaddrinfo("example.com", 80)
    print("RESOLVED")
except OSError as exc:
    print("no dns", type(exc).__name__)
print(open("/proc/net/dev").read().count(":"))
"""
    result = run(code, ALIVE)
    out = text(result.cells[0])
    assert "CONNECTED" not in out and "RESOLVED" not in out
    assert out.count("refused") == 3 and "no dns" in out
    assert out.strip().endswith("1")  # only the (down) loopback interface exists
    assert text(result.cells[1]) == "still here\n"


def test_host_files_and_secrets_are_out_of_reach(run, monkeypatch):
    monkeypatch.setenv("SHOPFLOOR_SECRET_KEY", "the-web-process-secret")
    code = f"""
import os, glob
for path in ["{ROOT}/app", "{ROOT}/instance", "/etc/shadow", "/root/.ssh", "{ROOT}/.git"]:
    print(path, os.path.exists(path))
print(sorted(k for k in os.environ))
leaked = []
for environ in glob.glob("/proc/*/environ"):
    try:
        if b"the-web-process-secret" in open(environ, "rb").read():
            leaked.append(environ)
    except OSError:
        pass
print("leaked", leaked)
print(len([p for p in os.listdir("/proc") if p.isdigit()]), "processes visible")
"""
    out = text(run(code).cells[0])
    assert "True" not in out.split("[")[0]
    assert "leaked []" in out
    assert "SHOPFLOOR" not in out and "DATABASE_URL" not in out


def test_cannot_write_outside_home_and_tmp(run):
    code = f"""
import os
for path in ["/usr/evil", "{ROOT}/.venv-lab/evil", "/evil", "/home/learner/ok", "/tmp/ok"]:
    try:
        open(path, "w").write("x")
        print("wrote", path)
    except OSError as exc:
        print("refused", path)
"""
    out = text(run(code).cells[0])
    assert out.count("refused") == 3, out
    assert "wrote /home/learner/ok" in out and "wrote /tmp/ok" in out
    assert not (ROOT / ".venv-lab" / "evil").exists()


def test_fork_bomb_is_contained(run):
    code = """
import os
children = 0
try:
    while True:
        if os.fork() == 0:
            import time; time.sleep(30); os._exit(0)
        children += 1
except OSError as exc:
    print("fork refused after", children)
    raise
"""
    result = run(code, ALIVE)
    assert result.cells[0].status == "processes"
    assert "more processes than the lab allows" in result.cells[0].as_dict()["message"]


def test_memory_bomb_is_stopped(run):
    result = run("x = bytearray(3 * 1024**3)\nx[::4096] = b'1' * len(x[::4096])", ALIVE)
    assert result.cells[0].status == "memory"
    assert result.cells[1].status == "skipped"


def test_cpu_loop_and_sleep_are_stopped_and_the_kernel_goes_on(run):
    result = run("while True: pass", "import time; time.sleep(3600)", ALIVE, cell_seconds=2)
    assert [c.status for c in result.cells] == ["timeout", "timeout", "ok"]
    assert text(result.cells[2]) == "still here\n"


def test_cpu_time_limit(run):
    result = run("while True: pass", ALIVE, cell_seconds=20, cpu_seconds=2)
    assert result.cells[0].status == "cpu"


def test_huge_text_output_is_cut(run):
    result = run(
        "for _ in range(20000): print('x' * 10000)", ALIVE, cell_seconds=30, memory_mb=1024
    )
    cell = result.cells[0]
    assert cell.status == "ok", cell.as_dict()["message"]
    assert sum(len(o.text) for o in cell.outputs if o.type == "stream") <= 20_000
    assert any("output cut" in o.text for o in cell.outputs if o.type == "note")
    assert result.cells[1].status == "ok"


def test_one_huge_message_is_never_read_into_the_host(run):
    """Output limits apply after a message is read: a 30 MB display message must not be."""
    huge = (
        "from IPython.display import display\ndisplay({'text/plain': 'x' * 30_000_000}, raw=True)"
    )
    result = run(huge, message_bytes=5_000_000, cell_seconds=3)
    cell = result.cells[0]
    assert cell.status != "ok"
    assert sum(len(o.text) for o in cell.outputs) < 5_000_000


def test_huge_image_is_dropped_with_a_note(run):
    code = """
from IPython.display import Image, display
import base64
display(Image(data=b"\\x89PNG\\r\\n\\x1a\\n" + b"0" * 3_000_000, format="png"))
"""
    cell = run(code).cells[0]
    assert not any(o.mime for o in cell.outputs)
    assert any("left out" in o.text for o in cell.outputs)


def test_filling_the_disk(run):
    code = "f = open('/home/learner/fill', 'wb')\nwhile True:\n    f.write(b'0' * 1024 * 1024)"
    result = run(code, ALIVE)
    assert result.cells[0].status == "disk"
    assert result.cells[1].status == "ok"


def test_exiting_the_kernel_process(run):
    result = run("import os; os._exit(3)", ALIVE)
    assert result.cells[0].status == "killed"
    assert result.cells[1].status == "skipped"
    assert run(ALIVE).cells[0].status == "ok"  # the next execution works


@pytest.mark.parametrize("target", ["1", "os.getppid()"], ids=["init", "parent"])
def test_killing_the_parent_is_refused_or_only_ends_this_kernel(run, target):
    """Inside its PID namespace the kernel's parent is the sandbox's init, which ignores it."""
    result = run(f"import os, signal; os.kill({target}, signal.SIGKILL)", ALIVE)
    assert result.cells[0].status in ("ok", "killed")
    if result.cells[0].status == "ok":
        assert result.cells[1].status == "ok"
    assert run(ALIVE).cells[0].status == "ok"


def test_background_process_does_not_outlive_the_kernel(run):
    marker = "987654.25"
    code = (
        f"import subprocess\nsubprocess.Popen(['sleep', '{marker}'], start_new_session=True)\n"
        "print('started')"
    )
    assert text(run(code).cells[0]) == "started\n"
    found = subprocess.run(
        ["/usr/bin/pgrep", "-f", f"sleep {marker}"], capture_output=True, text=True, check=False
    )
    assert found.stdout.strip() == ""


def test_sys_exit_does_not_stop_the_kernel(run):
    result = run("import sys; sys.exit(1)", ALIVE)
    assert result.cells[1].status == "ok"


def test_warnings_on_stderr_do_not_fail_a_cell(run):
    result = run("import warnings; warnings.warn('careful')\nprint('done')")
    assert result.cells[0].status == "ok"
    assert "careful" in "".join(o.text for o in result.cells[0].outputs)


def test_host_has_no_leftover_kernel_state(run, tmp_path, monkeypatch):
    # A folder of this test's own: other test processes start kernels in the shared one.
    from app.sandbox import kernel

    monkeypatch.setattr(kernel, "RUNTIME_ROOT", tmp_path / "kernels")
    result = run("import os; open('/home/learner/x', 'w').write('x'); print(1)")
    assert result.cells[0].status == "ok"
    assert (tmp_path / "kernels").is_dir()  # the kernel did keep its files there
    assert os.listdir(tmp_path / "kernels") == []  # sockets, connection file and home are gone


def test_a_100_mb_image_is_dropped_and_the_kernel_goes_on(run):
    code = (
        "from IPython.display import Image, display\n"
        "display(Image(data=b'\\x89PNG\\r\\n\\x1a\\n' + b'0' * 100_000_000, format='png'))"
    )
    result = run(code, ALIVE, memory_mb=1024, cell_seconds=30)
    assert result.cells[0].status == "ok"
    assert [o.type for o in result.cells[0].outputs] == ["note"]
    assert "left out" in result.cells[0].outputs[0].text
    assert result.cells[1].status == "ok"
