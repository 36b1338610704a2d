"""P3/L3 uploads: images checked by content with Pillow; anything else refused, nothing kept."""

from __future__ import annotations

import io
import os
import struct
import zlib

import pytest
from PIL import Image

from tests.dashboard.conftest import image_bytes, text

pytestmark = pytest.mark.db

SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A few hundred bytes that claim a 400-megapixel canvas (a decompression bomb's header)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + _chunk(b"IEND", b"")
    )


def noisy_png_over_2mb() -> bytes:
    """A real PNG of random pixels: incompressible, so a little over 2 MB."""
    side = 900
    data = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    data.save(buffer, "PNG", compress_level=0)
    assert len(buffer.getvalue()) > 2 * 1024 * 1024
    return buffer.getvalue()


BAD_UPLOADS = {
    "not an image": (
        b"Hello, I am plain text pretending to be a picture.",
        "logo.png",
        "not a PNG, JPEG or WebP image",
    ),
    "svg with script": (SVG_WITH_SCRIPT, "logo.svg", "SVG is not accepted"),
    "svg named png": (SVG_WITH_SCRIPT, "logo.png", "not a PNG, JPEG or WebP image"),
    "gif": (image_bytes("GIF"), "logo.gif", "not a PNG, JPEG or WebP image"),
    "truncated png": (image_bytes("PNG", (300, 300))[:200], "logo.png", "damaged or incomplete"),
    "huge pixel count": (huge_png(), "logo.png", "too many pixels"),
    "big canvas": (huge_png(5000, 5000), "logo.png", "too many pixels (5000 × 5000)"),
    "over 2 mb": (None, "photo.png", "over 2 MB"),
}


def test_a_bad_logo_gets_a_message_and_nothing_is_stored(signed_in, host, db, subtests):
    for case, (data, filename, message) in BAD_UPLOADS.items():
        with subtests.test(case):
            data = data if data is not None else noisy_png_over_2mb()
            response = signed_in.post(
                "/app/account/branding",
                {"accent_color": "#ff0000", "logo": (io.BytesIO(data), filename)},
                content_type="multipart/form-data",
            )
            assert response.status_code == 422
            assert message in text(response)
            assert db("SELECT id FROM uploads") == []
            assert db("SELECT logo_url, accent_color FROM accounts") == [(None, "#2f6fed")]


def test_a_bad_link_photo_or_user_photo_is_refused_the_same_way(signed_in, host, make_link, db):
    link = make_link()
    photo = signed_in.post(
        f"/app/links/{link['id']}/edit/details",
        {
            "name": "Renamed",
            "title": "Renamed",
            "durations": "30",
            "type": "one_on_one",
            "host_ids": str(host.id),
            "photo": (io.BytesIO(SVG_WITH_SCRIPT), "me.svg"),
        },
        content_type="multipart/form-data",
    )
    assert photo.status_code == 422
    assert "SVG is not accepted" in text(photo)
    mine = signed_in.post(
        "/app/preferences",
        {
            "name": "Alice Martin",
            "timezone": "Europe/Paris",
            "meetings_prefix": host.prefix,
            "photo": (io.BytesIO(b"GIF89a not really"), "me.gif"),
        },
        content_type="multipart/form-data",
    )
    assert mine.status_code == 422
    assert db("SELECT id FROM uploads") == []
    assert db("SELECT name FROM booking_links WHERE id = :id", id=link["id"]) != [("Renamed",)]
    assert db("SELECT photo_url FROM users") == [(None,)]


def test_a_request_far_over_the_limit_gets_a_page_saying_so(signed_in, db):
    response = signed_in.post(
        "/app/account/branding",
        {"accent_color": "#ff0000", "logo": (io.BytesIO(b"\0" * (9 * 1024 * 1024)), "big.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "images are at most 2 MB" in text(response)
    assert db("SELECT id FROM uploads") == []


@pytest.mark.parametrize(
    ("fmt", "mimetype"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_a_good_logo_is_stored_and_served_to_the_widget(
    signed_in, client, make_link, db, fmt, mimetype
):
    link = make_link()
    response = signed_in.post(
        "/app/account/branding",
        {"accent_color": "#E4572E", "logo": (io.BytesIO(image_bytes(fmt)), "no-extension")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [(logo_url, accent)] = db("SELECT logo_url, accent_color FROM accounts")
    assert accent == "#e4572e"
    assert logo_url.startswith("http://rendezvous.test/uploads/")
    served = client.get(logo_url.removeprefix("http://rendezvous.test"))
    assert served.status_code == 200
    assert served.mimetype == mimetype
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    branding = client.get(f"/api/v1/public/links/{link['slug']}").json["branding"]
    assert branding == {"logo_url": logo_url, "accent_color": "#e4572e"}
    [(upload_id,)] = db("SELECT id FROM uploads")
    assert signed_in.get(f"/app/uploads/{upload_id}").mimetype == mimetype


def test_replacing_or_removing_the_logo_keeps_no_old_files(signed_in, db):
    for _ in range(2):
        signed_in.post(
            "/app/account/branding",
            {"accent_color": "#2f6fed", "logo": (io.BytesIO(image_bytes()), "a.png")},
            content_type="multipart/form-data",
        )
    assert len(db("SELECT id FROM uploads")) == 1
    signed_in.post(
        "/app/account/branding",
        {"accent_color": "#2f6fed", "remove_logo": "on"},
        content_type="multipart/form-data",
    )
    assert db("SELECT id FROM uploads") == []
    assert db("SELECT logo_url FROM accounts") == [(None,)]


def photo_with_exif_and_a_tail() -> bytes:
    """A JPEG carrying EXIF (a GPS position, an orientation) and a script after its end."""
    image = Image.new("RGB", (40, 20), "#e4572e")
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show it upright
    exif[0x8825] = {2: (48.0, 51.0, 24.0)}  # GPSInfo: latitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue() + b"<script>alert(document.cookie)</script>"


def test_an_uploaded_photo_is_stored_as_pixels_only(signed_in, client, db):
    response = signed_in.post(
        "/app/account/branding",
        {"accent_color": "#e4572e", "logo": (io.BytesIO(photo_with_exif_and_a_tail()), "me.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [(logo_url,)] = db("SELECT logo_url FROM accounts")
    served = client.get(logo_url.removeprefix("http://rendezvous.test")).data
    assert b"<script>" not in served
    with Image.open(io.BytesIO(served)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()  # no GPS, no orientation left
        assert image.size == (20, 40)  # turned upright as its orientation said
