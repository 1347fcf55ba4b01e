"""Crash inputs: whatever arrives, verify_credential answers with a report and unbake with the
credential or a CredentialError. Never an exception a web view would turn into a 500."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import random
import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.credentials import artwork, keys, ob3, parsing, verifier
from app.credentials.baking import bake_png, bake_svg
from app.credentials.exceptions import CredentialError
from app.credentials.verifier import verify_credential
from tests.credentials import factories

NOW = datetime(2026, 12, 6, tzinfo=UTC)
REPLACEMENTS = [5, [], {}, [{}], "x", None, True, [5]]
SIGNED = factories.signed()
ARTWORK = Path(__file__).resolve().parents[2] / "badges" / "artwork" / "default.svg"


def failed(result: dict) -> set[str]:
    return {check["name"] for check in result["checks"] if not check["passed"]}


def _world(documents: dict | None = None) -> dict:
    world = factories.world(documents)
    world.pop("fetched")
    return world


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*path, index))


def _replaced(document, path, new):
    if not path:
        return new
    changed = copy.deepcopy(document)
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return changed


def _assert_report(result: dict) -> None:
    assert set(result) == {"verified", "checks"}
    assert all(set(check) == {"name", "passed", "message"} for check in result["checks"])


def test_every_field_replaced_by_every_odd_value_gives_a_report():
    """Each path of a signed credential (recursively), each replaced by each odd value."""
    world = _world()
    cache: dict = {}
    tried = 0
    for path in _paths(SIGNED):
        for new in REPLACEMENTS:
            mutated = _replaced(SIGNED, path, new)
            result = verify_credential(json.dumps(mutated), now=NOW, status_cache=cache, **world)
            _assert_report(result)
            assert result["verified"] is (mutated == SIGNED), (path, new, result["checks"])
            tried += 1
    assert tried > 800


def test_nested_credentials_replaced_by_odd_values_give_a_report():
    """A sample of the same over an endorsed credential and a CLR: endorsements and embedded
    credentials are verified with the same care."""
    achievement = dataclasses.replace(
        factories.achievement(),
        endorsements=(factories.endorsement(factories.achievement().id),),
    )
    endorsed = ob3.sign_credential(
        ob3.build_achievement_credential(
            id="urn:uuid:00000000-0000-4000-8000-0000000000c1",
            issuer=factories.issuer(),
            achievement=achievement,
            subject=ob3.Subject(did="did:example:ada"),
            valid_from=factories.VALID_FROM,
            status=ob3.Status(factories.LIST_URL, 94567),
        ),
        factories.TEST_KEY,
        verification_method=factories.KEY_ID,
        created=factories.VALID_FROM,
    )
    documents = [endorsed, factories.clr_of([factories.signed(1, did="did:example:ada")])]
    world = _world(factories.partner_documents())
    cache: dict = {}
    rng = random.Random(20261206)
    for document in documents:
        mutations = [(path, new) for path in _paths(document) for new in REPLACEMENTS]
        for path, new in rng.sample(mutations, 120):
            mutated = _replaced(document, path, new)
            result = verify_credential(json.dumps(mutated), now=NOW, status_cache=cache, **world)
            _assert_report(result)
            assert result["verified"] is (mutated == document), (path, new, result["checks"])


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.update(type=["VerifiableCredential", {}]),
        lambda c: c.update(type=[["OpenBadgeCredential"]]),
        lambda c: c.update(credentialSchema=[{"id": ["a"]}]),
        lambda c: c.update(credentialSchema=[{"id": {"a": 1}}]),
        lambda c: c["issuer"].update(otherIdentifier=5),
        lambda c: c["issuer"].update(otherIdentifier="x"),
        lambda c: c["issuer"].update(id=["did:web:x"]),
        lambda c: c["issuer"].update(name={"en": "x"}),
        lambda c: c.update(endorsement=[5]),
        lambda c: c.update(endorsement=5),
        lambda c: c["credentialSubject"]["achievement"].update(endorsement=[[{}]]),
        lambda c: c["credentialSubject"].update(identifier=[{"salt": 5, "identityHash": "x"}]),
        lambda c: c["proof"][0].update(previousProof=5),
        lambda c: c["proof"][0].update(previousProof=[{}]),
        lambda c: c["proof"].append(
            {"id": ["x"], "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}
        ),
        lambda c: c["proof"][0].update(verificationMethod={"id": "x"}),
        lambda c: c["proof"][0].update({"@context": [5]}),
        lambda c: c.update(credentialStatus=[{"type": "BitstringStatusListEntry"}]),
        lambda c: c["credentialStatus"].update(statusListCredential=["x"]),
        lambda c: c["credentialStatus"].update(statusPurpose=["revocation"]),
        lambda c: c.update({"@context": [{"@context": {}}]}),
        lambda c: c.update({"@context": 5}),
        lambda c: c.update(validFrom="2026-01-01T00:00:00+99:00"),
    ],
)
def test_reported_crash_shapes_are_failed_checks(change):
    document = copy.deepcopy(SIGNED)
    change(document)
    result = verify_credential(json.dumps(document), now=NOW, **_world())
    _assert_report(result)
    assert result["verified"] is False


ISSUER_DID_URL = keys.did_web_url(factories.ISSUER_DID)


@pytest.mark.parametrize(
    "document",
    [
        {"id": factories.ISSUER_DID, "verificationMethod": [{"id": 5}]},
        {"id": factories.ISSUER_DID, "verificationMethod": [{"id": ["#key-1"]}]},
        {"id": factories.ISSUER_DID, "verificationMethod": 5, "assertionMethod": [5]},
        {**factories.did_document(), "assertionMethod": [5]},
        {**factories.did_document(), "assertionMethod": [{"id": 5}]},
        {**factories.did_document(), "assertionMethod": 5},
        {**factories.did_document(), "id": 5},
        {"id": factories.ISSUER_DID, "verificationMethod": [{"id": "#key-1", "controller": []}]},
        {
            "id": factories.ISSUER_DID,
            "verificationMethod": [{"id": "#key-1", "publicKeyMultibase": 5}],
            "assertionMethod": ["#key-1"],
        },
        [],
        "did",
        None,
    ],
)
def test_hostile_key_documents_fail_the_key_check(document):
    result = verify_credential(SIGNED, now=NOW, **_world({ISSUER_DID_URL: document}))
    _assert_report(result)
    assert "issuer_key" in failed(result)


@pytest.mark.parametrize("returned", [[], "x", None, 5, {"credentialSubject": []}, {"a": [[[]]]}])
def test_hostile_status_lists_fail_the_status_check(returned):
    world = _world()
    world["fetch_status_list"] = lambda url: returned
    result = verify_credential(SIGNED, now=NOW, **world)
    _assert_report(result)
    assert failed(result) == {"status"}


def test_a_check_that_raises_fails_that_check_only(monkeypatch):
    """verify_with turns any exception inside a check into that check failing."""

    def explode(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(verifier, "_check_validity", explode)
    result = verify_credential(SIGNED, now=NOW, **_world())
    assert failed(result) == {"validity", "status"}  # the status list has validity too
    assert "RuntimeError: boom" in next(
        c["message"] for c in result["checks"] if c["name"] == "validity"
    )


def test_fetchers_that_raise_anything_are_failed_checks():
    def explode(url):
        raise MemoryError("no")

    result = verify_credential(SIGNED, now=NOW, fetch_document=explode, fetch_status_list=explode)
    _assert_report(result)
    assert {"issuer_key", "status"} <= failed(result)


@pytest.mark.parametrize(
    "data",
    [
        '{"a": "\ud800"}',
        '{"a": "\\ud800"}',
        '{"a": NaN}',
        '{"a": -Infinity}',
        '{"a": 1, "a": 2}',
        5,
        None,
        ["x"],
        {1: "x"},
        {"a": {1, 2}},
        {"a": float("nan")},
        {"a": b"x"},
        {"a": ("x",)},
        {"a": "\udfff"},
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 7,
    ],
)
def test_odd_inputs_fail_the_json_check(data):
    result = verify_credential(data, now=NOW)
    _assert_report(result)
    assert result["verified"] is False
    assert "json" in failed(result)


# -- Baked images ---------------------------------------------------------------------------


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_with(body: bytes) -> bytes:
    png = artwork.render_png(artwork_svg(), size=32)
    end = png.rindex(b"IEND") - 4
    return png[:end] + _chunk(b"iTXt", body) + png[end:]


def artwork_svg() -> str:
    template = ARTWORK.read_text(encoding="utf-8")
    return artwork.render_svg(
        template, name="PLC", issuer="Lakeshore", primary="#123456", secondary="#654321"
    )


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"openbadgecredential\x00", "cut short"),
        (b"openbadgecredential\x00\x01", "cut short"),
        (b"openbadgecredential\x00\x01\x00\x00\x00garbage", "cannot be read"),
        (b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(b"{}")[:-3], "cut short"),
        (b"openbadgecredential\x00\x01\x05\x00\x00x", "unknown compression"),
        (b"openbadgecredential\x00\x07\x00\x00\x00x", "unknown compression"),
        (b"openbadgecredential\x00\x00\x00no-terminators", "cut short"),
    ],
)
def test_damaged_png_credential_chunks_are_credential_errors(body, words):
    with pytest.raises(CredentialError, match=words):
        parsing.unbake(_png_with(body))
    assert "json" in failed(verify_credential(_png_with(body), now=NOW))


def test_compressed_png_credential_is_read_within_the_limit():
    text = json.dumps(SIGNED).encode()
    body = b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(text)
    assert parsing.unbake(_png_with(body)) == text
    bomb = b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(b" " * 5_000_000)
    with pytest.raises(CredentialError, match="larger than"):
        parsing.unbake(_png_with(bomb))


def test_two_baked_credentials_are_refused():
    once = bake_png(artwork.render_png(artwork_svg(), size=32), SIGNED)
    end = once.rindex(b"IEND") - 4
    body = b"openbadgecredential\x00\x00\x00\x00\x00" + json.dumps(factories.signed(2)).encode()
    twice = once[:end] + _chunk(b"iTXt", body) + once[end:]
    with pytest.raises(CredentialError, match="more than one"):
        parsing.unbake(twice)
    svg = bake_svg(artwork_svg(), SIGNED)
    doubled = svg.replace("</svg>", "<openbadges:credential>{}</openbadges:credential></svg>")
    with pytest.raises(CredentialError, match="more than one"):
        parsing.unbake(doubled.encode())


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_truncated_and_garbled_images_never_raise_anything_else(kind):
    if kind == "png":
        image = bake_png(artwork.render_png(artwork_svg(), size=32), SIGNED)
    else:
        image = bake_svg(artwork_svg(), SIGNED).encode("utf-8")
    rng = random.Random(1234)
    variants = [image[:cut] for cut in range(0, len(image), max(1, len(image) // 150))]
    for _ in range(150):
        garbled = bytearray(image)
        for _ in range(rng.randint(1, 8)):
            garbled[rng.randrange(len(garbled))] = rng.randrange(256)
        variants.append(bytes(garbled))
    for data in variants:
        with contextlib.suppress(CredentialError):  # anything else fails the test
            parsing.unbake(data)
        result = verify_credential(data, now=NOW)
        _assert_report(result)
