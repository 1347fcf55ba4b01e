"""Widget messages between a kernel and the page, without a kernel: what is kept, what is not.

The kernel and the page are both untrusted: each message is plain JSON of bounded size, and
what a cell prints inside an Output widget is routed to that widget, sanitised like any
other output.
"""

from __future__ import annotations

import pytest

from app.engine.runs import shown
from app.sandbox import widgets
from app.sandbox.base import Limits, Output
from app.sandbox.outputs import OutputCollector

SLIDER_STATE = {"_model_name": "IntSliderModel", "value": 30, "description": "Speed"}
REQUEST = "request-1"


def collector() -> tuple[OutputCollector, list[Output]]:
    seen: list[Output] = []
    return OutputCollector(Limits(), seen.append, widgets=True, parent=REQUEST), seen


def opened(comm_id: str, state: dict, target: str = "jupyter.widget") -> tuple[str, dict]:
    content = {"comm_id": comm_id, "target_name": target, "data": {"state": state}}
    return "comm_open", content


def test_a_widgets_opening_keeps_its_protocol_version_and_is_never_kept_with_the_cell():
    outputs, seen = collector()
    kind, content = opened("a1", SLIDER_STATE)
    outputs.add(kind, content, [], {"version": "2.1.0"})
    [comm] = seen
    assert comm.type == "comm" and comm.message["metadata"] == {"version": "2.1.0"}
    assert comm.message["data"]["state"] == SLIDER_STATE
    assert outputs.outputs == []  # live only: the cell's saved outputs never hold it


def test_comms_that_are_not_widgets_and_malformed_ids_are_not_passed_on():
    outputs, seen = collector()
    outputs.add(*opened("a1", {}, target="matplotlib"))
    outputs.add(*opened("../a1", SLIDER_STATE))
    outputs.add("comm_msg", {"comm_id": None, "data": {}})
    assert seen == []


def test_without_a_live_page_comms_are_ignored_and_a_widget_is_a_note():
    seen: list[Output] = []
    outputs = OutputCollector(Limits(), seen.append)
    outputs.add(*opened("a1", SLIDER_STATE))
    view = {widgets.VIEW_TYPE: {"model_id": "a1"}, "text/plain": "IntSlider(value=30)"}
    outputs.add("display_data", {"data": view})
    assert [(o.type, o.text) for o in seen] == [
        ("note", "[IntSlider widget: widgets are not shown here; set the value in your code "
         "and run the cell again]")
    ]  # fmt: skip


def test_a_message_too_large_or_not_json_becomes_a_note():
    outputs, seen = collector()
    big = {**SLIDER_STATE, "value": "x" * 3_000_000}
    outputs.add(*opened("a1", big))
    outputs.add("comm_msg", {"comm_id": "a1", "data": {"method": "update", "state": {"v": 1e999}}})
    assert [o.type for o in seen] == ["note", "note"]
    assert "larger than 1,953 KB" in seen[0].text and "JSON cannot hold" in seen[1].text


def test_buffers_travel_as_base64():
    outputs, seen = collector()
    content = {"comm_id": "a1", "data": {"method": "update", "state": {}, "buffer_paths": [["v"]]}}
    outputs.add("comm_msg", content, [memoryview(b"\x00\xff")])
    assert seen[0].message["buffers"] == ["AP8="]


def test_what_a_cell_prints_inside_an_output_widget_goes_to_that_widget():
    outputs, seen = collector()
    outputs.add(*opened("out1", {"_model_name": "OutputModel", "msg_id": ""}))
    capture = {"method": "update", "state": {"msg_id": REQUEST}}
    outputs.add("comm_msg", {"comm_id": "out1", "data": capture})
    outputs.add("stream", {"name": "stdout", "text": "speed 72\n"})
    outputs.add("clear_output", {"wait": True})
    outputs.add("error", {"ename": "ValueError", "evalue": "bad", "traceback": ["ValueError"]})
    outputs.add(
        "comm_msg", {"comm_id": "out1", "data": {"method": "update", "state": {"msg_id": ""}}}
    )
    outputs.add("stream", {"name": "stdout", "text": "after\n"})
    captured = [o.message for o in seen if o.type == "captured"]
    assert captured == [
        {"model_id": "out1", "output": {"type": "stream", "name": "stdout", "text": "speed 72\n"}},
        {"model_id": "out1", "clear": True, "wait": True},
        {"model_id": "out1", "output": {"type": "error", "text": "ValueError"}},
    ]
    assert outputs.error is None  # shown in the widget: the request did not fail
    assert [o.text for o in outputs.outputs] == ["after\n"]  # the cell's own, once it let go


def test_html_inside_an_output_widget_and_in_an_html_widget_is_sanitised():
    attack = '<b>ok</b><img src=x onerror="alert(1)"><script>alert(2)</script>'
    captured = Output(
        "captured",
        message={
            "model_id": "out1",
            "output": Output("display_data", mime="text/html", data=attack).as_dict(),
        },
    )
    inner = shown(captured)["message"]["output"]["data"]
    assert "onerror" not in inner and "<script" not in inner and "<b>ok</b>" in inner

    html_models: set[str] = set()
    opening = Output("comm", message={"op": "open", "comm_id": "h1", "data": {"state": {
        "_model_name": "HTMLModel", "value": attack}}})  # fmt: skip
    update = Output("comm", message={"op": "msg", "comm_id": "h1", "data": {
        "method": "update", "state": {"value": attack}}})  # fmt: skip
    for message in (shown(opening, html_models), shown(update, html_models)):
        value = message["message"]["data"]["state"]["value"]
        assert "onerror" not in value and "<script" not in value and "<b>ok</b>" in value
    slider = Output("comm", message={"op": "msg", "comm_id": "s1", "data": {"state": {
        "value": "<b>"}}})  # fmt: skip
    assert shown(slider, html_models)["message"]["data"]["state"]["value"] == "<b>"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ([], "JSON object"),
        ({"comm_id": "a1", "data": {"method": "exec"}}, "method"),
        ({"comm_id": "a b", "data": {"method": "update"}}, "comm id"),
        ({"comm_id": "a1", "data": {"method": "update"}, "buffers": [1]}, "base64"),
        ({"comm_id": "a1", "data": {"method": "update"}, "buffers": ["AAAA"]}, "path"),
        ({"comm_id": "a1", "data": {"method": "update", "state": "x" * 1_000_001}}, "1,000 KB"),
    ],
)
def test_the_page_may_send_only_what_a_jupyter_front_end_sends(body, reason):
    with pytest.raises(ValueError, match=reason):
        widgets.from_page(body)


def test_a_page_message_with_a_buffer_is_decoded():
    data = {"method": "update", "state": {}, "buffer_paths": [["value"]]}
    assert widgets.from_page({"comm_id": "a1", "data": data, "buffers": ["AP8="]}) == (
        "a1",
        data,
        [b"\x00\xff"],
    )
