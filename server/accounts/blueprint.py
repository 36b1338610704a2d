"""Host API: tokens and the account (SPEC §10 "Host API")."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint

from server.accounts import services as accounts
from server.accounts.auth import Unauthorized, current_user, require_host
from server.accounts.schemas import (
    AccountUpdateSchema,
    AccountViewSchema,
    TokenInfoSchema,
    TokenRequestSchema,
    TokenSchema,
)
from server.accounts.services import authenticate, issue_api_token
from server.db import get_session
from server.limiter import limiter, login_account_limit
from server.pagination import Page, PageQuerySchema, page_of

blp = Blueprint("accounts", __name__, url_prefix="/api/v1", description="Tokens and account")


def _view() -> dict[str, Any]:
    user = current_user()
    return {"user": user, "account": user.account, "users": user.account.users}


@blp.route("/auth/tokens", endpoint="tokens", methods=["POST"])
@limiter.limit(lambda: current_app.config["RENDEZVOUS_LOGIN_RATE_LIMIT"])
@login_account_limit
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
def create_token(data: dict[str, Any]) -> ResponseReturnValue:
    """Exchange email and password for a bearer token (valid 90 days).

    :raise 401: wrong email or password (the same answer for both).
    """
    session = get_session()
    user = authenticate(session, data["email"], data["password"])
    if user is None:
        raise Unauthorized("Wrong email or password.", code="invalid_credentials")
    token, row = issue_api_token(session, user, data["name"])
    body = {
        "token": token,
        "user_id": user.id,
        "id": row.id,
        "name": row.name,
        "created_at": row.created_at,
        "expires_at": row.expires_at,
    }
    return body, 201, {"Location": url_for("accounts.token_revoke", token_id=row.id)}


@blp.route("/auth/tokens", endpoint="token_list", methods=["GET"])
@blp.doc(security=[{"bearer": []}])
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, page_of(TokenInfoSchema))
@require_host
def list_tokens(query: dict[str, Any]) -> Page:
    """The signed-in user's tokens, newest first, a page at a time (their secrets are never
    shown again)."""
    return accounts.tokens_page(get_session(), current_user(), **query)


@blp.route("/auth/tokens/<int:token_id>", endpoint="token_revoke", methods=["DELETE"])
@blp.doc(security=[{"bearer": []}])
@blp.response(204)
@require_host
def revoke_token(token_id: int) -> None:
    """Revoke one of the user's tokens: it opens nothing from now on (this one included).

    :raise 404: not a token of this user.
    """
    accounts.revoke_token(get_session(), current_user(), token_id)


@blp.route("/account", endpoint="account", methods=["GET"])
@blp.doc(security=[{"bearer": []}])
@blp.etag
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
    """Change account settings such as the origins allowed to embed (P5).

    :raise 403: the user is a member, not an admin of the account (A2).
    """
    user = current_user()
    accounts.update_account(get_session(), user.account, data, by=user)
    return _view()
