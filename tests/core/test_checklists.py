"""Checklists per product and purpose: the template lookup, reading results (limits), the fill and
show macros, and the admin pages (who may, 422 beside the field, row editing, stale saves)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import render_template_string
from flask_babel import force_locale
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.core.checklists import read_results, template_for
from app.core.checklists.models import ChecklistItem, ChecklistTemplate
from app.core.checklists.services import add_item, all_passed, create_template, failed_items
from app.core.permissions import Department, Role
from app.core.records.audit import AuditEntry
from app.extensions import db
from tests.conftest import HX as HTMX
from tests.core.masterdata_helpers import new_product

EN = {"Accept-Language": "en"}
HX = {**HTMX, **EN}


@pytest.fixture
def product(app):
    return new_product("QP-200", 12, "数控折弯机")


@pytest.fixture
def checklist(product):
    """The commissioning checklist of QP-200: one pass/fail item, two measured ones."""
    template = create_template(
        {
            "product_id": product.id,
            "purpose": "commissioning",
            "title_zh": "调试检查表",
            "title_en": "Commissioning",
        },
        actor=None,
    )
    add_item(
        template,
        {"text_zh": "急停按钮有效", "text_en": "Emergency stop works", "kind": "pass_fail"},
        actor=None,
    )
    add_item(
        template,
        {
            "text_zh": "系统压力",
            "text_en": "System pressure",
            "kind": "measured",
            "unit": "MPa",
            "low": Decimal("18"),
            "high": Decimal("21.5"),
        },
        actor=None,
    )
    add_item(
        template,
        {"text_zh": "噪声", "text_en": "Noise", "kind": "measured", "unit": "dB", "high": Decimal("75")},
        actor=None,
    )
    db.session.commit()
    return template


def answers(template, *values) -> MultiDict:
    return MultiDict({f"chk-{item.id}": v for item, v in zip(template.items, values, strict=True)})


# --- template_for -------------------------------------------------------------------------------------


def test_the_template_of_a_product_and_purpose(app, product, checklist):
    assert template_for(product.id, "commissioning") is checklist
    assert template_for(product.id, "maintenance") is None
    assert template_for(None, "commissioning") is None
    other = new_product("QP-300", 12, "剪板机")
    assert template_for(other.id, "commissioning") is None
    checklist.is_active = False
    db.session.commit()
    assert template_for(product.id, "commissioning") is None


def test_items_come_in_position_order(app, checklist):
    assert [i.text_zh for i in checklist.items] == ["急停按钮有效", "系统压力", "噪声"]
    assert [i.position for i in checklist.items] == [1, 2, 3]
    assert checklist.items[1].limits_text == "18 – 21.5 MPa"
    assert checklist.items[2].limits_text == "≤ 75 dB"


# --- read_results ---------------------------------------------------------------------------------------


def test_results_within_the_limits_pass(app, checklist):
    results, errors = read_results(checklist, answers(checklist, "pass", "19.5", "70"))
    assert errors == {}
    assert [r["passed"] for r in results] == [True, True, True]
    pressure = results[1]
    assert pressure == {
        "item_id": checklist.items[1].id,
        "text_zh": "系统压力",
        "text_en": "System pressure",
        "kind": "measured",
        "unit": "MPa",
        "low": "18",
        "high": "21.5",
        "passed": True,
        "value": "19.5",
    }
    assert results[0]["value"] is None
    assert results[0]["low"] is None
    assert all_passed(results)


def test_a_value_outside_the_limits_is_an_answer_that_fails(app, checklist):
    results, errors = read_results(checklist, answers(checklist, "pass", "22.0", "75"))
    assert errors == {}
    assert [r["passed"] for r in results] == [True, False, True]  # 75 dB is on the limit: passed
    assert results[1]["value"] == "22.0"
    assert not all_passed(results)
    assert [r["text_zh"] for r in failed_items(results)] == ["系统压力"]
    results, errors = read_results(checklist, answers(checklist, "fail", "17,9", "80"))
    assert errors == {}
    assert [r["passed"] for r in results] == [False, False, False]
    assert results[1]["value"] == "17.9"  # a decimal comma is read as a point


def test_a_missing_or_unreadable_answer_is_an_error_and_keeps_what_was_typed(app, checklist):
    with force_locale("en"):  # the messages as an English-speaking engineer reads them
        results, errors = read_results(checklist, answers(checklist, "", "abc", ""))
    ids = [i.id for i in checklist.items]
    assert set(errors) == set(ids)
    assert [r["passed"] for r in results] == [None, None, None]
    assert results[1]["value"] == "abc"
    with app.test_request_context(headers=EN), force_locale("en"):
        assert errors[ids[0]] == "Answer pass or fail."
        results, errors = read_results(checklist, answers(checklist, "maybe", "NaN", "1e999999"))
        assert errors[ids[0]] == "Answer pass or fail."
        assert errors[ids[1]] == "Enter a number, e.g. 0.85."
        assert errors[ids[2]] == "Enter a number, e.g. 0.85."


def test_another_prefix_reads_other_fields(app, checklist):
    data = MultiDict(
        {f"x-{item.id}": v for item, v in zip(checklist.items, ["pass", "20", "60"], strict=True)}
    )
    assert read_results(checklist, data)[1]  # nothing under chk-…: all errors
    results, errors = read_results(checklist, data, prefix="x")
    assert errors == {}
    assert all_passed(results)


# --- the macros -------------------------------------------------------------------------------------


FILL = '{% from "core/checklists/_fill.html" import fill %}{{ fill(template, results, errors) }}'
SHOW = (
    '{% from "core/checklists/_show.html" import show, print_table %}'
    "{{ show(results) }}{{ print_table(results) }}"
)


def test_fill_renders_inputs_answers_and_errors_beside_them(app, checklist):
    with force_locale("en"):
        results, errors = read_results(checklist, answers(checklist, "fail", "30", "x"))
    first, second, third = checklist.items
    with app.test_request_context(headers=EN), force_locale("en"):
        html = render_template_string(FILL, template=checklist, results=results, errors=errors)
    assert f'name="chk-{first.id}" id="chk-{first.id}-fail" value="fail" checked' in html
    assert f'name="chk-{second.id}" id="chk-{second.id}"' in html
    assert 'value="30"' in html
    assert f'id="chk-{second.id}-out"' in html
    assert f'id="chk-{third.id}-error"' in html
    assert "Enter a number" in html
    assert 'value="x"' in html  # what was typed stays
    assert "18 – 21.5 MPa" in html
    assert "System pressure" in html


def test_a_blank_form_has_no_answers(app, checklist):
    with app.test_request_context():
        html = render_template_string(FILL, template=checklist, results=None, errors=None)
    assert "checked" not in html
    assert "field-error" not in html
    assert "系统压力" in html  # Chinese by default


def test_show_lists_the_stored_results(app, checklist):
    results, _ = read_results(checklist, answers(checklist, "pass", "22", "70"))
    with app.test_request_context(headers=EN), force_locale("en"):
        html = render_template_string(SHOW, results=results)
    assert 'data-passed="no"' in html
    assert html.count('data-passed="yes"') == 2
    assert "2 of 3 passed" in html
    assert "22 MPa" in html
    assert "不合格 Fail" in html
    assert "18 – 21.5 MPa" in html


# --- the admin pages --------------------------------------------------------------------------------


@pytest.fixture
def people(make_user):
    return {
        "admin": make_user(roles=[Role.SYSTEM_ADMIN], department=Department.SERVICE),
        "quality": make_user(roles=[Role.QUALITY_ADMIN], department=Department.QUALITY),
        "production_manager": make_user(roles=[Role.DEPT_MANAGER], department=Department.PRODUCTION),
        "sales_manager": make_user(roles=[Role.DEPT_MANAGER], department=Department.SALES),
        "staff": make_user(roles=[Role.STAFF], department=Department.PRODUCTION),
        "engineer": make_user(roles=[Role.SERVICE_ENGINEER], department=Department.SERVICE),
        "gm": make_user(roles=[Role.GENERAL_MANAGER], department=Department.SERVICE),
    }


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.mark.parametrize("who", ["admin", "quality", "production_manager", "sales_manager"])
def test_admins_and_department_managers_keep_the_checklists(client, login, people, checklist, who):
    login(people[who])
    assert client.get("/checklists/").status_code == 200
    page = client.get(f"/checklists/{checklist.id}", headers=EN)
    assert page.status_code == 200
    assert "System pressure" in page.get_data(as_text=True) or "系统压力" in page.get_data(as_text=True)


@pytest.mark.parametrize("who", ["staff", "engineer", "gm"])
def test_everyone_else_is_refused(client, login, people, product, checklist, who):
    login(people[who])
    item = checklist.items[0]
    assert client.get("/checklists/").status_code == 403
    assert client.get(f"/checklists/{checklist.id}").status_code == 403
    posts = [
        ("/checklists/", {"product_id": product.id, "purpose": "maintenance", "title_zh": "保养"}),
        (f"/checklists/{checklist.id}", {"version": checklist.version, "title_zh": "改"}),
        (f"/checklists/{checklist.id}/items", {"text_zh": "新项目", "kind": "pass_fail"}),
        (f"/checklists/items/{item.id}", {"version": item.version, "text_zh": "改", "kind": "pass_fail"}),
        (f"/checklists/items/{item.id}/remove", {"version": item.version}),
    ]
    for url, data in posts:
        assert client.post(url, data=data, headers=HX).status_code == 403, url
    db.session.expire_all()
    assert count(ChecklistTemplate) == 1
    assert count(ChecklistItem) == 3
    assert checklist.items[0].text_zh == "急停按钮有效"


def test_anonymous_htmx_gets_401_not_a_login_page(client, checklist):
    response = client.get("/checklists/", headers=HX)
    assert response.status_code == 401
    assert response.headers.get("HX-Redirect")


def test_the_list_is_a_fragment_for_htmx_and_a_page_otherwise(client, login, people, checklist, product):
    login(people["quality"])
    full = client.get("/checklists/", headers=EN).get_data(as_text=True)
    assert "<html" in full
    assert 'id="template-table"' in full
    assert 'id="template-add-form"' in full
    response = client.get(f"/checklists/?product={product.id}&purpose=commissioning", headers=HX)
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment
    assert fragment.strip().startswith('<div id="template-table">')
    assert f'id="template-{checklist.id}"' in fragment
    assert "HX-Request" in response.headers["Vary"]
    empty = client.get("/checklists/?purpose=maintenance", headers=HX).get_data(as_text=True)
    assert f'id="template-{checklist.id}"' not in empty


def test_a_template_is_added_and_audited(client, login, people, product):
    login(people["production_manager"])
    response = client.post(
        "/checklists/",
        data={
            "product_id": product.id,
            "purpose": "commissioning",
            "title_zh": "调试检查表",
            "is_active": "y",
        },
        headers=HX,
    )
    assert response.status_code == 204
    template = db.session.scalar(select(ChecklistTemplate))
    assert response.headers["HX-Redirect"] == f"/checklists/{template.id}"
    assert (template.product_id, template.purpose, template.is_active) == (product.id, "commissioning", True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "checklist_template"))
    assert entry.action == "create"
    assert entry.actor_id == people["production_manager"].id


def test_a_second_template_for_the_same_product_and_purpose_is_refused_beside_the_field(
    client, login, people, product, checklist
):
    login(people["quality"])
    response = client.post(
        "/checklists/",
        data={"product_id": product.id, "purpose": "commissioning", "title_zh": "重复"},
        headers=HX,
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert 'id="template-add-form"' in html
    assert 'id="purpose-error"' in html
    assert "already has a checklist for this purpose" in html
    assert count(ChecklistTemplate) == 1
    missing = client.post("/checklists/", data={"purpose": "maintenance", "title_zh": ""}, headers=HX)
    assert missing.status_code == 422
    body = missing.get_data(as_text=True)
    assert 'id="product_id-error"' in body
    assert 'id="title_zh-error"' in body
    assert count(ChecklistTemplate) == 1


def test_an_item_with_limits_the_wrong_way_round_is_refused_and_nothing_saved(
    client, login, people, checklist
):
    login(people["admin"])
    url = f"/checklists/{checklist.id}/items"
    response = client.post(
        url,
        data={"text_zh": "电压", "kind": "measured", "unit": "V", "low": "400", "high": "360"},
        headers=HX,
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="item-add-form"' in html
    assert 'id="high-error"' in html
    assert "The upper limit is below the lower limit." in html
    bad = client.post(url, data={"text_zh": "", "kind": "measured", "low": "abc"}, headers=HX)
    assert bad.status_code == 422
    assert 'id="text_zh-error"' in bad.get_data(as_text=True)
    assert 'id="low-error"' in bad.get_data(as_text=True)
    assert count(ChecklistItem) == 3
    ok = client.post(
        url,
        data={"text_zh": "电压", "kind": "measured", "unit": "V", "low": "360", "high": "400"},
        headers=HX,
    )
    assert ok.status_code == 204
    db.session.expire_all()
    assert [i.text_zh for i in checklist.items][-1] == "电压"
    assert checklist.items[-1].position == 4
    assert checklist.items[-1].low == Decimal("360")


def test_a_row_is_edited_in_place_and_a_stale_row_is_refused(client, login, people, checklist):
    login(people["quality"])
    item = checklist.items[1]
    url = f"/checklists/items/{item.id}"
    data = {
        "version": item.version,
        "position": "2",
        "text_zh": "系统压力（满载）",
        "text_en": "System pressure (full load)",
        "kind": "measured",
        "unit": "MPa",
        "low": "18",
        "high": "22",
    }
    response = client.post(url, data=data, headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert html.strip().startswith(f'<tr id="item-{item.id}"')
    assert f'id="item-saved-{item.id}"' in html
    db.session.expire_all()
    assert (item.text_zh, item.high) == ("系统压力（满载）", Decimal("22"))
    # the same old page posted again: someone saved in between
    assert client.post(url, data=data, headers=HX).status_code == 409
    # a mistake: 422 with the error in the row, nothing saved
    wrong = client.post(url, data={**data, "version": item.version, "text_zh": ""}, headers=HX)
    assert wrong.status_code == 422
    assert f'id="text_zh-{item.id}-error"' in wrong.get_data(as_text=True)
    db.session.expire_all()
    assert item.text_zh == "系统压力（满载）"
    entries = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.object_type == "checklist_template", AuditEntry.action == "update"
        )
    ).all()
    assert any("item" in (e.changes or {}) for e in entries)


def test_a_pass_fail_item_keeps_no_unit_or_limits(client, login, people, checklist):
    login(people["quality"])
    item = checklist.items[1]
    data = {
        "version": item.version,
        "position": "2",
        "text_zh": "压力正常",
        "kind": "pass_fail",
        "unit": "MPa",
        "low": "1",
    }
    assert client.post(f"/checklists/items/{item.id}", data=data, headers=HX).status_code == 200
    db.session.expire_all()
    assert (item.kind, item.unit, item.low, item.high) == ("pass_fail", "", None, None)


def test_an_item_is_removed_but_stored_results_keep_it(client, login, people, checklist):
    results, _ = read_results(checklist, answers(checklist, "pass", "19", "60"))
    login(people["quality"])
    item = checklist.items[0]
    stale = client.post(f"/checklists/items/{item.id}/remove", data={"version": item.version + 1}, headers=HX)
    assert stale.status_code == 409
    response = client.post(f"/checklists/items/{item.id}/remove", data={"version": item.version}, headers=HX)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == ""
    db.session.expire_all()
    assert [i.text_zh for i in checklist.items] == ["系统压力", "噪声"]
    assert results[0]["text_zh"] == "急停按钮有效"


def test_the_header_is_edited_with_its_version(client, login, people, checklist, product):
    login(people["sales_manager"])
    url = f"/checklists/{checklist.id}"
    data = {
        "version": checklist.version,
        "product_id": product.id,
        "purpose": "commissioning",
        "title_zh": "调试表",
    }
    response = client.post(url, data=data, headers=HX)
    assert response.status_code == 200
    assert 'id="template-saved"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert (checklist.title_zh, checklist.is_active) == ("调试表", False)  # the box was not ticked
    assert template_for(product.id, "commissioning") is None
    assert client.post(url, data=data, headers=HX).status_code == 409


def test_unknown_templates_and_items_are_404(client, login, people, checklist):
    login(people["quality"])
    assert client.get("/checklists/999").status_code == 404
    assert client.post("/checklists/999", data={"version": 1}, headers=HX).status_code == 404
    assert client.post("/checklists/999/items", data={"text_zh": "x"}, headers=HX).status_code == 404
    assert client.post("/checklists/items/999", data={"version": 1}, headers=HX).status_code == 404
    assert client.post("/checklists/items/999/remove", data={"version": 1}, headers=HX).status_code == 404
