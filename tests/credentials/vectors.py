"""Paths and loaders for the conformance data in shared/conformance/ (read only)."""

from __future__ import annotations

import json
from pathlib import Path

CONFORMANCE = Path(__file__).resolve().parents[3] / "shared" / "conformance"
W3C = CONFORMANCE / "vc-di-eddsa" / "TestVectors"
OB3_VECTOR = CONFORMANCE / "ob3" / "test-vectors" / "eddsa-rdfc-2022"
FIXTURES = CONFORMANCE / "ob3" / "validator-fixtures"
STATUS = CONFORMANCE / "bitstring-status-list"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")
