"""1EdTech CASE 1.1 packages: build one from a framework, and read one back.

Identifiers are UUIDs derived from the stable ids (or kept from an imported package), so
an exported framework keeps its identifiers across exports, hosts and versions.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.content.model import Competency, Framework, Level, Related

NAMESPACE = uuid.UUID("6f2b2c1e-8a57-4f0e-9a43-4b8e3c2d9a10")
ITEM_TYPES = {"domain": "Domain", "competency": "Competency", "subcompetency": "Sub-competency"}
KINDS = {v: k for k, v in ITEM_TYPES.items()}
MAX_ITEMS = 20_000  # far beyond any competency framework; keeps an import to seconds
MAX_DEPTH = 50  # domain → competency → sub-competency is 3


def derived_uuid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


def framework_uuid(framework: Framework) -> str:
    return framework.uuid or derived_uuid("framework", framework.id)


def item_uuid(framework: Framework, item: Competency) -> str:
    return item.uuid or derived_uuid("competency", framework.id, item.code)


@dataclass(frozen=True)
class Urls:
    """Builds the ``uri`` of each CASE object under a base such as https://host/ims/case/v1p1."""

    base: str

    def document(self, ident: str) -> str:
        return f"{self.base}/CFDocuments/{ident}"

    def package(self, ident: str) -> str:
        return f"{self.base}/CFPackages/{ident}"

    def item(self, ident: str) -> str:
        return f"{self.base}/CFItems/{ident}"

    def association(self, ident: str) -> str:
        return f"{self.base}/CFAssociations/{ident}"

    def item_type(self, ident: str) -> str:
        return f"{self.base}/CFItemTypes/{ident}"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _link(title: str, ident: str, uri: str) -> dict[str, str]:
    return {"title": title, "identifier": ident, "uri": uri}


def document(framework: Framework, urls: Urls, changed: datetime) -> dict[str, Any]:
    ident = framework_uuid(framework)
    doc: dict[str, Any] = {
        "identifier": ident,
        "uri": urls.document(ident),
        "creator": framework.creator or framework.publisher or "Shopfloor",
        "title": framework.title,
        "lastChangeDateTime": _stamp(changed),
        "publisher": framework.publisher,
        "description": framework.description,
        "subject": list(framework.subjects),
        "language": framework.language,
        "version": framework.version,
        "adoptionStatus": "Adopted",
        "humanCodingScheme": framework.id,
        "CFPackageURI": _link(framework.title, ident, urls.package(ident)),
    }
    if framework.license_uri:
        license_id = derived_uuid("license", framework.license_uri)
        doc["licenseURI"] = _link(framework.license_title, license_id, framework.license_uri)
    return {k: v for k, v in doc.items() if v not in ("", [], None)}


def item(framework: Framework, entry: Competency, urls: Urls, changed: datetime) -> dict[str, Any]:
    ident = item_uuid(framework, entry)
    doc_id = framework_uuid(framework)
    type_name = ITEM_TYPES.get(entry.kind, "Competency")
    out = {
        "identifier": ident,
        "uri": urls.item(ident),
        "fullStatement": entry.title,
        "humanCodingScheme": entry.code,
        "notes": entry.description,
        "CFItemType": type_name,
        "CFItemTypeURI": _link(
            type_name,
            derived_uuid("itemtype", type_name),
            urls.item_type(derived_uuid("itemtype", type_name)),
        ),
        "language": framework.language,
        "listEnumeration": str(entry.position + 1),
        "lastChangeDateTime": _stamp(changed),
        "CFDocumentURI": _link(framework.title, doc_id, urls.document(doc_id)),
    }
    return {k: v for k, v in out.items() if v not in ("", None)}


def package(framework: Framework, urls: Urls, changed: datetime) -> dict[str, Any]:
    """The whole framework as a CASE 1.1 CFPackage."""
    doc = document(framework, urls, changed)
    by_code = {entry.code: entry for entry in framework.items}
    items = [item(framework, entry, urls, changed) for entry in framework.items]
    associations = []

    def associate(
        kind: str, origin_title, origin_id, dest_title, dest_id, dest_uri, sequence=None, notes=""
    ):
        ident = derived_uuid("association", kind, origin_id, dest_id)
        entry = {
            "identifier": ident,
            "uri": urls.association(ident),
            "associationType": kind,
            "originNodeURI": _link(origin_title, origin_id, urls.item(origin_id)),
            "destinationNodeURI": _link(dest_title, dest_id, dest_uri),
            "CFDocumentURI": doc["CFPackageURI"] | {"uri": urls.document(doc["identifier"])},
            "lastChangeDateTime": _stamp(changed),
        }
        if sequence is not None:
            entry["sequenceNumber"] = sequence
        if notes:
            entry["notes"] = notes
        associations.append(entry)

    for entry in framework.items:
        ident = item_uuid(framework, entry)
        if entry.parent and entry.parent in by_code:
            parent = by_code[entry.parent]
            pid = item_uuid(framework, parent)
            associate(
                "isChildOf",
                entry.title,
                ident,
                parent.title,
                pid,
                urls.item(pid),
                entry.position + 1,
            )
        else:
            associate(
                "isChildOf",
                entry.title,
                ident,
                framework.title,
                doc["identifier"],
                doc["uri"],
                entry.position + 1,
            )
        for target in entry.precedes:
            if target in by_code:
                tid = item_uuid(framework, by_code[target])
                associate(
                    "precedes", entry.title, ident, by_code[target].title, tid, urls.item(tid)
                )
        for rel in entry.related:
            rid = derived_uuid("external", rel.framework, rel.code)
            associate(
                "isRelatedTo",
                entry.title,
                ident,
                rel.title or rel.code,
                rid,
                f"urn:shopfloor:external:{rel.framework}:{rel.code}",
                notes=f"{rel.framework} {rel.code}",
            )
    item_types = [
        {
            "identifier": derived_uuid("itemtype", name),
            "uri": urls.item_type(derived_uuid("itemtype", name)),
            "title": name,
            "description": f"{name} in a Shopfloor competency framework",
            "hierarchyCode": str(index + 1),
            "lastChangeDateTime": _stamp(changed),
        }
        for index, name in enumerate(ITEM_TYPES.values())
    ]
    definitions: dict[str, Any] = {
        "CFConcepts": [],
        "CFSubjects": [],
        "CFLicenses": [],
        "CFItemTypes": item_types,
        "CFAssociationGroupings": [],
    }
    if framework.license_uri:
        definitions["CFLicenses"] = [
            {
                "identifier": doc["licenseURI"]["identifier"],
                "uri": framework.license_uri,
                "title": framework.license_title or framework.license_uri,
                "licenseText": framework.license_title or framework.license_uri,
                "lastChangeDateTime": _stamp(changed),
            }
        ]
    package_doc = dict(doc)
    package_doc["extensions"] = (
        {"shopfloor": {"levels": [vars(level) for level in framework.levels]}}
        if framework.levels
        else {}
    )
    if not package_doc["extensions"]:
        del package_doc["extensions"]
    return {
        "CFDocument": package_doc,
        "CFItems": items,
        "CFAssociations": associations,
        "CFDefinitions": definitions,
    }


class CaseError(ValueError):
    """The package cannot be read; the message says what is wrong."""


def read(data: Any, *, source: str = "") -> Framework:
    """Turn a CASE CFPackage (parsed JSON) into a Framework; raise CaseError if malformed.

    A package comes from outside: a value of the wrong shape anywhere is a CaseError too,
    never another exception.
    """
    try:
        return _read(data, source)
    except CaseError:
        raise
    except (AttributeError, KeyError, TypeError, ValueError, RecursionError) as exc:
        detail = str(exc).splitlines()[0][:200] if str(exc) else ""
        raise CaseError(f"a value has the wrong shape ({type(exc).__name__} {detail})") from None


def _read(data: Any, source: str) -> Framework:
    if not isinstance(data, dict) or not isinstance(data.get("CFDocument"), dict):
        raise CaseError("not a CASE package: there is no CFDocument object")
    doc = data["CFDocument"]
    for key in ("identifier", "title"):
        if not isinstance(doc.get(key), str) or not doc[key].strip():
            raise CaseError(f"CFDocument has no {key}")
    raw_items = data.get("CFItems") or []
    raw_assocs = data.get("CFAssociations") or []
    if not isinstance(raw_items, list) or not isinstance(raw_assocs, list):
        raise CaseError("CFItems and CFAssociations must be lists")
    if len(raw_items) > MAX_ITEMS:
        raise CaseError(f"the package has {len(raw_items)} items; the limit is {MAX_ITEMS}")
    items_by_id: dict[str, dict] = {}
    for index, raw in enumerate(raw_items):
        if not isinstance(raw, dict) or not isinstance(raw.get("identifier"), str):
            raise CaseError(f"CFItems[{index}] has no identifier")
        if not isinstance(raw.get("fullStatement"), str):
            raise CaseError(f"CFItems[{index}] has no fullStatement")
        items_by_id[raw["identifier"]] = raw
    parent: dict[str, str] = {}
    order: dict[str, int] = {}
    precedes: dict[str, list[str]] = defaultdict(list)
    related: dict[str, list[Related]] = defaultdict(list)
    for index, assoc in enumerate(raw_assocs):
        try:
            kind = assoc["associationType"]
            origin = assoc["originNodeURI"]["identifier"]
            dest = assoc["destinationNodeURI"]
        except (KeyError, TypeError):
            raise CaseError(
                f"CFAssociations[{index}] lacks a type, origin or destination"
            ) from None
        if origin not in items_by_id:
            continue
        if kind == "isChildOf":
            if dest.get("identifier") in items_by_id:
                parent[origin] = dest["identifier"]
            order[origin] = int(assoc.get("sequenceNumber") or 0)
        elif kind == "precedes" and dest.get("identifier") in items_by_id:
            precedes[origin].append(dest["identifier"])
        elif kind == "isRelatedTo":
            notes = str(assoc.get("notes") or "")
            framework_name, _, code = notes.partition(" ")
            related[origin].append(
                Related(
                    framework_name or "external",
                    code or str(dest.get("identifier")),
                    str(dest.get("title") or ""),
                )
            )
    codes = {ident: _code(raw) for ident, raw in items_by_id.items()}
    depth = {ident: _depth(ident, parent) for ident in items_by_id}
    kinds = {1: "domain", 2: "competency"}
    ordered: list[Competency] = []

    below: dict[str | None, list[str]] = defaultdict(list)
    for ident in items_by_id:
        below[parent.get(ident)].append(ident)

    def visit(parent_id: str | None) -> None:
        children = sorted(below[parent_id], key=lambda i: (order.get(i, 0), codes[i]))
        for position, ident in enumerate(children):
            raw = items_by_id[ident]
            type_kind = KINDS.get(str(raw.get("CFItemType") or ""))
            ordered.append(
                Competency(
                    code=codes[ident],
                    title=raw["fullStatement"].strip(),
                    description=str(raw.get("notes") or "").strip(),
                    kind=type_kind or kinds.get(depth[ident], "subcompetency"),
                    parent=codes[parent_id] if parent_id else None,
                    position=position,
                    precedes=tuple(codes[t] for t in precedes.get(ident, [])),
                    related=tuple(related.get(ident, [])),
                    uuid=ident,
                )
            )
            visit(ident)

    visit(None)
    levels = tuple(
        Level(**lv)
        for lv in ((doc.get("extensions") or {}).get("shopfloor") or {}).get("levels", [])
    )
    licence = doc.get("licenseURI") or {}
    return Framework(
        id=_slug(str(doc.get("humanCodingScheme") or doc["title"])),
        title=doc["title"].strip(),
        version=str(doc.get("version") or "1"),
        description=str(doc.get("description") or ""),
        creator=str(doc.get("creator") or ""),
        publisher=str(doc.get("publisher") or ""),
        language=str(doc.get("language") or "en"),
        subjects=tuple(str(s) for s in doc.get("subject") or []),
        license_title=str(licence.get("title") or ""),
        license_uri=str(licence.get("uri") or ""),
        levels=levels,
        items=tuple(ordered),
        source=source or f"case:{doc.get('uri', doc['identifier'])}",
        uuid=doc["identifier"],
    )


def _code(raw: dict) -> str:
    code = str(raw.get("humanCodingScheme") or "").strip()
    return code or raw["identifier"]


def _depth(ident: str, parent: dict[str, str]) -> int:
    depth, seen = 1, {ident}
    while ident in parent:
        ident = parent[ident]
        if ident in seen:
            raise CaseError("isChildOf associations form a loop")
        seen.add(ident)
        depth += 1
        if depth > MAX_DEPTH:
            raise CaseError(f"items are nested more than {MAX_DEPTH} levels deep")
    return depth


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:100] or "imported-framework"
