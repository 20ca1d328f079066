"""Add, list and remove a record's attachments; hand drawn signatures to the PDF prints.

Like every service these write the audit entry and flush; the caller commits, once. None of
them reads ``current_user``: views, jobs and tests pass the actor. The audit entry goes on
the record (its history shows "Attachment added" with the file name and SHA-256), because
that is where an auditor looks for who added the customer's signature, and when.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.attachments import checks, storage
from app.core.attachments.checks import UploadRefused
from app.core.attachments.models import Attachment, AttachmentKind
from app.core.models import utcnow
from app.core.records.audit import AuditAction, audit
from app.core.records.engine.errors import ReadOnlyRecordError, ValidationError
from app.extensions import db

if TYPE_CHECKING:
    from werkzeug.datastructures import FileStorage

    from app.core.pdf import Signature

#: longest file name kept (the rest of a longer name is cut, the extension kept)
MAX_FILENAME = 200


def clean_filename(name: str | None, extension: str) -> str:
    """The name to show and to offer as download name: the user's base name, made safe,
    with the extension of the type found in the content (a ``report.php`` that is really a
    PDF is kept as ``report.pdf``). Never used as a path.
    """
    base = checks.display_name(name, limit=1000)
    stem = base.rsplit(".", 1)[0].strip(" .") if "." in base else base
    return (stem[: MAX_FILENAME - len(extension)] or "file") + extension


def _record(record_type: str, record_id: int):
    """The record an attachment belongs to, when its type is a registered workflow record."""
    from app.core.records.engine.registry import registry

    definition = registry.for_type(record_type)
    return db.session.get(definition.model, record_id) if definition is not None else None


def _audit(action: AuditAction, att: Attachment, *, actor, changes: dict, reason: str | None = None) -> None:
    record = _record(att.record_type, att.record_id)
    if record is not None:
        audit(action, record, actor=actor, changes=changes, reason=reason)
    else:
        audit(
            action,
            actor=actor,
            changes=changes,
            reason=reason,
            object_type=att.record_type,
            object_id=str(att.record_id),
            label=f"{att.record_type} #{att.record_id}",
        )


def _keep(
    data: bytes,
    content_type: str,
    *,
    record_type: str,
    record_id: int,
    kind: AttachmentKind,
    filename: str,
    actor,
    signer_name: str | None = None,
    signed_at: datetime | None = None,
) -> Attachment:
    relative = storage.write_file(
        data, record_type=record_type, record_id=record_id, extension=checks.EXTENSIONS[content_type]
    )
    att = Attachment(
        record_type=record_type,
        record_id=record_id,
        kind=AttachmentKind(kind).value,
        filename=filename,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_path=relative,
        uploaded_by_id=getattr(actor, "id", None),
        uploaded_by_name=str(actor) if actor is not None else "",
        uploaded_at=utcnow(),
        signer_name=signer_name,
        signed_at=signed_at,
    )
    db.session.add(att)
    db.session.flush()
    changes = {"attachment_kind": att.kind, "filename": att.filename, "sha256": att.sha256}
    if signer_name:
        changes["signer_name"] = signer_name
    _audit(AuditAction.ATTACH, att, actor=actor, changes=changes)
    db.session.flush()
    return att


def save_upload(
    file_storage: FileStorage,
    *,
    record_type: str,
    record_id: int,
    kind: AttachmentKind | str = AttachmentKind.PHOTO,
    actor,
) -> Attachment:
    """Keep an uploaded photo, signed scan or document with a record.

    Raises :class:`UploadRefused` (a translated message for the field) for an empty or too
    large file, or content that is not a JPEG, PNG, WebP or PDF — a photo must be an image.
    """
    kind = AttachmentKind(kind)
    if kind == AttachmentKind.SIGNATURE:
        raise ValueError("signatures are drawn: use save_signature (a signed paper is SIGNED_SCAN)")
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = file_storage.stream.read(limit + 1)
    checked = checks.check_file(
        data,
        max_bytes=limit,
        max_pixels=current_app.config["UPLOAD_MAX_PIXELS"],
        images_only=kind == AttachmentKind.PHOTO,
    )
    return _keep(
        checked.data,
        checked.content_type,
        record_type=record_type,
        record_id=record_id,
        kind=kind,
        filename=clean_filename(file_storage.filename, checked.extension),
        actor=actor,
    )


def save_signature(
    data_url: str,
    *,
    record_type: str,
    record_id: int,
    signer_name: str,
    actor,
    signed_at: datetime | None = None,
) -> Attachment:
    """Keep a signature drawn on the pad (a ``data:image/png;base64,…`` URL) with a record.

    The picture is flattened on white and cropped to the ink, so it prints cleanly in the
    signature blocks. Raises :class:`UploadRefused` for a blank pad, a missing signer name
    or anything that is not a sane PNG.
    """
    signer_name = (signer_name or "").strip()
    if not signer_name:
        raise UploadRefused(_l("Enter the name of the person signing."), field="signer_name")
    if len(signer_name) > 100:
        raise UploadRefused(_l("The name is too long (at most 100 characters)."), field="signer_name")
    png = checks.check_signature(data_url, max_bytes=current_app.config["SIGNATURE_MAX_BYTES"])
    if signed_at is not None and signed_at.tzinfo is None:
        raise ValueError("signed_at must be an aware datetime")
    return _keep(
        png,
        checks.PNG,
        record_type=record_type,
        record_id=record_id,
        kind=AttachmentKind.SIGNATURE,
        filename="signature.png",
        actor=actor,
        signer_name=signer_name,
        signed_at=signed_at or utcnow(),
    )


def attachments_of(
    record_type: str,
    record_id: int,
    kind: AttachmentKind | str | None = None,
    *,
    include_removed: bool = False,
) -> list[Attachment]:
    """A record's attachments, oldest first; removed ones only when asked for."""
    query = select(Attachment).where(Attachment.record_type == record_type, Attachment.record_id == record_id)
    if kind is not None:
        query = query.where(Attachment.kind == AttachmentKind(kind).value)
    if not include_removed:
        query = query.where(Attachment.removed_at.is_(None))
    return list(db.session.scalars(query.order_by(Attachment.id)))


def latest_signature(record_type: str, record_id: int) -> Attachment | None:
    """The record's most recent drawn signature that was not removed."""
    signatures = attachments_of(record_type, record_id, AttachmentKind.SIGNATURE)
    return signatures[-1] if signatures else None


def get_attachment(attachment_id: int) -> Attachment | None:
    """An attachment that exists and was not removed."""
    att = db.session.get(Attachment, attachment_id)
    return None if att is None or att.is_removed else att


def remove_attachment(att: Attachment, *, actor, reason: str, record=None) -> None:
    """Take an attachment off its record: hidden from now on, kept on disk, audited with the reason.

    Raises the engine's ``ValidationError`` (``{"reason": …}``) without a reason.

    An approved or closed record keeps its attachments (raises ``ReadOnlyRecordError``), like
    its fields: the record is corrected, not edited. Pass ``record`` when you have it loaded;
    otherwise it is looked up when its type is a registered workflow record.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _l("Give the reason.")})
    if att.is_removed:
        return
    record = record if record is not None else _record(att.record_type, att.record_id)
    if record is not None and getattr(record, "is_read_only", False):
        raise ReadOnlyRecordError(_l("The record is read-only: its attachments cannot be removed."))
    att.removed_at = utcnow()
    att.removed_by_id = getattr(actor, "id", None)
    att.removal_reason = reason
    db.session.flush()
    _audit(
        AuditAction.DETACH,
        att,
        actor=actor,
        changes={"attachment_kind": att.kind, "filename": att.filename, "sha256": att.sha256},
        reason=reason,
    )
    db.session.flush()


def attachment_path(att: Attachment) -> Path:
    """The file on disk (inside the upload folder)."""
    return storage.absolute(att.storage_path)


def attachment_bytes(att: Attachment) -> bytes:
    return attachment_path(att).read_bytes()


def print_signature(att: Attachment, meaning: str) -> Signature:
    """A drawn signature as a print's signature block: ``render_pdf(signatures=[...])``.

    ``meaning`` is what the signature means on the form, e.g. "客户签字 Customer".
    """
    from app.core.pdf import Signature

    if not att.is_signature:
        raise ValueError("only a drawn signature prints in a signature block")
    return Signature(
        meaning=meaning,
        name=att.signer_name or "",
        signed_at=att.signed_at or att.uploaded_at,
        image=attachment_bytes(att),
    )


__all__ = [
    "UploadRefused",
    "attachment_bytes",
    "attachment_path",
    "attachments_of",
    "clean_filename",
    "get_attachment",
    "latest_signature",
    "print_signature",
    "remove_attachment",
    "save_signature",
    "save_upload",
]
