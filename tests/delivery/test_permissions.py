"""Who may take each step of the delivery records: the allowed see the button and succeed; everyone
else sees no button and gets 403, whatever they post."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.core.records.engine import transition
from app.delivery.models import ShippingNote
from app.extensions import db
from tests.conftest import HX

EN = {"Accept-Language": "en"}
EVERYONE = (
    "sales",
    "sales2",
    "sales_mgr",
    "warehouse",
    "logistics",
    "logistics_mgr",
    "quality",
    "quality_mgr",
    "engineer",
    "service_mgr",
)
SALES = {"sales", "sales2", "sales_mgr"}
LOGISTICS = {"warehouse", "logistics", "logistics_mgr"}  # the warehouse keeper sits in Logistics


def _note(state, **kw):
    return lambda make_note, w: make_note(state, **kw)


def _damage(state):
    def make(make_note, w):
        note = make_note("received", short=1)
        record = note.damage_records[0]
        if state in ("assessed", "claimed", "settled", "closed"):
            transition(record, "assess", actor=w.logistics, values={"responsibility": "carrier"})
        if state in ("claimed", "settled", "closed"):
            transition(record, "claim", actor=w.logistics, values={"claim_amount": Decimal("900")})
        if state in ("settled", "closed"):
            transition(record, "settle", actor=w.logistics, values={"settled_amount": Decimal("900")})
        if state == "closed":
            transition(record, "close", actor=w.logistics_mgr)
        db.session.commit()
        return record

    return make


RELEASE = {
    "release-delivery_method": "carrier",
    "release-carrier": "德邦物流",
    "release-waybill_no": "DB-778899",
    "release-driver_name": "刘师傅",
}

#: (id, record factory, step, who may take it, form data)
MATRIX = [
    ("submit", _note("draft"), "submit", SALES, {}),
    ("discard", _note("draft"), "discard", {"sales"}, {}),  # the creator only
    ("approve", _note("submitted"), "approve", {"sales_mgr"}, {}),
    ("reject", _note("submitted"), "reject", {"sales_mgr"}, {"reason": "数量有误"}),
    ("cancel", _note("approved"), "cancel", {"sales_mgr"}, {"reason": "客户推迟"}),
    ("release", _note("signed"), "release", {"warehouse"}, RELEASE),
    (
        "receive",
        _note("counted"),
        "receive",
        SALES | LOGISTICS,
        {"receive-receiver_name": "王经理", "receive-received_at": "2026-12-05T10:00"},
    ),
    ("assess", _damage("reported"), "assess", LOGISTICS, {"assess-responsibility": "carrier"}),
    ("claim", _damage("assessed"), "claim", LOGISTICS, {"claim-claim_amount": "1200"}),
    ("settle", _damage("claimed"), "settle", LOGISTICS, {"settle-settled_amount": "1000"}),
    ("claim_rejected", _damage("claimed"), "claim_rejected", LOGISTICS, {"reason": "超过索赔时限"}),
    ("close", _damage("settled"), "close", {"logistics_mgr", "quality_mgr"}, {}),
    ("void", _damage("closed"), "void", {"quality"}, {"reason": "重复登记"}),
]


def _page(record):
    if isinstance(record, ShippingNote):
        return f"/delivery/{record.id}"
    return f"/delivery/damage/{record.id}"


@pytest.mark.parametrize(
    ("factory", "step", "allowed", "data"), [m[1:] for m in MATRIX], ids=[m[0] for m in MATRIX]
)
def test_each_step_only_for_those_who_may_take_it(
    client, login, world, make_note, factory, step, allowed, data
):
    record = factory(make_note, world)
    state = record.status
    url = f"/records/{record.record_type}/{record.id}/transitions/{step}"
    for who in EVERYONE:
        if who in allowed:
            continue
        login(world.people[who])
        page = client.get(_page(record), headers=EN).get_data(as_text=True)
        assert f'data-step="{step}"' not in page, who
        response = client.post(url, data={"version": record.version, **data}, headers={**EN, **HX})
        assert response.status_code == 403, (who, response.status_code)
        client.post("/auth/logout")
    db.session.expire_all()
    assert record.status == state  # nothing moved
    for who in sorted(allowed):
        login(world.people[who])
        page = client.get(_page(record), headers=EN).get_data(as_text=True)
        assert f'data-step="{step}"' in page, who
        client.post("/auth/logout")
    login(world.people[sorted(allowed)[0]])
    response = client.post(url, data={"version": record.version, **data}, headers={**EN, **HX})
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:800]
    db.session.expire_all()
    assert record.status != state


def _approved(make_note, w):
    return make_note("approved")


def _released(make_note, w):
    return make_note("released")


#: (id, note factory, marker of the control on the page, url of the action, who may, form data)
ACTIONS = [
    (
        "check_line",
        _approved,
        "data-line-ok=",
        lambda note: f"/delivery/lines/{note.lines[0].id}/check",
        {"warehouse"},
        {"result": "ok"},
    ),
    (
        "correct_line",
        _approved,
        "data-line-correct=",
        lambda note: f"/delivery/lines/{note.lines[0].id}/correct",
        {"warehouse"},
        {"quantity": "1", "serials": "SN-S001", "reason": "实物只有一台"},
    ),
    (
        "receipt_quantities",
        _released,
        'id="receipt-save"',
        lambda note: f"/delivery/{note.id}/receipt",
        SALES | LOGISTICS,
        {},
    ),
    (
        "report_damage",
        _released,
        'id="report-damage"',
        lambda note: f"/delivery/{note.id}/damage/new",
        SALES | LOGISTICS,
        {"description": "外箱破损"},
    ),
    ("edit", _note("draft"), 'id="edit-note"', lambda note: f"/delivery/{note.id}/edit", SALES, None),
]


@pytest.mark.parametrize(
    ("factory", "marker", "url", "allowed", "data"), [a[1:] for a in ACTIONS], ids=[a[0] for a in ACTIONS]
)
def test_line_and_page_actions_only_for_those_who_may(
    client, login, world, make_note, factory, marker, url, allowed, data
):
    note = factory(make_note, world)
    target = url(note)
    if data is not None and "receipt" in target:
        data = {f"received-{ln.id}": str(ln.quantity) for ln in note.lines}
    for who in EVERYONE:
        login(world.people[who])
        page = client.get(f"/delivery/{note.id}", headers=EN).get_data(as_text=True)
        if who in allowed:
            assert marker in page, who
        else:
            assert marker not in page, who
            answer = client.post(target, data=data or {}, headers={**EN, **HX})
            assert answer.status_code == 403, (who, answer.status_code)
        client.post("/auth/logout")
    login(world.people[sorted(allowed)[0]])
    if data is None:
        assert client.get(target, headers=EN).status_code == 200
    else:
        answer = client.post(target, data=data, headers={**EN, **HX})
        assert answer.status_code in (200, 204), answer.get_data(as_text=True)[:800]


def test_only_sales_issues_shipping_notes(client, login, world):
    for who in EVERYONE:
        login(world.people[who])
        index = client.get("/delivery/", headers=EN).get_data(as_text=True)
        expected = 200 if who in SALES else 403
        assert ('id="new-note"' in index) == (who in SALES), who
        assert client.get("/delivery/new").status_code == expected, who
        if who not in SALES:
            assert client.post("/delivery/new", data={}).status_code == 403
        client.post("/auth/logout")
