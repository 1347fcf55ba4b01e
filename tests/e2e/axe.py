"""axe-core accessibility checks for every page a browser test visits.

axe-core is vendored by ``make vendor`` into tests/e2e/vendor/axe-core (it is never served),
and injected with ``page.evaluate``: the pages' Content-Security-Policy refuses inline
script tags, but not code the browser's own protocol runs. The rules are those of
WCAG 2.0-2.2 A and AA plus axe's best practices; serious and critical findings fail the test.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
FAILING = {"serious", "critical"}

# Rule, CSS target (regular expression, matched whole) and page path (regular expression,
# searched) of findings that are known and owned elsewhere; each entry says why.
EXCLUSIONS: list[tuple[str, str, str, str]] = []

# Runs axe once at a time per document (two overlapping runs make axe throw) and
# answers a summary small enough to send back.
RUN = """async ([tags]) => {
  if (typeof window.axe !== 'object') { return null; }  // a new document: inject, ask again
  const run = () => axe.run(document, {runOnly: {type: 'tag', values: tags}, iframes: false})
  window.__shopfloorAxe = (window.__shopfloorAxe || Promise.resolve()).then(run, run);
  const result = await window.__shopfloorAxe;
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.map(t => Array.isArray(t) ? t.join(' ') : t).join(' >>> ')),
  }));
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


def check(page: Page) -> list[Finding]:
    """Every axe finding on the page as it is now (empty if the page went away meanwhile)."""
    try:
        path = re.sub(r"^https?://[^/]+", "", page.url)
        violations = page.evaluate(RUN, [TAGS])
        for _ in range(3):  # a document loaded between injecting and running gets axe too
            if violations is not None:
                break
            page.evaluate(AXE_SOURCE)
            path = re.sub(r"^https?://[^/]+", "", page.url)
            violations = page.evaluate(RUN, [TAGS])
        if violations is None:
            return []  # the page keeps changing documents; each one's load checks it
    except PlaywrightError as error:
        # A navigation or a closed page destroys the document under the check; the next
        # document gets its own check.
        if re.search(r"context was destroyed|closed|navigat", str(error)):
            return []
        raise
    findings = [
        Finding(path, v["id"], v["impact"] or "minor", target, v["help"])
        for v in violations
        for target in v["targets"]
    ]
    return [f for f in findings if not excluded(f)]


class Auditor:
    """Check each document a page loads, and the page on demand; collect what axe finds."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.findings: dict[tuple[str, str, str], Finding] = {}
        self.reported: set[tuple[str, str, str]] = set()
        self.checks = 0
        self.errors: list[str] = []
        page.on("load", self._on_load)

    def _on_load(self) -> None:
        # Runs in Playwright's event greenlet while the test goes on: keep errors for later.
        try:
            self.audit()
        except Exception as error:  # noqa: BLE001
            self.errors.append(repr(error))

    def audit(self) -> None:
        for finding in check(self.page):
            self.findings.setdefault((finding.path, finding.rule, finding.target), finding)
        self.checks += 1

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
        path.write_text(json.dumps({"checks": self.checks, "findings": rows}, indent=1))
