"""Bearer-token authentication for the host API (A1)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from server.accounts.models import User
from server.accounts.services import user_for_token
from server.db import get_session
from server.errors import ApiError

__all__ = ["current_user", "require_host"]

F = TypeVar("F", bound=Callable[..., Any])


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"


def require_host(view: F) -> F:
    """Let the view run only for a valid bearer token; ``current_user()`` is then its user.

    :raise 401: no token, or one that is unknown or revoked.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Send 'Authorization: Bearer <token>' (POST /api/v1/auth/tokens).")
        user = user_for_token(get_session(), token.strip())
        if user is None:
            raise Unauthorized("This token is not valid.")
        g.current_user = user
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def current_user() -> User:
    return g.current_user
