"""Create, edit, move and correct controlled records — the only ways a record changes.

Like every service these write the audit entry and flush; the caller commits, once. None of
them reads ``current_user``: views, jobs and tests pass the actor.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.models import utcnow
from app.core.records.audit import AuditAction, audit, diff, snapshot
from app.core.records.engine.base import ENGINE_FIELDS, RecordMixin, engine_change, ensure_editable
from app.core.records.engine.definition import Meaning, Transition, WorkflowDefinition
from app.core.records.engine.errors import (
    OwnRecordError,
    RecordSetupError,
    StateConflict,
    TransitionNotAllowed,
    UnknownTransition,
    ValidationError,
)
from app.core.records.engine.models import Approval, Deadline, RecordRevision
from app.core.records.register import ControlledDocument, DocumentKind, DocumentStatus
from app.core.records.services import RegisterError, issue_record_number
from app.core.signals import record_transitioned
from app.extensions import db


def _company_time(now: datetime) -> datetime:
    tz = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai") if has_app_context() else None
    return now.astimezone(ZoneInfo(tz or "Asia/Shanghai"))


def controlled_form(module: str, form_key: str) -> ControlledDocument | None:
    """The controlled form ``form_key`` of ``module`` in the register (a record printed under a
    second form, like repair's F04 repair record, numbers itself from it)."""
    return db.session.scalar(
        select(ControlledDocument)
        .where(
            ControlledDocument.kind == DocumentKind.FORM,
            ControlledDocument.module == module,
            ControlledDocument.form_key == form_key,
            ControlledDocument.status == DocumentStatus.CONTROLLED,
        )
        .order_by(ControlledDocument.id.desc())
        .limit(1)
    )


def find_form(definition: WorkflowDefinition) -> ControlledDocument:
    """The controlled register form a definition files its records on."""
    form = controlled_form(definition.module, definition.form_key)
    if form is None:
        raise RecordSetupError(
            _l(
                "Form %(key)s of %(module)s is not a controlled form in the document register.",
                key=definition.form_key,
                module=definition.module,
            )
        )
    return form


def content_fields(record_or_model) -> list[str]:
    """The fields a correction snapshot keeps: the definition's, else every procedure column."""
    definition = record_or_model.definition
    if definition.fields:
        return list(definition.fields)
    model = record_or_model if isinstance(record_or_model, type) else type(record_or_model)
    return [c.key for c in model.__mapper__.column_attrs if c.key not in ENGINE_FIELDS]


def check_record_values(model, values: Mapping[str, Any]) -> None:
    reserved = set(values) & ENGINE_FIELDS
    unknown = {k for k in values if not hasattr(model, k)}
    if reserved or unknown:
        raise ValueError(f"not a record field: {', '.join(sorted(reserved | unknown))}")


def create_record(model: type, values: Mapping[str, Any] | None = None, *, actor, now=None) -> Any:
    """Start a draft on the form the definition names; the form's code and revision are copied."""
    definition = model.definition
    values = dict(values or {})
    check_record_values(model, values)
    form = find_form(definition)
    record = model(**values)
    record.form = form
    record.form_code = form.code
    record.form_revision = form.revision
    record.status = definition.initial.value
    record.created_by_id = getattr(actor, "id", None)
    record.created_at = now or utcnow()
    record.revision_no = 0
    db.session.add(record)
    db.session.flush()
    audit(AuditAction.CREATE, record, actor=actor, changes=snapshot(record, content_fields(record)))
    return record


def update_record(record: RecordMixin, values: Mapping[str, Any], *, actor) -> dict:
    """A plain edit of a record that is not yet approved or closed; returns the diff audited."""
    ensure_editable(record)
    check_record_values(type(record), values)
    for key, value in values.items():
        setattr(record, key, value)
    changes = diff(record)
    if changes:
        audit(AuditAction.UPDATE, record, actor=actor, changes=changes)
    db.session.flush()
    return changes


def _is_blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | dict):
        return not value
    return False


def missing_fields(record: RecordMixin, step: Transition) -> dict[str, str]:
    """``{field: message}`` for each field the step needs and the record lacks."""
    message = _l("Fill this in before “%(step)s”.", step=step.title)
    return {name: message for name in step.required if _is_blank(getattr(record, name, None))}


def _resolve(definition: WorkflowDefinition, record: RecordMixin, name: str) -> Transition:
    step = definition.transition(name)
    if step is None:
        raise UnknownTransition(name)
    if record.status not in step.from_values:
        raise StateConflict(
            _l(
                "“%(step)s” is not possible while the record is %(state)s.",
                step=step.title,
                state=LazyString(lambda: record.status_title),
            )
        )
    return step


def check_step(record: RecordMixin, name: str, *, actor) -> Transition:
    """The step ``name`` if ``actor`` may take it on ``record`` now; else the error a user sees
    first: unknown step (404), wrong state (409), own record or not allowed (403)."""
    step = _resolve(record.definition, record, name)
    if step.is_approval and step.is_own_record(actor, record):
        raise OwnRecordError(_l("Nobody approves or rejects their own record."))
    if not step.allowed(actor, record):
        raise TransitionNotAllowed(_l("You may not take this step on this record."))
    return step


def transition(
    record: RecordMixin,
    name: str,
    *,
    actor,
    reason: str | None = None,
    values: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Take the step ``name``: check state, guard and required fields, then apply and audit it.

    Checks come in the order a user can act on: the state (409), who may act (403), what is
    missing (422). ``values`` (what the step's form filled in) are written only once the user
    may take the step, and checked with the record's other required fields. The submission
    issues the number in this transaction; a signature stores an :class:`Approval`; deadlines
    are stopped and started; ``record_transitioned`` is sent.
    """
    definition = record.definition
    step = check_step(record, name, actor=actor)
    if values:
        update_record(record, values, actor=actor)
    errors = missing_fields(record, step)
    reason = (reason or "").strip() or None
    if step.reason_required and reason is None:
        errors["reason"] = _l("Give the reason.")
    if errors:
        raise ValidationError(errors)

    now = now or utcnow()
    old = record.status
    new = step.to_state.value
    changes: dict[str, Any] = {"status": [old, new]}
    with engine_change(record):
        if step.issues_number:
            if record.number is None:
                try:
                    record.number = issue_record_number(record.form, at=_company_time(now))
                except RegisterError as error:
                    raise RecordSetupError(str(error)) from error
                changes["number"] = [None, record.number]
            record.submitted_at = now
            record.submitted_by_id = getattr(actor, "id", None)
        record.status = new
        if step.to_state in definition.closed:
            record.closed_at = now
        if step.is_approval:
            db.session.add(
                Approval(
                    record_type=record.record_type,
                    record_id=record.id,
                    transition=step.name,
                    meaning=step.approval.value,
                    decision=step.decision.value,
                    approver_id=getattr(actor, "id", None),
                    approver_name=str(actor),
                    at=now,
                    reason=reason,
                    revision_no=record.revision_no,
                )
            )
            changes.update(meaning=step.approval.value, decision=step.decision.value)
        _move_deadlines(record, step, now)
        action = AuditAction.APPROVAL if step.is_approval else AuditAction.STATE_CHANGE
        audit(action, record, actor=actor, changes=changes, reason=reason)
        db.session.flush()
    record_transitioned.send(record, transition=step, actor=actor, old_state=old, new_state=new)


def _move_deadlines(record: RecordMixin, step: Transition, now: datetime) -> None:
    """Stop the clocks the step ends, then start the ones it begins (a restarted key restarts).

    The reminder point is the definition's ``remind`` rule when it has one, else
    :func:`reminder_point`; never later than the due time.
    """
    keys_to_stop = set(step.stops) | {spec.key for spec in step.starts}
    if keys_to_stop:
        for deadline in open_deadlines(record, keys_to_stop):
            deadline.stopped_at = now
    for spec in step.starts:
        responsible = spec.responsible(record) if spec.responsible else None
        due_at = spec.due(record, now)
        remind_at = spec.remind(record, now, due_at) if spec.remind else reminder_point(now, due_at)
        db.session.add(
            Deadline(
                record_type=record.record_type,
                record_id=record.id,
                key=spec.key,
                responsible_id=getattr(responsible, "id", responsible),
                department=spec.department.value if spec.department else None,
                started_at=now,
                due_at=due_at,
                remind_at=min(remind_at, due_at),
            )
        )


def reminder_point(started_at: datetime, due_at: datetime, fraction: float | None = None) -> datetime:
    """``fraction`` (config ``REMINDER_FRACTION``, default 0.8) of the way from start to due."""
    if fraction is None:
        fraction = current_app.config.get("REMINDER_FRACTION", 0.8) if has_app_context() else 0.8
    fraction = min(max(float(fraction), 0.0), 1.0)
    if due_at <= started_at:
        return due_at
    return started_at + (due_at - started_at) * fraction


def open_deadlines(record: RecordMixin, keys=None) -> list[Deadline]:
    query = select(Deadline).where(
        Deadline.record_type == record.record_type,
        Deadline.record_id == record.id,
        Deadline.stopped_at.is_(None),
    )
    if keys is not None:
        query = query.where(Deadline.key.in_(list(keys)))
    return list(db.session.scalars(query.order_by(Deadline.id)))


def _by_record(model, record: RecordMixin):
    return select(model).where(model.record_type == record.record_type, model.record_id == record.id)


def approvals_of(record: RecordMixin) -> list[Approval]:
    """The record's signatures, oldest first."""
    return list(db.session.scalars(_by_record(Approval, record).order_by(Approval.id)))


def print_signatures(record: RecordMixin) -> list[dict]:
    """The signature blocks of a print: the latest approving signature of each meaning.

    Each item has the fields of :class:`app.core.pdf.Signature` (``Signature(**item)``); a
    meaning whose latest signature is a rejection is left out — it was not given.
    """
    latest: dict[str, Approval] = {}
    for approval in approvals_of(record):
        latest[approval.meaning] = approval
    return [
        {"meaning": a.meaning_enum.print_label, "name": a.approver_name, "signed_at": a.at}
        for meaning in Meaning
        if (a := latest.get(meaning.value)) is not None and not a.is_rejection
    ]


def deadlines_of(record: RecordMixin) -> list[Deadline]:
    return list(db.session.scalars(_by_record(Deadline, record).order_by(Deadline.id)))


def revisions_of(record: RecordMixin) -> list[RecordRevision]:
    return list(db.session.scalars(_by_record(RecordRevision, record).order_by(RecordRevision.revision_no)))
