"""The public API over ``window.fetch``; JSON via Brython's ``javascript.JSON``.

``done(data, text)`` gets the parsed body and its raw text; ``fail(status, error)`` gets the
HTTP status (0 when the network is down) and the ``error`` object of the contract (SPEC §10).
"""

from browser import window
from javascript import JSON, NULL, UNDEFINED


def call(base, method, path, body, done, fail, preload=None):
    """``preload``: the loader's ``{url: text}`` of GET answers it already has (the first
    view's parts); one is used once, at once, with no request and no wait."""
    url = base + path
    early = preload[url] if preload is not None and url in preload else None
    if early is not None and early is not NULL and early is not UNDEFINED:
        preload[url] = NULL  # once: a retry asks the server again
        done(JSON.parse(early), early)
        return
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

    window.fetch(url, opts).then(got, down)


def get(base, path, done, fail, preload=None):
    call(base, "GET", path, None, done, fail, preload)


def post(base, path, body, done, fail):
    call(base, "POST", path, body, done, fail)
