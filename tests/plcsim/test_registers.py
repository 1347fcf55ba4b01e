"""The Modbus register map: deterministic addresses, encodings, quality and the README."""

from __future__ import annotations

import math
import struct
from enum import StrEnum
from pathlib import Path

import pytest

from plcsim.registers import (
    BIT_BASE,
    CLOCK_ADDRESS,
    COMMAND_BASE,
    NOT_A_STATE,
    QUALITY_BASE,
    QUALITY_CODES,
    TAG_COUNT_ADDRESS,
    VALUE_BASE,
    Kind,
    build_map,
    decode,
    decode_float32,
    decode_uint32,
    encode_float32,
    quality_of,
)
from plcsim.scenarios import scenario
from plcsim.tags import Quality, Tag

README = Path(__file__).resolve().parents[2] / "plcsim" / "README.md"


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


def tag(name: str, value, quality: Quality = Quality.GOOD, unit: str = "") -> Tag:
    return Tag(name, value, 12.0, quality, unit)


def table(*tags: Tag) -> dict[str, Tag]:
    return {t.name: t for t in tags}


SAMPLE = table(
    tag("Site/Area/Line/B/Speed", 12.5, unit="units/min"),
    tag("Site/Area/Line/A/Count", 65535),
    tag("Site/Area/Line/A/Running", True),
    tag("Site/Area/Line/B/Colour", Colour.GREEN),
    tag("Site/Area/Line/B/Product", "cola"),
    tag("Site/Area/Line/B/Level", None, Quality.BAD),
)


def test_build_map_is_deterministic_whatever_the_order_or_seed():
    reordered = dict(reversed(list(SAMPLE.items())))
    assert build_map(SAMPLE) == build_map(reordered)
    one, two = scenario("packaging-line", 1), scenario("packaging-line", 2)
    assert build_map(one.tags(), one.units) == build_map(two.tags(), two.units)


def test_build_map_gives_each_kind_its_registers_in_name_order():
    regmap = build_map(SAMPLE, units=["B", "A"])
    by_tag = regmap.by_tag
    assert [e.tag for e in regmap.entries] == sorted(SAMPLE)
    assert by_tag["Site/Area/Line/A/Count"].kind is Kind.UINT16
    assert by_tag["Site/Area/Line/A/Count"].registers == range(VALUE_BASE, VALUE_BASE + 1)
    running = by_tag["Site/Area/Line/A/Running"]
    assert (running.kind, running.bit, running.register) == (Kind.BOOL, BIT_BASE, VALUE_BASE + 1)
    assert by_tag["Site/Area/Line/B/Colour"].states == ("red", "green")
    assert by_tag["Site/Area/Line/B/Level"].kind is Kind.FLOAT32  # a missing reading is analog
    assert by_tag["Site/Area/Line/B/Level"].registers == range(VALUE_BASE + 3, VALUE_BASE + 5)
    product = by_tag["Site/Area/Line/B/Product"]
    assert (product.kind, product.register, len(product.registers)) == (Kind.TEXT, None, 0)
    assert by_tag["Site/Area/Line/B/Speed"].registers == range(VALUE_BASE + 5, VALUE_BASE + 7)
    assert regmap.value_end == VALUE_BASE + 7
    assert [e.quality for e in regmap.entries] == list(range(QUALITY_BASE, QUALITY_BASE + 6))
    assert regmap.commands == (("A", COMMAND_BASE), ("B", COMMAND_BASE + 1))


def test_packaging_line_registers_do_not_overlap():
    line = scenario("packaging-line", 1)
    regmap = build_map(line.tags(), line.units)
    used = [r for e in regmap.entries for r in e.registers]
    assert len(used) == len(set(used))
    assert min(used) == VALUE_BASE and max(used) == regmap.value_end - 1
    assert len({e.quality for e in regmap.entries}) == len(regmap.entries) == len(line.tags())


@pytest.mark.parametrize("value", [0.0, 1.0, -2.5, 120.0, 1e-3, 3.4e38, 123456.789])
def test_float32_round_trips_high_word_first(value):
    high, low = encode_float32(value)
    assert struct.pack(">HH", high, low) == struct.pack(">f", value)  # ABCD: high word first
    assert decode_float32(high, low) == struct.unpack(">f", struct.pack(">f", value))[0]


def test_float32_known_words_and_saturation():
    assert encode_float32(1.0) == (0x3F80, 0x0000)
    assert decode_float32(*encode_float32(1e300)) == math.inf
    assert math.isnan(decode_float32(*encode_float32(math.nan)))


def test_image_encodes_values_quality_and_header():
    regmap = build_map(SAMPLE)
    image = regmap.image(SAMPLE, clock=70_001.7)
    words = image.registers
    assert decode_uint32(words[CLOCK_ADDRESS], words[CLOCK_ADDRESS + 1]) == 70_001
    assert words[TAG_COUNT_ADDRESS] == len(SAMPLE)
    values = {e.tag: decode(e, [words[r] for r in e.registers]) for e in regmap.entries}
    assert values["Site/Area/Line/A/Count"] == 65535
    assert values["Site/Area/Line/A/Running"] is True
    assert values["Site/Area/Line/B/Colour"] == "green"
    assert values["Site/Area/Line/B/Speed"] == 12.5
    assert math.isnan(values["Site/Area/Line/B/Level"])
    assert image.bits[BIT_BASE] is True and image.bits[0] is True  # odd second: heartbeat on
    quality = {e.tag: quality_of(words[e.quality]) for e in regmap.entries}
    assert quality["Site/Area/Line/B/Level"] is Quality.BAD
    assert quality["Site/Area/Line/A/Count"] is Quality.GOOD
    assert words[regmap.by_tag["Site/Area/Line/B/Speed"].quality] == 192


def test_image_converts_values_that_changed_kind_and_marks_vanished_tags_bad():
    regmap = build_map(SAMPLE)
    changed = table(
        tag("Site/Area/Line/A/Count", 70_000.4, Quality.UNCERTAIN),  # counters wrap at 16 bits
        tag("Site/Area/Line/B/Colour", "purple"),
        tag("Site/Area/Line/B/Speed", 7),
    )
    words = regmap.image(changed, clock=0).registers
    by_tag = regmap.by_tag
    assert words[by_tag["Site/Area/Line/A/Count"].register] == 70_000 % 65536
    assert words[by_tag["Site/Area/Line/A/Count"].quality] == QUALITY_CODES[Quality.UNCERTAIN]
    assert words[by_tag["Site/Area/Line/B/Colour"].register] == NOT_A_STATE
    speed = by_tag["Site/Area/Line/B/Speed"]
    assert decode_float32(*(words[r] for r in speed.registers)) == 7.0
    assert words[by_tag["Site/Area/Line/A/Running"].quality] == QUALITY_CODES[Quality.BAD]


def test_markdown_lists_every_tag_and_command():
    line = scenario("packaging-line", 1)
    text = build_map(line.tags(), line.units).markdown()
    for name in line.tags():
        assert f"| {name} |" in text
    for unit in line.units:
        assert f"| {unit} |" in text


def test_readme_shows_the_packaging_line_map():
    """Is the map in plcsim/README.md the one the code builds? If not, paste
    `flask plcsim serve --print-map` into it."""
    line = scenario("packaging-line", 1)
    assert build_map(line.tags(), line.units).markdown() in README.read_text(encoding="utf-8")


def test_negative_integers_get_a_signed_register_that_saturates():
    """Did a negative integer read back as 65511 instead of -25?"""
    offset = "Site/Area/Line/A/FillCorrection"
    regmap = build_map(table(tag(offset, -25), tag("Site/Area/Line/A/Count", 7)))
    entry = regmap.by_tag[offset]
    assert entry.kind is Kind.INT16 and regmap.by_tag["Site/Area/Line/A/Count"].kind is Kind.UINT16
    assert "| int16 |" in regmap.markdown()
    for value, word, read in [
        (-25, 0xFFE7, -25),
        (300, 300, 300),
        (-40_000, 0x8000, -32768),  # beyond int16: saturates, never wraps to a positive value
        (40_000, 0x7FFF, 32767),
    ]:
        words = regmap.image(table(tag(offset, value)), clock=0).registers
        assert words[entry.register] == word, value
        assert decode(entry, [words[entry.register]]) == read, value


def test_uint16_takes_large_integers_exactly():
    count = "Site/Area/Line/A/Count"
    regmap = build_map(table(tag(count, 0)))
    words = regmap.image(table(tag(count, 2**53 + 1)), clock=0).registers  # float() loses the 1
    assert words[regmap.by_tag[count].register] == 1
