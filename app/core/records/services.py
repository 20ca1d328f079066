"""Changes to the document register, and record numbers issued from it.

Like every service these change state, write the audit entry and flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.models import utcnow
from app.core.records.audit import AuditAction, audit, diff, snapshot
from app.core.records.numbering import issue_number, validate_pattern
from app.core.records.register import ControlledDocument, DocumentKind, DocumentRevision, DocumentStatus
from app.extensions import db

CONTENT_FIELDS = ControlledDocument.CONTENT_FIELDS
#: what a create entry records besides the content
_IDENTITY_FIELDS = ("kind", "module", "form_key", "procedure_id")


class RegisterError(ValueError):
    """A change the register does not accept (the message is for the user)."""


def find_document(code: str) -> ControlledDocument | None:
    return db.session.scalar(select(ControlledDocument).where(ControlledDocument.code == code))


def create_document(data: Mapping[str, Any], *, actor) -> ControlledDocument:
    """Add a procedure or record form to the register; the create entry keeps its first content."""
    doc = ControlledDocument(**dict(data))
    doc.status = DocumentStatus(doc.status or DocumentStatus.CONTROLLED).value
    doc.kind = DocumentKind(doc.kind).value
    if doc.kind == DocumentKind.FORM:
        validate_pattern(doc.number_pattern)
    doc.updated_at = utcnow()
    db.session.add(doc)
    db.session.flush()
    initial = snapshot(doc, [*_IDENTITY_FIELDS, *CONTENT_FIELDS])
    audit(AuditAction.CREATE, doc, actor=actor, changes=initial, label=doc.audit_label)
    return doc


def revise_document(
    doc: ControlledDocument, data: Mapping[str, Any], *, actor, reason: str
) -> DocumentRevision:
    """Issue a new revision of ``doc``: keep its current content, apply ``data``, log the diff.

    A controlled document is never edited in place: the content it had is stored as a
    :class:`DocumentRevision` so that the superseded version stays readable, and the new one
    must carry a revision label of its own and a reason.
    """
    reason = (reason or "").strip()
    if not reason:
        raise RegisterError(_l("Give the reason for the revision."))
    unknown = set(data) - set(CONTENT_FIELDS)
    if unknown:
        raise RegisterError(f"not a document field: {', '.join(sorted(unknown))}")
    new_label = data.get("revision") or doc.revision
    if new_label == doc.revision or new_label in {r.revision for r in doc.revisions}:
        raise RegisterError(_l("The new revision needs a label that this document has not used yet."))
    if doc.is_form:
        validate_pattern(data.get("number_pattern", doc.number_pattern))

    previous = DocumentRevision(
        document=doc,
        revision=doc.revision,
        content=snapshot(doc, list(CONTENT_FIELDS)),
        superseded_at=utcnow(),
        superseded_by_id=getattr(actor, "id", None),
        reason=reason,
    )
    db.session.add(previous)
    for key, value in data.items():
        if key == "status" and value is not None:
            value = DocumentStatus(value).value
        setattr(doc, key, value)
    changes = diff(doc, list(CONTENT_FIELDS))
    doc.updated_at = utcnow()
    audit(AuditAction.UPDATE, doc, actor=actor, changes=changes, reason=reason, label=doc.audit_label)
    db.session.flush()
    return previous


def issue_record_number(form_doc: ControlledDocument, *, at: datetime | None = None) -> str:
    """Issue the next record number of a record form, e.g. ``WX-202611-0042``.

    Call it from the service that submits a record, in the same transaction as the
    submission, never in a transaction of its own and never for a draft: the form's counter
    stays locked until that transaction ends, so concurrent submissions get consecutive
    numbers in order, and a submission that fails and rolls back hands its number back, so
    the series has no gaps. The series belongs to the form (not its code), so a revised
    code or pattern continues the count; ``at`` (default: now, company time) picks the period.
    """
    if not form_doc.is_form:
        raise RegisterError(_l("Only record forms issue record numbers."))
    if form_doc.status_enum != DocumentStatus.CONTROLLED:
        raise RegisterError(_l("This form is obsolete: no new records can be filed on it."))
    return issue_number(form_doc.series, form_doc.number_pattern or "", at=at)
