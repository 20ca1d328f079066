"""The delivery pages as staff use them: issuing a note, the list and its fragments, the warehouse
check and the receipt in place, errors beside the fields with nothing saved, unknown ids."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.core.masterdata.models import Unit
from app.delivery.models import NoteState, ShippingLine, ShippingNote, TransitDamageRecord
from app.extensions import db
from tests.conftest import HX
from tests.core.masterdata_helpers import row_ids
from tests.delivery.conftest import line

EN = {"Accept-Language": "en"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def note_form(w, **extra):
    data = {
        "customer_id": str(w.customer.id),
        "site": "",
        "planned_date": "2026-12-10",
        "delivery_method": "carrier",
        "contact_name": "王经理",
        "contact_phone": "0512-66668888",
        "product_id": [str(w.product.id), str(w.cabinet.id), ""],
        "quantity": ["2", "5", ""],
        "batch": ["", "B2611-07", ""],
        "serials": ["SN-S001\nSN-S002", "", ""],
        "action": "submit",
    }
    data.update(extra)
    return data


def test_sales_issues_a_note_with_picked_and_batch_lines_and_submits_it(client, login, world):
    login(world.sales)
    page = client.get("/delivery/new", headers=EN).get_data(as_text=True)
    assert 'id="note-form"' in page
    assert 'name="stock_q"' in page
    response = client.post("/delivery/new", data=note_form(world), headers={**EN, **HX})
    assert response.status_code == 204, response.get_data(as_text=True)[:1500]
    note = db.session.scalar(select(ShippingNote))
    assert response.headers["HX-Redirect"] == f"/delivery/{note.id}"
    assert note.status == NoteState.SUBMITTED
    assert re.fullmatch(r"FH-\d{6}-0001", note.number)
    assert note.site == "苏州市工业园区星湖街1号"  # the customer's address when left empty
    first, second = note.lines
    assert (first.model, first.quantity, first.serials) == ("QP-200", 2, ["SN-S001", "SN-S002"])
    assert [u.unit_id for u in first.units] == [world.stock[0].id, world.stock[1].id]
    assert (second.model, second.quantity, second.batch, second.units) == ("QPC-30", 5, "B2611-07", [])
    page = client.get(f"/delivery/{note.id}", headers=EN).get_data(as_text=True)
    assert note.number in page
    assert "SN-S002" in page


def test_a_draft_is_saved_and_edited(client, login, world):
    login(world.sales)
    response = client.post("/delivery/new", data=note_form(world, action="save"), headers={**EN, **HX})
    assert response.status_code == 204
    note = db.session.scalar(select(ShippingNote))
    assert note.status == NoteState.DRAFT
    assert note.number is None
    form = client.get(f"/delivery/{note.id}/edit", headers=EN).get_data(as_text=True)
    assert "SN-S001\nSN-S002" in form
    data = note_form(
        world, action="save", quantity=["1", "5", ""], serials=["SN-S003", "", ""], version=note.version
    )
    response = client.post(f"/delivery/{note.id}/edit", data=data, headers={**EN, **HX})
    assert response.status_code == 204, response.get_data(as_text=True)[:1500]
    db.session.expire_all()
    assert note.lines[0].serials == ["SN-S003"]
    stale = client.post(f"/delivery/{note.id}/edit", data={**data, "version": 1}, headers={**EN, **HX})
    assert stale.status_code == 409


def test_bad_input_answers_422_beside_the_fields_and_saves_nothing(client, login, world):
    login(world.sales)
    data = note_form(
        world,
        customer_id="",
        planned_date="",
        quantity=["3", "abc", ""],
        serials=["SN-S001\nSN-S002", "", ""],
    )
    response = client.post("/delivery/new", data=data, headers={**EN, **HX})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert 'id="note-form"' in html
    assert 'id="customer_id-error"' in html
    assert "Pick the customer." in html
    assert 'id="planned_date-error"' in html
    assert 'id="serials-0-error"' in html
    assert "2 serial numbers for a quantity of 3" in html
    assert 'id="quantity-1-error"' in html
    assert count(ShippingNote) == 0
    assert count(ShippingLine) == 0


def test_a_serial_not_in_stock_is_refused_beside_its_line(client, login, world):
    login(world.sales)
    data = note_form(world, serials=["SN-OLD-1\nSN-S002", "", ""])
    response = client.post("/delivery/new", data=data, headers={**EN, **HX})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="serials-0-error"' in html
    assert "SN-OLD-1 is not in stock" in html
    no_lines = client.post(
        "/delivery/new",
        data=note_form(world, product_id=[""], quantity=[""], batch=[""], serials=[""]),
        headers=HX,
    )
    assert no_lines.status_code == 422
    assert 'id="lines-error"' in no_lines.get_data(as_text=True)
    assert count(ShippingNote) == 0


def test_the_stock_type_ahead_offers_units_in_stock(client, login, world):
    login(world.sales)
    html = client.get("/delivery/stock?row=1&stock_q=s00", headers={**EN, **HX}).get_data(as_text=True)
    assert 'id="stock-1-results"' in html
    assert html.count("data-serial=") == 6
    assert "SN-OLD-1" not in html
    filtered = client.get(f"/delivery/stock?row=0&stock_q=SN&product_id={world.cabinet.id}", headers=HX)
    assert "data-serial=" not in filtered.get_data(as_text=True)


def test_the_list_is_a_fragment_for_htmx_and_a_page_otherwise_and_filters(client, login, world, make_note):
    draft = make_note("draft", lines=[line(world.product, 1, ["SN-S003"])])
    released = make_note("released")
    other = make_note("submitted", customer=world.other, lines=[line(world.cabinet, 2, batch="B9")])
    login(world.logistics)
    full = client.get("/delivery/", headers=EN)
    assert full.status_code == 200
    assert "<html" in full.get_data(as_text=True)
    assert "HX-Request" in full.headers.get("Vary", "")
    fragment = client.get("/delivery/", headers={**EN, **HX}).get_data(as_text=True)
    assert "<html" not in fragment
    assert fragment.lstrip().startswith('<div id="note-table"')
    assert set(row_ids(fragment, "note")) == {draft.id, released.id, other.id}
    by_status = client.get("/delivery/?status=released", headers={**EN, **HX}).get_data(as_text=True)
    assert row_ids(by_status, "note") == [released.id]
    by_customer = client.get(f"/delivery/?customer={world.other.id}", headers={**EN, **HX}).get_data(
        as_text=True
    )
    assert row_ids(by_customer, "note") == [other.id]
    open_notes = client.get("/delivery/?status=open", headers={**EN, **HX}).get_data(as_text=True)
    assert set(row_ids(open_notes, "note")) == {draft.id, other.id}
    planned = released.planned_date.isoformat()
    by_date = client.get(f"/delivery/?from={planned}&to={planned}", headers=HX).get_data(as_text=True)
    assert set(row_ids(by_date, "note")) == {draft.id, released.id, other.id}
    none = client.get("/delivery/?from=2020-01-01&to=2020-01-31", headers=HX).get_data(as_text=True)
    assert row_ids(none, "note") == []
    by_number = client.get(f"/delivery/?q={released.number}", headers=HX).get_data(as_text=True)
    assert row_ids(by_number, "note") == [released.id]


def test_the_warehouse_ticks_lines_in_place(client, login, world, make_note):
    note = make_note("approved")
    login(world.warehouse)
    first = note.lines[0]
    refused = client.post(
        f"/delivery/lines/{first.id}/check", data={"result": "mismatch"}, headers={**EN, **HX}
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "<html" not in html
    assert f'id="check_note-{first.id}-error"' in html
    db.session.expire_all()
    assert first.check_state == "pending"
    answer = client.post(
        f"/delivery/lines/{first.id}/check",
        data={"result": "mismatch", "check_note": "少一台"},
        headers={**EN, **HX},
    )
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="card mt-3" id="note-lines"')
    assert 'data-mismatched="1"' in html
    plain = client.post(f"/delivery/lines/{note.lines[1].id}/check", data={"result": "ok"})
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith(f"/delivery/{note.id}")
    bad = client.post(
        f"/delivery/lines/{first.id}/correct",
        data={"quantity": "2", "serials": "SN-S001", "reason": "x"},
        headers={**EN, **HX},
    )
    assert bad.status_code == 422
    assert f'id="correct-serials-{first.id}-error"' in bad.get_data(as_text=True)
    fixed = client.post(
        f"/delivery/lines/{first.id}/correct",
        data={"quantity": "1", "serials": "SN-S001", "reason": "实物只有一台"},
        headers={**EN, **HX},
    )
    assert fixed.status_code == 200
    db.session.expire_all()
    assert (first.quantity, first.check_state) == (1, "ok")
    history = client.get(f"/delivery/{note.id}", headers=EN).get_data(as_text=True)
    assert "实物只有一台" in history
    assert "Matches the goods" in history


def test_the_receipt_is_recorded_in_place_and_a_short_line_opens_a_damage_record(
    client, login, world, make_note
):
    from tests.delivery.conftest import sign

    note = make_note("released")
    first, second = note.lines
    login(world.sales)
    too_many = client.post(
        f"/delivery/{note.id}/receipt",
        data={f"received-{first.id}": "3", f"received-{second.id}": "5"},
        headers={**EN, **HX},
    )
    assert too_many.status_code == 422
    assert f'id="received-{first.id}-error"' in too_many.get_data(as_text=True)
    db.session.expire_all()
    assert first.received_quantity is None
    ok = client.post(
        f"/delivery/{note.id}/receipt",
        data={f"received-{first.id}": "2", f"received-{second.id}": "4", f"remark-{second.id}": "少一箱"},
        headers={**EN, **HX},
    )
    assert ok.status_code == 200
    sign(note, "王经理", world.sales)
    db.session.commit()
    page = client.get(f"/delivery/{note.id}", headers=EN).get_data(as_text=True)
    assert 'value="王经理"' in page  # the receiver's name comes from the customer's signature
    db.session.expire_all()
    response = client.post(
        f"/records/delivery_shipping_note/{note.id}/transitions/receive",
        data={
            "version": note.version,
            "receive-receiver_name": "王经理",
            "receive-received_at": "2026-12-05T10:00",
        },
        headers={**EN, **HX},
    )
    assert response.status_code == 204, response.get_data(as_text=True)[:800]
    db.session.expire_all()
    assert note.status == NoteState.RECEIVED
    (record,) = db.session.scalars(select(TransitDamageRecord)).all()
    page = client.get(f"/delivery/{note.id}", headers=EN).get_data(as_text=True)
    assert f'data-damage-number="{record.number}"' in page
    damage = client.get(f"/delivery/damage/{record.id}", headers=EN).get_data(as_text=True)
    assert record.number in damage
    assert 'data-shortage="1"' in damage
    assert "少一箱" in damage
    listed = client.get("/delivery/damage", headers=EN).get_data(as_text=True)
    assert f'id="damage-{record.id}"' in listed
    only_open = client.get("/delivery/damage?status=open", headers={**EN, **HX})
    assert only_open.status_code == 200
    assert f'id="damage-{record.id}"' in only_open.get_data(as_text=True)
    closed = client.get("/delivery/damage?status=closed", headers={**EN, **HX}).get_data(as_text=True)
    assert f'id="damage-{record.id}"' not in closed


def test_a_release_without_the_checks_answers_422_and_moves_nothing(client, login, world, make_note):
    note = make_note("approved")
    login(world.warehouse)
    response = client.post(
        f"/records/delivery_shipping_note/{note.id}/transitions/release",
        data={"version": note.version, "release-delivery_method": "carrier", "release-carrier": "德邦"},
        headers={**EN, **HX},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="release-waybill_no-error"' in html
    assert 'id="release-driver_name-error"' in html
    response = client.post(
        f"/records/delivery_shipping_note/{note.id}/transitions/release",
        data={
            "version": note.version,
            "release-delivery_method": "pickup",
            "release-pickup_person": "王五",
        },
        headers={**EN, **HX},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-field="lines_checked"' in html
    assert 'data-field="handover_signature"' in html
    db.session.expire_all()
    assert note.status == NoteState.APPROVED
    assert note.pickup_person == ""
    assert db.session.get(Unit, world.stock[0].id).customer_id is None


def test_a_damage_report_by_hand_with_422(client, login, world, make_note):
    note = make_note("released")
    login(world.logistics)
    assert client.get(f"/delivery/{note.id}/damage/new", headers=EN).status_code == 200
    refused = client.post(f"/delivery/{note.id}/damage/new", data={"description": ""}, headers={**EN, **HX})
    assert refused.status_code == 422
    assert 'id="description-error"' in refused.get_data(as_text=True)
    assert count(TransitDamageRecord) == 0
    done = client.post(
        f"/delivery/{note.id}/damage/new", data={"description": "一台设备外壳划伤"}, headers=HX
    )
    assert done.status_code == 204
    record = db.session.scalar(select(TransitDamageRecord))
    assert record.status == "reported"
    assert record.shipping_note_id == note.id
    listed = client.get("/delivery/damage?status=open", headers={**EN, **HX}).get_data(as_text=True)
    assert "<html" not in listed
    assert row_ids(listed, "damage") == [record.id]


def test_unknown_ids_are_404(client, login, world, make_note):
    login(world.warehouse)
    for url in (
        "/delivery/999",
        "/delivery/999/edit",
        "/delivery/damage/999",
        "/delivery/999/damage/new",
        "/delivery/print/delivery_shipping_note/999/F01.pdf",
        "/delivery/print/nothing/1/F01.pdf",
    ):
        assert client.get(url).status_code == 404, url
    for url in ("/delivery/lines/999/check", "/delivery/lines/999/correct", "/delivery/999/receipt"):
        assert client.post(url, data={}).status_code == 404, url


def test_the_units_page_shows_its_shipping(client, login, world, make_note):
    note = make_note("released")
    login(world.engineer)
    page = client.get(f"/masterdata/units/{world.stock[0].id}", headers=EN).get_data(as_text=True)
    assert f"Shipped on {note.number} to {world.customer.name}" in page
    home = client.get("/", headers=EN).get_data(as_text=True)
    assert note.number not in home  # an engineer has no delivery tasks
    client.post("/auth/logout")
    login(world.sales)
    assert note.number in client.get("/", headers=EN).get_data(as_text=True)
