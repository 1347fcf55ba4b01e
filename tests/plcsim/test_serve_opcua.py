"""A real asyncua client browses and reads the simulated line from the real OPC UA server."""

from __future__ import annotations

import math
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from asyncua import Client, ua

from plcsim.registers import Kind
from plcsim.serve import Address, Background, LiveLine
from plcsim.serve.opcua import NAMESPACE, STATUS, _value
from plcsim.tags import Quality
from tests.plcsim import aio
from tests.plcsim.test_serve_modbus import CLOCK, frozen_line

LINE = "Riverbend/Packaging/Line1"


@pytest.fixture(scope="module")
def paused():
    """The Modbus tests' frozen line (a bad tag, a shelved alarm), served once, port 0."""
    live = LiveLine(frozen_line(), speed=0)
    with Background(live, opcua=Address("127.0.0.1", 0)) as running:
        yield running


def test_port_0_serves_on_a_real_port_named_in_the_endpoint_url(paused):
    """Would a client find the server at the URL serve() reports, and the one it advertises?"""
    url = urlparse(paused.endpoints.opcua)
    assert url.hostname == "127.0.0.1" and url.port > 0 and url.path == "/plcsim"

    async def conversation(client, ns):
        return [e.EndpointUrl for e in await client.get_endpoints()]

    assert set(talk(paused, conversation)) == {paused.endpoints.opcua}


def talk(running: Background, conversation):
    """Run ``conversation(client, ns)`` in a fresh client session and return its result."""

    async def main():
        async with Client(running.endpoints.opcua, timeout=10) as client:
            ns = await client.get_namespace_index(NAMESPACE)
            return await conversation(client, ns)

    return aio.run(main)


def test_browse_path_follows_the_isa95_hierarchy(paused):
    async def conversation(client, ns):
        names = ["Riverbend", "Packaging", "Line1", "Filler"]
        levels = []
        for depth in range(1, len(names) + 1):
            path = [f"{ns}:{name}" for name in names[:depth]]
            level = await client.nodes.objects.get_child([*path, f"{ns}:ISA95Level"])
            levels.append(await level.read_value())
        speed = await client.nodes.objects.get_child(
            [f"{ns}:{name}" for name in [*names, "Status", "CurMachSpeed"]]
        )
        cells = await client.get_node(ua.NodeId(LINE, ns)).get_children()
        return levels, speed.nodeid, {(await c.read_browse_name()).Name for c in cells}

    levels, speed_id, cells = talk(paused, conversation)
    assert levels == ["Site", "Area", "Line", "Cell"]
    assert speed_id.Identifier == f"{LINE}/Filler/Status/CurMachSpeed"
    assert {"Infeed", "Filler", "Capper", "Labeler", "CasePacker", "Clock"} <= cells


def test_every_tag_reads_as_the_simulator_holds_it(paused):
    live = paused.live

    async def conversation(client, ns):
        nodes = [client.get_node(ua.NodeId(name, ns)) for name in live.tags]
        return [await node.read_data_value(raise_on_bad_status=False) for node in nodes]

    values = dict(zip(live.tags, talk(paused, conversation), strict=True))
    kinds = set()
    for name, tag in live.tags.items():
        data = values[name]
        assert data.StatusCode.value == STATUS[tag.quality], name
        assert data.SourceTimestamp - live.epoch == timedelta(seconds=tag.timestamp), name
        value = data.Value.Value
        kinds.add(data.Value.VariantType)
        if tag.quality is Quality.BAD:  # OPC UA Part 4: a bad value is sent as null
            assert data.Value.VariantType is ua.VariantType.Null, name
        elif tag.value is None:
            assert math.isnan(value), name
        elif isinstance(tag.value, str):
            assert value == str(tag.value), name
        else:
            assert value == tag.value, name
    assert {ua.VariantType.Double, ua.VariantType.Int32, ua.VariantType.Boolean} <= kinds
    assert {data.StatusCode.value for data in values.values()} >= {STATUS[Quality.BAD]}
    assert any(data.Value.Value is True for data in values.values())  # the shelved alarm
    assert ua.VariantType.String in kinds


def test_counters_units_and_clock(paused):
    live = paused.live

    async def conversation(client, ns):
        count = client.get_node(ua.NodeId(f"{LINE}/Filler/Admin/ProdProcessedCount", ns))
        speed = client.get_node(ua.NodeId(f"{LINE}/Filler/Status/CurMachSpeed", ns))
        clock = client.get_node(ua.NodeId(f"{LINE}/Clock", ns))
        return (
            await count.read_value(),
            (await speed.read_description()).Text,
            await clock.read_value(),
        )

    count, unit, clock = talk(paused, conversation)
    assert count == live.tags[f"{LINE}/Filler/Admin/ProdProcessedCount"].value > 0
    assert unit == "units/min"
    assert clock == float(CLOCK)


def test_quality_maps_to_status_codes():
    assert STATUS[Quality.GOOD] == ua.StatusCodes.Good
    assert ua.StatusCode(STATUS[Quality.UNCERTAIN]).is_uncertain()
    assert ua.StatusCode(STATUS[Quality.BAD]).is_bad()


def test_integers_beyond_int32_saturate_instead_of_failing_the_server():
    assert _value(Kind.UINT16, 2**40) == 2**31 - 1
    assert _value(Kind.INT16, -(2**40)) == -(2**31)
    assert _value(Kind.UINT16, 65535) == 65535
