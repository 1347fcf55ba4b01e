"""An organization's branding and identifiers: checked field by field before they are stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.domain import colours
from app.errors import InvalidInput
from app.services import organizations
from app.services.organizations import Branding
from tests import factories

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
GOOD = Branding(
    short_name="  Tri-C  ",
    website="https://tri-c.example/",
    brand_primary="#0B5394",
    brand_secondary="#f1c232",
    ipeds_unit_id="123456",
    opeid="00123400",
)


def test_good_branding_is_stored_normalised(ctx):
    org = factories.make_org()
    organizations.update_branding(org, GOOD, now=NOW)
    assert (org.short_name, org.website) == ("Tri-C", "https://tri-c.example/")
    assert (org.brand_primary, org.brand_secondary) == ("#0b5394", "#f1c232")
    assert (org.ipeds_unit_id, org.opeid) == ("123456", "00123400")
    organizations.update_branding(org, Branding(), now=NOW)  # empty values clear
    assert (org.short_name, org.website, org.brand_primary, org.opeid) == ("", "", "", "")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("short_name", "x" * 41),
        ("website", "http://tri-c.example"),
        ("website", "https://"),
        ("website", "https://localhost"),
        ("website", "https://user:pw@tri-c.example"),
        ("website", "https://tri-c.example/a b"),
        ("website", "https://[::1"),
        ("website", "javascript:alert(1)"),
        ("brand_primary", "#0b539"),
        ("brand_primary", "0b5394"),
        ("brand_primary", "#777777"),  # 4.48:1 with white, just short
        ("brand_secondary", "yellow"),
        ("ipeds_unit_id", "1234567"),
        ("ipeds_unit_id", "12345a"),
        ("opeid", "1234567"),
    ],
)
def test_each_bad_value_is_refused_naming_its_field(ctx, field, value):
    org = factories.make_org()
    with pytest.raises(InvalidInput) as raised:
        organizations.update_branding(org, Branding(**{**GOOD.__dict__, field: value}), now=NOW)
    assert raised.value.field == field
    assert org.short_name == ""  # nothing stored


def test_the_contrast_message_names_the_ratio_rounded_down(ctx):
    org = factories.make_org()
    with pytest.raises(InvalidInput, match=r"#777777 has a contrast of only 4\.47:1"):
        organizations.update_branding(org, Branding(brand_primary="#777777"), now=NOW)
    organizations.update_branding(org, Branding(brand_primary="#767676"), now=NOW)  # 4.54:1
    assert org.brand_primary == "#767676"


def test_contrast_ratios_follow_wcag():
    assert colours.contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert colours.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1)
    assert colours.contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert colours.contrast_ratio("#ffffff", "#767676") == colours.contrast_ratio(
        "#767676", "#ffffff"
    )
