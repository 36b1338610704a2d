"""What every request's input must be before any view sees it (SPEC A4: a clear 4xx, never a
500): ids within the database's integer range, JSON nested at most :data:`MAX_DEPTH` deep,
and no text the databases can't store (NUL, which PostgreSQL refuses, and unpaired
surrogates, which no encoding can write), in JSON bodies, forms and query strings alike.

And what every response carries (issue 12.11): ``nosniff``, HSTS when the app is served over
HTTPS, and a CSP on an HTML error page that doesn't set its own.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, abort, current_app, request
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from server.errors import ApiError, ValidationFailed

__all__ = ["MAX_DEPTH", "MAX_ID", "init_app"]

#: the largest id a URL may name: PostgreSQL's ``integer`` (SQLite's is larger)
MAX_ID = 2**31 - 1
MAX_DEPTH = 32
_STORABLE = "Text can't contain NUL characters or unpaired surrogates."


class BoundedInt(IntegerConverter):
    """``<int:…>`` that matches only ids a table can hold: a larger one is a 404, as any
    unknown id is, not a database error."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        # A 404 here, not werkzeug's ValidationError: that one becomes a 405 when a rule for
        # another method has the same path (DELETE /api/v1/links/<huge>).
        if self.max is not None and int(value) > self.max:
            raise NotFound()
        return super().to_python(value)


class TooDeep(ApiError):
    status = 400
    code = "bad_request"


def _unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    return any("\ud800" <= c <= "\udfff" for c in text)


def _bad_text(value: Any) -> str | None:
    """The path of the first string (key or value) that can't be stored, or None."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if _unstorable(item):
                return path or "body"
        elif isinstance(item, dict):
            for key, child in item.items():
                if _unstorable(key):
                    return path or "body"
                stack.append((f"{path}.{key}" if path else str(key), child))
        elif isinstance(item, list):
            stack.extend((f"{path}.{n}" if path else str(n), child) for n, child in enumerate(item))
    return None


def _depth(value: Any) -> int:
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _check_request() -> None:
    sources = [request.args]
    if request.mimetype == "application/x-www-form-urlencoded":  # uploads: their view's caps
        sources.append(request.form)
    for source in sources:
        for key, value in source.items(multi=True):
            if _unstorable(key) or _unstorable(value):
                abort(400, description=_STORABLE)
    if not request.is_json:
        return
    body = request.get_data(cache=True)
    if not body:
        return
    try:
        parsed = json.loads(body)
    except RecursionError as exc:
        raise TooDeep(f"The JSON body is nested more than {MAX_DEPTH} levels deep.") from exc
    except ValueError:
        return  # not JSON: the view's parser answers that, with its own 400
    if _depth(parsed) > MAX_DEPTH:
        raise TooDeep(f"The JSON body is nested more than {MAX_DEPTH} levels deep.")
    where = _bad_text(parsed)
    if where is not None:
        raise ValidationFailed({where: [_STORABLE]})


#: for HTML that sets no policy of its own: the error pages, styled inline, nothing else
ERROR_PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'"
)
HSTS = "max-age=31536000"


def _response_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html" and response.status_code >= 400:
        response.headers.setdefault("Content-Security-Policy", ERROR_PAGE_CSP)
    if current_app.config["RENDEZVOUS_BASE_URL"].startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    """Before any blueprint adds its rules: the converter is read when a rule is made."""
    app.url_map.converters["int"] = BoundedInt
    app.before_request(_check_request)
    app.after_request(_response_headers)
