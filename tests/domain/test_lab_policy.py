"""Who may open, see and re-grade lab work: one decision per role, tested per role."""

from __future__ import annotations

import pytest

from app import policy
from app.domain.roles import Role
from tests.factories import make_org, make_user

REVIEWS_OWN_ORG = {Role.INSTRUCTOR, Role.PARTNER_ADMIN, Role.PLATFORM_ADMIN}


@pytest.mark.parametrize("role", list(Role))
def test_only_the_learner_uses_their_workspace(ctx, role):
    college = make_org()
    learner = make_user(org=college)
    other = make_user(role=role, org=college)
    assert policy.can_use_workspace(learner, learner.id)
    assert not policy.can_use_workspace(other, learner.id)
    assert not policy.can_use_workspace(None, learner.id)


@pytest.mark.parametrize("role", list(Role))
def test_reviewers_see_and_regrade_learners_of_their_own_organization(ctx, role):
    college, elsewhere = make_org(), make_org()
    learner = make_user(org=college)
    colleague = make_user(role=role, org=college)
    outsider = make_user(role=role, org=elsewhere)
    expected = role in REVIEWS_OWN_ORG
    assert policy.can_view_submission(colleague, learner) is expected
    assert policy.can_regrade(colleague, learner) is expected
    assert policy.can_view_submission(outsider, learner) is (role is Role.PLATFORM_ADMIN)
    assert policy.can_regrade(outsider, learner) is (role is Role.PLATFORM_ADMIN)


def test_a_learner_sees_their_own_attempts_but_cannot_regrade_them(ctx):
    learner = make_user()
    assert policy.can_view_submission(learner, learner)
    assert not policy.can_regrade(learner, learner)


def test_staff_without_an_organization_review_nobody(ctx):
    assert not policy.can_review_learner(make_user(role=Role.INSTRUCTOR), make_user())
