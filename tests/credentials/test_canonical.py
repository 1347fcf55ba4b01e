"""Safe-mode JSON-LD (undefined terms are errors, no network) and JCS (RFC 8785)."""

from __future__ import annotations

import json

import pytest

from app.credentials import canonical, contexts
from app.credentials.exceptions import ContextError
from tests.credentials.vectors import OB3_VECTOR, load, text


def _ob3() -> dict:
    return load(OB3_VECTOR / "unsigned.json")


def test_bundled_context_variant_gives_the_vector_n_quads():
    """We bundle the validator's context-3.0.3.json; the vector was made with the spec's."""
    assert canonical.rdfc(_ob3()) == text(OB3_VECTOR / "document-canon.txt")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(nickname="Ada"), "undefined JSON-LD term 'nickname'"),
        (lambda d: d["credentialSubject"].update(grade="A"), "undefined JSON-LD term 'grade'"),
        (lambda d: d["type"].append("ShopfloorBadge"), "undefined JSON-LD type 'ShopfloorBadge'"),
        (lambda d: d.update(id="credentials/3527"), "undefined JSON-LD id 'credentials/3527'"),
    ],
)
def test_rdfc_rejects_what_would_go_unsigned(change, message):
    """Would an undefined term be silently dropped (and so unsigned)? It raises instead."""
    document = _ob3()
    change(document)
    with pytest.raises(ContextError, match=message):
        canonical.rdfc(document)


def test_unknown_context_is_refused_not_fetched(monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the network was used")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    document = _ob3()
    document["@context"].append("https://example.com/my-context.jsonld")
    with pytest.raises(ContextError, match="not one of the bundled contexts"):
        canonical.rdfc(document)


def test_context_documents_are_copies():
    document = contexts.context_document(contexts.VC_V2)
    document["@context"]["evil"] = "https://evil.example/"
    assert "evil" not in contexts.context_document(contexts.VC_V2)["@context"]


def test_memoised_contexts_give_the_same_n_quads_as_a_cold_cache():
    warm = canonical.rdfc(_ob3())
    contexts.clear_caches()
    assert canonical.rdfc(_ob3()) == warm


def test_jcs_rfc8785_section_3_2_2_example():
    source = (
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonical.jcs(json.loads(source)).decode("utf-8") == expected


def test_jcs_rfc8785_sorts_keys_by_utf16_code_units():
    """RFC 8785 section 3.2.3: the emoji (a surrogate pair) sorts before U+FB33."""
    source = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    order = [key for key in json.loads(canonical.jcs(source))]
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_jcs_ignores_key_order_and_whitespace():
    assert canonical.jcs(json.loads('{ "b": 1,\n "a": [1, 2] }')) == b'{"a":[1,2],"b":1}'
