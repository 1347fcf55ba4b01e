"""The privacy, terms and accessibility pages: shipped text, replaced by the operator's."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.site_pages import PAGES


@pytest.mark.parametrize("name", sorted(PAGES))
def test_site_page_is_public_and_linked_from_every_footer(client, name):
    page = client.get(f"/{name}")
    assert page.status_code == 200
    assert f'<h1 id="page-title">{PAGES[name]}</h1>' in page.text
    assert f'href="/{name}" aria-current="page"' in page.text
    home = client.get("/").text
    assert all(f'href="/{other}"' in home for other in PAGES)


def test_privacy_page_says_what_is_stored_and_whom_to_ask(client):
    text = client.get("/privacy").text
    for fact in ("Your account", "Your lab work", "Server logs", "No advertising", "operator"):
        assert fact in text


def test_operator_replaces_a_page_with_markdown_in_the_instance_folder(app, client):
    """Can the operator put their own text in place, without raw HTML getting through?"""
    pages = Path(app.instance_path) / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    (pages / "privacy.md").write_text(
        "## Data protection officer\n\nWrite to *dpo@plant.example*.\n\n<script>alert(1)</script>\n"
    )
    text = client.get("/privacy").text
    assert "<em>dpo@plant.example</em>" in text and "Data protection officer" in text
    assert "<script>alert" not in text and "Your lab work" not in text
    assert "Tell us about a problem" in client.get("/accessibility").text  # others unchanged


def test_a_linked_operator_file_is_refused(app, client, tmp_path):
    pages = Path(app.instance_path) / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    (tmp_path / "secret.md").write_text("a secret the link points at")
    (pages / "terms.md").symlink_to(tmp_path / "secret.md")
    page = client.get("/terms")
    assert page.status_code == 500 and "a secret" not in page.text
