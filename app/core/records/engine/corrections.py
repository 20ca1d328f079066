"""Corrections: an approved or closed record changes only as a new revision with a reason.

The content it had stays readable as a :class:`RecordRevision` (ISO 9001 7.5.3: records are
corrected, never silently edited).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.models import utcnow
from app.core.records.audit import AuditAction, audit, diff, snapshot
from app.core.records.engine.base import RecordMixin, engine_change
from app.core.records.engine.errors import StateConflict, TransitionNotAllowed, ValidationError
from app.core.records.engine.models import RecordRevision
from app.core.records.engine.services import check_record_values, content_fields
from app.extensions import db


def correct_record(record: RecordMixin, changes: Mapping[str, Any], *, actor, reason: str) -> RecordRevision:
    """Correct an approved or closed record: keep what it said, apply the change, say why.

    The superseded content stays readable as a :class:`RecordRevision`; the record keeps its
    number and state and its ``revision_no`` goes up by one.
    """
    definition = record.definition
    if not record.is_read_only:
        raise StateConflict(_l("This record is not approved or closed yet: edit it directly."))
    if not definition.may_correct(actor, record):
        raise TransitionNotAllowed(_l("You may not correct this record."))
    check_record_values(type(record), changes)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _l("Give the reason for the correction.")})
    fields = content_fields(record)
    previous = RecordRevision(
        record_type=record.record_type,
        record_id=record.id,
        revision_no=record.revision_no,
        content=snapshot(record, ["number", "status", *fields]),
        reason=reason,
        by_id=getattr(actor, "id", None),
        by_name=str(actor) if actor is not None else "",
        at=utcnow(),
    )
    with engine_change(record):
        for key, value in changes.items():
            setattr(record, key, value)
        changed = diff(record, fields)
        if not changed:
            raise ValidationError({"changes": _l("The correction changes nothing.")})
        changed["revision_no"] = [record.revision_no, record.revision_no + 1]
        record.revision_no += 1
        db.session.add(previous)
        audit(AuditAction.UPDATE, record, actor=actor, changes=changed, reason=reason)
        db.session.flush()
    return previous
