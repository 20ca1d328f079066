"""The delivery procedure's rules, through its services and steps: the warehouse check gates the
release, released units are shipped and traced, a short receipt opens a transit damage record."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.core.calendar.queries import company_today
from app.core.masterdata.models import Unit
from app.core.records.audit import history_of
from app.core.records.engine import transition
from app.core.records.engine.errors import OwnRecordError, ValidationError
from app.core.signals import packaging_damage_reported, unit_shipped
from app.core.traceability import UnitShipment, trace_query
from app.delivery.forms import LineEntry
from app.delivery.models import DamageState, NoteState, TransitDamageRecord
from app.delivery.services import (
    check_line,
    check_stock,
    correct_line,
    handover_signature,
    receipt_signature,
    record_received,
    search_stock,
)
from app.extensions import db
from tests.delivery.conftest import RELEASE, line, sign


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_submission_numbers_the_note_and_sends_it_to_the_sales_manager(world, make_note):
    note = make_note("submitted")
    assert re.fullmatch(r"FH-\d{6}-0001", note.number)
    assert note.form_code == "Q/SB-8.5.1-F01"
    from app.core.records.engine import pending_approvals_for

    assert [item.record for item in pending_approvals_for(world.sales_mgr)] == [note]
    assert pending_approvals_for(world.sales) == []
    assert pending_approvals_for(world.service_mgr) == []  # a manager, but not of Sales


def test_nobody_approves_their_own_note(world, make_note):
    note = make_note("draft")
    note.created_by_id = world.sales_mgr.id
    db.session.commit()
    transition(note, "submit", actor=world.sales_mgr)
    with pytest.raises(OwnRecordError):
        transition(note, "approve", actor=world.sales_mgr)


def test_a_mismatch_blocks_the_release_until_the_line_is_corrected_in_the_history(world, make_note):
    note = make_note("approved")
    first, second = note.lines
    check_line(second, matches=True, actor=world.warehouse)
    check_line(first, matches=False, remark="只有一台 SN-S001，SN-S002 未到库", actor=world.warehouse)
    sign(note, "张司机", world.warehouse)
    db.session.commit()
    assert note.lines_checked is None
    with pytest.raises(ValidationError) as refused:
        transition(note, "release", actor=world.warehouse, values=RELEASE)
    assert "lines_checked" in refused.value.errors
    db.session.rollback()
    assert note.status == NoteState.APPROVED

    entry = LineEntry(str(world.product.id), "1", "", "SN-S001", first.position)
    assert entry.check()
    assert check_stock([entry], note=note)
    with pytest.raises(ValidationError):
        correct_line(first, entry, reason="", actor=world.warehouse)
    changes = correct_line(first, entry, reason="实物只有一台", actor=world.warehouse)
    db.session.commit()
    assert changes["quantity"] == [2, 1]
    assert changes["serials"] == ["SN-S001, SN-S002", "SN-S001"]
    assert first.check_state == "ok"
    entry_ = [e for e in history_of(note) if e.reason == "实物只有一台"]
    assert len(entry_) == 1
    assert entry_[0].changes["quantity"] == [2, 1]
    assert entry_[0].actor_id == world.warehouse.id
    mismatch = [
        e for e in history_of(note) if (e.changes or {}).get("check_state") == ["pending", "mismatch"]
    ]
    assert mismatch
    assert mismatch[0].changes["check_note"].startswith("只有一台")

    transition(note, "release", actor=world.warehouse, values=RELEASE)
    db.session.commit()
    assert note.status == NoteState.RELEASED
    released = db.session.get(Unit, world.stock[1].id)
    assert released.customer_id is None  # SN-S002 was taken off the note: still in stock


def test_release_needs_the_delivery_details_and_the_hand_over_signature(world, make_note):
    note = make_note("checked")
    with pytest.raises(ValidationError) as refused:
        transition(note, "release", actor=world.warehouse, values={"delivery_method": "pickup"})
    assert set(refused.value.errors) == {"delivery_details", "handover_signature"}
    db.session.rollback()
    sign(note, "客户代表 王五", world.warehouse)
    transition(
        note, "release", actor=world.warehouse, values={"delivery_method": "pickup", "pickup_person": "王五"}
    )
    db.session.commit()
    assert note.status == NoteState.RELEASED
    assert handover_signature(note).signer_name == "客户代表 王五"


def test_released_units_get_customer_site_and_ship_date_and_new_serials_become_units(world, make_note):
    shipped = []

    def receiver(unit, **kw):
        shipped.append((unit.serial, kw["shipment"].document_number))

    unit_shipped.connect(receiver)
    try:
        note = make_note(
            "released",
            lines=[line(world.product, 3, ["SN-S001", "SN-S003", "SN-NEW-9"], batch="B2611-02")],
            site="二号车间",
        )
    finally:
        unit_shipped.disconnect(receiver)
    assert note.released_at is not None
    assert note.released_by_id == world.warehouse.id
    assert re.fullmatch(r"QS-\d{6}-0001", note.receipt_number)
    assert note.receipt_form_code == "Q/SB-8.5.1-F02"
    for serial in ("SN-S001", "SN-S003", "SN-NEW-9"):
        unit = db.session.scalar(select(Unit).where(Unit.serial == serial))
        assert unit.customer_id == world.customer.id
        assert unit.site == "二号车间"
        assert unit.ship_date == company_today()
        assert unit.product_id == world.product.id
    new = db.session.scalar(select(Unit).where(Unit.serial == "SN-NEW-9"))
    assert new.batch == "B2611-02"
    assert [u.unit_id for u in note.lines[0].units] == [world.stock[0].id, world.stock[2].id, new.id]
    rows = db.session.scalars(trace_query(customer_id=world.customer.id)).all()
    assert sorted(r.serial for r in rows) == ["SN-NEW-9", "SN-S001", "SN-S003"]
    assert {r.document_number for r in rows} == {note.number}
    assert ("SN-NEW-9", note.number) in shipped
    unit_history = history_of(new)
    assert any((e.changes or {}).get("ship_date") for e in unit_history)


def test_a_unit_shipped_meanwhile_stops_the_release_of_another_note(world, make_note):
    first = make_note("signed")
    second = make_note("signed", lines=[line(world.product, 1, ["SN-S002"])])
    transition(first, "release", actor=world.warehouse, values=RELEASE)
    db.session.commit()
    with pytest.raises(ValidationError) as refused:
        transition(second, "release", actor=world.warehouse, values=RELEASE)
    assert "SN-S002" in str(refused.value.errors["lines"])
    db.session.rollback()
    assert second.status == NoteState.APPROVED


def test_stock_lists_only_units_in_stock_and_not_held_by_another_open_note(world, make_note):
    make_note("draft", lines=[line(world.product, 1, ["SN-S001"])])
    found = [u.serial for u in search_stock("SN-")]
    assert found == ["SN-S002", "SN-S003", "SN-S004", "SN-S005", "SN-S006"]  # not SN-OLD-1 (shipped)
    assert search_stock("s005") == [world.stock[4]]
    assert search_stock("SN-", product_id=world.cabinet.id) == []


def test_check_stock_refuses_shipped_held_unknown_product_and_duplicate_serials(world, make_note):
    held = make_note("submitted", lines=[line(world.product, 1, ["SN-S004"])])
    entries = [
        LineEntry(str(world.product.id), "2", "", "SN-OLD-1\nSN-S004"),
        LineEntry(str(world.cabinet.id), "1", "", "SN-S005"),
        LineEntry(str(world.product.id), "1", "", "sn-s005"),
        LineEntry(str(world.product.id), "1", "", "SN-BRAND-NEW"),
    ]
    with force_locale("en"):  # the messages are read as an English-speaking user sees them
        for entry in entries:
            assert entry.check()
        assert not check_stock(entries)
    assert "SN-OLD-1 is not in stock" in entries[0].errors["serials"]
    assert held.number in entries[0].errors["serials"]
    assert "QP-200" in entries[1].errors["serials"]
    assert "another line" in entries[2].errors["serials"]
    assert "serials" not in entries[3].errors


def test_a_short_line_opens_a_transit_damage_record_with_the_carrier(world, make_note):
    note = make_note("received", short=1)
    assert note.status == NoteState.RECEIVED
    assert note.receipt_signature_attachment_id == receipt_signature(note).id
    assert receipt_signature(note).signer_name == "王经理"
    (record,) = note.damage_records
    assert re.fullmatch(r"YC-\d{6}-001", record.number)
    assert record.status == DamageState.REPORTED
    assert record.source == "receipt"
    assert (record.carrier, record.waybill_no) == ("顺丰物流", "SF1234567890")
    (item,) = record.items
    assert (item.model, item.shipped_quantity, item.received_quantity, item.shortage) == ("QPC-30", 5, 4, 1)
    assert item.identification == "B2611-07"
    assert "外箱破损" in record.description


def test_a_complete_receipt_opens_no_damage_record(world, make_note):
    note = make_note("received")
    assert note.damage_records == []
    assert count(TransitDamageRecord) == 0


def test_receipt_quantities_are_checked_and_the_customer_signs_after_the_driver(world, make_note):
    note = make_note("released")
    first, second = note.lines
    errors = record_received(note, {first.id: (3, 0, ""), second.id: (5, 6, "")}, actor=world.sales)
    assert set(errors[first.id]) == {"received_quantity"}
    assert set(errors[second.id]) == {"damaged_quantity"}
    assert first.received_quantity is None
    assert receipt_signature(note) is None  # the driver's signature is not the customer's
    with pytest.raises(ValidationError) as refused:
        transition(
            note,
            "receive",
            actor=world.sales,
            values={"receiver_name": "王经理", "received_at": note.released_at},
        )
    assert {"receipt_quantities", "receipt_signature"} <= set(refused.value.errors)


def test_the_damage_claim_runs_to_closure(world, make_note):
    note = make_note("received", short=1)
    record = note.damage_records[0]
    transition(
        record,
        "assess",
        actor=world.logistics,
        values={"responsibility": "carrier", "responsibility_note": "承运途中外箱挤压"},
    )
    db.session.commit()
    assert not record.definition.transition("close").allowed(world.logistics_mgr, record)  # claim first
    transition(
        record,
        "claim",
        actor=world.logistics,
        values={"claim_amount": Decimal("1800.00"), "claim_reference": "SF-C-1"},
    )
    transition(record, "settle", actor=world.logistics, values={"settled_amount": Decimal("1500.00")})
    transition(record, "close", actor=world.logistics_mgr)
    db.session.commit()
    assert record.status == DamageState.CLOSED
    assert record.closed_at is not None
    assert record.is_read_only


def test_a_damage_that_is_nobodys_carrier_closes_without_a_claim(world, make_note):
    note = make_note("received", short=1)
    record = note.damage_records[0]
    transition(record, "assess", actor=world.logistics, values={"responsibility": "warehouse"})
    assert not record.definition.transition("claim").allowed(world.logistics, record)
    transition(record, "close", actor=world.quality_mgr)
    db.session.commit()
    assert record.status == DamageState.CLOSED


def test_installation_reports_packaging_damage_through_the_signal(world, make_note, app):
    note = make_note("received")
    unit = db.session.get(Unit, world.stock[0].id)
    results = packaging_damage_reported.send(
        None,
        unit=unit,
        description="开箱时外包装木箱破裂，设备防护罩凹陷",
        reporter=world.engineer,
        reference="KX-202612-0001",
    )
    answers = [answer for _receiver, answer in results if answer]
    assert len(answers) == 1
    number, url = answers[0]
    db.session.commit()
    record = db.session.scalar(select(TransitDamageRecord).where(TransitDamageRecord.number == number))
    assert url == f"/delivery/damage/{record.id}"
    assert record.shipping_note_id == note.id
    assert record.unit_id == unit.id
    assert record.source == "unboxing"
    assert record.reference == "KX-202612-0001"
    assert record.reported_by_name == str(world.engineer)
    assert record.items[0].identification == "SN-S001"
    assert record.created_by_id == world.engineer.id


def test_packaging_damage_by_shipping_note_number(world, make_note):
    note = make_note("released")
    results = packaging_damage_reported.send(
        None, shipping_note_number=note.number, description="包装受潮", reporter=world.engineer
    )
    number, _url = next(answer for _r, answer in results if answer)
    record = db.session.scalar(select(TransitDamageRecord).where(TransitDamageRecord.number == number))
    assert record.shipping_note_id == note.id
    assert record.unit_id is None


def test_shipping_shows_in_the_units_history_and_the_home_page_tasks(world, make_note):
    from app.core.masterdata.views.units import service_archive
    from app.core.tasks import open_tasks

    approved = make_note("approved", lines=[line(world.product, 1, ["SN-S005"])])
    released = make_note("released")
    unit = db.session.get(Unit, world.stock[0].id)
    archive = service_archive(unit)
    warehouse_tasks = {t.number for t in open_tasks(world.warehouse)}
    sales_tasks = {t.number for t in open_tasks(world.sales)}
    logistics_tasks = {t.number for t in open_tasks(world.logistics)}
    assert any(released.number in title for _when, title, _url in archive)
    assert approved.number in warehouse_tasks  # to check and release
    assert released.number in sales_tasks
    assert released.number in logistics_tasks
    assert approved.number not in sales_tasks
    assert approved.number not in logistics_tasks
    assert open_tasks(world.sales2) == []
    assert open_tasks(world.engineer) == []


def test_dates_of_release_are_company_days(world, make_note):
    note = make_note("released")
    row = db.session.scalars(select(UnitShipment).where(UnitShipment.document_id == note.id)).first()
    assert row.shipped_at.tzinfo is not None
    assert abs(row.shipped_at - note.released_at) < dt.timedelta(seconds=1)


def test_a_line_marked_as_not_matching_is_only_cleared_by_a_correction_with_its_reason(world, make_note):
    note = make_note("approved")
    first = note.lines[0]
    check_line(first, matches=False, remark="铭牌看不清", actor=world.warehouse)
    with pytest.raises(ValidationError):
        check_line(first, matches=True, actor=world.warehouse)
    entry = LineEntry(str(world.product.id), "2", "", "SN-S001\nSN-S002", first.position)
    assert entry.check()
    changes = correct_line(first, entry, reason="复核铭牌，实物相符", actor=world.warehouse)
    db.session.commit()
    assert changes == {"line": first.label, "check_state": ["mismatch", "ok"]}
    assert any(e.reason == "复核铭牌，实物相符" for e in history_of(note))
    with pytest.raises(ValidationError):
        correct_line(first, entry, reason="再来一次", actor=world.warehouse)  # nothing to correct now
