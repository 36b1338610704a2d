"""Brotli or gzip for the public API's larger answers, as the browser accepts.

Ten weeks of slots are ~12 KB of JSON and the widget's first view ~25 KB: compressed they are
a tenth of that, which a visitor on a phone notices. Brotli at quality 4 costs ~0.2 ms for
such an answer; small answers (errors, a booking) are sent as they are.
"""

from __future__ import annotations

import gzip

import brotli
from flask import Response, request

__all__ = ["compress"]

MIN_BYTES = 1024


def compress(response: Response) -> Response:
    """``after_request``: the answer compressed when it is worth it and the client takes it."""
    response.vary.add("Accept-Encoding")
    if (
        response.direct_passthrough
        or response.status_code < 200
        or response.status_code in (204, 304)
        or "Content-Encoding" in response.headers
    ):
        return response
    accepted = request.headers.get("Accept-Encoding", "")
    encoding = "br" if "br" in accepted else "gzip" if "gzip" in accepted else None
    if encoding is None:
        return response
    body = response.get_data()
    if len(body) < MIN_BYTES:
        return response
    packed = brotli.compress(body, quality=4) if encoding == "br" else gzip.compress(body, 5)
    response.set_data(packed)
    response.headers["Content-Encoding"] = encoding
    return response
