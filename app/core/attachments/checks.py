"""What an upload must be before it is kept: a real JPEG, PNG, WebP or PDF of sane size.

The type is read from the content (magic bytes, then Pillow decodes images in full), never
from the file name or the browser's content type, so a script renamed ``photo.jpg`` is
refused. Images lose their metadata without being re-encoded: EXIF (with the site's GPS
position and the phone's serial), XMP, IPTC and comments go, the pixels stay as taken and a
rotated photo keeps its orientation tag; bytes trailing the image go too.

A drawn signature comes as a PNG data URL from the signature pad; an untouched pad gives a
blank picture, which is refused.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
PDF = "application/pdf"
IMAGE_TYPES = (JPEG, PNG, WEBP)
EXTENSIONS = {JPEG: ".jpg", PNG: ".png", WEBP: ".webp", PDF: ".pdf"}
#: what Pillow calls each image type
PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}
#: the ``accept`` attribute of file inputs (a hint to the browser; the server decides)
ACCEPT = "image/jpeg,image/png,image/webp,application/pdf,.jpg,.jpeg,.png,.webp,.pdf"
ACCEPT_IMAGES = "image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp"

SIGNATURE_PREFIX = "data:image/png;base64,"
#: a signature picture's accepted size (device pixels): a phone in portrait up to a 4K screen
SIGNATURE_MIN_SIZE = (60, 30)
SIGNATURE_MAX_SIZE = (4096, 2048)
#: a pixel darker than this (0 black … 255 white, on white paper) is ink
INK_LEVEL = 160
#: fewer ink pixels than this, or ink spanning less than MIN_INK_SPAN pixels, is no signature
MIN_INK_PIXELS = 40
MIN_INK_SPAN = 15
#: white margin kept around the ink when a signature is cropped
SIGNATURE_MARGIN = 12


class UploadRefused(ValueError):
    """The file or signature cannot be kept; the message says why, for the user.

    ``field`` names the form field the message belongs next to when it is not the file
    (or pad) itself, e.g. ``"signer_name"``.
    """

    def __init__(self, message, field: str | None = None) -> None:
        self.message = message
        self.field = field
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class CheckedFile:
    """Bytes ready to keep, and their type as found from the content."""

    data: bytes
    content_type: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


#: what a file name may not contain: path separators, control and shell-hostile characters
_UNSAFE = set('/\\:*?"<>|') | {chr(c) for c in range(32)} | {"\x7f"}


def display_name(name: str | None, limit: int = 200) -> str:
    """The base name the user's device gave, safe to show; never used as a path."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join("_" if c in _UNSAFE else c for c in base).strip(" .")[:limit]


def sniff(data: bytes) -> str | None:
    """The content type the first bytes prove, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(PNG_MAGIC):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    return None


def size_label(limit: int) -> str:
    """``10 MB``, ``1.5 MB``, ``500 KB``: limits as people read them."""
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(limit / 1024))} KB"


def check_file(data: bytes, *, max_bytes: int, max_pixels: int, images_only: bool = False) -> CheckedFile:
    """Refuse anything but a whole JPEG, PNG, WebP (or, unless ``images_only``, PDF) within limits."""
    if not data:
        raise UploadRefused(_l("The file is empty."))
    if len(data) > max_bytes:
        raise UploadRefused(_l("The file is larger than %(size)s.", size=size_label(max_bytes)))
    content_type = sniff(data)
    if content_type is None or (images_only and content_type not in IMAGE_TYPES):
        if images_only:
            raise UploadRefused(_l("Only photos in JPEG, PNG or WebP format can be added here."))
        raise UploadRefused(_l("Only JPEG, PNG or WebP images and PDF files can be added."))
    if content_type == PDF:
        return CheckedFile(_check_pdf(data), PDF)
    return CheckedFile(_check_image(data, content_type, max_pixels), content_type)


def _check_pdf(data: bytes) -> bytes:
    # a PDF ends with %%EOF (maybe followed by a line break or a few stray bytes)
    if b"%%EOF" not in data[-1024:]:
        raise UploadRefused(_l("The PDF file is damaged or incomplete."))
    return data


def _unreadable():
    return UploadRefused(_l("The image is damaged or is not really a JPEG, PNG or WebP image."))


def _open_image(data: bytes, content_type: str, max_pixels: int) -> Image.Image:
    """Open (not decode) an image whose header matches ``content_type``, within ``max_pixels``."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=[PIL_FORMATS[content_type]])
        except (
            OSError,
            SyntaxError,
            ValueError,
            Image.DecompressionBombWarning,
            Image.DecompressionBombError,
        ):
            raise _unreadable() from None
    width, height = img.size
    if width * height > max_pixels:
        img.close()
        raise UploadRefused(
            _l("The image has too many pixels (at most %(mp)s megapixels).", mp=max_pixels // 1_000_000)
        )
    return img


def _decode(data: bytes, content_type: str, max_pixels: int) -> None:
    """Decode every pixel: a truncated or corrupt image fails here."""
    img = _open_image(data, content_type, max_pixels)
    with img, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img.load()
        except (
            OSError,
            SyntaxError,
            ValueError,
            Image.DecompressionBombWarning,
            Image.DecompressionBombError,
        ):
            raise _unreadable() from None


def _check_image(data: bytes, content_type: str, max_pixels: int) -> bytes:
    with _open_image(data, content_type, max_pixels) as img:
        orientation = img.getexif().get(0x0112) if content_type == JPEG else None
    try:
        if content_type == JPEG:
            clean = strip_jpeg(data, orientation)
        elif content_type == PNG:
            clean = strip_png(data)
        else:
            clean = strip_webp(data)
    except (IndexError, ValueError):
        raise _unreadable() from None
    _decode(clean, content_type, max_pixels)
    return clean


# --- metadata, removed without re-encoding ------------------------------------------------------

#: JPEG application segments kept: APP0 (JFIF), APP2 when it is an ICC colour profile, APP14 (Adobe)
_KEEP_APP = {0xE0, 0xEE}


def _orientation_segment(orientation: int) -> bytes:
    """An APP1 segment with an EXIF block holding the orientation tag only."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    payload = exif.tobytes()
    if not payload.startswith(b"Exif\x00\x00"):
        payload = b"Exif\x00\x00" + payload
    return b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload


def strip_jpeg(data: bytes, orientation: int | None = None) -> bytes:
    """The JPEG without EXIF/XMP/IPTC/comment segments and without bytes after its end."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    out = [b"\xff\xd8"]
    # the orientation goes right after SOI, or after a JFIF APP0 that must come first
    rotate = (
        _orientation_segment(orientation) if isinstance(orientation, int) and 2 <= orientation <= 8 else b""
    )
    if rotate and data[2:4] != b"\xff\xe0":
        out.append(rotate)
        rotate = b""
    i = 2
    while True:
        if data[i] != 0xFF:
            raise ValueError("segment marker expected")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            out.append(data[i : i + 2])
            i += 2
            continue
        if marker == 0xD9:
            raise ValueError("no image data")
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if length < 2 or i + 2 + length > len(data):
            raise ValueError("segment overruns the file")
        segment = data[i : i + 2 + length]
        if marker == 0xDA:  # start of scan: image data up to the end-of-image marker
            end = data.find(b"\xff\xd9", i + 2 + length)
            if end < 0:
                raise ValueError("no end of image")
            out.append(data[i : end + 2])
            return b"".join(out)
        is_icc = marker == 0xE2 and segment[4:16] == b"ICC_PROFILE\x00"
        dropped = (0xE0 <= marker <= 0xEF and marker not in _KEEP_APP and not is_icc) or marker == 0xFE
        if not dropped:
            out.append(segment)
        if rotate and marker == 0xE0:
            out.append(rotate)
            rotate = b""
        i += 2 + length


#: PNG chunks that carry text, EXIF or a timestamp
_PNG_METADATA = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}


def strip_png(data: bytes) -> bytes:
    """The PNG without text, EXIF and time chunks and without bytes after IEND."""
    if not data.startswith(PNG_MAGIC):
        raise ValueError("not a PNG")
    out = [PNG_MAGIC]
    i = len(PNG_MAGIC)
    while True:
        length = int.from_bytes(data[i : i + 4], "big")
        kind = data[i + 4 : i + 8]
        end = i + 12 + length
        if len(kind) < 4 or end > len(data):
            raise ValueError("chunk overruns the file")
        if kind not in _PNG_METADATA:
            out.append(data[i:end])
        if kind == b"IEND":
            return b"".join(out)
        i = end


def strip_webp(data: bytes) -> bytes:
    """The WebP without EXIF and XMP chunks (and their flags) and without bytes after the RIFF."""
    size = int.from_bytes(data[4:8], "little")
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP" or size + 8 > len(data):
        raise ValueError("not a WebP")
    chunks = []
    i = 12
    while i < size + 8:
        kind = data[i : i + 4]
        length = int.from_bytes(data[i + 4 : i + 8], "little")
        end = i + 8 + length + (length & 1)
        if len(kind) < 4 or end > size + 8:
            raise ValueError("chunk overruns the file")
        chunk = data[i:end]
        if kind == b"VP8X":
            chunk = chunk[:8] + bytes([chunk[8] & ~0x0C]) + chunk[9:]  # no EXIF, no XMP
        if kind not in (b"EXIF", b"XMP "):
            chunks.append(chunk)
        i = end
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + len(body).to_bytes(4, "little") + body


# --- drawn signatures ---------------------------------------------------------------------------


def blank_signature_error():
    return UploadRefused(_l("The signature box is empty: please sign in it."))


def check_signature(data_url: str | None, *, max_bytes: int) -> bytes:
    """The PNG drawn on the pad, flattened on white and cropped to the ink, ready for a print.

    Refuses anything that is not a PNG data URL, too large or too small a picture, and a
    picture with (next to) no ink: a pad nobody signed on.
    """
    if not data_url or not data_url.strip():
        raise blank_signature_error()
    data_url = data_url.strip()
    if not data_url.startswith(SIGNATURE_PREFIX):
        raise UploadRefused(_l("The signature could not be read. Clear the box and sign again."))
    encoded = data_url[len(SIGNATURE_PREFIX) :]
    if len(encoded) > (max_bytes * 4) // 3 + 4:
        raise UploadRefused(_l("The signature picture is too large."))
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise UploadRefused(_l("The signature could not be read. Clear the box and sign again.")) from None
    if not raw.startswith(PNG_MAGIC):
        raise UploadRefused(_l("The signature could not be read. Clear the box and sign again."))
    with _open_image(raw, PNG, SIGNATURE_MAX_SIZE[0] * SIGNATURE_MAX_SIZE[1]) as img:
        width, height = img.size
        if width < SIGNATURE_MIN_SIZE[0] or height < SIGNATURE_MIN_SIZE[1]:
            raise UploadRefused(_l("The signature box is too small. Clear it and sign again."))
        if width > SIGNATURE_MAX_SIZE[0] or height > SIGNATURE_MAX_SIZE[1]:
            raise UploadRefused(_l("The signature picture is too large."))
        try:
            img.load()
            rgba = img.convert("RGBA")
        except (OSError, SyntaxError, ValueError):
            raise UploadRefused(
                _l("The signature could not be read. Clear the box and sign again.")
            ) from None
    paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    paper.alpha_composite(rgba)
    flat = paper.convert("RGB")
    ink = flat.convert("L").point(lambda level: 255 if level < INK_LEVEL else 0)
    box = ink.getbbox()
    ink_pixels = ink.histogram()[255]
    if box is None or ink_pixels < MIN_INK_PIXELS or max(box[2] - box[0], box[3] - box[1]) < MIN_INK_SPAN:
        raise blank_signature_error()
    left, top, right, bottom = box
    crop = (
        max(0, left - SIGNATURE_MARGIN),
        max(0, top - SIGNATURE_MARGIN),
        min(flat.width, right + SIGNATURE_MARGIN),
        min(flat.height, bottom + SIGNATURE_MARGIN),
    )
    out = io.BytesIO()
    flat.crop(crop).save(out, format="PNG", optimize=True)
    return out.getvalue()
