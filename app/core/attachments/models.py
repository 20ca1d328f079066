"""Files kept with a record: photos, drawn signatures, signed scans, other documents.

An attachment refers to its record by ``(record_type, record_id)`` (table name and id), like
the engine's signatures and deadlines, so one table serves every procedure without the
platform importing any of them. The file itself lives under the upload folder (in the
instance folder, never under ``static/``); the row keeps what an auditor needs to trust it:
who added it and when, its size and SHA-256. A removal hides it, it never deletes it.
"""

from __future__ import annotations

import datetime as dt

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import UTCDateTime, utcnow
from app.core.permissions import TitledEnum
from app.extensions import db


class AttachmentKind(TitledEnum):
    """What a file is to the record."""

    PHOTO = "photo"
    #: drawn on the signature pad by the person named in ``signer_name``
    SIGNATURE = "signature"
    #: the paper form, signed (and stamped) by hand, scanned or photographed
    SIGNED_SCAN = "signed_scan"
    DOCUMENT = "document"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.PHOTO: _l("Photo"),
            cls.SIGNATURE: _l("Signature"),
            cls.SIGNED_SCAN: _l("Signed scan"),
            cls.DOCUMENT: _l("Document"),
        }


class Attachment(db.Model):
    """One file attached to one record."""

    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_record", "record_type", "record_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[AttachmentKind] = mapped_column(String(16))
    #: the name the file had on the user's device, reduced to a safe base name; never a path
    filename: Mapped[str] = mapped_column(String(200))
    #: found from the content, not from the name or the browser
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    #: relative to ``UPLOAD_FOLDER``
    storage_path: Mapped[str] = mapped_column(String(255), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: the uploader's name at the time, so the record reads the same after a rename
    uploaded_by_name: Mapped[str] = mapped_column(String(100), default="")
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: for a signature: who signed (typed by them or for them) and when
    signer_name: Mapped[str | None] = mapped_column(String(100))
    signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    removal_reason: Mapped[str | None] = mapped_column(Text)

    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])
    removed_by = relationship("User", foreign_keys=[removed_by_id])

    @property
    def kind_enum(self) -> AttachmentKind:
        return AttachmentKind(self.kind)

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def is_signature(self) -> bool:
        return self.kind == AttachmentKind.SIGNATURE

    @property
    def url(self) -> str:
        return url_for("attachments.view", attachment_id=self.id)

    @property
    def thumb_url(self) -> str | None:
        return url_for("attachments.thumb", attachment_id=self.id) if self.is_image else None

    @property
    def size_label(self) -> str:
        """``820 KB``, ``3.4 MB``."""
        if self.size < 1024 * 1024:
            return f"{max(1, round(self.size / 1024))} KB"
        return f"{self.size / (1024 * 1024):.1f} MB"

    def __str__(self) -> str:
        return f"{self.kind_enum.title} {self.filename}"
