"""P5: each account's allowed embed origins, applied on top of flask-cors's grant."""

from __future__ import annotations

from flask import Response, g, request

__all__ = ["apply_account_origins"]

TIMED_PATHS = ("/api/v1/public/", "/embed/", "/widget/static/")


def apply_account_origins(response: Response) -> Response:
    """A browser on an origin the account didn't allow gets no CORS grant.

    Registered on the app before flask-cors, so it runs after flask-cors has added its headers
    (Flask runs app-level ``after_request`` functions in reverse order of registration).
    """
    if request.path.startswith(TIMED_PATHS):
        # Lets host pages (and our benchmark) see the widget's real load timings and sizes.
        response.headers["Timing-Allow-Origin"] = "*"
    account = g.get("public_account")
    origin = request.headers.get("Origin")
    if account is not None and account.allowed_origins and origin:
        if origin.rstrip("/") not in account.allowed_origins:
            response.headers.pop("Access-Control-Allow-Origin", None)
    return response
