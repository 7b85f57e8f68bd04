"""EXIF reading shared by extractors: capture date and camera, and whether a JPEG is a photo.

A camera writes Make and Model into EXIF; a scanner or a scanning app usually does not, so
their presence is what tells a photograph (catalogued as carrier "photo") from a scan (OCR'd).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PIL import Image

# EXIF tag numbers (EXIF 2.3): in IFD0 and in the Exif sub-IFD.
_MAKE = 0x010F
_MODEL = 0x0110
_DATETIME = 0x0132
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_DATETIME_DIGITIZED = 0x9004


def _clean(value: Any) -> str | None:
    """An EXIF ASCII value as a stripped string (cameras pad with NULs and spaces)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).replace("\x00", "").strip()
    return text or None


def parse_exif_datetime(value: str | None) -> str | None:
    """``2019:04:25 13:05:00`` as ISO 8601 ``2019-04-25T13:05:00``; None when unreadable."""
    if not value:
        return None
    for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d"):
        try:
            return datetime.strptime(value[:19], fmt).isoformat()
        except ValueError:
            continue
    return None


def read_exif(image: Image.Image) -> dict[str, str]:
    """Camera make and model and capture date from an opened image ({} when it has no EXIF).

    Keys: ``camera_make``, ``camera_model``, ``captured_at`` (ISO 8601, from
    DateTimeOriginal, else DateTimeDigitized, else DateTime).
    """
    try:
        exif = image.getexif()
        sub = exif.get_ifd(_EXIF_IFD)
    except Exception:  # a damaged EXIF block is not worth failing the image for
        return {}
    found: dict[str, str] = {}
    make = _clean(exif.get(_MAKE))
    model = _clean(exif.get(_MODEL))
    if make:
        found["camera_make"] = make
    if model:
        found["camera_model"] = model
    for raw in (sub.get(_DATETIME_ORIGINAL), sub.get(_DATETIME_DIGITIZED), exif.get(_DATETIME)):
        captured = parse_exif_datetime(_clean(raw))
        if captured:
            found["captured_at"] = captured
            break
    return found


def is_camera_photo(exif: dict[str, str]) -> bool:
    """Whether EXIF says a camera took the picture (Make or Model present)."""
    return bool(exif.get("camera_make") or exif.get("camera_model"))
