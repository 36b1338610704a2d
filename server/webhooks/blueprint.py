"""Host API: the account's webhooks and their delivery logs (SPEC §10 "Webhooks").

For the account's admins (a webhook sees every booking of the account); another account's
webhook is a 404. The secret is in the answer of the POST that made it, and in no other.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint

from server.accounts.auth import current_user, require_host
from server.calendars.fetch import limits_from_config
from server.clock import utcnow
from server.db import get_session
from server.pagination import Page, PageQuerySchema, page_of
from server.webhooks.models import Webhook, WebhookDelivery
from server.webhooks.schemas import (
    DeliverySchema,
    WebhookCreatedSchema,
    WebhookSchema,
    WebhookViewSchema,
)
from server.webhooks.services import (
    create_webhook,
    delete_webhook,
    deliveries_page,
    get_webhook,
    send_test,
    update_webhook,
    webhooks_page,
)

__all__ = ["blp"]

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks", description="Webhooks")
SECURITY = [{"bearer": []}]
NOT_FOUND = "not_found: no such webhook in this account"


@blp.route("", endpoint="list", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, page_of(WebhookViewSchema))
@require_host
def list_webhooks(query: dict[str, Any]) -> Page:
    """The account's webhooks, oldest first, a page at a time (no secrets).

    :raise 403: not an admin of the account.
    """
    return webhooks_page(get_session(), current_user(), **query)


@blp.route("", endpoint="create", methods=["POST"])
@blp.doc(security=SECURITY)
@blp.arguments(WebhookSchema)
@blp.response(201, WebhookCreatedSchema)
@blp.alt_response(
    422,
    description="validation_error: fields.url (not http or https, or a private, loopback "
    "or link-local address), fields.events (none, or an unknown one), or another field",
)
@require_host
def create(data: dict[str, Any]) -> ResponseReturnValue:
    """Add a webhook. Its secret is the one sent, or one the server makes; either way this
    answer is the only one that shows it.

    :raise 403: not an admin of the account.
    """
    webhook, secret = create_webhook(
        get_session(),
        current_user(),
        limits=limits_from_config(current_app.config),
        now=utcnow(),
        **data,
    )
    location = url_for("webhooks.get", webhook_id=webhook.id)
    return (webhook, secret), 201, {"Location": location}


@blp.route("/<int:webhook_id>", endpoint="get", methods=["GET"])
@blp.etag
@blp.doc(security=SECURITY)
@blp.response(200, WebhookViewSchema)
@blp.alt_response(404, description=NOT_FOUND)
@require_host
def get(webhook_id: int) -> Webhook:
    """One webhook of the account (without its secret).

    :raise 403: not an admin of the account.
    """
    return get_webhook(get_session(), current_user(), webhook_id)


@blp.route("/<int:webhook_id>", endpoint="update", methods=["PATCH"])
@blp.doc(security=SECURITY)
@blp.arguments(WebhookSchema(partial=True))
@blp.response(200, WebhookViewSchema)
@blp.alt_response(404, description=NOT_FOUND)
@require_host
def update(data: dict[str, Any], webhook_id: int) -> Webhook:
    """Change the fields sent: ``url``, ``events``, a new ``secret``, ``active``.

    :raise 403: not an admin of the account.
    """
    return update_webhook(
        get_session(),
        current_user(),
        webhook_id,
        data,
        limits=limits_from_config(current_app.config),
        now=utcnow(),
    )


@blp.route("/<int:webhook_id>", endpoint="delete", methods=["DELETE"])
@blp.doc(security=SECURITY)
@blp.response(204)
@blp.alt_response(404, description=NOT_FOUND)
@require_host
def delete(webhook_id: int) -> None:
    """Remove the webhook and its delivery log; nothing pending is sent.

    :raise 403: not an admin of the account.
    """
    delete_webhook(get_session(), current_user(), webhook_id)


@blp.route("/<int:webhook_id>/deliveries", endpoint="deliveries", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, page_of(DeliverySchema))
@blp.alt_response(404, description=NOT_FOUND)
@require_host
def deliveries(query: dict[str, Any], webhook_id: int) -> Page:
    """The webhook's delivery log, newest first, a page at a time: each event, its status
    (pending, delivered, failed), attempts, the receiver's last answer or error.

    :raise 403: not an admin of the account.
    """
    return deliveries_page(get_session(), current_user(), webhook_id, **query)


@blp.route("/<int:webhook_id>/test", endpoint="test", methods=["POST"])
@blp.doc(security=SECURITY)
@blp.response(202, DeliverySchema)
@blp.alt_response(404, description=NOT_FOUND)
@require_host
def ping(webhook_id: int) -> WebhookDelivery:
    """Queue a ``ping`` event for the webhook (even a switched-off one); the worker sends it
    as it sends every event, and the log shows how it went.

    :raise 403: not an admin of the account.
    """
    return send_test(get_session(), current_user(), webhook_id, utcnow())
