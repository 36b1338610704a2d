"""Host API: tokens and the account (SPEC §10 "Host API")."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint

from server.accounts import services as accounts
from server.accounts.auth import Unauthorized, current_user, require_host
from server.accounts.schemas import (
    AccountUpdateSchema,
    AccountViewSchema,
    TokenRequestSchema,
    TokenSchema,
)
from server.accounts.services import authenticate, issue_token
from server.db import get_session
from server.limiter import limiter

blp = Blueprint("accounts", __name__, url_prefix="/api/v1", description="Tokens and account")


def _view() -> dict[str, Any]:
    user = current_user()
    return {"user": user, "account": user.account, "users": user.account.users}


@blp.route("/auth/tokens", endpoint="tokens", methods=["POST"])
@limiter.limit("10 per minute")
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
def create_token(data: dict[str, Any]) -> ResponseReturnValue:
    """Exchange email and password for a bearer token.

    :raise 401: wrong email or password (the same answer for both).
    """
    session = get_session()
    user = authenticate(session, data["email"], data["password"])
    if user is None:
        raise Unauthorized("Wrong email or password.", code="invalid_credentials")
    token = issue_token(session, user)
    return {"token": token, "user_id": user.id}


@blp.route("/account", endpoint="account", methods=["GET"])
@blp.doc(security=[{"bearer": []}])
@blp.response(200, AccountViewSchema)
@require_host
def account() -> dict[str, Any]:
    """The signed-in user, their account and its users (ids for ``host_ids``)."""
    return _view()


@blp.route("/account", endpoint="account_update", methods=["PATCH"])
@blp.doc(security=[{"bearer": []}])
@blp.arguments(AccountUpdateSchema)
@blp.response(200, AccountViewSchema)
@require_host
def update_account(data: dict[str, Any]) -> dict[str, Any]:
    """Change account settings such as the origins allowed to embed (P5)."""
    accounts.update_account(get_session(), current_user().account, data)
    return _view()
