"""Uploaded images (P3 logo, L3 link photo): checked by content with Pillow, never by name.

Only PNG, JPEG and WebP decoders are even tried, so an SVG (or HTML, or anything with a
script in it) is not an image here whatever it is called. The file must be at most 2 MB, its
pixel count is capped before any pixel is decoded (a small file can claim a huge canvas), and
the whole image is then decoded once, so a truncated or corrupt file is refused too. Nothing
is stored unless every check passed.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from server.accounts.access import account_row
from server.accounts.models import User
from server.errors import NotFound
from server.uploads.models import Upload

__all__ = [
    "MAX_BYTES",
    "MAX_PIXELS",
    "CheckedImage",
    "ImageRejected",
    "check_image",
    "delete_other_uploads",
    "get_account_upload",
    "get_public_upload",
    "public_url",
    "read_file",
    "store_image",
]

MAX_BYTES = 2 * 1024 * 1024
#: 4096 × 4096: more than any logo or photo needs, little enough to decode safely
MAX_PIXELS = 4096 * 4096
#: the request body an upload form may send: the file plus a few fields
MAX_REQUEST_BYTES = 8 * 1024 * 1024
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
PURPOSES = ("logo", "photo")


class ImageRejected(ValueError):
    """The upload is not an image we take; the message says why, for the person uploading."""


@dataclass(frozen=True, slots=True)
class CheckedImage:
    content_type: str
    width: int
    height: int
    size: int


def read_file(upload: FileStorage | None) -> bytes:
    """The uploaded bytes, reading at most one byte past the limit.

    :raise ImageRejected: no file chosen.
    """
    if upload is None or not upload.filename:
        raise ImageRejected("Choose an image file to upload.")
    return upload.stream.read(MAX_BYTES + 1)


def check_image(data: bytes) -> CheckedImage:
    """:raise ImageRejected: empty, over 2 MB, not PNG/JPEG/WebP, too many pixels, corrupt."""
    if not data:
        raise ImageRejected("The file is empty.")
    if len(data) > MAX_BYTES:
        raise ImageRejected("The file is over 2 MB; upload a smaller image.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                width, height = image.size
                image_format = image.format
                if width * height > MAX_PIXELS:
                    raise ImageRejected(
                        f"The image has too many pixels ({width} × {height}); at most "
                        f"{MAX_PIXELS // 1_000_000} million are accepted."
                    )
                image.load()
    except ImageRejected:
        raise
    except UnidentifiedImageError as exc:
        raise ImageRejected(
            "This file is not a PNG, JPEG or WebP image (SVG is not accepted)."
        ) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(
            f"The image has too many pixels; at most {MAX_PIXELS // 1_000_000} million are "
            "accepted."
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("The image is damaged or incomplete; try another file.") from exc
    if image_format not in FORMATS:
        raise ImageRejected("This file is not a PNG, JPEG or WebP image.")
    return CheckedImage(FORMATS[image_format], width, height, len(data))


def reencode(data: bytes, checked: CheckedImage) -> bytes:
    """The image drawn again by Pillow in its own format: only pixels survive, so whatever
    rode along (EXIF with a photo's GPS position, a polyglot's script or archive after the
    image data) is gone. A photo taken sideways is turned upright first, since the EXIF
    orientation that said so goes too. An animation keeps its first frame."""
    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened) or opened
        out = io.BytesIO()
        if checked.content_type == "image/jpeg":
            image.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
        elif checked.content_type == "image/webp":
            image.save(out, "WEBP", quality=90)
        else:
            image.save(out, "PNG", optimize=True)
    return out.getvalue()


def store_image(session: Session, account_id: int, data: bytes, purpose: str) -> Upload:
    """Check, then store. Nothing is added to the session when the check fails.

    :raise ImageRejected: see :func:`check_image`.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    checked = check_image(data)
    data = reencode(data, checked)
    upload = Upload(
        account_id=account_id,
        key=secrets.token_urlsafe(24),
        purpose=purpose,
        content_type=checked.content_type,
        width=checked.width,
        height=checked.height,
        size=len(data),
        data=data,
    )
    session.add(upload)
    session.flush()
    return upload


def delete_other_uploads(
    session: Session, account_id: int, purpose: str, *, keep: Upload | None = None
) -> None:
    """Drop the account's images of ``purpose`` but ``keep`` (a new logo replaces the old).

    A step of the caller's unit of work: it only flushes.
    """
    query = delete(Upload).where(Upload.account_id == account_id, Upload.purpose == purpose)
    if keep is not None:
        query = query.where(Upload.id != keep.id)
    session.execute(query)


def public_url(upload: Upload) -> str:
    """Absolute: the widget shows it on other sites' pages (B1)."""
    return f"{current_app.config['RENDEZVOUS_BASE_URL']}/uploads/{upload.key}"


def get_account_upload(session: Session, user: User, upload_id: int) -> Upload:
    """:raise NotFound: no such upload in the user's account (A2)."""
    return account_row(session, Upload, upload_id, user.account_id, "file")


def get_public_upload(session: Session, key: str) -> Upload:
    """:raise NotFound: unknown key."""
    upload = None
    if 0 < len(key) <= 64:
        upload = session.scalar(select(Upload).where(Upload.key == key))
    if upload is None:
        raise NotFound("No such file.")
    return upload
