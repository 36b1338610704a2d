"""The HTTP API's plumbing: flask-smorest (OpenAPI), CORS, rate limits, and its blueprints."""

from __future__ import annotations

from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from flask_cors import CORS
from flask_smorest import Api
from marshmallow import Schema
from werkzeug.routing import BaseConverter

from server import limiter
from server.errors import ErrorSchema
from server.openapi import AnswerConverter, ErrorResponsesPlugin
from server.public.cors import apply_account_origins

__all__ = ["RendezvousApi", "SlugConverter", "init_app"]


class SlugConverter(BaseConverter):
    """A link slug is always ``<host prefix>/<name>`` (P1), so it spans one slash, never more."""

    regex = r"[a-z0-9](?:[a-z0-9-]{0,62})/[a-z0-9](?:[a-z0-9-]{0,62})"
    part_isolating = False


class RendezvousApi(Api):
    """flask-smorest's Api, documenting errors as :mod:`server.errors` writes them.

    No ``default`` response: each operation lists the error statuses it answers
    (:mod:`server.openapi`), so a client, or a fuzzer, can tell an undocumented one.
    """

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None


class _MarshmallowPlugin(MarshmallowPlugin):
    Converter = AnswerConverter


def _slug_parameter(converter: BaseConverter) -> dict[str, str]:
    return {"type": "string", "pattern": f"^{converter.regex}$"}


def _schema_name(schema: type[Schema] | Schema) -> str:
    """``LinkSchema`` → ``Link``; a partial instance (PATCH bodies) → ``LinkPatch``."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type) and schema.partial:
        name += "Patch"
    return name


def init_app(app: Flask) -> None:
    app.url_map.converters["slug"] = SlugConverter
    app.config.update(
        API_TITLE="Rendezvous",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = RendezvousApi(
        app,
        spec_kwargs={
            "info": {"description": "Rendezvous public and host API"},
            "marshmallow_plugin": _MarshmallowPlugin(schema_name_resolver=_schema_name),
            "extra_plugins": [ErrorResponsesPlugin(app)],
        },
    )
    api.register_converter(SlugConverter, _slug_parameter)
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "POST /api/v1/auth/tokens"}
    )
    limiter.init_app(app)
    # The public API answers any origin; each account's allow-list is applied per response.
    app.after_request(apply_account_origins)
    CORS(app, resources={r"/api/v1/public/*": {"origins": "*"}}, expose_headers=["Retry-After"])

    from server.accounts.blueprint import blp as accounts_blp
    from server.bookings.blueprint import blp as bookings_blp
    from server.bookings.freshness import install as install_slots_versions
    from server.calendars.blueprint import blp as calendars_blp
    from server.contacts.blueprint import blp as contacts_blp
    from server.feeds.blueprint import blp as feeds_blp
    from server.links.blueprint import blp as links_blp
    from server.public.blueprint import blp as public_blp
    from server.webhooks.blueprint import blp as webhooks_blp
    from server.webhooks.payloads import install as install_webhook_payloads

    for blueprint in (
        public_blp,
        accounts_blp,
        links_blp,
        bookings_blp,
        contacts_blp,
        calendars_blp,
        feeds_blp,
        webhooks_blp,
    ):
        api.register_blueprint(blueprint)
    install_webhook_payloads()  # each event's data: the host API's view of it
    install_slots_versions()  # every flush renews what cached slots were computed from
