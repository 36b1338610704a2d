"""The OpenAPI document tells the truth about errors: which statuses each operation answers,
in the one error shape (SPEC §10), and a stable ``operationId`` for each operation.

The statuses are not listed by hand per view: they follow from facts about the operation,
read as flask-smorest hands each one to apispec (:class:`ErrorResponsesPlugin`):

- a bearer ``security`` requirement: 401;
- a path parameter: 404 (an unknown id, slug or token);
- a JSON body: 400 (not JSON, nested too deep), 413 (over ``MAX_CONTENT_LENGTH``) and 422;
- query parameters: 400 (text no database can store) and 422;
- a rate limit on the route or its blueprint (Flask-Limiter's own record): 429;
- every operation: 503 while the database is unreachable or locked;
- the public API: 403 ``origin_not_allowed`` for a page the account didn't allow (A5);
- the view's docstring, ``:raise 409: ...``: that status, with that text (403, 409, ...).

The ``:raise`` lines become the responses' descriptions and leave the operation's text.

Answers are described as they are sent: a schema marked :func:`every_field_sent` lists all its
fields as ``required`` (:class:`AnswerConverter`), as generated clients need to know.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from apispec import APISpec, BasePlugin
from apispec.ext.marshmallow import OpenAPIConverter
from apispec.ext.marshmallow.common import resolve_schema_instance
from flask import Flask
from marshmallow import Schema
from werkzeug.routing import Rule

from server.errors import ErrorSchema
from server.limiter import limiter

__all__ = [
    "ERROR_DESCRIPTIONS",
    "AnswerConverter",
    "ErrorResponsesPlugin",
    "every_field_sent",
    "raised_statuses",
]

#: what each error status means in this API, when the view says nothing more specific
ERROR_DESCRIPTIONS: Mapping[int, str] = {
    400: "bad_request or malformed_json: the body is not JSON or is nested over 32 levels, "
    "or a query string holds NUL or an unpaired surrogate",
    401: "unauthorized: no bearer token, or one that is unknown, revoked or expired",
    403: "forbidden: the signed-in user's role doesn't allow it",
    404: "not_found",
    409: "conflict",
    413: "payload_too_large: the body is over 1 MiB",
    422: "validation_error: `error.fields` names each invalid field with its messages",
    429: "rate_limited: too many requests for now (from this address, or for this email "
    "address or link); retry after `Retry-After` seconds",
    503: "unavailable: the database can't be reached or is busy; retry after `Retry-After` seconds",
}
#: the ``error.code`` a status always carries (409s, 400s have several)
_FIXED_CODES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    413: "payload_too_large",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}
_RETRY_AFTER = {
    "description": "seconds to wait before trying again",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
}
_RETRYABLE = (429, 503)
_RAISE = re.compile(r":raise (\d{3}):\s*(.*?)\s*(?=:raise \d{3}:|\Z)", re.S)
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_EVERY_FIELD_SENT = "_openapi_every_field_sent"
SchemaT = TypeVar("SchemaT", bound=type[Schema])


def every_field_sent(schema: SchemaT) -> SchemaT:
    """Mark a schema that only answers, and whose answers carry every field (``null`` where
    it is nullable): the document then lists them all as ``required``, so generated clients
    don't make each one optional. Subclasses inherit the mark."""
    setattr(schema, _EVERY_FIELD_SENT, True)
    return schema


class AnswerConverter(OpenAPIConverter):
    """apispec's marshmallow converter, reading :func:`every_field_sent`."""

    def schema2jsonschema(self, schema: Any) -> dict[str, Any]:
        jsonschema = super().schema2jsonschema(schema)
        instance = resolve_schema_instance(schema)
        if getattr(instance, _EVERY_FIELD_SENT, False):
            sent = [field.data_key or name for name, field in instance.dump_fields.items()]
            jsonschema["required"] = sorted({*jsonschema.get("required", ()), *sent})
        return jsonschema


def raised_statuses(text: str | None) -> tuple[dict[int, str], str]:
    """The ``:raise NNN: why`` clauses of a docstring, and the text without them."""
    if not text:
        return {}, ""
    found = {int(status): " ".join(why.split()) for status, why in _RAISE.findall(text)}
    rest = _RAISE.sub("", text).strip()
    return found, rest


class ErrorResponsesPlugin(BasePlugin):
    """An apispec plugin: completes every operation's error responses and its operationId."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.operation_ids: set[str] = set()

    def init_spec(self, spec: APISpec) -> None:
        spec.components.schema("Error", schema=ErrorSchema)
        for status, description in ERROR_DESCRIPTIONS.items():
            spec.components.response(_component(status), _response(status, description))

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        rule: Rule | None = kwargs.get("rule")
        if rule is None or not operations:
            return
        view = self.app.view_functions.get(rule.endpoint)
        raised, _ = raised_statuses(inspect.getdoc(view) if view else None)
        methods = [m for m in operations if m in _METHODS]
        for method in methods:
            operation = operations[method]
            operation.setdefault("operationId", self._operation_id(rule, method, len(methods)))
            _strip_raises(operation)
            statuses = set(raised) | {503}
            if operation.get("security"):
                statuses.add(401)
            if rule.arguments:
                statuses.add(404)
            if "requestBody" in operation:
                statuses |= {400, 413, 422}
            if any(_in_query(p) for p in operation.get("parameters", ())):
                statuses |= {400, 422}
            if self._rate_limited(rule, method):
                statuses.add(429)
            if rule.endpoint.startswith("public."):
                statuses.add(403)  # origin_not_allowed (A5), before any public view runs
            responses = operation.setdefault("responses", {})
            responses.pop("default", None)
            for status in sorted(statuses):
                responses[str(status)] = self._error_response(
                    status, responses.get(str(status)), raised.get(status)
                )

    def _error_response(self, status: int, declared: Any, raised: str | None) -> Any:
        """The view's own words win (an ``alt_response`` description, then its docstring);
        the content is always the Error schema."""
        description = None
        if isinstance(declared, Mapping) and "$ref" not in declared:
            description = declared.get("description")
        if not description and raised:
            description = raised.replace("``", "`")
            code = _FIXED_CODES.get(status)
            if code and not description.startswith(code):
                description = f"{code}: {description}"
        if not description:
            return _component(status)
        return _response(status, description)

    def _operation_id(self, rule: Rule, method: str, method_count: int) -> str:
        """``links.create`` → ``links_create``: the endpoint's name, unique in the app."""
        operation_id = rule.endpoint.replace(".", "_")
        if method_count > 1:
            operation_id += f"_{method}"
        if operation_id in self.operation_ids:
            raise ValueError(f"two operations would be named {operation_id!r}")
        self.operation_ids.add(operation_id)
        return operation_id

    def _rate_limited(self, rule: Rule, method: str) -> bool:
        """Flask-Limiter's record of limits on the route, its blueprint, or the whole app,
        whether or not limits are enabled in this process (the tests turn them off)."""
        manager = limiter.limit_manager
        blueprint = rule.endpoint.rpartition(".")[0] or None
        # a limit may be a callable reading the app's config, or name the methods it counts
        with self.app.test_request_context(method=method.upper()):
            defaults, decorated = manager.resolve_limits(self.app, rule.endpoint, blueprint)
        limits = [*defaults, *decorated, *manager.application_limits]
        return any(limit.methods is None or method in limit.methods for limit in limits)


def _in_query(parameter: Any) -> bool:
    return isinstance(parameter, Mapping) and parameter.get("in") == "query"


def _component(status: int) -> str:
    return f"Error{status}"


def _response(status: int, description: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": "Error"}},
    }
    if status in _RETRYABLE:
        response["headers"] = {"Retry-After": dict(_RETRY_AFTER)}
    return response


def _strip_raises(operation: dict[str, Any]) -> None:
    """``:raise`` clauses are responses now; the summary and description keep the rest."""
    for key in ("summary", "description"):
        _, rest = raised_statuses(operation.get(key))
        if rest:
            operation[key] = rest
        else:
            operation.pop(key, None)
