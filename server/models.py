"""Every model, imported once so SQLAlchemy and Alembic see the whole schema."""

from server.accounts.models import (
    Account,
    ApiToken,
    AuditRecord,
    Invitation,
    User,
    UserSession,
)
from server.bookings.models import Booking, BookingChange, BookingHost, IdempotentAnswer
from server.calendars.models import (
    Calendar,
    CalendarBusy,
    CalendarConnection,
    CalendarJob,
    CalendarMeeting,
)
from server.contacts.models import Contact
from server.db import Base
from server.domains.models import CustomDomain
from server.feeds.models import CalendarFeed
from server.links.models import BookingLink, LinkDateOverride, LinkHost, LinkHours
from server.meeting_requests.models import VisitorRequest
from server.notifications.models import OutboxMessage
from server.uploads.models import Upload
from server.webhooks.models import Webhook, WebhookDelivery

metadata = Base.metadata

__all__ = [
    "Account",
    "ApiToken",
    "AuditRecord",
    "Booking",
    "BookingChange",
    "BookingHost",
    "BookingLink",
    "Calendar",
    "CalendarBusy",
    "CalendarConnection",
    "CalendarFeed",
    "CalendarJob",
    "CalendarMeeting",
    "Contact",
    "CustomDomain",
    "IdempotentAnswer",
    "Invitation",
    "LinkDateOverride",
    "LinkHost",
    "LinkHours",
    "OutboxMessage",
    "Upload",
    "User",
    "UserSession",
    "VisitorRequest",
    "Webhook",
    "WebhookDelivery",
    "metadata",
]
