from app.domain import passwords
from app.domain.roles import OrgKind, Role


def test_short_common_and_personal_passwords_are_refused_with_a_reason():
    assert "at least 10" in passwords.problem("Sh0rt!")
    assert "common" in passwords.problem("password123")
    assert passwords.problem("x" * 129) == "Use at most 128 characters."
    assert (
        passwords.problem("rosaramirez1", context=("Rosa Ramirez", "rosa@plant.example"))
        is not None
    )


def test_a_long_uncommon_phrase_is_accepted():
    assert passwords.problem("gearbox-thermal-drift-91") is None


def test_hash_verifies_only_the_right_password():
    hashed = passwords.hash_password("gearbox-thermal-drift-91")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, "gearbox-thermal-drift-91")
    assert not passwords.verify(hashed, "gearbox-thermal-drift-92")


def test_verify_without_a_hash_fails():
    assert not passwords.verify(None, "anything-at-all")
    assert not passwords.verify("not-a-hash", "anything-at-all")


def test_roles_and_kinds_parse_loosely_and_reject_unknowns():
    assert Role.parse("Partner admin") is Role.PARTNER_ADMIN
    assert Role.parse("platform-admin") is Role.PLATFORM_ADMIN
    assert OrgKind.parse("Training partner") is OrgKind.TRAINING_PARTNER
    try:
        Role.parse("supervisor")
    except ValueError as exc:
        assert "apprentice, mentor" in str(exc)
    else:
        raise AssertionError("unknown role accepted")
