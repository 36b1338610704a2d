"""What every dashboard page shares: its headers, its template context, its error page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, current_app, g, render_template, request
from markupsafe import Markup

from server.dashboard.session import current_user
from server.links.notice import render_notice
from server.timezones import pickable_zones, zone

__all__ = [
    "CSP",
    "error_page",
    "in_zone",
    "render",
    "security_headers",
    "template_context",
    "zone_names",
]

#: Dashboard pages run only our own script and style files.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-src 'self'; frame-ancestors 'none'"
)


def render(template: str, status: int = 200, **context: Any) -> Response:
    """A page; 422 when it shows a form's errors, so tests and tools can tell."""
    return Response(render_template(f"dashboard/{template}", **context), status=status)


def error_page(status: int, message: str) -> Response:
    return render("error.html", status=status, status_code=status, message=message)


def security_headers(response: Response) -> Response:
    """Private pages: never cached, never framed elsewhere, only our scripts."""
    response.headers.setdefault("Content-Security-Policy", g.get("dashboard_csp", CSP))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if g.get("dashboard_csp") is None:
        response.headers.setdefault("X-Frame-Options", "DENY")
    if request.endpoint != "dashboard.static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def template_context() -> dict[str, Any]:
    user = current_user()
    return {
        "user": user,
        "account": user.account if user else None,
        "is_admin": bool(user and user.role == "admin"),
        "base_url": current_app.config["RENDEZVOUS_BASE_URL"],
        "notice_html": render_notice,  # the privacy text's preview, as visitors see it (L9)
    }


def in_zone(moment: datetime, timezone: str) -> datetime:
    """Template filter: a UTC instant as wall-clock time in ``timezone``."""
    return moment.astimezone(zone(timezone))


def field_errors(errors: dict[str, list[str]] | None, *names: str) -> Markup:
    """The messages of ``names`` (and their sub-fields) as a list next to the field."""
    if not errors:
        return Markup("")
    messages: list[str] = []
    for key, values in errors.items():
        if any(key == n or key.startswith(f"{n}.") for n in names):
            messages.extend(values)
    if not messages:
        return Markup("")
    items = Markup("").join(Markup("<li>{}</li>").format(m) for m in dict.fromkeys(messages))
    return Markup('<ul class="field-errors" role="alert">{}</ul>').format(items)


def zone_names() -> tuple[str, ...]:
    """The zones a form's menu offers (one definition: :mod:`server.timezones`)."""
    return pickable_zones()
