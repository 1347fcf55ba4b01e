"""Addresses never carry a row's sequential number: what a person owns is named by an
unguessable public id, so nobody learns how many there are or reaches the next one."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

from app.extensions import db
from tests import factories


def test_no_route_takes_a_sequential_id(app):
    numbered = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
    ]
    assert numbered == []


def test_public_ids_are_random_and_distinct(app):
    with app.app_context():
        people = [factories.make_user() for _ in range(50)]
        db.session.flush()
        ids = [p.public_id for p in people]
    assert len(set(ids)) == 50
    assert all(len(i) == 16 and not i.isdigit() for i in ids)
