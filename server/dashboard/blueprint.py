"""Every URL of the dashboard, grouped by area; the views live in one module per area."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from server.dashboard import (
    account,
    auth,
    bookings,
    calendars,
    contacts,
    links,
    preferences,
    rendering,
    troubleshooter,
    webhooks,
)
from server.errors import DATABASE_UNAVAILABLE, ApiError, handle_database_unavailable
from server.limiter import refusal_message, retry_after_seconds
from server.uploads.services import MAX_REQUEST_BYTES

__all__ = ["bp", "files", "widen_upload_limit"]

log = logging.getLogger(__name__)

bp = Blueprint(
    "dashboard",
    __name__,
    url_prefix="/app",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
#: public, outside /app: the images that booking pages and widgets show (P3, L3)
files = Blueprint("files", __name__)

GET, POST, BOTH = ["GET"], ["POST"], ["GET", "POST"]

# -- sign-up, login, password reset, invitations (A1) ------------------------------------
bp.add_url_rule("/signup", "signup", auth.signup, methods=BOTH)
bp.add_url_rule("/signup/confirm/<token>", "confirm_signup", auth.confirm_signup, methods=GET)
bp.add_url_rule("/login", "login", auth.login, methods=BOTH)
bp.add_url_rule("/logout", "logout", auth.logout, methods=POST)
bp.add_url_rule("/password/forgot", "forgot_password", auth.forgot_password, methods=BOTH)
bp.add_url_rule("/password/reset/<token>", "reset_password", auth.reset_password, methods=BOTH)
bp.add_url_rule("/invitations/<token>", "accept_invitation", auth.accept_invitation, methods=BOTH)

# -- meeting links: list, editor, embed, default, troubleshooter (L1–L10, E1, E2, P2) ------
bp.add_url_rule("/", "home", links.home, methods=GET)
bp.add_url_rule("/links", "links", links.link_list, methods=GET)
bp.add_url_rule("/links/new", "link_new", links.link_new, methods=BOTH)
bp.add_url_rule("/links/<int:link_id>/edit/<step>", "link_edit", links.link_edit, methods=BOTH)
bp.add_url_rule("/links/<int:link_id>/embed", "link_embed", links.link_embed, methods=GET)
bp.add_url_rule(
    "/links/<int:link_id>/email-preview", "link_email_preview", links.email_preview, methods=GET
)
bp.add_url_rule("/links/<int:link_id>/default", "link_default", links.make_default, methods=POST)
bp.add_url_rule("/links/<int:link_id>/delete", "link_delete", links.link_delete, methods=POST)
bp.add_url_rule("/notice-preview", "notice_preview", links.notice_preview, methods=POST)
bp.add_url_rule(
    "/links/<int:link_id>/troubleshoot",
    "link_troubleshoot",
    troubleshooter.troubleshooter,
    methods=GET,
)

# -- bookings (L10: who was assigned) ------------------------------------------------------
bp.add_url_rule("/bookings", "bookings", bookings.booking_list, methods=GET)
bp.add_url_rule("/bookings/<int:booking_id>", "booking", bookings.booking_detail, methods=GET)
bp.add_url_rule(
    "/bookings/<int:booking_id>/cancel", "booking_cancel", bookings.booking_cancel, methods=POST
)

# -- contacts: list, record with timeline, Schedule tab (B7) -------------------------------
bp.add_url_rule("/contacts", "contacts", contacts.contact_list, methods=GET)
bp.add_url_rule("/contacts/<int:contact_id>", "contact", contacts.contact_record, methods=GET)
bp.add_url_rule(
    "/contacts/<int:contact_id>/export", "contact_export", contacts.contact_export, methods=GET
)
bp.add_url_rule(
    "/contacts/<int:contact_id>/erase", "contact_erase", contacts.contact_erase, methods=POST
)
bp.add_url_rule(
    "/contacts/<int:contact_id>/schedule", "contact_schedule", contacts.schedule, methods=BOTH
)

# -- the signed-in user: preferences (P1), API tokens, calendars ----------------------------
bp.add_url_rule("/preferences", "preferences", preferences.preferences, methods=BOTH)
bp.add_url_rule("/password", "change_password", preferences.change_password, methods=BOTH)
bp.add_url_rule("/tokens", "tokens", preferences.tokens, methods=BOTH)
bp.add_url_rule(
    "/tokens/<int:token_id>/revoke", "token_revoke", preferences.token_revoke, methods=POST
)
bp.add_url_rule("/uploads/<int:upload_id>", "upload", preferences.upload, methods=GET)
bp.add_url_rule("/calendars", "calendars", calendars.calendars, methods=GET)
bp.add_url_rule(
    "/calendars/caldav", "calendar_caldav", calendars.connect_caldav_account, methods=POST
)
bp.add_url_rule("/calendars/ics", "calendar_ics", calendars.subscribe_ics_feed, methods=POST)
bp.add_url_rule("/calendars/feed", "calendar_feed", calendars.feed_open, methods=POST)
bp.add_url_rule("/calendars/feed/off", "calendar_feed_off", calendars.feed_close, methods=POST)
bp.add_url_rule(
    "/calendars/connect/<any(google, microsoft):provider>",
    "calendar_oauth_connect",
    calendars.oauth_connect,
    methods=GET,
)
bp.add_url_rule(
    "/calendars/oauth/<any(google, microsoft):provider>/callback",
    "calendar_oauth_callback",
    calendars.oauth_callback,
    methods=GET,
)
bp.add_url_rule(
    "/calendars/<int:connection_id>/refresh",
    "calendar_refresh",
    calendars.connection_refresh,
    methods=POST,
)
bp.add_url_rule(
    "/calendars/<int:connection_id>/reconnect",
    "calendar_reconnect",
    calendars.connection_reconnect,
    methods=POST,
)
bp.add_url_rule(
    "/calendars/<int:connection_id>/remove",
    "calendar_remove",
    calendars.connection_remove,
    methods=POST,
)
bp.add_url_rule(
    "/calendars/<int:connection_id>/calendars/<int:calendar_id>/options",
    "calendar_options",
    calendars.calendar_options,
    methods=POST,
)
bp.add_url_rule(
    "/calendars/<int:connection_id>/calendars/<int:calendar_id>/default",
    "calendar_default",
    calendars.calendar_default,
    methods=POST,
)

# -- the account, for admins: settings, branding (P3), embedding (P5), privacy (L9),
# -- team and roles, custom domains (P4) ---------------------------------------------------
bp.add_url_rule("/account", "account", account.settings, methods=BOTH)
bp.add_url_rule("/account/branding", "branding", account.branding, methods=BOTH)
bp.add_url_rule("/account/embedding", "embedding", account.embedding, methods=BOTH)
bp.add_url_rule("/account/privacy", "privacy", account.privacy, methods=BOTH)
bp.add_url_rule("/account/team", "team", account.team, methods=BOTH)
bp.add_url_rule("/account/team/<int:user_id>/role", "team_role", account.team_role, methods=POST)
bp.add_url_rule(
    "/account/invitations/<int:invitation_id>/revoke",
    "invitation_revoke",
    account.invitation_revoke,
    methods=POST,
)
bp.add_url_rule("/account/domains", "domains", account.domain_list, methods=BOTH)
bp.add_url_rule(
    "/account/domains/<int:domain_id>/check", "domain_check", account.domain_check, methods=POST
)
bp.add_url_rule(
    "/account/domains/<int:domain_id>/delete", "domain_delete", account.domain_delete, methods=POST
)

# -- webhooks, for admins (SPEC §10): the list, adding, switching, testing, the log -----------
bp.add_url_rule("/webhooks", "webhooks", webhooks.webhooks, methods=BOTH)
bp.add_url_rule("/webhooks/<int:webhook_id>", "webhook", webhooks.webhook_deliveries, methods=GET)
bp.add_url_rule(
    "/webhooks/<int:webhook_id>/active", "webhook_active", webhooks.webhook_active, methods=POST
)
bp.add_url_rule(
    "/webhooks/<int:webhook_id>/test", "webhook_test", webhooks.webhook_test, methods=POST
)
bp.add_url_rule(
    "/webhooks/<int:webhook_id>/delete", "webhook_delete", webhooks.webhook_delete, methods=POST
)

# -- public files ---------------------------------------------------------------------------
files.add_url_rule("/uploads/<key>", "public_upload", preferences.public_upload, methods=GET)

# -- plumbing: security headers, upload sizes, errors as pages -----------------------------
UPLOAD_ENDPOINTS = frozenset(
    {"dashboard.link_new", "dashboard.link_edit", "dashboard.branding", "dashboard.preferences"}
)


def widen_upload_limit() -> None:
    """Forms with a file may send up to 8 MB (images themselves: 2 MB, said in the form);
    everything else keeps the app's 1 MB limit."""
    if request.endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
        request.max_content_length = MAX_REQUEST_BYTES


bp.after_request(rendering.security_headers)
bp.context_processor(rendering.template_context)
bp.add_app_template_filter(rendering.in_zone, "in_zone")
bp.add_app_template_global(rendering.field_errors, "field_errors")  # macros see it too


@bp.errorhandler(CSRFError)
def _csrf_failed(error: CSRFError) -> ResponseReturnValue:
    return rendering.error_page(
        400,
        "This form has expired or did not come from this site. Go back, reload the page and "
        "try again.",
    )


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    return rendering.error_page(413, "That upload is too large: images are at most 2 MB.")


@bp.errorhandler(ApiError)
def _expected(error: ApiError) -> ResponseReturnValue:
    """A service's expected failure (no such link…) as a page, not the API's JSON."""
    return rendering.error_page(error.status, error.message)


@bp.errorhandler(HTTPException)
def _http(error: HTTPException) -> Response | ResponseReturnValue:
    if error.code == 429:  # the limiter's description is its rule ("20 per 1 minute")
        message = refusal_message(error, "Too many attempts. Wait a minute, then try again.")
        page = rendering.error_page(429, message)
        page.headers["Retry-After"] = str(retry_after_seconds(error))
        return page
    return rendering.error_page(error.code or 500, error.description or error.name)


for _error in DATABASE_UNAVAILABLE:  # the app's 503, before the catch-all below (a 500)
    bp.register_error_handler(_error, handle_database_unavailable)


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> ResponseReturnValue:
    """A bug: logged with its traceback; the person sees a page, not the API's JSON."""
    log.exception("unhandled error in the dashboard", exc_info=error)
    return rendering.error_page(500, "Something went wrong on our side. Please try again.")
