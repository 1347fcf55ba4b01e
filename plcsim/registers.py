"""The Modbus register map of a tag table: which address holds which tag, and how.

Protocol-independent and standard library only, so learners can decode registers in the
lab sandbox with the same code the server encodes them with. The map is built from the tags
alone: the same tags (by name and kind of value) always get the same addresses.

Layout (every address is 0-based, as on the wire):

- Input registers (function 4) and holding registers (function 3) hold the same values:
  0-1 the line clock in whole simulated seconds (uint32), 2 the number of tags,
  from ``VALUE_BASE`` each tag's value in name order, and from ``QUALITY_BASE`` one
  quality register per tag in the same order.
- 32-bit values span two registers, **high word first** (big-endian word order, and
  big-endian bytes in each register: ABCD), the order most PLCs and SCADA tools assume.
- Discrete inputs (function 2) and coils (function 1) hold the same bits: bit 0 is a
  heartbeat that flips every simulated second, and from ``BIT_BASE`` each boolean tag.
- Holding registers from ``COMMAND_BASE`` (one per unit) are the only writable addresses:
  write a PackML command number to send that command to the unit.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum

from plcsim.packml import Command
from plcsim.tags import Quality, Tag

CLOCK_ADDRESS = 0  # uint32, two registers
TAG_COUNT_ADDRESS = 2
VALUE_BASE = 100
QUALITY_BASE = 10_000
COMMAND_BASE = 20_000
HEARTBEAT_BIT = 0
BIT_BASE = 100

# OPC DA quality bytes, the convention Modbus gateways use: 0 (a blank register) reads as bad.
QUALITY_CODES = {Quality.GOOD: 192, Quality.UNCERTAIN: 64, Quality.BAD: 0}
NOT_A_STATE = 0xFFFF  # an enumerated tag whose value is not one of its states


class Kind(StrEnum):
    BOOL = "bool"  # a bit, and a register holding 0 or 1
    UINT16 = "uint16"  # one register; counters wrap at 65536 as PLC counters do
    INT16 = "int16"  # one register, two's complement: an integer below 0 when mapped
    FLOAT32 = "float32"  # two registers, IEEE 754, high word first
    ENUM = "enum"  # one register: the value's position among its states
    TEXT = "text"  # no register: served over OPC UA only

    @property
    def width(self) -> int:
        """How many registers a value of this kind takes."""
        return {"float32": 2, "text": 0}.get(self.value, 1)


def kind_of(value: object) -> Kind:
    """The kind of register a tag value needs; a missing reading (None) is analog."""
    if isinstance(value, bool):
        return Kind.BOOL
    if isinstance(value, Enum) and isinstance(value, str):
        return Kind.ENUM
    if isinstance(value, int):
        return Kind.INT16 if value < 0 else Kind.UINT16
    if value is None or isinstance(value, float):
        return Kind.FLOAT32
    return Kind.TEXT


@dataclass(frozen=True)
class Entry:
    """Where one tag lives: its first register, its bit, its quality register."""

    tag: str
    kind: Kind
    register: int | None  # first register of the value; None for text
    bit: int | None  # discrete input and coil, booleans only
    quality: int  # register holding the tag's quality code
    unit: str = ""
    states: tuple[str, ...] = ()  # an enum's states, in the order of their numbers

    @property
    def registers(self) -> range:
        start = self.register if self.register is not None else 0
        return range(start, start + self.kind.width)


@dataclass(frozen=True)
class RegisterMap:
    entries: tuple[Entry, ...]
    commands: tuple[tuple[str, int], ...] = ()  # (unit name, holding register)
    by_tag: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_tag", {entry.tag: entry for entry in self.entries})

    @property
    def value_end(self) -> int:
        """One past the last value register."""
        return VALUE_BASE + sum(entry.kind.width for entry in self.entries)

    @property
    def bit_end(self) -> int:
        return BIT_BASE + sum(1 for entry in self.entries if entry.bit is not None)

    def image(self, tags: Mapping[str, Tag], clock: float) -> Image:
        """Every register and bit for this moment; a tag that vanished reads as bad."""
        registers = {
            CLOCK_ADDRESS: 0,
            CLOCK_ADDRESS + 1: 0,
            TAG_COUNT_ADDRESS: len(self.entries),
        }
        registers[CLOCK_ADDRESS], registers[CLOCK_ADDRESS + 1] = encode_uint32(int(clock))
        bits = {HEARTBEAT_BIT: int(clock) % 2 == 1}
        for entry in self.entries:
            tag = tags.get(entry.tag)
            value = tag.value if tag else None
            quality = tag.quality if tag else Quality.BAD
            registers[entry.quality] = QUALITY_CODES[Quality(quality)]
            registers.update(zip(entry.registers, encode(entry, value), strict=True))
            if entry.bit is not None:
                bits[entry.bit] = bool(value)
        return Image(registers, bits)

    def markdown(self) -> str:
        """The map as Markdown tables: fixed addresses, tags, command registers."""
        lines = [
            "| Address | Type | Meaning |",
            "| --- | --- | --- |",
            f"| IR/HR {CLOCK_ADDRESS}-{CLOCK_ADDRESS + 1} | uint32 | "
            "line clock, whole simulated seconds (high word first) |",
            f"| IR/HR {TAG_COUNT_ADDRESS} | uint16 | number of tags in this map |",
            f"| DI/coil {HEARTBEAT_BIT} | bool | heartbeat: flips every simulated second |",
            "",
            "| Tag | Type | IR/HR | DI/coil | Quality IR/HR | Unit |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for entry in self.entries:
            kind = entry.kind.value
            if entry.states:
                kind += " (" + ", ".join(f"{i}={s}" for i, s in enumerate(entry.states)) + ")"
            span = entry.registers
            if not span:
                where = "-"
            elif len(span) == 1:
                where = str(span.start)
            else:
                where = f"{span.start}-{span.stop - 1}"
            bit = "-" if entry.bit is None else str(entry.bit)
            lines.append(
                f"| {entry.tag} | {kind} | {where} | {bit} | {entry.quality} | {entry.unit} |"
            )
        if self.commands:
            lines += ["", "| Command HR (write) | Unit |", "| --- | --- |"]
            lines += [f"| {address} | {unit} |" for unit, address in self.commands]
            names = ", ".join(f"{int(c)}={c.name}" for c in Command if c)
            lines += ["", f"PackML commands: {names}."]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Image:
    registers: dict[int, int]  # address → 16-bit word, for input and holding registers
    bits: dict[int, bool]  # address → bit, for discrete inputs and coils


def build_map(tags: Mapping[str, Tag], units: Iterable[str] = ()) -> RegisterMap:
    """Give every tag its addresses, in name order; *units* get a command register each."""
    entries = []
    register, bit = VALUE_BASE, BIT_BASE
    for index, name in enumerate(sorted(tags)):
        tag = tags[name]
        kind = kind_of(tag.value)
        states = tuple(str(s) for s in type(tag.value)) if kind is Kind.ENUM else ()
        entries.append(
            Entry(
                name,
                kind,
                register if kind.width else None,
                bit if kind is Kind.BOOL else None,
                QUALITY_BASE + index,
                tag.unit,
                states,
            )
        )
        register += kind.width
        bit += kind is Kind.BOOL
    if register > QUALITY_BASE or QUALITY_BASE + len(entries) > COMMAND_BASE:
        raise ValueError(f"{len(entries)} tags do not fit the register map")
    commands = tuple((unit, COMMAND_BASE + i) for i, unit in enumerate(sorted(units)))
    return RegisterMap(tuple(entries), commands)


def encode(entry: Entry, value: object) -> list[int]:
    """The registers of one value; a value of the wrong kind is converted, never refused."""
    kind = entry.kind
    if kind is Kind.TEXT:
        return []
    if kind is Kind.FLOAT32:
        return list(encode_float32(math.nan if value is None else float(value)))
    if kind is Kind.ENUM:
        return [entry.states.index(value) if value in entry.states else NOT_A_STATE]
    try:
        number = value if isinstance(value, int) else round(float(value))
    except (TypeError, ValueError, OverflowError):  # None, text, NaN or infinity
        return [0]
    if kind is Kind.INT16:  # a signed value saturates, as a PLC's INT conversion does
        return [min(max(number, -0x8000), 0x7FFF) % 0x10000]
    return [number % 0x10000]


def encode_float32(value: float) -> tuple[int, int]:
    """A float as two registers, high word first; beyond float32's range it saturates."""
    try:
        packed = struct.pack(">f", value)
    except OverflowError:
        packed = struct.pack(">f", math.copysign(math.inf, value))
    high, low = struct.unpack(">HH", packed)
    return high, low


def decode_float32(high: int, low: int) -> float:
    """The float in two registers read high word first (the inverse of encode_float32)."""
    return struct.unpack(">f", struct.pack(">HH", high, low))[0]


def encode_uint32(value: int) -> tuple[int, int]:
    value %= 2**32
    return value >> 16, value & 0xFFFF


def decode_uint32(high: int, low: int) -> int:
    return high << 16 | low


def decode(entry: Entry, registers: list[int]) -> float | int | bool | str | None:
    """The value of *entry* from its registers, as a client reads them."""
    if entry.kind is Kind.FLOAT32:
        return decode_float32(*registers[:2])
    if entry.kind is Kind.BOOL:
        return bool(registers[0])
    if entry.kind is Kind.ENUM:
        return entry.states[registers[0]] if registers[0] < len(entry.states) else None
    if entry.kind is Kind.UINT16:
        return registers[0]
    if entry.kind is Kind.INT16:
        return registers[0] - 0x10000 if registers[0] & 0x8000 else registers[0]
    return None


def quality_of(code: int) -> Quality:
    """The quality a quality register stands for (unknown codes are bad)."""
    return next((q for q, c in QUALITY_CODES.items() if c == code), Quality.BAD)
