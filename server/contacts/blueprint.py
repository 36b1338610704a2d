"""Host API: the account's contacts."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from server.accounts.access import account_row
from server.accounts.auth import current_user, require_host
from server.contacts.models import Contact
from server.db import get_session

blp = Blueprint("contacts", __name__, url_prefix="/api/v1/contacts", description="Contacts")
SECURITY = [{"bearer": []}]


class ContactSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    properties = fields.Dict()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


@blp.route("", endpoint="list", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.response(200, ContactSchema(many=True))
@require_host
def list_contacts() -> list[Contact]:
    """The account's contacts, newest first."""
    return list(
        get_session().scalars(
            select(Contact)
            .where(Contact.account_id == current_user().account_id)
            .order_by(Contact.id.desc())
            .limit(500)
        )
    )


@blp.route("/<int:contact_id>", endpoint="get", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.response(200, ContactSchema)
@require_host
def get_contact(contact_id: int) -> Contact:
    """:raise 404: no such contact in this account."""
    return account_row(get_session(), Contact, contact_id, current_user().account_id, "contact")
