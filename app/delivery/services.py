"""What the delivery views, the demo and the tests call: shipping notes and their lines, the
warehouse check, release (units shipped and traced), receipt, and transit damage records.

Services flush, never commit, never read ``current_user`` (STYLE.md). The release and the
receipt are engine steps; their consequences (units created and shipped, the receipt number,
a damage record for what arrived short or damaged) follow here on ``record_transitioned``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm.attributes import flag_modified

from app.core.attachments.models import Attachment, AttachmentKind
from app.core.calendar.queries import company_timezone
from app.core.masterdata.models import Unit
from app.core.masterdata.services import create_unit
from app.core.models import utcnow
from app.core.records.audit import AuditAction, audit
from app.core.records.engine import create_record, transition, update_record
from app.core.records.engine.errors import ValidationError
from app.core.records.engine.services import controlled_form
from app.core.records.services import issue_record_number
from app.core.signals import (
    collect_tasks,
    collect_unit_history,
    packaging_damage_reported,
    record_transitioned,
)
from app.core.text_search import contains_text, starts_with_text
from app.core.traceability import ShippedItem, record_shipment
from app.delivery.forms import LineEntry
from app.delivery.models import (
    RESERVING_STATES,
    SHIPPED_STATES,
    DamageItem,
    DamageSource,
    DamageState,
    LineCheck,
    NoteState,
    ShippingLine,
    ShippingLineUnit,
    ShippingNote,
    TransitDamageRecord,
)
from app.extensions import db

SIGNED = (AttachmentKind.SIGNATURE.value, AttachmentKind.SIGNED_SCAN.value)


def record_path(endpoint: str, **values) -> str:
    """A page's path, also outside a request (a job, or a signal sent from the CLI)."""
    if has_request_context():
        return url_for(endpoint, **values)
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT"))
    return adapter.build(endpoint, values)


# --- signatures ----------------------------------------------------------------------------------------


def _signatures(note: ShippingNote, *, after: int | None = None) -> list[Attachment]:
    query = select(Attachment).where(
        Attachment.record_type == note.record_type,
        Attachment.record_id == note.id,
        Attachment.kind.in_(SIGNED),
        Attachment.removed_at.is_(None),
    )
    if after is not None:
        query = query.where(Attachment.id > after)
    return list(db.session.scalars(query.order_by(Attachment.id)))


def handover_signature(note: ShippingNote) -> Attachment | None:
    """The driver's or representative's signature (pad) or signed sheet for the goods.

    Once released it is the one kept at release; before, the latest signature on the note.
    """
    if note.handover_signature_attachment_id is not None:
        return db.session.get(Attachment, note.handover_signature_attachment_id)
    if note.released_at is not None:
        return None
    found = _signatures(note)
    return found[-1] if found else None


def receipt_signature(note: ShippingNote) -> Attachment | None:
    """The customer's signature or signed receipt, given after the release (so never the driver's)."""
    if note.receipt_signature_attachment_id is not None:
        return db.session.get(Attachment, note.receipt_signature_attachment_id)
    if note.released_at is None:
        return None
    found = _signatures(note, after=note.handover_signature_attachment_id or 0)
    return found[-1] if found else None


# --- stock and the lines' serial numbers ---------------------------------------------------------------


def in_stock():
    """A unit in stock: at no customer and never shipped."""
    return Unit.customer_id.is_(None) & Unit.ship_date.is_(None)


def _reserved_query(exclude_note_id: int | None):
    query = (
        select(func.upper(ShippingLineUnit.serial), ShippingNote)
        .join(ShippingLine, ShippingLine.id == ShippingLineUnit.line_id)
        .join(ShippingNote, ShippingNote.id == ShippingLine.note_id)
        .where(ShippingNote.status.in_([s.value for s in RESERVING_STATES]))
    )
    if exclude_note_id is not None:
        query = query.where(ShippingNote.id != exclude_note_id)
    return query


def reserved_serials(
    serials: Iterable[str], *, exclude_note_id: int | None = None
) -> dict[str, ShippingNote]:
    """Upper-cased serial → the other open note (draft, submitted, approved) that already lists it."""
    wanted = sorted({s.upper() for s in serials})
    if not wanted:
        return {}
    query = _reserved_query(exclude_note_id).where(func.upper(ShippingLineUnit.serial).in_(wanted))
    return {serial: note for serial, note in db.session.execute(query).unique()}


def search_stock(
    q: str, *, product_id: int | None = None, exclude_note_id: int | None = None, limit: int = 10
) -> list[Unit]:
    """Units in stock whose serial contains ``q`` (starting with it first), not held by another
    open shipping note: what the type-ahead of a line offers."""
    q = (q or "").strip()
    if not q:
        return []
    held = _reserved_query(exclude_note_id).with_only_columns(func.upper(ShippingLineUnit.serial))
    query = select(Unit).where(
        in_stock(),
        contains_text(Unit.serial, q),
        func.upper(Unit.serial).not_in(held.scalar_subquery()),
    )
    if product_id:
        query = query.where(Unit.product_id == product_id)
    starts = starts_with_text(Unit.serial, q)
    query = query.order_by(starts.desc(), Unit.serial).limit(limit)
    return list(db.session.scalars(query).unique())


def units_by_serial(serials: Iterable[str]) -> dict[str, Unit]:
    """Upper-cased serial → the unit with that serial (serials are unique whatever their case)."""
    wanted = sorted({s.upper() for s in serials})
    if not wanted:
        return {}
    units = db.session.scalars(select(Unit).where(func.upper(Unit.serial).in_(wanted))).unique()
    return {unit.serial.upper(): unit for unit in units}


def check_stock(entries: list[LineEntry], *, note: ShippingNote | None = None) -> bool:
    """Each serial is a unit in stock of the line's product, or a new one; none is listed twice
    or held by another open note. Puts the messages on the entries; True when all are fine."""
    serials = [s for e in entries for s in e.serials]
    units = units_by_serial(serials)
    held = reserved_serials(serials, exclude_note_id=note.id if note is not None and note.id else None)
    seen: set[str] = set()
    for entry in entries:
        if "serials" in entry.errors:
            continue
        problems = []
        for serial in entry.serials:
            key = serial.upper()
            unit = units.get(key)
            if key in seen:
                problems.append(_("%(serial)s is on another line", serial=serial))
            elif key in held:
                problems.append(
                    _(
                        "%(serial)s is on shipping note %(number)s",
                        serial=serial,
                        number=held[key].display_number,
                    )
                )
            elif unit is not None and not (unit.customer_id is None and unit.ship_date is None):
                problems.append(_("%(serial)s is not in stock (shipped already)", serial=serial))
            elif unit is not None and entry.product is not None and unit.product_id != entry.product.id:
                problems.append(_("%(serial)s is a %(model)s", serial=serial, model=unit.product.model))
            seen.add(key)
        if problems:
            entry.errors["serials"] = "; ".join(problems)
    return not any(e.errors for e in entries)


def _lines_text(lines) -> str:
    """The lines in one line of text, for the history."""
    parts = []
    for line in lines:
        serials = line.serials if isinstance(line, ShippingLine) else line["serials"]
        model = line.model if isinstance(line, ShippingLine) else line["model"]
        quantity = line.quantity if isinstance(line, ShippingLine) else line["quantity"]
        batch = line.batch if isinstance(line, ShippingLine) else line["batch"]
        detail = ", ".join(serials) if serials else batch
        parts.append(f"{model} × {quantity}" + (f" [{detail}]" if detail else ""))
    return "; ".join(parts)


def _set_units(line: ShippingLine, serials: list[str]) -> None:
    """The line's serials become ``serials``: those kept stay (same rows), the others go or come."""
    units = units_by_serial(serials)
    kept = {u.serial: u for u in line.units}
    line.units = [
        kept.get(s) or ShippingLineUnit(serial=s, unit_id=units[s.upper()].id if s.upper() in units else None)
        for s in serials
    ]


def _line(values: Mapping[str, Any], position: int) -> ShippingLine:
    units = units_by_serial(values["serials"])
    line = ShippingLine(
        position=position,
        product_id=values["product_id"],
        model=values["model"],
        product_name=values["product_name"],
        quantity=values["quantity"],
        batch=values["batch"],
        check_state=LineCheck.PENDING.value,
    )
    line.units = [
        ShippingLineUnit(serial=s, unit_id=units[s.upper()].id if s.upper() in units else None)
        for s in values["serials"]
    ]
    return line


# --- shipping notes ------------------------------------------------------------------------------------


def create_note(
    values: Mapping[str, Any], lines: list[Mapping[str, Any]], *, actor, now=None
) -> ShippingNote:
    """A draft shipping note with its lines (``LineEntry.values()``); submit it to have it signed."""
    note = create_record(ShippingNote, dict(values), actor=actor, now=now)
    note.lines = [_line(line, index) for index, line in enumerate(lines, 1)]
    db.session.flush()
    audit(AuditAction.UPDATE, note, actor=actor, changes={"lines": [None, _lines_text(note.lines)]})
    return note


def update_note(
    note: ShippingNote, values: Mapping[str, Any], lines: list[Mapping[str, Any]], *, actor
) -> dict:
    """Edit a draft: its head and its lines (replaced as a whole, the change audited)."""
    if note.status != NoteState.DRAFT:
        raise ValidationError(
            {"lines": _("Only a draft is edited; the warehouse corrects an approved note.")}
        )
    changes = update_record(note, dict(values), actor=actor)
    before = _lines_text(note.lines)
    after = _lines_text(lines)
    if before != after:
        note.lines = [_line(line, index) for index, line in enumerate(lines, 1)]
        # the lines live in their own table: touch the note so its version moves on and a second
        # editor working from the old page is refused like any other stale save
        flag_modified(note, "note")
        db.session.flush()
        audit(AuditAction.UPDATE, note, actor=actor, changes={"lines": [before, after]})
        changes["lines"] = [before, after]
    return changes


def submit_note(note: ShippingNote, *, actor, now=None) -> None:
    """Send the note to the sales manager for signature: the number is issued now."""
    transition(note, "submit", actor=actor, now=now)


# --- the warehouse check -------------------------------------------------------------------------------


def _require_check_state(line: ShippingLine) -> None:
    if line.shipping_note.status != NoteState.APPROVED:
        raise ValidationError({"lines": _("Lines are checked once the note is approved, before release.")})


def check_line(line: ShippingLine, *, matches: bool, remark: str = "", actor, now=None) -> None:
    """The warehouse keeper ticks a line as matching the goods, or marks what does not match
    (which blocks the release until the line is corrected)."""
    _require_check_state(line)
    remark = (remark or "").strip()
    if not matches and not remark:
        raise ValidationError({"check_note": _("Say what does not match.")})
    if matches and line.check_state == LineCheck.MISMATCH:
        raise ValidationError({"check_note": _("A line that does not match is corrected, with the reason.")})
    old = line.check_state
    line.check_state = (LineCheck.OK if matches else LineCheck.MISMATCH).value
    line.check_note = "" if matches else remark[:500]
    line.checked_by_id = getattr(actor, "id", None)
    line.checked_at = now or utcnow()
    changes: dict[str, Any] = {"line": line.label, "check_state": [old, line.check_state]}
    if not matches:
        changes["check_note"] = line.check_note
    audit(AuditAction.UPDATE, line.shipping_note, actor=actor, changes=changes)
    db.session.flush()


def correct_line(line: ShippingLine, entry: LineEntry, *, reason: str, actor, now=None) -> dict:
    """The warehouse keeper corrects a line to the goods at hand (quantity, batch, serials); the
    old and new values and the reason go into the note's history, and the line counts as checked.

    A line marked as not matching by mistake is confirmed the same way, unchanged, with the reason.
    """
    _require_check_state(line)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    values = entry.values()
    if values["product_id"] != line.product_id:
        raise ValidationError(
            {"product_id": _("The product of a line is not changed; cancel the note instead.")}
        )
    changes: dict[str, Any] = {"line": line.label}
    old_serials = ", ".join(line.serials)
    new_serials = ", ".join(values["serials"])
    if line.quantity != values["quantity"]:
        changes["quantity"] = [line.quantity, values["quantity"]]
    if line.batch != values["batch"]:
        changes["batch"] = [line.batch, values["batch"]]
    if old_serials != new_serials:
        changes["serials"] = [old_serials, new_serials]
        _set_units(line, values["serials"])
    if len(changes) == 1 and line.check_state != LineCheck.MISMATCH:
        # a line marked as not matching may be confirmed as it stands, the reason recorded
        raise ValidationError({"reason": _("The correction changes nothing.")})
    line.quantity = values["quantity"]
    line.batch = values["batch"]
    changes["check_state"] = [line.check_state, LineCheck.OK.value]
    line.check_state = LineCheck.OK.value
    line.check_note = ""
    line.checked_by_id = getattr(actor, "id", None)
    line.checked_at = now or utcnow()
    audit(AuditAction.UPDATE, line.shipping_note, actor=actor, changes=changes, reason=reason)
    db.session.flush()
    return changes


# --- receipt -------------------------------------------------------------------------------------------


def record_received(
    note: ShippingNote, quantities: Mapping[int, tuple[int, int, str]], *, actor
) -> dict[int, dict[str, str]]:
    """What the customer counted on arrival, per line: ``{line_id: (received, damaged, remark)}``.

    Returns the errors by line id (nothing is changed when there is any): the quantity received
    is 0 … shipped, the damaged ones are among those received.
    """
    if note.status != NoteState.RELEASED:
        raise ValidationError({"lines": _("The receipt is recorded while the goods are in transit.")})
    errors: dict[int, dict[str, str]] = {}
    for line in note.lines:
        if line.id not in quantities:
            continue
        received, damaged, _remark = quantities[line.id]
        problems = {}
        if received is None or not 0 <= received <= line.quantity:
            problems["received_quantity"] = _("From 0 to %(max)s.", max=line.quantity)
        if damaged is None or damaged < 0 or (received is not None and damaged > received):
            problems["damaged_quantity"] = _("From 0 to the quantity received.")
        if problems:
            errors[line.id] = problems
    if errors:
        return errors
    for line in note.lines:
        if line.id not in quantities:
            continue
        received, damaged, remark = quantities[line.id]
        remark = (remark or "").strip()[:500]
        changes: dict[str, Any] = {}
        if line.received_quantity != received:
            changes["received_quantity"] = [line.received_quantity, received]
        if (line.damaged_quantity or 0) != damaged or line.damaged_quantity is None:
            changes["damaged_quantity"] = [line.damaged_quantity, damaged]
        if line.receipt_remark != remark:
            changes["receipt_remark"] = [line.receipt_remark, remark]
        line.received_quantity, line.damaged_quantity, line.receipt_remark = received, damaged, remark
        if changes:
            audit(AuditAction.UPDATE, note, actor=actor, changes={"line": line.label, **changes})
    db.session.flush()
    return {}


def confirm_receipt(
    note: ShippingNote,
    *,
    receiver_name: str,
    actor,
    received_at: dt.datetime | None = None,
    receipt_note: str = "",
    now: dt.datetime | None = None,
) -> None:
    """The "Receipt confirmed" step, keeping which signature is the customer's (what the step's
    form does on the page)."""
    signature = receipt_signature(note)
    values = {
        "receiver_name": receiver_name,
        "received_at": received_at or now or utcnow(),
        "receipt_note": receipt_note,
        "receipt_signature_attachment_id": signature.id if signature is not None else None,
    }
    transition(note, "receive", actor=actor, values=values, now=now)


# --- release and receipt: what follows the steps -------------------------------------------------------


def _company_time(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(company_timezone())


def _release(note: ShippingNote, *, actor) -> None:
    """The goods leave: entered serials become units, every unit gets the customer, site and ship
    date, the shipment is traced, the receipt (F02) is numbered and the hand-over signature kept.

    A serial that left the stock meanwhile (shipped on another note) stops the release.
    """
    now = utcnow()
    units = units_by_serial(s for line in note.lines for s in line.serials)
    problems = []
    for line in note.lines:
        for line_unit in line.units:
            unit = units.get(line_unit.serial.upper())
            if unit is not None and not (unit.customer_id is None and unit.ship_date is None):
                problems.append(_("%(serial)s is not in stock any more", serial=line_unit.serial))
            elif unit is not None and unit.product_id != line.product_id:
                problems.append(
                    _("%(serial)s is a %(model)s", serial=line_unit.serial, model=unit.product.model)
                )
    if problems:
        raise ValidationError({"lines": "; ".join(problems)})
    items: list[ShippedItem] = []
    for line in note.lines:
        if not line.units:
            items.append(ShippedItem(product_id=line.product_id, batch=line.batch, quantity=line.quantity))
            continue
        for line_unit in line.units:
            unit = units.get(line_unit.serial.upper())
            if unit is None:
                unit = create_unit(
                    {"serial": line_unit.serial, "batch": line.batch, "product_id": line.product_id},
                    actor=actor,
                )
            line_unit.unit_id = unit.id
            items.append(ShippedItem(unit=unit))
    signature = handover_signature(note)
    note.handover_signature_attachment_id = signature.id if signature is not None else None
    note.released_at = now
    note.released_by_id = getattr(actor, "id", None)
    form = controlled_form("delivery", "F02")
    if note.receipt_number is None and form is not None:
        note.receipt_number = issue_record_number(form, at=_company_time(now))
        note.receipt_form_code = form.code
        note.receipt_form_revision = form.revision
    db.session.flush()
    record_shipment(
        items,
        customer_id=note.customer_id,
        site=note.site or (note.customer.address if note.customer else ""),
        shipped_at=now,
        document_type=note.record_type,
        document_id=note.id,
        document_number=note.number or "",
        actor=actor,
    )


def _damage_items(note: ShippingNote) -> list[DamageItem]:
    return [
        DamageItem(
            line_id=line.id,
            model=line.model,
            product_name=line.product_name,
            identification=line.identification[:500],
            shipped_quantity=line.quantity,
            received_quantity=line.received_quantity or 0,
            damaged_quantity=line.damaged_quantity or 0,
            remark=line.receipt_remark,
        )
        for line in note.lines
        if line.shortage or line.damaged_quantity
    ]


def _received(note: ShippingNote, *, actor) -> TransitDamageRecord | None:
    """Goods short or damaged on arrival open a transit damage/loss record (F03) at once."""
    if not note.has_discrepancy:
        return None
    items = _damage_items(note)
    summary = "; ".join(
        _(
            "%(model)s: %(shipped)s shipped, %(received)s received, %(damaged)s damaged",
            model=item.model,
            shipped=item.shipped_quantity,
            received=item.received_quantity,
            damaged=item.damaged_quantity,
        )
        + (f" ({item.remark})" if item.remark else "")
        for item in items
    )
    description = _("On receipt of %(number)s: %(items)s", number=note.number, items=summary)
    if note.receipt_note:
        description += "\n" + note.receipt_note
    return open_damage_record(
        note=note,
        description=description,
        source=DamageSource.RECEIPT,
        items=items,
        reported_by_name=note.receiver_name,
        reported_at=note.received_at,
        actor=actor,
    )


@record_transitioned.connect
def _follow_transitions(record, *, actor, new_state: str, **_kw) -> None:
    if not isinstance(record, ShippingNote):
        return
    if new_state == NoteState.RELEASED:
        _release(record, actor=actor)
    elif new_state == NoteState.RECEIVED:
        _received(record, actor=actor)


# --- transit damage and loss ---------------------------------------------------------------------------


def open_damage_record(
    *,
    description: str,
    actor,
    note: ShippingNote | None = None,
    unit: Unit | None = None,
    source: DamageSource = DamageSource.REPORTED,
    items: Iterable[DamageItem] = (),
    reported_by_name: str = "",
    reported_at: dt.datetime | None = None,
    reference: str = "",
    reference_url: str = "",
    now: dt.datetime | None = None,
) -> TransitDamageRecord:
    """Register a transit damage/loss record (F03) with its number; the carrier and waybill are
    copied from the shipping note, so the claim names them as they were."""
    now = now or utcnow()
    values = {
        "shipping_note_id": note.id if note is not None else None,
        "unit_id": unit.id if unit is not None else None,
        "source": DamageSource(source).value,
        "description": (description or "").strip(),
        "reported_by_name": (reported_by_name or str(actor or ""))[:100],
        "reported_at": reported_at or now,
        "reference": (reference or "")[:64],
        "reference_url": (reference_url or "")[:300],
        "carrier": note.carrier if note is not None else "",
        "waybill_no": note.waybill_no if note is not None else "",
    }
    record = create_record(TransitDamageRecord, values, actor=actor, now=now)
    record.items = list(items)
    db.session.flush()
    transition(record, "register", actor=actor, now=now)
    return record


def note_of_unit(unit: Unit) -> ShippingNote | None:
    """The shipping note the unit last left on."""
    query = (
        select(ShippingNote)
        .join(ShippingLine, ShippingLine.note_id == ShippingNote.id)
        .join(ShippingLineUnit, ShippingLineUnit.line_id == ShippingLine.id)
        .where(
            ShippingLineUnit.unit_id == unit.id, ShippingNote.status.in_([s.value for s in SHIPPED_STATES])
        )
        .order_by(ShippingNote.released_at.desc(), ShippingNote.id.desc())
        .limit(1)
    )
    return db.session.scalars(query).unique().first()


def note_by_number(number: str) -> ShippingNote | None:
    return db.session.scalars(
        select(ShippingNote).where(ShippingNote.number == (number or "").strip())
    ).first()


@packaging_damage_reported.connect
def _packaging_damage(
    sender,
    *,
    description: str,
    reporter,
    unit: Unit | None = None,
    shipping_note_number: str | None = None,
    reference: str = "",
    reference_url: str | None = None,
    **_kw,
) -> tuple[str, str]:
    """Installation found the packaging damaged at the unboxing: open a transit damage record (F03)
    on the shipping note the unit came on, and answer with its number and page."""
    if not (description or "").strip():
        raise ValueError("packaging_damage_reported needs a description")
    note = note_by_number(shipping_note_number) if shipping_note_number else None
    if note is None and unit is not None:
        note = note_of_unit(unit)
    items = []
    if unit is not None:
        line = next(
            (line for line in (note.lines if note else []) if unit.id in {u.unit_id for u in line.units}),
            None,
        )
        items.append(
            DamageItem(
                line_id=line.id if line else None,
                model=unit.product.model if unit.product else "",
                product_name=unit.product.name if unit.product else "",
                identification=unit.serial,
                shipped_quantity=1,
                received_quantity=1,
                damaged_quantity=1,
            )
        )
    record = open_damage_record(
        note=note,
        unit=unit,
        description=description,
        source=DamageSource.UNBOXING,
        items=items,
        reported_by_name=str(reporter or ""),
        reference=reference,
        reference_url=reference_url or "",
        actor=reporter,
    )
    return record.number, record_path("delivery.damage_detail", record_id=record.id)


# --- home page and the unit's archive ------------------------------------------------------------------


@collect_tasks.connect
def _delivery_tasks(user, limit: int = 50, **_kw) -> list:
    """The home page's delivery tasks: my drafts (Sales); notes to check and release (warehouse);
    goods in transit whose receipt is still to be recorded (the issuer, Logistics); damage records
    to follow up (Logistics)."""
    from app.core.permissions import Department, Role, has_role, in_department
    from app.core.tasks import Task

    wanted = []
    if in_department(user, Department.SALES):
        wanted.append(
            (ShippingNote.created_by_id == user.id) & (ShippingNote.status == NoteState.DRAFT.value)
        )
        wanted.append(
            (ShippingNote.created_by_id == user.id) & (ShippingNote.status == NoteState.RELEASED.value)
        )
    if has_role(user, Role.WAREHOUSE_KEEPER):
        wanted.append(ShippingNote.status == NoteState.APPROVED.value)
    if in_department(user, Department.LOGISTICS):
        wanted.append(ShippingNote.status == NoteState.RELEASED.value)
    tasks = []
    if wanted:
        notes = db.session.scalars(
            select(ShippingNote)
            .where(or_(*wanted))
            .order_by(ShippingNote.planned_date, ShippingNote.id)
            .limit(limit)
        ).unique()
        for note in notes:
            tasks.append(
                Task(
                    title=_("%(state)s – %(summary)s", state=note.status_title, summary=note.summary),
                    url=record_path("delivery.detail", note_id=note.id),
                    module="delivery",
                    number=note.number or "",
                )
            )
    if in_department(user, Department.LOGISTICS):
        waiting = {DamageState.REPORTED, DamageState.ASSESSED, DamageState.CLAIMED}
        records = db.session.scalars(
            select(TransitDamageRecord)
            .where(TransitDamageRecord.status.in_([s.value for s in waiting]))
            .order_by(TransitDamageRecord.id)
            .limit(limit)
        ).unique()
        for record in records:
            tasks.append(
                Task(
                    title=_("%(state)s – %(summary)s", state=record.status_title, summary=record.summary),
                    url=record_path("delivery.damage_detail", record_id=record.id),
                    module="delivery",
                    number=record.number or "",
                )
            )
    return tasks


@collect_unit_history.connect
def _unit_shipments(unit, **_kw) -> list[tuple]:
    """The unit's shipping for its service archive: ``(released, title, url)``, and its transit damage."""
    notes = db.session.scalars(
        select(ShippingNote)
        .join(ShippingLine, ShippingLine.note_id == ShippingNote.id)
        .join(ShippingLineUnit, ShippingLineUnit.line_id == ShippingLine.id)
        .where(
            ShippingLineUnit.unit_id == unit.id, ShippingNote.status.in_([s.value for s in SHIPPED_STATES])
        )
        .order_by(ShippingNote.released_at.desc())
    ).unique()
    events = [
        (
            note.released_at,
            _(
                "Shipped on %(number)s to %(customer)s: %(state)s",
                number=note.number,
                customer=note.customer.name if note.customer else "",
                state=note.status_title,
            ),
            record_path("delivery.detail", note_id=note.id),
        )
        for note in notes
    ]
    records = db.session.scalars(
        select(TransitDamageRecord).where(
            TransitDamageRecord.unit_id == unit.id, TransitDamageRecord.status != DamageState.DRAFT.value
        )
    ).unique()
    events += [
        (
            record.reported_at or record.created_at,
            _("Transit damage %(number)s: %(state)s", number=record.number, state=record.status_title),
            record_path("delivery.damage_detail", record_id=record.id),
        )
        for record in records
    ]
    return events


__all__ = [
    "check_line",
    "check_stock",
    "confirm_receipt",
    "correct_line",
    "create_note",
    "handover_signature",
    "open_damage_record",
    "receipt_signature",
    "record_received",
    "reserved_serials",
    "search_stock",
    "submit_note",
    "update_note",
]
