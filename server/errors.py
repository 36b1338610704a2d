"""One error shape for the whole HTTP API (SPEC §10), produced here and nowhere else.

``{"error": {"code": "...", "message": "...", "fields": {...}}}``; ``fields`` only on 422.
Expected failures (a slot just taken) are raised as :class:`ApiError` by services; HTTP
exceptions from Flask, webargs and the rate limiter are turned into the same shape.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, jsonify, request
from markupsafe import escape
from marshmallow import Schema
from marshmallow import fields as ma_fields
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from server.limiter import refusal_message, retry_after_seconds

__all__ = [
    "DATABASE_UNAVAILABLE",
    "ApiError",
    "Conflict",
    "ErrorSchema",
    "Forbidden",
    "NotFound",
    "ValidationFailed",
    "error_response",
    "handle_database_unavailable",
    "init_app",
]

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An expected failure that the client should see, with a stable machine-readable code."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        fields: Mapping[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status = status or self.status
        self.fields = dict(fields) if fields else None


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class ValidationFailed(ApiError):
    status = 422
    code = "validation_error"

    def __init__(
        self, fields: Mapping[str, list[str]], message: str = "Some fields are invalid."
    ) -> None:
        super().__init__(message, fields=fields)


class ErrorDetailSchema(Schema):
    """The inside of every error answer; documents what :func:`error_response` writes."""

    class Meta:
        ordered = True

    code = ma_fields.String(
        required=True,
        metadata={
            "description": "machine-readable and stable: not_found, validation_error, "
            "slot_unavailable, rate_limited, unavailable, ..."
        },
    )
    message = ma_fields.String(required=True, metadata={"description": "for people, in English"})
    field_messages = ma_fields.Dict(
        data_key="fields",
        keys=ma_fields.String(),
        values=ma_fields.List(ma_fields.String()),
        metadata={
            "description": "validation_error only: each invalid field (nested ones joined "
            "with dots, e.g. availability.mon) with its messages"
        },
    )


class ErrorSchema(Schema):
    """``{"error": {...}}``: the one error shape (SPEC §10), as the OpenAPI document's
    ``Error`` component, so generated clients read errors where they are."""

    error = ma_fields.Nested(ErrorDetailSchema, required=True)


def error_response(
    status: int, code: str, message: str, fields: Mapping[str, Any] | None = None
) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify(error=body)
    response.status_code = status
    return response


def flatten_messages(messages: Any) -> dict[str, list[str]]:
    """webargs nests errors by location (``{"json": {"email": [...]}}``); clients want fields.

    Nested schemas are joined with dots (``availability.mon``) so every message names its field.
    """
    if isinstance(messages, Mapping) and set(messages) <= {"json", "query", "form", "view_args"}:
        merged: dict[str, Any] = {}
        for location_messages in messages.values():
            if isinstance(location_messages, Mapping):
                merged.update(location_messages)
            else:
                merged.setdefault("_schema", []).extend(_as_list(location_messages))
        messages = merged
    flat: dict[str, list[str]] = {}
    _flatten_into(flat, "", messages)
    return flat


def _flatten_into(flat: dict[str, list[str]], prefix: str, messages: Any) -> None:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            if key == "_schema" and prefix:
                name = prefix
            _flatten_into(flat, name, value)
    else:
        flat.setdefault(prefix or "_schema", []).extend(_as_list(messages))


def _as_list(messages: Any) -> list[str]:
    if isinstance(messages, list | tuple):
        out: list[str] = []
        for item in messages:
            out.extend(_as_list(item))
        return out
    return [str(messages)]


def _wants_html() -> bool:
    """Pages (not the API) answer a browser with a short HTML page instead of JSON."""
    if request.path.startswith("/api/"):
        return False
    if request.path.startswith("/app/"):
        return True  # the dashboard is pages only
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"


def _html_error(status: int, message: str) -> Response:
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        f"<title>{status}</title>"
        "<main style='font-family:system-ui;max-width:40em;margin:4em auto'>"
        f"<h1>{status}</h1><p>{escape(message)}</p></main></html>"
    )
    return Response(body, status=status, mimetype="text/html")


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    if status == 304:  # the client's copy is current (flask-smorest's ETags): no body
        return _not_modified()
    if _wants_html():
        return _html_error(status, error.description or error.name)
    data = getattr(error, "data", None) or {}
    if status == 422 and "messages" in data:
        return error_response(
            422, "validation_error", "Some fields are invalid.", flatten_messages(data["messages"])
        )
    if status == 400 and "messages" in data:
        # webargs: the body is not JSON at all
        return error_response(400, "malformed_json", "The request body is not valid JSON.")
    code = _CODES.get(status, "http_error")
    message = error.description or error.name
    if status == 429:
        message = refusal_message(error, "Too many requests; try again in a minute.")
    response = error_response(status, code, message)
    if status == 429:
        response.headers["Retry-After"] = str(retry_after_seconds(error))
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _not_modified() -> Response:
    """304 with the ETag the client sent (it matched), as RFC 9110 wants it repeated."""
    response = Response(status=304)
    tags = request.if_none_match.as_set()
    if len(tags) == 1:
        response.set_etag(next(iter(tags)))
    return response


def handle_api_error(error: ApiError) -> Response:
    return error_response(error.status, error.code, error.message, error.fields)


#: what the database driver raises when it is down, or stalled past the lock timeout
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def handle_database_unavailable(error: Exception) -> Response:
    """The database can't be reached or is locked too long: a retryable 503, never a 500.

    The request's transaction is rolled back (a failed statement leaves it unusable), and the
    answer needs no database: a page that read the signed-in user would fail again."""
    log.error("database unavailable: %s", error)
    session = g.get("db_session")
    if session is not None:
        try:
            session.rollback()
        except Exception:  # noqa: BLE001 - the connection may be gone: nothing to undo
            log.debug("rollback after a database error failed", exc_info=True)
    message = "The service is briefly unavailable; please try again in a moment."
    if _wants_html():
        response = _html_error(503, message)
    else:
        response = error_response(503, "unavailable", message)
    response.headers["Retry-After"] = "5"
    return response


def handle_unexpected(error: Exception) -> Response:
    """The last resort: log it, and still answer in the contract's shape."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    log.exception("unhandled error", exc_info=error)
    return error_response(500, "internal_error", InternalServerError.description)


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
