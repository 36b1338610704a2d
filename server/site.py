"""The app's own root and icons: a newcomer opening the bare address lands on the dashboard.

On a connected custom domain, ``/`` is answered earlier (the account's default link, P4), by
:func:`server.domains.gate.route_custom_domain`.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, redirect, send_from_directory, url_for
from flask.typing import ResponseReturnValue

__all__ = ["bp"]

ICONS = Path(__file__).with_name("icons")
_ICON_MAX_AGE = 7 * 24 * 3600

bp = Blueprint("site", __name__)


@bp.get("/")
def root() -> ResponseReturnValue:
    """The dashboard (it sends a visitor who isn't signed in to the login page)."""
    return redirect(url_for("dashboard.home"))


@bp.get("/favicon.ico")
def favicon_ico() -> ResponseReturnValue:
    """Browsers ask for this path on every page that names no icon of its own."""
    return send_from_directory(
        ICONS, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=_ICON_MAX_AGE
    )


@bp.get("/favicon.svg")
def favicon_svg() -> ResponseReturnValue:
    return send_from_directory(
        ICONS, "favicon.svg", mimetype="image/svg+xml", max_age=_ICON_MAX_AGE
    )
