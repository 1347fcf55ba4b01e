"""axe-core accessibility checks for every page a browser test visits.

axe-core is vendored by ``make vendor`` into tests/e2e/vendor/axe-core (it is never served),
and injected with ``page.evaluate``: the pages' Content-Security-Policy refuses inline
script tags, but not code the browser's own protocol runs. The rules are those of
WCAG 2.0-2.2 A and AA plus axe's best practices; serious and critical findings fail the test.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
FAILING = {"serious", "critical"}

# Rule, CSS target (regular expression, matched whole) and page path (regular expression,
# searched) of findings that are known and owned elsewhere; each entry says why.
EXCLUSIONS: list[tuple[str, str, str, str]] = []

# Runs axe once at a time per document (two overlapping runs make axe throw) and answers a
# summary small enough to send back. A document whose address, screen size, media and markup
# are those of one this page already checked is not checked again (a screenshot right after
# a load, a reload): its fingerprint is in *seen*, and the answer says so.
RUN = """async ([tags, seen]) => {
  if (typeof window.axe !== 'object') { return null; }  // a new document: inject, ask again
  const view = [innerWidth, innerHeight, matchMedia('print').matches].join(' ');
  const text = [location.pathname + location.search, view, document.documentElement.outerHTML]
    .join('\\n');
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  }
  const fingerprint = (hash >>> 0).toString(16) + ':' + text.length;
  if (seen.includes(fingerprint)) { return {fingerprint, violations: null}; }
  const run = () => axe.run(document, {runOnly: {type: 'tag', values: tags}, iframes: false})
  window.__shopfloorAxe = (window.__shopfloorAxe || Promise.resolve()).then(run, run);
  const result = await window.__shopfloorAxe;
  return {fingerprint, violations: result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.map(t => Array.isArray(t) ? t.join(' ') : t).join(' >>> ')),
  }))};
}"""


@dataclass(frozen=True)
class Finding:
    path: str
    rule: str
    impact: str
    target: str
    help: str

    def __str__(self) -> str:
        return f"{self.impact:8} {self.rule}: {self.target} ({self.help}) on {self.path}"


def excluded(finding: Finding) -> bool:
    return any(
        finding.rule == rule
        and re.fullmatch(target, finding.target)
        and re.search(path, finding.path)
        for rule, target, path, _why in EXCLUSIONS
    )


def check(page: Page, seen: set[str] | frozenset[str] = frozenset()) -> Checked:
    """Every axe finding on the page as it is now (none if the page went away meanwhile,
    and none with ``ran`` false if its document is one of those *seen*)."""
    try:
        path = re.sub(r"^https?://[^/]+", "", page.url)
        answer = page.evaluate(RUN, [TAGS, sorted(seen)])
        for _ in range(3):  # a document loaded between injecting and running gets axe too
            if answer is not None:
                break
            page.evaluate(AXE_SOURCE)
            path = re.sub(r"^https?://[^/]+", "", page.url)
            answer = page.evaluate(RUN, [TAGS, sorted(seen)])
        if answer is None:
            return Checked()  # the page keeps changing documents; each one's load checks it
    except PlaywrightError as error:
        # A navigation or a closed page destroys the document under the check; the next
        # document gets its own check.
        if re.search(r"context was destroyed|closed|navigat", str(error)):
            return Checked()
        raise
    if answer["violations"] is None:
        return Checked(answer["fingerprint"], ran=False)
    findings = [
        Finding(path, v["id"], v["impact"] or "minor", target, v["help"])
        for v in answer["violations"]
        for target in v["targets"]
    ]
    return Checked(answer["fingerprint"], [f for f in findings if not excluded(f)])


@dataclass
class Checked:
    fingerprint: str | None = None
    findings: list[Finding] = field(default_factory=list)
    ran: bool = True


class Auditor:
    """Check each document a page loads, and the page on demand; collect what axe finds."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.findings: dict[tuple[str, str, str], Finding] = {}
        self.reported: set[tuple[str, str, str]] = set()
        self.checks = 0  # times the page was checked
        self.runs = 0  # times axe ran: a document checked before is not run again
        self.seconds = 0.0
        self.seen: set[str] = set()
        self.errors: list[str] = []
        page.on("load", self._on_load)

    def _on_load(self) -> None:
        # Runs in Playwright's event greenlet while the test goes on: keep errors for later.
        try:
            self.audit()
        except Exception as error:  # noqa: BLE001
            self.errors.append(repr(error))

    def audit(self) -> None:
        started = time.perf_counter()
        # A page still loading has not applied all its stylesheets yet (a test may end, or
        # take a screenshot, as soon as the heading shows): axe would judge unstyled boxes.
        # (A closed page, or one that navigated away, raises: the next document's load
        # checks that one.)
        with contextlib.suppress(PlaywrightError):
            self.page.wait_for_load_state("load")
        checked = check(self.page, self.seen)
        self.seconds += time.perf_counter() - started
        for finding in checked.findings:
            self.findings.setdefault((finding.path, finding.rule, finding.target), finding)
        if checked.fingerprint:
            self.seen.add(checked.fingerprint)
        self.checks += 1
        self.runs += checked.ran and checked.fingerprint is not None

    def failures(self) -> list[Finding]:
        """Serious and critical findings not yet reported."""
        new = [
            f
            for key, f in self.findings.items()
            if f.impact in FAILING and key not in self.reported
        ]
        self.reported.update((f.path, f.rule, f.target) for f in new)
        return new

    def assert_clean(self) -> None:
        assert not self.errors, f"axe could not check a page: {self.errors}"
        failures = self.failures()
        if failures:
            lines = "\n".join(f"  {f}" for f in failures)
            raise AssertionError(
                f"axe found {len(failures)} serious or critical problem(s):\n{lines}"
            )

    def save(self, path: Path) -> None:
        """Write every finding, minor ones included, for a person to read."""
        rows = [f.__dict__ for f in self.findings.values()]
        summary = {"checks": self.checks, "runs": self.runs, "seconds": round(self.seconds, 2)}
        path.write_text(json.dumps({**summary, "findings": rows}, indent=1))
