"""Endorsements count only for what they endorse: an EndorsementCredential about the object
carrying it (an achievement, a profile) or, at the top of a credential, about the credential
or an achievement or profile in it (OB 3.0)."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import UTC, datetime

import pytest

from app.credentials import keys, ob3, proofs, summary
from app.credentials.endorsements import endorsements_of
from app.credentials.verifier import verify_credential
from tests.credentials import factories

NOW = datetime(2026, 12, 6, tzinfo=UTC)
DOCUMENTS = factories.partner_documents()
PARTNER = factories.PARTNER
endorsement = factories.endorsement
OTHER_ACHIEVEMENT = "https://shopfloor.example/achievements/welding-basics"


def failed(result: dict) -> set[str]:
    return {check["name"] for check in result["checks"] if not check["passed"]}


def message(result: dict, name: str) -> str:
    return next(check["message"] for check in result["checks"] if check["name"] == name)


def credential(
    *, achievement_id: str | None = None, on_achievement=(), on_credential=(), change=None
) -> dict:
    achievement = factories.achievement()
    achievement = dataclasses.replace(
        achievement, id=achievement_id or achievement.id, endorsements=tuple(on_achievement)
    )
    unsigned = ob3.build_achievement_credential(
        id="urn:uuid:00000000-0000-4000-8000-0000000000c1",
        issuer=factories.issuer(),
        achievement=achievement,
        subject=ob3.Subject(did="did:example:ada"),
        valid_from=factories.VALID_FROM,
        status=ob3.Status(factories.LIST_URL, 94567),
        endorsements=tuple(on_credential),
    )
    if change:
        change(unsigned)
    return ob3.sign_credential(
        unsigned,
        factories.TEST_KEY,
        verification_method=factories.KEY_ID,
        created=factories.VALID_FROM,
    )


def verify(document: dict) -> tuple[dict, list[str]]:
    world = factories.world(DOCUMENTS)
    fetched = world.pop("fetched")
    return verify_credential(json.dumps(document), now=NOW, **world), fetched


ACHIEVEMENT_ID = factories.achievement().id


def test_builder_puts_achievement_endorsements_on_the_achievement():
    endorsed = credential(on_achievement=[endorsement(ACHIEVEMENT_ID)])
    achievement = endorsed["credentialSubject"]["achievement"]
    assert achievement["endorsement"][0]["credentialSubject"]["id"] == ACHIEVEMENT_ID
    assert "endorsement" not in endorsed
    result, _ = verify(endorsed)
    assert result["verified"], result["checks"]
    assert message(result, "endorsements") == "1 endorsement(s) verified"
    assert summary.summarise(endorsed).endorsements == 1


@pytest.mark.parametrize("where", ["achievement", "credential"])
def test_a_real_endorsement_copied_onto_another_achievement_fails(where):
    """Delta State endorsed PLC Fundamentals; the copy sits on a welding credential."""
    real = endorsement(ACHIEVEMENT_ID)
    placed = {"on_achievement": [real]} if where == "achievement" else {"on_credential": [real]}
    copied = credential(achievement_id=OTHER_ACHIEVEMENT, **placed)
    result, fetched = verify(copied)
    assert failed(result) == {"endorsements"}
    assert f"is about {ACHIEVEMENT_ID}" in message(result, "endorsements")
    assert keys.did_web_url(PARTNER.id) not in fetched  # refused before anything is fetched


def test_a_non_endorsement_credential_in_the_list_fails():
    """A verifying OpenBadgeCredential is no endorsement, even when signed in by the issuer."""
    badge = factories.signed(2)
    unsigned = factories.credential()
    unsigned["credentialSubject"]["achievement"]["endorsement"] = [badge]
    document = proofs.sign(
        unsigned, factories.TEST_KEY, verification_method=factories.KEY_ID, created=NOW
    )
    result, _ = verify(document)
    assert "proof" not in failed(result) and "endorsements" in failed(result)
    assert "is not an EndorsementCredential" in message(result, "endorsements")


@pytest.mark.parametrize("entry", [5, "urn:uuid:x", None, [], {}])
def test_an_endorsement_that_is_not_a_credential_fails(entry):
    def put(unsigned):
        unsigned["credentialSubject"]["achievement"]["endorsement"] = [entry]

    document = factories.signed()
    put(document)
    result, _ = verify(document)
    assert "endorsements" in failed(result)


def test_endorsements_on_the_credential_may_be_about_it_or_what_it_names():
    """OB 3.0: claims about the credential, and the achievement and profiles in it."""
    credential_id = "urn:uuid:00000000-0000-4000-8000-0000000000c1"
    for number, about in enumerate(
        [credential_id, ACHIEVEMENT_ID, factories.ISSUER_DID, "https://shopfloor.example"], 1
    ):
        result, _ = verify(credential(on_credential=[endorsement(about, number)]))
        assert result["verified"], (about, result["checks"])
    stranger, _ = verify(credential(on_credential=[endorsement("did:example:ada")]))
    assert "is about did:example:ada" in message(stranger, "endorsements")


def test_profile_endorsements_must_be_about_the_profile():
    def on_issuer(about):
        def change(unsigned):
            unsigned["issuer"]["endorsement"] = [endorsement(about)]

        return change

    good, _ = verify(credential(change=on_issuer(factories.ISSUER_DID)))
    assert good["verified"], good["checks"]
    bad, _ = verify(credential(change=on_issuer(ACHIEVEMENT_ID)))
    assert failed(bad) == {"endorsements"}
    assert "$.issuer.endorsement[0]" in message(bad, "endorsements")


def test_endorsements_on_a_creator_profile_are_found_and_bound():
    def on_creator(unsigned):
        creator = unsigned["credentialSubject"]["achievement"]["creator"]
        creator["endorsement"] = [endorsement(ACHIEVEMENT_ID)]

    result, _ = verify(credential(change=on_creator))
    assert failed(result) == {"endorsements"}
    assert "$.credentialSubject.achievement.creator.endorsement[0]" in message(
        result, "endorsements"
    )


def test_endorsement_jwts_cannot_be_verified_so_they_fail():
    def jwt(unsigned):
        unsigned["credentialSubject"]["achievement"]["endorsementJwt"] = ["eyJ.eyJ.sig"]

    result, _ = verify(credential(change=jwt))
    assert "endorsementJwt" in message(result, "endorsements")
    assert not result["verified"]


def test_endorsements_of_an_endorsement_are_bound_too():
    inner = endorsement(ACHIEVEMENT_ID, 2)  # about the achievement, not the endorsement
    outer = copy.deepcopy(endorsement(ACHIEVEMENT_ID))
    outer["endorsement"] = [inner]
    result, _ = verify(credential(on_achievement=[outer]))
    assert "endorsements" in failed(result)


def test_endorsements_of_lists_every_place_with_what_it_may_be_about():
    document = credential(on_achievement=[endorsement(ACHIEVEMENT_ID)])
    document["issuer"]["endorsement"] = [endorsement(factories.ISSUER_DID, 2)]
    found = endorsements_of(document)
    assert [placed.path for placed in found] == [
        "$.issuer.endorsement[0]",
        "$.credentialSubject.achievement.endorsement[0]",
    ]
    assert found[0].subjects == {factories.ISSUER_DID}
    assert found[1].subjects == {ACHIEVEMENT_ID}
