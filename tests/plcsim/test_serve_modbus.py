"""A real pymodbus client reads the simulated line from the real Modbus TCP server."""

from __future__ import annotations

import math
import time

import pytest
from pymodbus.client import ModbusTcpClient

from plcsim.packml import Command, State
from plcsim.registers import (
    BIT_BASE,
    CLOCK_ADDRESS,
    QUALITY_CODES,
    TAG_COUNT_ADDRESS,
    VALUE_BASE,
    Kind,
    decode,
    decode_float32,
    decode_uint32,
    encode_float32,
)
from plcsim.scenarios import scenario
from plcsim.serve import MAX_SPEED, Address, Background, LiveLine

FILLER = "Riverbend/Packaging/Line1/Filler"


CLOCK = 5451  # odd, so the heartbeat is on; seed 7's Capper vibration sensor is dropped out


def frozen_line():
    """Seed 7 at CLOCK: one bad tag (a NaN reading), and one alarm shelved (a true bit)."""
    line = scenario("packaging-line", 7)
    line.run(CLOCK)
    line.alarms[2].shelve(line.clock, 3600, line.alarm_log)
    return line


@pytest.fixture(scope="module")
def paused():
    """The frozen line (speed 0), served on a free loopback port."""
    with Background(LiveLine(frozen_line(), speed=0), modbus=Address("127.0.0.1", 0)) as running:
        yield running


def connect(running: Background) -> ModbusTcpClient:
    client = ModbusTcpClient("127.0.0.1", port=running.endpoints.modbus.port, timeout=5)
    assert client.connect()
    return client


def read(client, function, address: int, count: int) -> list:
    """Read in chunks of at most 100 registers (Modbus allows 125 a request)."""
    out = []
    for start in range(address, address + count, 100):
        response = function(start, count=min(100, address + count - start))
        assert not response.isError(), response
        out += response.bits[: min(100, address + count - start)] or response.registers
    return out


def test_header_holds_clock_and_tag_count(paused):
    with connect(paused) as client:
        words = client.read_input_registers(CLOCK_ADDRESS, count=3).registers
    assert decode_uint32(words[0], words[1]) == CLOCK
    assert words[TAG_COUNT_ADDRESS] == len(paused.live.tags)


@pytest.mark.parametrize("function", ["read_input_registers", "read_holding_registers"])
def test_every_tag_reads_as_the_simulator_holds_it(paused, function):
    live = paused.live
    regmap = live.map
    with connect(paused) as client:
        words = read(client, getattr(client, function), VALUE_BASE, regmap.value_end - VALUE_BASE)
        quality = read(
            client, getattr(client, function), regmap.entries[0].quality, len(regmap.entries)
        )
    assert len(set(quality)) > 1  # not all good: a wrong order of qualities would show
    checked = set()
    for index, entry in enumerate(regmap.entries):
        tag = live.tags[entry.tag]
        assert quality[index] == QUALITY_CODES[tag.quality], entry.tag
        if entry.kind is Kind.TEXT:
            continue
        value = decode(entry, [words[r - VALUE_BASE] for r in entry.registers])
        if entry.kind is Kind.FLOAT32 and tag.value is None:
            assert math.isnan(value), entry.tag
        elif entry.kind is Kind.FLOAT32:
            assert value == decode_float32(*encode_float32(tag.value)), entry.tag
        elif entry.kind is Kind.UINT16:
            assert value == tag.value % 65536, entry.tag
        elif entry.kind is not Kind.FLOAT32:
            assert value == tag.value, entry.tag
        checked.add(entry.kind)
    assert {Kind.FLOAT32, Kind.UINT16, Kind.ENUM, Kind.BOOL} <= checked


def test_counters_and_speed_have_the_documented_addresses(paused):
    live = paused.live
    count = live.map.by_tag[f"{FILLER}/Admin/ProdProcessedCount"]
    speed = live.map.by_tag[f"{FILLER}/Status/CurMachSpeed"]
    with connect(paused) as client:
        counted = client.read_input_registers(count.register, count=1).registers[0]
        high, low = client.read_input_registers(speed.register, count=2).registers
    assert counted == live.tags[count.tag].value > 0
    assert decode_float32(high, low) == pytest.approx(live.tags[speed.tag].value, rel=1e-6)


def test_booleans_are_discrete_inputs_and_coils(paused):
    live = paused.live
    bools = [e for e in live.map.entries if e.kind is Kind.BOOL]
    count = live.map.bit_end
    with connect(paused) as client:
        inputs = read(client, client.read_discrete_inputs, 0, count)
        coils = read(client, client.read_coils, 0, count)
    assert inputs == coils
    assert inputs[0] is True  # heartbeat, on in odd seconds
    for entry in bools:
        assert inputs[entry.bit] is bool(live.tags[entry.tag].value), entry.tag
    assert inputs[BIT_BASE:].count(True) == 1  # the shelved alarm, at its own bit
    assert [e.bit for e in bools] == list(range(BIT_BASE, count))


def test_unmapped_and_read_only_addresses_are_refused(paused):
    end = paused.live.map.value_end
    command = min(dict(paused.live.map.commands).values())
    with connect(paused) as client:
        assert client.read_input_registers(VALUE_BASE - 1, count=1).exception_code == 2
        assert client.read_input_registers(end, count=1).exception_code == 2
        assert client.read_input_registers(end - 1, count=2).exception_code == 2  # runs over
        assert client.read_input_registers(command, count=1).exception_code == 2  # HR only
        assert client.read_discrete_inputs(paused.live.map.bit_end + 16, count=1).isError()
        assert client.write_register(VALUE_BASE, 1).exception_code == 2
        assert client.write_registers(VALUE_BASE, [1, 2]).exception_code == 2
        assert client.write_registers(command + 4, [1, 1]).exception_code == 2  # past the last
        assert client.write_coil(0, True).exception_code == 2
        assert client.write_coil(BIT_BASE, True).exception_code == 2
        assert client.write_coils(BIT_BASE, [True, False]).exception_code == 2
        assert client.read_coils(BIT_BASE, count=1).bits[0] is False  # nothing was written


def test_command_registers_send_packml_commands():
    line = scenario("packaging-line", 7)
    line.run(900)
    assert line.tags()[f"{FILLER}/Status/StateCurrent"].value == State.EXECUTE
    live = LiveLine(line, speed=0)
    address = dict(live.map.commands)["Filler"]
    with Background(live, modbus=Address("127.0.0.1", 0)) as running, connect(running) as client:
        assert client.write_register(address, 99).exception_code == 3  # not a command
        assert client.write_register(address, 0).exception_code == 3
        assert not client.write_register(address, Command.STOP).isError()
        assert client.read_holding_registers(address, count=1).registers == [Command.STOP]
    line.run(10)  # the server is stopped: this thread may run the line now
    assert line.tags()[f"{FILLER}/Status/StateCurrent"].value == State.STOPPED


def test_a_running_line_moves_the_registers():
    live = LiveLine(scenario("packaging-line", 3), speed=MAX_SPEED)
    with Background(live, modbus=Address("127.0.0.1", 0)) as running, connect(running) as client:
        deadline = time.monotonic() + 10
        seconds = 0
        while seconds < 60 and time.monotonic() < deadline:
            words = client.read_input_registers(CLOCK_ADDRESS, count=2).registers
            seconds = decode_uint32(*words)
    assert seconds >= 60
