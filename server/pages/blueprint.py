"""The hosted booking page and the manage page are thin shells around the same widget.

Both put one embed placeholder on a page and load ``/embed/v1/embed.js``, exactly as a
customer's web page would: one UI, not two. The loader and the built widget files are served
from here, brotli- or gzip-compressed as the browser accepts.
"""

from __future__ import annotations

import gzip
import json
import mimetypes
from functools import cache
from pathlib import Path

import brotli
from flask import Blueprint, Response, abort, current_app, g, render_template, request, send_file

from server.assets import BUILD, active_build, load_manifest
from server.bundle import bundled
from server.db import get_session
from server.errors import NotFound
from server.links.services import get_public_link

__all__ = ["CSP", "bp"]

bp = Blueprint("pages", __name__, template_folder="templates")

LOADER = bundled("embed", "embed.js")
ASSETS_PLACEHOLDER = "/*__RENDEZVOUS_ASSETS__*/null"
YEAR = 365 * 24 * 3600

#: Brython compiles Python to JavaScript in the page, so scripts need 'unsafe-eval'.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _page(template: str, **context: object) -> Response:
    response = Response(render_template(template, **context))
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return response


def _site_base() -> str:
    """The app's URL, or the custom domain (P4) this request came on: the widget then talks
    to the same origin as the page."""
    return g.get("site_base") or current_app.config["RENDEZVOUS_BASE_URL"]


@bp.get("/meetings/<slug:slug>")
def booking_page(slug: str) -> Response:
    """The share link (E1): the link's booking widget on a page of its own.

    :raise 404: no link has this slug.
    """
    try:
        link = get_public_link(get_session(), slug)
    except NotFound:
        abort(404, "No meeting link at this address.")
    base = _site_base()
    return _page(
        "pages/booking.html",
        link=link,
        host_names=", ".join(h.user.name for h in link.hosts),
        page_url=f"{base}/meetings/{link.slug}",
    )


#: the steps an email's buttons open the manage page on (``?action=``)
MANAGE_ACTIONS = ("cancel", "reschedule")


@bp.get("/meetings/manage/<token>")
def manage_page(token: str) -> Response:
    """Where the invitation's links lead: see, reschedule or cancel one booking.

    ``?action=cancel`` or ``?action=reschedule`` (the email's buttons) is handed to the widget
    in its ``data-src``, which opens on that step; any other value is ignored.
    """
    if len(token) > 128:
        abort(404)
    base = _site_base()
    page_url = f"{base}/meetings/manage/{token}"
    action = request.args.get("action")
    if action in MANAGE_ACTIONS:
        page_url += f"?action={action}"
    return _page("pages/manage.html", token=token, page_url=page_url)


def _encoding() -> str | None:
    """Brotli when the browser takes it (about a fifth smaller than gzip), else gzip."""
    accepted = request.headers.get("Accept-Encoding", "")
    return "br" if "br" in accepted else "gzip" if "gzip" in accepted else None


@cache
def _loader_source(mtime: float, manifest: str) -> dict[str | None, bytes]:
    """The loader with the built files' paths, in each encoding, made once per build."""
    body = LOADER.read_text().replace(ASSETS_PLACEHOLDER, manifest, 1).encode()
    return {None: body, "gzip": gzip.compress(body, 9), "br": brotli.compress(body, quality=11)}


def _built_paths() -> dict[str, str]:
    """``{name: "/widget/static/build/<hashed file>"}``: paths, not URLs; the loader puts
    them at the origin of the widget's ``data-src``, where the app is.

    :raise 503: the widget is not built.
    """
    manifest = load_manifest(active_build(current_app.instance_path))
    if manifest is None:
        abort(503, "The widget is not built; run 'rendezvous build-assets'.")
    return {name: f"/widget/static/{path}" for name, path in manifest.items()}


@bp.get("/embed/v1/embed.js")
def embed_loader() -> Response:
    """The loader the snippet loads, with the built files' paths written in (so it asks
    for nothing more before it downloads them).

    Its URL is fixed, so it is cached for five minutes only; the files it names are hashed.
    """
    paths = json.dumps(_built_paths(), sort_keys=True)
    bodies = _loader_source(LOADER.stat().st_mtime, paths)
    encoding = _encoding()
    response = Response(bodies[encoding], mimetype="text/javascript")
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/embed/v1/assets.json")
def embed_assets() -> Response:
    """The built files' paths, for the loader from npm (``embed/``), which the server did not
    serve, so has none written in: it asks for them once per page, from the app's origin."""
    response = current_app.json.response(_built_paths())
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/widget/static/build/<name>")
def built_file(name: str) -> Response:
    """A content-hashed build output: cached for a year, sent gzipped when accepted.

    From the build in use, or else the installed package's own: a name says its content, so
    a loader cached before a rebuild still gets the files it names.
    """
    if name.endswith((".gz", ".br")):
        abort(404)
    for build in dict.fromkeys((active_build(current_app.instance_path), BUILD)):
        path = (build / name).resolve()
        if path.parent == build.resolve() and path.is_file():
            break
    else:
        abort(404)
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    encoding = _encoding()
    packed = Path(f"{path}.{'br' if encoding == 'br' else 'gz'}")
    if encoding and packed.is_file():
        response = send_file(packed, mimetype=mimetype, max_age=YEAR, conditional=True)
        response.headers["Content-Encoding"] = encoding
    else:
        response = send_file(path, mimetype=mimetype, max_age=YEAR, conditional=True)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
