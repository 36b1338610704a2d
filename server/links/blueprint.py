"""Host API: links CRUD with every field of SPEC §10."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from server.accounts.auth import current_user, require_host
from server.bookings.slots import troubleshoot
from server.clock import utcnow
from server.db import get_session
from server.fields import AwareDateTime
from server.links.schemas import LinkSchema, LinkViewSchema
from server.links.services import (
    create_link,
    delete_link,
    get_account_link,
    link_view,
    links_page,
    update_link,
)
from server.openapi import every_field_sent
from server.pagination import Page, PageQuerySchema, page_of

blp = Blueprint("links", __name__, url_prefix="/api/v1/links", description="Meeting links")
SECURITY = [{"bearer": []}]


@blp.route("", endpoint="list", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, page_of(LinkViewSchema))
@require_host
def list_links(query: dict[str, Any]) -> Page:
    """The account's links, oldest first, a page at a time."""
    return links_page(get_session(), current_user().account_id, **query).map(link_view)


@blp.route("", endpoint="create", methods=["POST"])
@blp.doc(security=SECURITY)
@blp.arguments(LinkSchema)
@blp.response(201, LinkViewSchema)
@require_host
def create(data: dict[str, Any]) -> ResponseReturnValue:
    """Create a link; fields left out take the defaults of a new link.

    :raise 422: invalid fields, a taken slug, hosts from another account.
    """
    view = link_view(create_link(get_session(), current_user(), data))
    return view, 201, {"Location": url_for("links.get", link_id=view["id"])}


@blp.route("/<int:link_id>", endpoint="get", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.etag
@blp.response(200, LinkViewSchema)
@require_host
def get(link_id: int) -> dict[str, Any]:
    """One link of the account.

    :raise 404: no such link in this account.
    """
    return link_view(get_account_link(get_session(), current_user(), link_id))


@blp.route("/<int:link_id>", endpoint="update", methods=["PATCH"])
@blp.doc(security=SECURITY)
@blp.arguments(LinkSchema(partial=True))
@blp.response(200, LinkViewSchema)
@require_host
def update(data: dict[str, Any], link_id: int) -> dict[str, Any]:
    """Change the fields sent. The slug can't change (L3).

    :raise 404: no such link in this account.
    :raise 422: invalid fields.
    """
    session = get_session()
    link = get_account_link(session, current_user(), link_id)
    return link_view(update_link(session, current_user(), link, data))


@blp.route("/<int:link_id>", endpoint="delete", methods=["DELETE"])
@blp.doc(security=SECURITY)
@blp.response(204)
@require_host
def delete(link_id: int) -> None:
    """Delete the link: its page stops answering; its bookings stay.

    :raise 404: no such link in this account.
    """
    session = get_session()
    delete_link(session, get_account_link(session, current_user(), link_id))


class TroubleshootQuerySchema(Schema):
    start = AwareDateTime(required=True)
    duration = fields.Integer(validate=validate.Range(1, 24 * 60))


@every_field_sent
class HostVerdictSchema(Schema):
    host_id = fields.Integer()
    name = fields.String()
    bookable = fields.Boolean()
    reasons = fields.List(fields.Dict(), metadata={"description": "[{code, message}]"})


@every_field_sent
class TroubleshootSchema(Schema):
    start = fields.DateTime()
    duration = fields.Integer()
    bookable = fields.Boolean()
    hosts = fields.List(fields.Nested(HostVerdictSchema))


@blp.route("/<int:link_id>/troubleshoot", endpoint="troubleshoot", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.arguments(TroubleshootQuerySchema, location="query")
@blp.response(200, TroubleshootSchema)
@require_host
def troubleshoot_start(query: dict[str, Any], link_id: int) -> dict[str, Any]:
    """Why a start is or isn't offered: outside hours, window, notice, busy, buffer.

    :raise 404: no such link in this account.
    :raise 422: a start without offset, or a duration the link doesn't offer.
    """
    session = get_session()
    link = get_account_link(session, current_user(), link_id)
    duration = link.duration_for(query.get("duration"))
    hosts = troubleshoot(session, link, duration, query["start"], utcnow())
    bookable = [h["bookable"] for h in hosts]
    return {
        "start": query["start"],
        "duration": duration,
        "bookable": all(bookable) if link.type == "group" else any(bookable),
        "hosts": hosts,
    }
