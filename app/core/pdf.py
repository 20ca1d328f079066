"""Printed controlled records: HTML templates rendered to PDF with xhtml2pdf.

Every print extends ``templates/core/print/base.html``, which puts the company, the form
title (Chinese always, English under it), form code + revision and record number on every
page, and the signature blocks at the end (DOMAIN.md §1); :func:`stamp_pages` then writes
the print time and "第 X 页，共 Y 页 / Page X of Y" in each page's footer. Chinese prints in
WenQuanYi Micro Hei, embedded; without that font the built-in STSong-Light (not embedded)
stands in and a warning is logged.

Laying a document out is nine tenths of a print (about 100 ms for two pages). Everything a
print shows but its footer's stamps is in its HTML, so a worker keeps the laid-out pages of
the documents it printed last by the SHA-256 of that HTML (``PRINT_LAYOUT_CACHE_MB``): a
record that has not changed since it was last printed — an approved one never does — is
stamped again, not laid out again; any change to it changes its HTML and lays it out anew.

The xhtml2pdf logger stays at ERROR (``create_app``): its warnings quote the HTML, which
holds the record's contents.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import quote
from zoneinfo import ZoneInfo

from cachetools import LRUCache
from flask import Flask, current_app, make_response, render_template
from flask_babel import force_locale
from PIL import Image as PILImage
from pypdf import PdfReader, PdfWriter
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from xhtml2pdf import default as xhtml2pdf_defaults
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from app.core.models import utcnow
from app.core.records.audit import AuditAction, AuditEntry, audit

log = logging.getLogger("qportal.pdf")

DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
#: ReportLab's built-in simplified Chinese face: needs no file, is not embedded
FALLBACK_FONT = "STSong-Light"
#: the family name the print CSS uses for the embedded font
EMBEDDED_FONT = "qportal-cjk"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: "打印时间 Printed: …" from the left margin of ``base.html``'s page frame and "第 X 页，共 Y 页 /
#: Page X of Y" to its right margin (1.2 cm each), on the baseline of the footer's line, in
#: its size and grey (#333)
PAGE_MARGIN = 1.2 * cm
FOOTER_BASELINE = 36.78
FOOTER_SIZE = 7.5
FOOTER_GREY = 0.2


class PdfError(RuntimeError):
    """xhtml2pdf could not render a print template."""


class FormLike(Protocol):
    """What a print header needs from a form: a ``ControlledDocument`` of kind form, or a
    :class:`PrintTitle` for a controlled list that is not itself a form in the register."""

    code: str
    revision: str
    title_zh: str
    title_en: str


@dataclass(frozen=True)
class PrintTitle:
    """A header for a print without a register form behind it (the register itself)."""

    title_zh: str
    title_en: str
    code: str = ""
    revision: str = ""


@dataclass(frozen=True)
class Signature:
    """One signature block: what the signature means, who signed, when, and its image.

    ``name`` empty and ``signed_at`` None leave a blank line to sign on paper.
    """

    #: what the signature means: 编制/审核/批准, "reviewed", "customer acceptance" …
    meaning: str
    name: str = ""
    #: an aware datetime; printed in the company's time zone
    signed_at: datetime | None = None
    #: a PNG, e.g. the customer's signature drawn on a pad
    image: bytes | None = None

    def __post_init__(self) -> None:
        if self.signed_at is not None and self.signed_at.tzinfo is None:
            raise ValueError("Signature.signed_at must be an aware datetime")
        if self.image is not None and not self.image.startswith(PNG_MAGIC):
            raise ValueError("Signature.image must be a PNG")

    def image_box(self, max_width: int = 120, max_height: int = 45) -> tuple[int, int] | None:
        """The image's printed size (CSS px), fitted into the signature box, aspect kept."""
        if self.image is None:
            return None
        with PILImage.open(io.BytesIO(self.image)) as img:
            width, height = img.size
        scale = min(max_width / width, max_height / height)
        return max(1, round(width * scale)), max(1, round(height * scale))

    @property
    def image_uri(self) -> str | None:
        """The image as a ``data:`` URI: part of the document, so no file is read for it."""
        if self.image is None:
            return None
        return "data:image/png;base64," + base64.b64encode(self.image).decode("ascii")


def company_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def local_time(value: datetime | None) -> str:
    """``2026-11-22 14:05`` in the company's time zone (Asia/Shanghai), or empty."""
    if value is None:
        return ""
    return value.astimezone(company_zone()).strftime("%Y-%m-%d %H:%M")


def resolve_font() -> tuple[str, Path | None]:
    """(CSS font family, font file) for Chinese text: WenQuanYi Micro Hei when installed."""
    path = Path(current_app.config.get("PDF_FONT_PATH") or DEFAULT_FONT_PATH)
    if path.is_file():
        return EMBEDDED_FONT, path
    log.warning(
        "PDF font %s not found: Chinese prints in the built-in %s, which is not embedded "
        "(install fonts-wqy-microhei or set PDF_FONT_PATH)",
        path,
        FALLBACK_FONT,
    )
    return FALLBACK_FONT, None


@functools.cache
def _registered_face(font_path: Path) -> str:
    """The font file registered with ReportLab once per process; its family name for the CSS.

    Declared by ``@font-face`` instead, xhtml2pdf reads and hashes the whole file (5 MB for
    WenQuanYi Micro Hei) for every document it prints, to learn whether it registered that
    file already: about 8 ms of each print. Known to xhtml2pdf's default families, the face
    is found by name. A ``.ttc`` gives its first face, as ``@font-face`` did.
    """
    name = EMBEDDED_FONT if font_path == Path(DEFAULT_FONT_PATH) else f"{EMBEDDED_FONT}-{font_path.stem}"
    pdfmetrics.registerFont(TTFont(name, str(font_path)))
    xhtml2pdf_defaults.DEFAULT_FONT[name.lower()] = name
    return name


def resource_policy(font_path: Path | None) -> ResourceAccessPolicy:
    """Read nothing but the font's directory; no network. Images come as ``data:`` URIs."""
    roots = (font_path.parent,) if font_path else ()
    return ResourceAccessPolicy.server(None, extra_roots=roots, allow_remote=False)


def render_pdf(
    template: str,
    *,
    record_number: str | None,
    form: FormLike,
    signatures: list[Signature],
    context: dict,
    lang: str,
) -> bytes:
    """The print ``template`` (extending ``core/print/base.html``) as PDF bytes.

    ``lang`` is the language of the labels in the body; the header and footer are bilingual.
    """
    font_family, font_path = resolve_font()
    if font_path is not None:
        font_family = _registered_face(font_path)
    with force_locale(lang):
        html = render_template(
            template,
            company=current_app.config["COMPANY_NAME"],
            record_number=record_number,
            form=form,
            signatures=[
                {
                    "meaning": s.meaning,
                    "name": s.name,
                    "at": local_time(s.signed_at),
                    "image": s.image_uri,
                    "image_box": s.image_box(),
                }
                for s in signatures
            ],
            font_family=font_family,
            font_path=None,  # registered already: no @font-face for xhtml2pdf to load again
            lang=lang,
            **context,
        )
    return stamp_pages(_laid_out(html, template, font_path), font_family, utcnow())


def _laid_out(html: str, template: str, font_path: Path | None) -> bytes:
    """``html`` laid out by xhtml2pdf, or the same HTML's pages laid out before in this worker."""
    cache, lock = current_app.extensions["qportal_print_layouts"]
    key = hashlib.sha256(f"{font_path}\n{html}".encode()).digest()
    with lock:
        pdf = cache.get(key)
    if pdf is not None:
        return pdf
    out = io.BytesIO()
    result = pisa.pisaDocument(html, dest=out, encoding="utf-8", resource_policy=resource_policy(font_path))
    if result.err:
        raise PdfError(f"{template}: xhtml2pdf reported {result.err} error(s)")
    pdf = out.getvalue()
    with lock:
        if len(pdf) <= cache.maxsize:
            cache[key] = pdf
    return pdf


def init_app(app: Flask) -> None:
    """Each app keeps its own laid-out prints, up to ``PRINT_LAYOUT_CACHE_MB`` (0: none)."""
    budget = int(app.config.get("PRINT_LAYOUT_CACHE_MB", 16) * 1024 * 1024)
    cache = LRUCache(maxsize=max(budget, 0), getsizeof=len)
    app.extensions["qportal_print_layouts"] = (cache, threading.Lock())


def stamp_pages(pdf: bytes, font_family: str, printed_at: datetime) -> bytes:
    """``pdf`` with "打印时间 Printed: …" and "第 X 页，共 Y 页 / Page X of Y" in each page's footer.

    xhtml2pdf can print the page total itself (``<pdf:pagecount>``), but it then lays the whole
    document out twice, the first time only to count the pages: a third of each print's time.
    Both are written on the finished pages instead, in the footer's font, so that the laid-out
    pages of an unchanged record can be printed again (:func:`_laid_out`); the document's
    creation date is the print's too, not that of the layout.
    """
    document = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    pdf_date = printed_at.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
    document.add_metadata({"/CreationDate": pdf_date, "/ModDate": pdf_date})
    printed = local_time(printed_at)
    total = len(document.pages)
    font = _page_number_font(font_family)
    stamps = io.BytesIO()
    canvas = Canvas(stamps)
    for n, page in enumerate(document.pages, 1):
        box = page.mediabox
        baseline = float(box.bottom) + FOOTER_BASELINE
        canvas.setPageSize((float(box.right), float(box.top)))
        canvas.setFont(font, FOOTER_SIZE)
        canvas.setFillGray(FOOTER_GREY)
        canvas.drawString(float(box.left) + PAGE_MARGIN, baseline, f"打印时间 Printed: {printed}")
        canvas.drawRightString(
            float(box.right) - PAGE_MARGIN, baseline, f"第 {n} 页，共 {total} 页 / Page {n} of {total}"
        )
        canvas.showPage()
    canvas.save()
    for page, stamped in zip(document.pages, PdfReader(stamps).pages, strict=True):
        page.merge_page(stamped)
        page.compress_content_streams()
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def _page_number_font(font_family: str) -> str:
    """The footer's font as ReportLab knows it (the built-in CJK face is registered on first use)."""
    try:
        pdfmetrics.getFont(font_family)
    except KeyError:
        pdfmetrics.registerFont(UnicodeCIDFont(font_family))
    return font_family


def pdf_response(pdf_bytes: bytes, filename: str):
    """The PDF as a download; the file name may be Chinese (RFC 6266 ``filename*``)."""
    if not filename.lower().endswith(".pdf"):
        filename += ".pdf"
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in filename)
    response = make_response(pdf_bytes)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def audit_print(
    record_like,
    *,
    actor,
    form_code: str,
    record_number: str | None = None,
    object_type: str | None = None,
    label: str | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Record that ``actor`` printed ``record_like`` (an object, or ``None`` with
    ``object_type`` and ``label`` for a list such as the register). The caller commits."""
    changes = {"form_code": form_code}
    if record_number:
        changes["record_number"] = record_number
    return audit(
        AuditAction.PRINT,
        record_like,
        actor=actor,
        changes=changes,
        object_type=object_type,
        # an object's bilingual audit label when it has one: the log reads the same in both languages
        label=label or getattr(record_like, "audit_label", None),
        ip=ip,
    )


__all__ = [
    "PdfError",
    "PrintTitle",
    "Signature",
    "audit_print",
    "pdf_response",
    "render_pdf",
    "init_app",
    "resolve_font",
    "stamp_pages",
]
