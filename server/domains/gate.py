"""The custom-domain gate (P4): on a connected domain, only the booking pages answer.

It runs before every request, the public API's included, so :func:`server.create_app`
registers it on the app rather than on the dashboard.
"""

from __future__ import annotations

import re

from flask import Flask, Response, abort, g, redirect, request

from server.db import get_session
from server.domains.services import app_hostname, connected_domain, default_link, link_by_slug

__all__ = ["SERVED_PREFIXES", "init_app", "route_custom_domain"]

#: what a connected domain may serve: booking and manage pages, and what those pages load
SERVED_PREFIXES = (
    "/meetings/",
    "/embed/",
    "/widget/static/",
    "/api/v1/public/",
    "/uploads/",
    "/favicon.",
)
_SLUG_IN_PATH = re.compile(r"^/(?:meetings|api/v1/public/links)/([a-z0-9-]+/[a-z0-9-]+)(?:/|$)")


def init_app(app: Flask) -> None:
    """First of the dashboard's checks: a custom domain answers only its pages."""
    app.before_request(route_custom_domain)


def _request_hostname() -> str:
    return (request.host or "").rsplit("]", 1)[-1].split(":")[0].lower() or request.host


def route_custom_domain() -> Response | None:
    """Before every request: on a connected domain, serve only the booking pages.

    ``/`` there leads to the account's default link (P2). Sets ``g.custom_domain`` and
    ``g.site_base`` (what the pages use for their own URLs).
    """
    host = _request_hostname()
    if not host or host == app_hostname() or host in ("localhost", "127.0.0.1"):
        return None
    session = get_session()
    domain = connected_domain(session, host)
    if domain is None:
        return None
    g.custom_domain = domain
    g.site_base = request.host_url.rstrip("/")
    path = request.path
    slug = _SLUG_IN_PATH.match(path)
    if slug and not path.startswith("/meetings/manage/"):
        link = link_by_slug(session, slug.group(1))
        if link is None or link.account_id != domain.account_id:
            abort(404, "No meeting link at this address.")
    if path == "/":
        link = default_link(session, domain)
        if link is None:
            abort(404, "No default meeting link on this domain.")
        return redirect(f"/meetings/{link.slug}")
    if not path.startswith(SERVED_PREFIXES):
        abort(404)
    return None
