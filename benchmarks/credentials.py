"""Issue and verify 1,000 typical Shopfloor credentials (OB 3.0, eddsa-rdfc-2022).

    .venv/bin/python benchmarks/credentials.py [--count 1000] [--cold 100]

A typical credential: a partner college (did:web, IPEDS/OPEID identifiers, parent
organisation) issues a competency with a CASE alignment and a creator, to a learner known by a
salted hashed email, with one evidence item, the credentialSchema and a Bitstring Status List
entry. Prints p50/p95 per credential for

- sign: build + schema validation + safe-mode JSON-LD + eddsa-rdfc-2022 proof;
- verify (proof): the eddsa-rdfc-2022 signature check alone;
- verify (full): ``verify_credential`` on the JSON text: every check, the did:web key from a
  DID document and the signed status list from in-memory fetchers (no network), the list's
  own verification cached across credentials (as the app will, with a TTL), and once more
  without that cache;

with the context caches warm, then cold (every cache cleared before each credential, on
``--cold`` of them), and the floor: a plain eddsa-jcs-2022 signature of the same document.
Target: full verify p50 ≤ 5 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.credentials import canonical, contexts, keys, ob3, proofs, status_list  # noqa: E402
from app.credentials.verifier import verify_credential  # noqa: E402
from tests.credentials import factories  # noqa: E402

LIST_URL = "https://shopfloor.example/status/lakeshore/1"
NOW = factories.VALID_FROM.replace(year=2027)
# The verifier's cache of verified status lists (a TTL cache in the app), cleared when cold.
STATUS_CACHES: dict = {}


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed(action: Callable[[Any], Any], argument: Any, *, cold: bool = False) -> tuple[float, Any]:
    """Run ``action(argument)``; return (seconds, result). Cold: every cache cleared first."""
    if cold:
        contexts.clear_caches()
        STATUS_CACHES.clear()
    started = time.perf_counter()
    result = action(argument)
    return time.perf_counter() - started, result


def sign(credential: dict) -> dict:
    return ob3.sign_credential(
        credential,
        factories.TEST_KEY,
        verification_method=factories.KEY_ID,
        created=factories.VALID_FROM,
    )


def sign_jcs(credential: dict) -> dict:
    return proofs.sign(
        credential,
        factories.TEST_KEY,
        verification_method=factories.KEY_ID,
        created=factories.VALID_FROM,
        cryptosuite=proofs.EDDSA_JCS_2022,
    )


def world() -> dict:
    did_doc = keys.did_document(factories.ISSUER_DID, {"key-1": factories.TEST_KEY.public_key()})
    bits = status_list.StatusList()
    bits.set(7)
    unsigned_list = status_list.status_list_credential(
        list_url=LIST_URL,
        issuer=factories.ISSUER_DID,
        status_list=bits,
        valid_from="2026-01-01T00:00:00Z",
    )
    signed_list = proofs.sign(
        unsigned_list,
        factories.TEST_KEY,
        verification_method=factories.KEY_ID,
        created=factories.VALID_FROM,
    )
    return {"fetch_document": lambda url: did_doc, "fetch_status_list": lambda url: signed_list}


class Bench:
    def __init__(self, cold: int) -> None:
        self.cold = cold
        self.rows: dict[str, list[float]] = {}
        self.public = factories.TEST_KEY.public_key()
        self.fetchers = world()
        self.status_cache: dict = STATUS_CACHES

    def measure(self, name: str, action: Callable, items: list, *, cold_too: bool) -> list:
        results = []
        for number, item in enumerate(items):
            if cold_too and number < self.cold:
                self.rows.setdefault(f"{name}, cold", []).append(timed(action, item, cold=True)[0])
            seconds, result = timed(action, item)
            self.rows.setdefault(f"{name}, warm" if cold_too else name, []).append(seconds)
            results.append(result)
        return results

    def verify_full(self, text: str) -> None:
        """Every check; the shared status list verified once, then from the caller's cache."""
        result = verify_credential(text, now=NOW, status_cache=self.status_cache, **self.fetchers)
        assert result["verified"], result["checks"]

    def verify_full_uncached(self, text: str) -> None:
        """Every check, the status list credential verified again for each credential."""
        result = verify_credential(text, now=NOW, **self.fetchers)
        assert result["verified"], result["checks"]

    def verify_proof(self, credential: dict) -> None:
        assert proofs.verify_proof(credential, credential["proof"][0], self.public)

    def report(self, count: int, sample: dict) -> None:
        quads = len(canonical.rdfc(sample).splitlines())
        print(
            f"{count} credentials ({len(json.dumps(sample)):,} bytes of JSON, {quads} N-Quads "
            f"each); load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
        )
        print(f"{'operation':32} {'n':>5} {'p50 ms':>8} {'p95 ms':>8}")
        p50s = {}
        for name, samples in self.rows.items():
            p50, p95 = percentiles(samples)
            p50s[name] = p50
            print(f"{name:32} {len(samples):5d} {p50:8.2f} {p95:8.2f}")
        floor_sign, floor_verify = p50s["floor: sign jcs"], p50s["floor: verify jcs"]
        print(f"sign (warm) / floor:           {p50s['sign, warm'] / floor_sign:6.1f}x")
        print(f"verify proof (warm) / floor:   {p50s['verify proof, warm'] / floor_verify:6.1f}x")
        print(f"verify full (warm) / floor:    {p50s['verify full, warm'] / floor_verify:6.1f}x")
        verdict = "met" if p50s["verify full, warm"] <= 5 else "NOT met"
        print(f"target: verify full (warm) p50 <= 5 ms: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--cold", type=int, default=100)
    args = parser.parse_args()
    indices = secrets.SystemRandom().sample(range(8, status_list.MIN_LENGTH), args.count)
    unsigned = [
        factories.credential(n, email=f"learner{n}@example.com", status_index=i)
        for n, i in enumerate(indices, start=1)
    ]
    bench = Bench(args.cold)
    signed = bench.measure("sign", sign, unsigned, cold_too=True)
    bench.measure("verify proof", bench.verify_proof, signed, cold_too=True)
    texts = [json.dumps(credential) for credential in signed]
    bench.measure("verify full", bench.verify_full, texts, cold_too=True)
    bench.measure("verify full, no status cache", bench.verify_full_uncached, texts, cold_too=False)
    # The floor: a plain eddsa-jcs-2022 signature of the same documents.
    jcs_signed = bench.measure("floor: sign jcs", sign_jcs, unsigned, cold_too=False)
    bench.measure("floor: verify jcs", bench.verify_proof, jcs_signed, cold_too=False)
    bench.report(args.count, unsigned[0])


if __name__ == "__main__":
    main()
