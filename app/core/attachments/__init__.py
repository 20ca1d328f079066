"""Attachments of any record: photos, drawn signatures, signed scans and documents.

Procedures call the services from their own form views (``save_upload``, ``save_signature``,
``attachments_of``, ``remove_attachment``; ``print_signature`` for the PDF prints) and use
the macros of ``templates/core/attachments/_macros.html`` (``signature_pad``,
``photo_upload``, ``attachment_list``, ``signature_block``). The blueprint serves the files
to logged-in users and gives every registered record an attachments panel
(``core/attachments/_panel.html``) with one endpoint to add files and one to sign.
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.core.records.audit import label_fields

bp = Blueprint("attachments", __name__, url_prefix="/attachments")

label_fields(
    {
        "attachment_kind": _l("Attachment type"),
        "filename": _l("File"),
        "sha256": _l("SHA-256"),
        "signer_name": _l("Signed by"),
    }
)

from app.core.attachments import views  # noqa: E402,F401
from app.core.attachments.checks import UploadRefused  # noqa: E402
from app.core.attachments.models import Attachment, AttachmentKind  # noqa: E402
from app.core.attachments.services import (  # noqa: E402
    attachment_bytes,
    attachment_path,
    attachments_of,
    get_attachment,
    latest_signature,
    print_signature,
    remove_attachment,
    save_signature,
    save_upload,
)

__all__ = [
    "Attachment",
    "AttachmentKind",
    "UploadRefused",
    "attachment_bytes",
    "attachment_path",
    "attachments_of",
    "bp",
    "get_attachment",
    "latest_signature",
    "print_signature",
    "remove_attachment",
    "save_signature",
    "save_upload",
]
