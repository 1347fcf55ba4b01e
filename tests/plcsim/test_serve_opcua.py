"""A real asyncua client browses and reads the simulated line from the real OPC UA server."""

from __future__ import annotations

import asyncio
import math
import socket
from datetime import timedelta

import pytest
from asyncua import Client, ua

from plcsim.scenarios import scenario
from plcsim.serve import Address, Background, LiveLine
from plcsim.serve.opcua import NAMESPACE, STATUS
from plcsim.tags import Quality

LINE = "Riverbend/Packaging/Line1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def paused():
    """A line that ran half an hour, frozen (speed 0), served once for the whole module."""
    line = scenario("packaging-line", 7)
    line.run(1800)
    live = LiveLine(line, speed=0)
    with Background(live, opcua=Address("127.0.0.1", free_port())) as running:
        yield running


def talk(running: Background, conversation):
    """Run ``conversation(client, ns)`` in a fresh client session and return its result."""

    async def main():
        async with Client(running.endpoints.opcua, timeout=10) as client:
            ns = await client.get_namespace_index(NAMESPACE)
            return await conversation(client, ns)

    return asyncio.run(main())


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
        return [await node.read_data_value() for node in nodes]

    values = dict(zip(live.tags, talk(paused, conversation), strict=True))
    kinds = set()
    for name, tag in live.tags.items():
        data = values[name]
        assert data.StatusCode.value == STATUS[tag.quality], name
        assert data.SourceTimestamp - live.epoch == timedelta(seconds=tag.timestamp), name
        value = data.Value.Value
        kinds.add(data.Value.VariantType)
        if tag.value is None:
            assert math.isnan(value), name
        elif isinstance(tag.value, str):
            assert value == str(tag.value), name
        else:
            assert value == tag.value, name
    assert {ua.VariantType.Double, ua.VariantType.Int32, ua.VariantType.Boolean} <= kinds
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
    assert clock == 1800.0


def test_quality_maps_to_status_codes():
    assert STATUS[Quality.GOOD] == ua.StatusCodes.Good
    assert ua.StatusCode(STATUS[Quality.UNCERTAIN]).is_uncertain()
    assert ua.StatusCode(STATUS[Quality.BAD]).is_bad()
