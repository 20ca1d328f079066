"""The document register: procedures and their record forms (DOMAIN.md §1).

A revision never overwrites silently: before a document changes, its current content is
kept as a :class:`DocumentRevision`, so every earlier version stays readable.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import UTCDateTime, Versioned, utcnow
from app.core.permissions import TitledEnum
from app.core.records.audit import register_object_type
from app.extensions import db


class DocumentKind(TitledEnum):
    PROCEDURE = "procedure"
    FORM = "form"

    @classmethod
    def _titles(cls) -> dict:
        return {cls.PROCEDURE: _l("Procedure"), cls.FORM: _l("Record form")}


class DocumentStatus(TitledEnum):
    CONTROLLED = "controlled"
    OBSOLETE = "obsolete"

    @classmethod
    def _titles(cls) -> dict:
        return {cls.CONTROLLED: _l("Controlled"), cls.OBSOLETE: _l("Obsolete")}


class ControlledDocument(Versioned, db.Model):
    """A procedure or a record form in the register."""

    __tablename__ = "controlled_document"
    __table_args__ = (UniqueConstraint("code", name="uq_controlled_document_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(String(16))
    #: the procedure module this document belongs to (``repair``, ``delivery`` …)
    module: Mapped[str] = mapped_column(String(32), index=True)
    #: a form's short key inside its procedure (``F01``); empty for procedures
    form_key: Mapped[str] = mapped_column(String(8), default="")
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("controlled_document.id"))
    code: Mapped[str] = mapped_column(String(64))
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    #: edition letter and amendment digit, e.g. ``A/0``
    revision: Mapped[str] = mapped_column(String(16), default="A/0")
    issue_date: Mapped[dt.date | None] = mapped_column(Date)
    effective_date: Mapped[dt.date | None] = mapped_column(Date)
    prepared_by: Mapped[str] = mapped_column(String(100), default="")
    reviewed_by: Mapped[str] = mapped_column(String(100), default="")
    approved_by: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[DocumentStatus] = mapped_column(String(16), default=DocumentStatus.CONTROLLED)
    retention_years: Mapped[int | None] = mapped_column(Integer)
    number_pattern: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    procedure: Mapped[ControlledDocument | None] = relationship(
        remote_side="ControlledDocument.id", back_populates="forms"
    )
    forms: Mapped[list[ControlledDocument]] = relationship(
        back_populates="procedure", order_by="ControlledDocument.code"
    )
    revisions: Mapped[list[DocumentRevision]] = relationship(
        back_populates="document", order_by="DocumentRevision.id.desc()"
    )

    #: the fields kept in a revision snapshot and shown on the document page
    CONTENT_FIELDS = (
        "code",
        "title_zh",
        "title_en",
        "revision",
        "issue_date",
        "effective_date",
        "prepared_by",
        "reviewed_by",
        "approved_by",
        "status",
        "retention_years",
        "number_pattern",
    )

    @property
    def title(self) -> str:
        locale = str(get_locale() or "zh_CN")
        return self.title_zh if locale.startswith("zh") else self.title_en

    @property
    def kind_enum(self) -> DocumentKind:
        return DocumentKind(self.kind)

    @property
    def is_form(self) -> bool:
        return self.kind == DocumentKind.FORM

    @property
    def status_enum(self) -> DocumentStatus:
        return DocumentStatus(self.status)

    @property
    def audit_label(self) -> str:
        """Both titles, so the audit log reads (and is searched) the same in either language."""
        return f"{self.code} {self.title_zh} / {self.title_en}"

    @property
    def series(self) -> str:
        """The numbering series key; stable when the code is revised."""
        return f"doc:{self.id}"

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class DocumentRevision(db.Model):
    """The content a document had before one of its revisions."""

    __tablename__ = "document_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("controlled_document.id"), index=True)
    revision: Mapped[str] = mapped_column(String(16))
    content: Mapped[dict] = mapped_column(JSON)
    superseded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(Text, default="")

    document: Mapped[ControlledDocument] = relationship(back_populates="revisions")
    superseded_by = relationship("User")


register_object_type("controlled_document", _l("Controlled document"), "records.document", "document_id")
