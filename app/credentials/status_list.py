"""W3C Bitstring Status List: the list itself, its encoding, and index allocation.

``encodedList`` is multibase base64url without padding (prefix ``u``) of the GZIP of the
bitstring; index 0 is the most significant bit of the first byte. Lists hold at least 131,072
entries (16 KB) so that one credential's index says little about who holds it.
"""

from __future__ import annotations

import base64
import gzip
import secrets
import zlib
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from app.credentials.exceptions import StatusListError

MIN_LENGTH = 131_072
# A list longer than this is refused when decoding: a few KB of gzip can claim gigabytes.
MAX_LENGTH = 16 * 1024 * 1024 * 8
PURPOSES = ("revocation", "suspension")


@dataclass
class StatusList:
    """A mutable bitstring of ``length`` entries, all clear to start with."""

    length: int = MIN_LENGTH
    bits: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        if self.length < MIN_LENGTH or self.length % 8:
            raise StatusListError(f"a status list holds a multiple of 8, ≥ {MIN_LENGTH} entries")
        if not self.bits:
            self.bits = bytearray(self.length // 8)
        elif len(self.bits) * 8 != self.length:
            raise StatusListError("bits do not match the list length")

    def _locate(self, index: int) -> tuple[int, int]:
        if not 0 <= index < self.length:
            raise StatusListError(f"status index {index} is outside 0..{self.length - 1}")
        return index // 8, 0x80 >> (index % 8)

    def get(self, index: int) -> bool:
        """Return whether entry *index* is set (revoked or suspended)."""
        byte, mask = self._locate(index)
        return bool(self.bits[byte] & mask)

    def set(self, index: int, value: bool = True) -> None:
        """Set (or with ``value=False`` clear) entry *index*."""
        byte, mask = self._locate(index)
        if value:
            self.bits[byte] |= mask
        else:
            self.bits[byte] &= ~mask & 0xFF

    def clear(self, index: int) -> None:
        """Clear entry *index* (a suspension lifted)."""
        self.set(index, False)

    def set_indices(self) -> list[int]:
        """Return every set index, ascending."""
        return [
            byte * 8 + bit
            for byte, value in enumerate(self.bits)
            if value
            for bit in range(8)
            if value & (0x80 >> bit)
        ]

    def encode(self) -> str:
        """Return ``encodedList``: ``u`` + base64url(gzip(bits)), unpadded.

        zlib level 6 and mtime 0 make the output deterministic; they reproduce the W3C example.
        """
        compressed = gzip.compress(bytes(self.bits), compresslevel=6, mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, encoded: str, *, max_length: int = MAX_LENGTH) -> StatusList:
        """Parse an ``encodedList``; raise StatusListError if malformed, short or too long."""
        if not isinstance(encoded, str) or not encoded.startswith("u"):
            raise StatusListError("encodedList is not multibase base64url (prefix 'u')")
        body = encoded[1:]
        try:
            compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            bits = inflater.decompress(compressed, max_length // 8 + 1)
        except (ValueError, zlib.error) as exc:
            raise StatusListError(f"encodedList cannot be decoded: {exc}") from exc
        if len(bits) > max_length // 8 or inflater.unconsumed_tail:
            raise StatusListError(f"status list is longer than {max_length} entries")
        if len(bits) * 8 < MIN_LENGTH:
            raise StatusListError(
                f"status list has {len(bits) * 8} entries; at least {MIN_LENGTH} are required"
            )
        return cls(len(bits) * 8, bytearray(bits))


def allocate_index(
    used: Collection[int], *, length: int = MIN_LENGTH, rng: secrets.SystemRandom | None = None
) -> int:
    """Return a random index in ``0..length-1`` that is not in *used*.

    Random rather than sequential, so an index does not reveal issue order or volume.
    Raises StatusListError when the list is full.
    """
    if len(used) >= length:
        raise StatusListError("the status list is full; start a new list")
    rng = rng or secrets.SystemRandom()
    while True:
        index = rng.randrange(length)
        if index not in used:
            return index


def status_entry(list_url: str, index: int, purpose: str = "revocation") -> dict[str, Any]:
    """Return a BitstringStatusListEntry (index as a base-10 string, as the spec requires)."""
    if purpose not in PURPOSES:
        raise StatusListError(f"status purpose must be one of {PURPOSES}")
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    *,
    list_url: str,
    issuer: str | dict[str, Any],
    status_list: StatusList,
    valid_from: str,
    purpose: str = "revocation",
    ttl_ms: int | None = None,
) -> dict[str, Any]:
    """Return the unsigned BitstringStatusListCredential that publishes *status_list*."""
    if purpose not in PURPOSES:
        raise StatusListError(f"status purpose must be one of {PURPOSES}")
    subject: dict[str, Any] = {
        "id": f"{list_url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": status_list.encode(),
    }
    if ttl_ms is not None:
        subject["ttl"] = ttl_ms
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": subject,
    }
