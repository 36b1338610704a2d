"""Who commits: a service's unit of work commits all it did or nothing, joins the unit of the
service that called it, and refuses to start while the session holds changes nobody owns."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.accounts.models import Account
from server.db import PendingWork, get_session, transaction, write_transaction

pytestmark = pytest.mark.db


def _account_names(app) -> list[str]:
    """What another session sees: only what was committed."""
    with app.app_context():
        return list(get_session().scalars(select(Account.name).order_by(Account.id)))


def _new_account(name: str) -> Account:
    return Account(name=name, allowed_origins=[], consent_defaults={}, meeting_types=[])


def test_a_unit_commits_what_it_did(app):
    with app.app_context():
        session = get_session()
        with transaction(session):
            session.add(_new_account("Kept"))
    assert _account_names(app) == ["Kept"]


def test_a_unit_that_raises_leaves_nothing(app):
    with app.app_context():
        session = get_session()
        with pytest.raises(ValueError), transaction(session):
            session.add(_new_account("Lost"))
            session.flush()
            raise ValueError("a service's expected failure")
    assert _account_names(app) == []


def test_a_nested_unit_joins_the_outer_one(app):
    with app.app_context():
        session = get_session()
        with pytest.raises(ValueError), transaction(session):
            with transaction(session):  # a service called by another service
                session.add(_new_account("Inner"))
            raise ValueError("the outer service fails after the inner one returned")
    assert _account_names(app) == []


@pytest.mark.parametrize("unit", [transaction, write_transaction], ids=["plain", "write-lock"])
def test_a_unit_refuses_changes_nobody_committed(app, unit):
    with app.app_context():
        session = get_session()
        session.add(_new_account("Stray"))
        with pytest.raises(PendingWork), unit(session):
            pass
        session.rollback()
    assert _account_names(app) == []


def test_a_unit_refuses_changes_flushed_but_not_committed(app):
    with app.app_context():
        session = get_session()
        session.add(_new_account("Flushed"))
        session.flush()
        with pytest.raises(PendingWork), write_transaction(session):
            pass
        session.rollback()
    assert _account_names(app) == []


def test_a_unit_may_start_after_reads(app):
    with app.app_context():
        session = get_session()
        assert session.scalar(select(func.count(Account.id))) == 0  # begins a transaction
        with write_transaction(session):
            session.add(_new_account("After reading"))
    assert _account_names(app) == ["After reading"]


def test_a_write_lock_cannot_be_taken_inside_a_plain_unit(app):
    with app.app_context():
        session = get_session()
        with pytest.raises(PendingWork), transaction(session):
            session.add(_new_account("Unlocked"))
            with write_transaction(session):
                pass
    assert _account_names(app) == []
