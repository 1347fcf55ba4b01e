"""One verification, one fetch budget: each address fetched once, at most eight of them, ten
seconds for them all; other issuers' DID documents remembered a while across verifications."""

from __future__ import annotations

from collections import Counter

import pytest

from app.credentials import keys as multikeys
from app.credentials import ob3, proofs, status_list
from app.services import verification
from app.services.remote_fetch import Fetcher, FetchError
from app.services.verification import FetchBudget, TtlCache
from tests.credentials import factories as vc


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Site:
    """Answers fetches from *pages* and counts them, as other sites would."""

    def __init__(self, pages: dict[str, dict] | None = None) -> None:
        self.pages = pages or {}
        self.asked: Counter[str] = Counter()

    def __call__(self, url: str) -> dict:
        self.asked[url] += 1
        if url not in self.pages:
            raise FetchError(f"{url} answered HTTP 404")
        return self.pages[url]


def test_each_address_is_fetched_once_per_verification_errors_too():
    site = Site({"https://a.example/did.json": {"id": "a"}})
    budget = FetchBudget(site)
    assert budget("https://a.example/did.json") == {"id": "a"}
    assert budget("https://a.example/did.json") == {"id": "a"}
    for _ in range(3):
        with pytest.raises(FetchError, match="HTTP 404"):
            budget("https://b.example/did.json")
    assert site.asked == {"https://a.example/did.json": 1, "https://b.example/did.json": 1}


def test_answers_given_again_are_copies():
    budget = FetchBudget(Site({"https://a.example/x": {"keys": [1]}}))
    budget("https://a.example/x")["keys"].append(2)
    assert budget("https://a.example/x") == {"keys": [1]}


def test_at_most_eight_addresses_are_fetched_per_verification():
    site = Site({f"https://s{n}.example/did.json": {"n": n} for n in range(12)})
    budget = FetchBudget(site)
    for n in range(8):
        assert budget(f"https://s{n}.example/did.json") == {"n": n}
    with pytest.raises(FetchError, match="more than 8 addresses"):
        budget("https://s8.example/did.json")
    assert budget("https://s3.example/did.json") == {"n": 3}  # those fetched are still known
    assert sum(site.asked.values()) == 8 and "https://s8.example/did.json" not in site.asked


def test_all_fetches_of_a_verification_share_ten_seconds():
    clock, site = Clock(), Site({f"https://s{n}.example/x": {} for n in range(3)})
    budget = FetchBudget(site, clock=clock)
    budget("https://s0.example/x")
    clock.now += 9.5
    budget("https://s1.example/x")
    clock.now += 0.5
    with pytest.raises(FetchError, match="took longer than 10 s in all"):
        budget("https://s2.example/x")
    assert "https://s2.example/x" not in site.asked


def test_a_fetcher_gets_only_the_time_left():
    clock, given = Clock(), []

    class Timed(Fetcher):
        def __call__(self, url: str) -> dict:
            given.append(self.timeout)
            return {}

    budget = FetchBudget(Timed(), clock=clock)
    budget("https://s0.example/x")
    clock.now += 8
    budget("https://s1.example/x")
    assert given == [5.0, pytest.approx(2.0)]


def test_a_cache_forgets_after_its_time_and_drops_the_least_recently_used():
    clock = Clock()
    cache = TtlCache(ttl=60, max_items=2, clock=clock)
    cache["a"], cache["b"] = 1, 2
    assert cache["a"] == 1  # a is now the most recently used
    cache["c"] = 3
    assert "b" not in cache and cache["a"] == 1 and cache["c"] == 3
    clock.now += 61
    assert "a" not in cache and len(cache) <= 2


# -- Through the verifier ---------------------------------------------------------------------

DID_URL = "https://shopfloor.example/issuers/lakeshore-tech/did.json"
LIST_URL = "https://shopfloor.example/status/lakeshore/1"


def other_issuer() -> Site:
    """Another issuer's site: its DID document and its status list (signed with that key)."""
    did_document = multikeys.did_document(vc.ISSUER_DID, {"key-1": vc.TEST_KEY.public_key()})
    unsigned = status_list.status_list_credential(
        list_url=LIST_URL, issuer=vc.ISSUER_DID, status_list=status_list.StatusList(),
        valid_from="2026-01-01T00:00:00Z",
    )  # fmt: skip
    signed = proofs.sign(unsigned, vc.TEST_KEY, verification_method=vc.KEY_ID,
                         created=vc.VALID_FROM)  # fmt: skip
    return Site({DID_URL: did_document, LIST_URL: signed})


def test_a_verification_fetches_each_address_once(app):
    """The credential and its status list are signed by one key: its document is fetched
    once; a second verification soon after fetches only the status list again."""
    site = other_issuer()
    with app.app_context():
        report = verification.verify(vc.signed(1), now=vc.VALID_FROM, remote=site)
        assert report["verified"], report["checks"]
        assert site.asked == {DID_URL: 1, LIST_URL: 1}
        assert verification.verify(vc.signed(2), now=vc.VALID_FROM, remote=site)["verified"]
    assert site.asked == {DID_URL: 1, LIST_URL: 2}  # the DID document was remembered


def test_a_failed_document_is_not_remembered(app):
    site = other_issuer()
    del site.pages[DID_URL]
    with app.app_context():
        assert not verification.verify(vc.signed(1), now=vc.VALID_FROM, remote=site)["verified"]
        site.pages.update(other_issuer().pages)
        assert verification.verify(vc.signed(1), now=vc.VALID_FROM, remote=site)["verified"]


def endorsed_by(count: int) -> tuple[dict, Site]:
    """Our issuer's credential carrying *count* endorsements, each by another site's issuer,
    and the sites that would answer for them all."""
    site = other_issuer()
    endorsements = []
    for n in range(count):
        endorser = ob3.Profile(id=f"did:web:e{n}.example", name=f"Endorser {n}")
        unsigned = ob3.build_endorsement_credential(
            id=f"urn:uuid:00000000-0000-4000-8000-{n:012d}", issuer=endorser,
            endorsed_id=vc.achievement().id, comment="Co-assessed.",
            valid_from=vc.VALID_FROM, name="Endorsement",
        )  # fmt: skip
        method = f"{endorser.id}#key-1"
        signed = ob3.sign_credential(
            unsigned, vc.TEST_KEY, verification_method=method, created=vc.VALID_FROM
        )
        endorsements.append(signed)
        site.pages[multikeys.did_web_url(endorser.id)] = multikeys.did_document(
            endorser.id, {"key-1": vc.TEST_KEY.public_key()}
        )
    document = vc.credential(1)
    document["endorsement"] = endorsements
    signed = ob3.sign_credential(
        document, vc.TEST_KEY, verification_method=vc.KEY_ID, created=vc.VALID_FROM
    )
    return signed, site


def test_a_credential_naming_many_sites_is_checked_within_eight_fetches(app):
    """Nine endorsers, each on a site of its own, plus the issuer's key and status list:
    eight addresses are fetched, and the check that needed a ninth fails saying why."""
    many, far = endorsed_by(9)
    few, nearby = endorsed_by(3)
    with app.app_context():
        report = verification.verify(many, now=vc.VALID_FROM, remote=far)
        verification.caches().documents.clear()
        assert verification.verify(few, now=vc.VALID_FROM, remote=nearby)["verified"]
    assert report["verified"] is False
    assert len(far.asked) == 8 and set(far.asked.values()) == {1}
    failing = [check["message"] for check in report["checks"] if not check["passed"]]
    assert any("more than 8 addresses" in message for message in failing), failing
