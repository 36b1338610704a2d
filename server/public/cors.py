"""P5 / A5: each account's allowed embed origins, enforced before the public API does anything.

Hiding the CORS grant alone is not enough: a browser still sends a cross-site ``POST`` with a
simple content type, and the server would book before the page is denied the answer. So a
request whose ``Origin`` the link's account has not allowed is refused with a 403 before the
view runs (preflights included), and the grant is withheld on every answer to such an origin.

Always allowed: requests without an ``Origin`` (servers, and browsers' same-origin ``GET``s),
the app's own origin (``RENDEZVOUS_BASE_URL``), the origin the request was sent to (the hosted
page, on the app's address or on a connected domain) and the account's verified domains.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, current_app, g, request

from server.accounts.models import Account
from server.accounts.origins import InvalidOrigin, normalise_origin
from server.db import get_session
from server.domains.services import verified_hostnames
from server.errors import DATABASE_UNAVAILABLE, ApiError

__all__ = ["OriginNotAllowed", "apply_account_origins", "origin_allowed", "refuse_foreign_origin"]

TIMED_PATHS = ("/api/v1/public/", "/embed/", "/widget/static/")


class OriginNotAllowed(ApiError):
    status = 403
    code = "origin_not_allowed"

    def __init__(self) -> None:
        super().__init__("This site may not use this booking link; ask its owner to allow it.")


def _own_origins(account: Account) -> set[str]:
    own = {
        f"{request.scheme}://{request.host}",
        current_app.config["RENDEZVOUS_BASE_URL"],
    }
    hostnames = verified_hostnames(get_session(), account.id)
    own.update(f"{scheme}://{name}" for name in hostnames for scheme in ("https", "http"))
    origins = set()
    for url in own:
        parts = urlsplit(url)
        try:
            origins.add(normalise_origin(f"{parts.scheme}://{parts.netloc}"))
        except InvalidOrigin:
            continue
    return origins


def origin_allowed(account: Account, origin: str | None) -> bool:
    """Whether a browser page on ``origin`` may use the account's public API."""
    allowed = account.allowed_origins or []
    if origin is None or not allowed:
        return True
    try:
        origin = normalise_origin(origin)
    except InvalidOrigin:  # "null" (sandboxed frames, file://) and anything malformed
        return False
    return origin in allowed or origin in _own_origins(account)


def _account_of_request() -> Account | None:
    """The account whose link or booking the URL names; None when it names none (yet)."""
    from server.bookings.services import get_by_token
    from server.links.services import get_public_link

    args = request.view_args or {}
    session = get_session()
    if "slug" in args:
        g.public_link = get_public_link(session, args["slug"])  # the view reuses it
        return g.public_link.owner.account
    if "token" in args:
        return get_by_token(session, args["token"]).link.owner.account
    return None


def refuse_foreign_origin() -> None:
    """``before_request`` of the public API: a disallowed ``Origin`` gets a 403, nothing else.

    :raise OriginNotAllowed: the account has allowed origins and this isn't one of them.
    """
    origin = request.headers.get("Origin")
    if origin is None or origin == f"{request.scheme}://{request.host}":  # same origin
        return
    account = _account_of_request()
    if account is None:
        return
    g.public_account = account
    if not origin_allowed(account, origin):
        raise OriginNotAllowed()


def apply_account_origins(response: Response) -> Response:
    """A browser on an origin the account didn't allow gets no CORS grant.

    Registered on the app before flask-cors, so it runs after flask-cors has added its headers
    (Flask runs app-level ``after_request`` functions in reverse order of registration). An
    answer given before the origin check ran (a 429, a 400 from the input guards) looks the
    account up here, so early errors grant no more than a booking does.
    """
    if request.path.startswith(TIMED_PATHS):
        # Lets host pages (and our benchmark) see the widget's real load timings and sizes.
        response.headers["Timing-Allow-Origin"] = "*"
    origin = request.headers.get("Origin")
    if origin is None or "Access-Control-Allow-Origin" not in response.headers:
        return response
    account = g.get("public_account")
    if account is None:
        try:
            account = _account_of_request()
        except ApiError:  # the URL names nothing (404): there is no account to protect
            account = None
        except DATABASE_UNAVAILABLE:  # can't tell whose it is: grant nothing
            response.headers.pop("Access-Control-Allow-Origin", None)
            return response
    if account is None or not account.allowed_origins:
        return response
    if origin_allowed(account, origin):
        # A restricted account's grant names the one origin; caches must keep them apart.
        response.headers["Access-Control-Allow-Origin"] = origin
    else:
        response.headers.pop("Access-Control-Allow-Origin", None)
    response.vary.add("Origin")
    return response
