"""Team members (A2): invitations by emailed link, and the admin/member roles.

An invitation's token is shown once (in the email) and stored as its SHA-256, like API
tokens. Accepting it creates the user in the inviting account, with the preset links (L1).
An account always keeps at least one admin.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts import mail
from server.accounts.access import account_row
from server.accounts.models import ROLES, Account, Invitation, User
from server.accounts.services import delete_account_row, user_by_email
from server.accounts.signup import sign_up
from server.clock import utcnow
from server.db import transaction
from server.errors import ApiError, NotFound, ValidationFailed
from server.tokens import token_hash

__all__ = [
    "INVITATION_LIFETIME",
    "accept_invitation",
    "create_invitation",
    "invitation_for_token",
    "invite",
    "pending_invitations",
    "revoke_invitation",
    "set_role",
]

INVITATION_LIFETIME = timedelta(days=7)


def create_invitation(
    session: Session, inviter: User, email: str, role: str
) -> tuple[Invitation, str]:
    """A new invitation (an older pending one for the same email is replaced), and its token.

    A step of :func:`invite`: it only flushes.

    :raise ValidationFailed: the email already has a user, or an unknown role.
    """
    email = email.strip().lower()
    if role not in ROLES:
        raise ValidationFailed({"role": [f"Choose one of {', '.join(ROLES)}."]})
    if user_by_email(session, email) is not None:
        raise ValidationFailed({"email": ["This person already has a Rendezvous user."]})
    for old in pending_invitations(session, inviter.account_id):
        if old.email == email:
            session.delete(old)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = Invitation(
        account_id=inviter.account_id,
        email=email,
        role=role,
        token_hash=token_hash(token),
        invited_by_id=inviter.id,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    session.add(invitation)
    session.flush()
    return invitation, token


def invite(session: Session, inviter: User, email: str, role: str) -> Invitation:
    """Invite ``email`` to the inviter's account and queue the email with its link; committed.

    :raise ValidationFailed: see :func:`create_invitation`.
    """
    with transaction(session):
        invitation, token = create_invitation(session, inviter, email, role)
        mail.send_invitation(session, inviter, invitation, token)
    return invitation


def revoke_invitation(session: Session, admin: User, invitation_id: int) -> Invitation:
    """Withdraw a pending invitation, committed: its link stops working.

    :raise NotFound: not an invitation of the admin's account.
    """
    return delete_account_row(session, Invitation, invitation_id, admin.account_id, "invitation")


def pending_invitations(session: Session, account_id: int) -> list[Invitation]:
    return list(
        session.scalars(
            select(Invitation)
            .where(
                Invitation.account_id == account_id,
                Invitation.accepted_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.id)
        )
    )


def invitation_for_token(session: Session, token: str) -> Invitation:
    """:raise NotFound: unknown, used or expired (the same answer for all three)."""
    invitation = None
    if 0 < len(token) <= 128:
        invitation = session.scalar(
            select(Invitation).where(Invitation.token_hash == token_hash(token))
        )
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.expires_at <= utcnow()
    ):
        raise NotFound("This invitation is not valid any more; ask for a new one.")
    return invitation


def accept_invitation(
    session: Session, invitation: Invitation, *, name: str, password: str, timezone: str
) -> User:
    """The invited person's user, in the inviting account, with its preset links; committed.

    :raise ValidationFailed: the email got a user meanwhile.
    """
    with transaction(session):
        user = sign_up(
            session,
            email=invitation.email,
            password=password,
            name=name,
            timezone=timezone,
            account=session.get(Account, invitation.account_id),
            role=invitation.role,
        )
        invitation.accepted_at = utcnow()
    return user


def set_role(session: Session, admin: User, user_id: int, role: str) -> User:
    """The member's new role, committed.

    :raise NotFound: no such user in the account. :raise ValidationFailed: an unknown role.
    :raise ApiError: the last admin would become a member.
    """
    with transaction(session):
        user = account_row(session, User, user_id, admin.account_id, "team member")
        if role not in ROLES:
            raise ValidationFailed({"role": [f"Choose one of {', '.join(ROLES)}."]})
        if user.role == "admin" and role != "admin":
            admins = session.scalars(
                select(User.id).where(User.account_id == admin.account_id, User.role == "admin")
            ).all()
            if len(admins) <= 1:
                raise ApiError(
                    "An account needs at least one admin; make someone else admin first.",
                    code="last_admin",
                    status=409,
                )
        user.role = role
    return user
