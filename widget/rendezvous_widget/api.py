"""The public API over ``window.fetch``; JSON via Brython's ``javascript.JSON``.

``done(data, text)`` gets the parsed body and its raw text; ``fail(status, error)`` gets the
HTTP status (0 when the network is down) and the ``error`` object of the contract (SPEC §10).
"""

from browser import window
from javascript import JSON, NULL


def call(base, method, path, body, done, fail, preload=None):
    """``preload``: the loader's ``{url: Promise<Response>}`` of GETs it started early."""
    opts = {"method": method, "headers": {"Accept": "application/json"}}
    if body is not None:
        opts["headers"]["Content-Type"] = "application/json"
        opts["body"] = JSON.stringify(body)

    def down(_err=None):
        fail(0, {"code": "network"})

    def got(resp):
        def text(t):
            try:
                data = JSON.parse(t) if t else None
            except Exception:
                data = None
            if resp.ok:
                done(data, t)
            else:
                err = data.get("error") if isinstance(data, dict) else None
                fail(resp.status, err if isinstance(err, dict) else {"code": "http_error"})

        resp.text().then(text, down)

    url = base + path
    early = preload[url] if preload is not None and url in preload else None
    if early is not None and early is not NULL:  # (a JS Promise is falsy in Brython)
        preload[url] = NULL  # a Response body reads once; a retry fetches again
    else:
        early = window.fetch(url, opts)
    early.then(got, down)


def get(base, path, done, fail, preload=None):
    call(base, "GET", path, None, done, fail, preload)


def post(base, path, body, done, fail):
    call(base, "POST", path, body, done, fail)
