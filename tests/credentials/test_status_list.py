"""Bitstring Status List: the W3C and 1EdTech fixtures, and the list's rules."""

from __future__ import annotations

import base64
import gzip
import random

import pytest

from app.credentials import status_list
from app.credentials.exceptions import StatusListError
from app.credentials.status_list import StatusList
from tests.credentials.vectors import FIXTURES, STATUS, load


def test_w3c_example_decodes_and_encodes_byte_for_byte():
    encoded = load(STATUS / "bitstring-status-list-credential.json")["credentialSubject"][
        "encodedList"
    ]
    decoded = StatusList.decode(encoded)
    assert decoded.length == 131_072
    assert decoded.set_indices() == []
    assert StatusList().encode() == encoded


def test_derived_list_has_indices_5_and_94567():
    derived = load(STATUS / "derived-two-bits-set.json")
    decoded = StatusList.decode(derived["encodedList"])
    assert decoded.length == derived["length"]
    assert decoded.set_indices() == derived["setIndices"]
    rebuilt = StatusList()
    for index in derived["setIndices"]:
        rebuilt.set(index)
    assert StatusList.decode(rebuilt.encode()).bits == decoded.bits


def test_1edtech_list_has_bit_23_set_most_significant_first():
    subject = load(FIXTURES / "bit-string-list" / "testlist.json")["credentialSubject"]
    decoded = StatusList.decode(subject["encodedList"])
    assert decoded.set_indices() == [23]
    assert decoded.bits[2] == 0x01  # index 23 is the last bit of byte 2


def test_set_and_clear():
    statuses = StatusList()
    statuses.set(0)
    statuses.set(131_071)
    assert statuses.bits[0] == 0x80 and statuses.get(131_071)
    statuses.clear(0)
    assert statuses.set_indices() == [131_071]
    with pytest.raises(StatusListError, match="outside"):
        statuses.set(131_072)


def test_short_and_oversized_lists_are_refused():
    short = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(1024))).decode().rstrip("=")
    with pytest.raises(StatusListError, match="at least 131072"):
        StatusList.decode(short)
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(16 * 1024 * 1024 + 8))).decode()
    with pytest.raises(StatusListError, match="longer than"):
        StatusList.decode(bomb.rstrip("="))
    with pytest.raises(StatusListError):
        StatusList(1000)
    with pytest.raises(StatusListError, match="base64url"):
        StatusList.decode("zabc")


def test_allocate_index_is_random_and_avoids_used_indices():
    rng = random.Random(7)
    used = set(range(131_072)) - {42, 4242}
    assert status_list.allocate_index(used, rng=rng) in {42, 4242}
    with pytest.raises(StatusListError, match="full"):
        status_list.allocate_index(set(range(131_072)))
    picks = {status_list.allocate_index(set()) for _ in range(20)}
    assert len(picks) > 1


def test_status_entry_and_list_credential_shapes():
    entry = status_list.status_entry("https://shopfloor.example/status/1", 94567)
    assert entry == {
        "id": "https://shopfloor.example/status/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://shopfloor.example/status/1",
    }
    credential = status_list.status_list_credential(
        list_url="https://shopfloor.example/status/1",
        issuer="did:web:shopfloor.example",
        status_list=StatusList(),
        valid_from="2026-01-01T00:00:00Z",
        ttl_ms=300_000,
    )
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["credentialSubject"]["ttl"] == 300_000
    with pytest.raises(StatusListError):
        status_list.status_entry("https://x.example/s", 1, "expiry")
