"""Versions that say when a cached page may no longer be what a fresh render would give.

Every committed change moves a version on: the version of the user whose own data it is
(``user:<id>``: their quiz answers, completions, memberships ...), or otherwise the site's
(``site``: courses, organizations, cohorts, anything not one person's). A page cached for a
user is kept under the two versions it was rendered at (web.page_cache), so the next view
after any change it could show renders afresh. Nothing has to remember which pages show what.

Rules that keep it safe:
- A table is one person's only if ``OWNERS`` names the column that says whose. Any other
  table, including tables added later and rows whose owner is unknown, moves the site's
  version: too much invalidation costs a render, too little would show stale pages.
- Writes outside the ORM's unit of work (``session.execute(update(...))`` and the like) move
  the site's version, whatever table they write.
- Versions move in the committing transaction itself, as its last statements before COMMIT
  (after its final flush), touching the rows in a fixed order: the data and its version
  change together or not at all, a version's row is locked only for the moment between
  its move and the commit (so writers never wait on each other's long transactions, nor
  deadlock), and no second connection is needed. An earlier version moved them after the
  commit in a transaction of its own: under load each commit then held its connection
  while it waited for a second one, and a class of 290 learners drained the database pool
  into 500s (benchmarks/README.md).
- ``UNTRACKED`` tables are never shown on a cached page or are checked on every request.
"""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import PageVersion

SITE = "site"

# Table → the column naming the user whose own data a row is.
OWNERS = {
    "users": "id",
    "memberships": "user_id",
    "cohort_members": "user_id",
    "consents": "user_id",
    "quiz_attempts": "user_id",
    "lesson_completions": "user_id",
    "competency_evidence": "user_id",
    "mastery_states": "user_id",
    "mastery_events": "user_id",
    "lab_workspaces": "user_id",
    "lab_submissions": "user_id",
    "attempt_grants": "user_id",
    "credentials": "user_id",
}

UNTRACKED = {
    "page_versions": "the versions themselves",
    "login_sessions": "a cached page is served only after its session is checked, live",
    "password_reset_tokens": "shown on no page",
}

_SCOPES = "page_versions.scopes"  # in session.info: scopes this transaction changed


def user_scope(user_id: int) -> str:
    return f"user:{user_id}"


def install() -> None:
    """Follow the app's database session (once per process; every app shares the class)."""
    target = db.session
    if event.contains(target, "after_flush", _after_flush):
        return
    event.listen(target, "after_flush", _after_flush)
    event.listen(target, "do_orm_execute", _on_statement)
    event.listen(target, "before_commit", _before_commit)
    event.listen(target, "after_soft_rollback", _after_rollback)


def scopes_of(instance) -> str | None:
    """The scope a change to this mapped *instance* moves, or None for an untracked table."""
    state = inspect(instance)
    table = state.mapper.local_table.name
    if table in UNTRACKED:
        return None
    column = OWNERS.get(table)
    if column is None:
        return SITE
    owner = getattr(instance, state.mapper.get_property_by_column(state.mapper.c[column]).key)
    return user_scope(owner) if owner is not None else SITE


def bump(connection, scopes) -> None:
    """Move each scope's version on by one, in one statement per scope, in sorted order."""
    from sqlalchemy.dialects import postgresql, sqlite  # ~0.1 s of imports, paid on use

    upsert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert
    for scope in sorted(scopes):
        statement = upsert(PageVersion).values(scope=scope, version=1)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[PageVersion.scope],
                set_={"version": PageVersion.version + 1},
            )
        )


def _pending(session: Session) -> set[str]:
    return session.info.setdefault(_SCOPES, set())


def _after_flush(session: Session, _flush_context) -> None:
    changed = set(session.new) | set(session.deleted)
    changed |= {obj for obj in session.dirty if session.is_modified(obj)}
    scopes = {scopes_of(obj) for obj in changed}
    _pending(session).update(scope for scope in scopes if scope)


def _on_statement(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in UNTRACKED:
        _pending(state.session).add(SITE)


def _before_commit(session: Session) -> None:
    session.flush()  # what the commit would flush next: its changes count too
    scopes = session.info.pop(_SCOPES, None)
    if scopes:
        bump(session.connection(), scopes)


def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction: nothing happened
        session.info.pop(_SCOPES, None)
