"""Live ipywidgets: a learner's slider reaches the kernel and what it prints reaches the page.

Real sandboxed kernels, through CellRuns as the workspace uses them.
"""

from __future__ import annotations

import pytest

from app.engine.runs import CellRuns
from app.errors import Conflict
from tests.sandbox.test_lab_runs import event_where, events_until_done, run_and_wait
from tests.sandbox.test_lab_runs import runs as runs  # noqa: F401 - the fixture

pytestmark = pytest.mark.kernel

SLIDER = """\
import ipywidgets as widgets
from IPython.display import display
speed = widgets.IntSlider(value=30, min=0, max=100, description="Speed")
out = widgets.Output()
seen = []
def changed(change):
    seen.append(change["new"])
    with out:
        out.clear_output()
        print("speed is now", change["new"])
speed.observe(changed, names="value")
display(speed, out)
"""


def comms(events: list[dict], op: str) -> list[dict]:
    return [
        e["output"]["message"]
        for e in events
        if e["type"] == "output" and e["output"]["type"] == "comm"
        if e["output"]["message"]["op"] == op
    ]


def widget_done(runs, workspace_id: int) -> dict:
    return event_where(runs, workspace_id, lambda e: e["type"] == "widget-done")


def test_a_slider_opens_its_models_shows_its_view_and_is_saved_as_a_note(runs):
    outputs, status = run_and_wait(runs, 31, 1, "a", SLIDER)
    assert status == "ok"
    events = [e for _, e in runs.log.since(CellRuns.key(31), 0)]
    opened = {m["data"]["state"]["_model_name"]: m for m in comms(events, "open")}
    assert opened["IntSliderModel"]["data"]["state"]["value"] == 30
    assert opened["IntSliderModel"]["target_name"] == "jupyter.widget"
    assert opened["IntSliderModel"]["metadata"]["version"].startswith("2.")
    assert "OutputModel" in opened and "LayoutModel" in opened
    views = [e["output"] for e in events if e["type"] == "output"]
    views = [o for o in views if o["type"] == "widget"]
    assert [v["message"]["model_id"] for v in views] == [
        opened["IntSliderModel"]["comm_id"],
        opened["OutputModel"]["comm_id"],
    ]
    # Saved with the cell: the views, as notes a reloaded page can show; never the comms.
    assert [o["type"] for o in outputs] == ["widget", "widget"]
    assert outputs[0]["text"].startswith("[IntSlider widget: it works while the kernel")


def test_moving_the_slider_runs_the_observer_and_its_print_lands_in_the_output_widget(runs):
    run_and_wait(runs, 32, 1, "a", SLIDER)
    events = [e for _, e in runs.log.since(CellRuns.key(32), 0)]
    slider = next(
        m["comm_id"]
        for m in comms(events, "open")
        if m["data"]["state"]["_model_name"] == "IntSliderModel"
    )
    output = next(
        m["comm_id"]
        for m in comms(events, "open")
        if m["data"]["state"]["_model_name"] == "OutputModel"
    )
    update = {"method": "update", "state": {"value": 72}, "buffer_paths": []}
    runs.send_widget(32, "a", slider, update, [])
    done = widget_done(runs, 32)
    assert done["status"] == "ok" and done["cell"] == "a" and done["comm"] == slider
    after = [e for _, e in runs.log.since(CellRuns.key(32), 0)][len(events) :]
    captured = [
        e["output"]["message"]
        for e in after
        if e["type"] == "output" and e["output"]["type"] == "captured"
    ]
    assert {"model_id": output, "clear": True, "wait": False} in captured
    printed = [c["output"]["text"] for c in captured if "output" in c]
    assert printed == ["speed is now 72\n"]
    # Nothing the observer printed escaped the Output widget into the cell.
    loose = [e for e in after if e["type"] == "output" and e["output"]["type"] == "stream"]
    assert loose == []
    # The kernel has the value: a cell run afterwards reads it.
    outputs, _ = run_and_wait(runs, 32, 1, "b", "print(speed.value, seen)")
    assert outputs[0]["text"] == "72 [72]\n"


def test_a_widget_message_waits_for_a_running_cell_and_one_for_a_gone_kernel_says_so(runs):
    runs.run(33, 1, [("a", "import time\nfor _ in range(300): time.sleep(0.01)")])
    event_where(runs, 33, lambda e: e["type"] == "running")
    update = {"method": "update", "state": {"value": 1}, "buffer_paths": []}
    with pytest.raises(Conflict):
        runs.send_widget(33, "a", "abc", update, [])
    events_until_done(runs, 33, "a")
    # No kernel ever ran for workspace 34: the widget's kernel is gone, none is started.
    runs.send_widget(34, "a", "abc", update, [])
    assert widget_done(runs, 34)["status"] == "gone"
    assert runs.status(34) == "none"
