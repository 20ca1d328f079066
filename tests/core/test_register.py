"""The document register: demo seed, register page, document pages and revisions."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from app.core.permissions import Department, Role
from app.core.records.audit import AuditEntry
from app.core.records.demo import DEMO_REGISTER, seed_register
from app.core.records.register import ControlledDocument, DocumentKind, DocumentRevision
from app.core.records.services import find_document, issue_record_number
from app.extensions import db
from tests.conftest import HX

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def register(app):
    seed_register()
    db.session.commit()


def doc(code: str) -> ControlledDocument:
    found = find_document(code)
    assert found is not None, code
    return found


def revise_data(document: ControlledDocument, **changes) -> dict:
    data = {
        "version": str(document.version),
        "code": document.code,
        "title_zh": document.title_zh,
        "title_en": document.title_en,
        "revision": "A/1",
        "issue_date": document.issue_date.isoformat(),
        "effective_date": document.effective_date.isoformat(),
        "prepared_by": document.prepared_by,
        "reviewed_by": document.reviewed_by,
        "approved_by": document.approved_by,
        "status": document.status,
        "reason": "客户要求增加故障代码 / fault codes added",
    }
    if document.is_form:
        data.update(retention_years=str(document.retention_years), number_pattern=document.number_pattern)
    data.update(changes)
    return data


# --- seed --------------------------------------------------------------------------------------


def test_seed_holds_every_procedure_and_form_of_the_demo_register_once(register):
    procedures = db.session.query(ControlledDocument).filter_by(kind=DocumentKind.PROCEDURE).all()
    forms = db.session.query(ControlledDocument).filter_by(kind=DocumentKind.FORM).all()
    assert len(procedures) == 9
    assert len(forms) == sum(len(f) for *_, f in DEMO_REGISTER) == 33
    assert seed_register() == 0  # a second run adds nothing
    assert db.session.query(ControlledDocument).count() == 42

    repair = doc("Q/SB-8.5.3")
    assert (repair.module, repair.title_zh, repair.revision) == ("repair", "维修服务控制程序", "A/0")
    assert repair.issue_date.year == repair.effective_date.year == 2017
    assert [f.form_key for f in repair.forms] == ["F01", "F02", "F03", "F04", "F05"]
    assert doc("Q/SB-8.5.3-F01").number_pattern == "WX-{YYYY}{MM}-{SEQ:4}"
    assert doc("Q/SB-8.5.3-F04").number_pattern == "WXD-{YYYY}{MM}-{SEQ:4}"
    first_forms = {p.module: p.forms[0].number_pattern.split("-")[0] for p in procedures}
    assert first_forms == {
        "delivery": "FH",
        "installation": "AZ",
        "repair": "WX",
        "maintenance": "BY",
        "complaints": "TS",
        "returns": "TH",
        "recalls": "ZH",
        "purchasing": "CG",
        "surveys": "MY",
    }
    # retention: surveys 1 year, service information 5 years, others 3 years
    assert doc("Q/SB-9.1.2-F01").retention_years == doc("Q/SB-9.1.2-F02").retention_years == 1
    assert doc("Q/SB-8.5.3-F04").retention_years == 5
    assert doc("Q/SB-8.4.1-F04").retention_years == 3
    # every seeded document has its create entry with its initial content
    entry = db.session.query(AuditEntry).filter_by(object_type="controlled_document", action="create").first()
    assert entry is not None
    assert (
        db.session.query(AuditEntry).filter_by(action="create", object_type="controlled_document").count()
        == 42
    )


# --- register page -----------------------------------------------------------------------------


def test_register_groups_forms_under_their_procedure_in_the_users_language(register, client, login_as):
    login_as(Role.STAFF, department=Department.SALES)
    page = client.get("/records/register", headers=ZH).get_data(as_text=True)
    repair = doc("Q/SB-8.5.3")
    group = re.search(rf'<tbody id="procedure-{repair.id}">(.*?)</tbody>', page, re.S).group(1)
    assert "维修服务控制程序" in group
    assert all(f.code in group for f in repair.forms)
    assert "Q/SB-8.5.1-F01" not in group
    assert "报修登记单" in group
    assert "WX-{YYYY}{MM}-{SEQ:4}" in group

    english = client.get("/records/register", headers=EN).get_data(as_text=True)
    assert "Repair request" in english
    assert "报修登记单" not in english


def test_register_shows_each_series_last_issued_number(register, client, login_as):
    repair_request = doc("Q/SB-8.5.3-F01")
    for _ in range(42):
        issue_record_number(repair_request, at=datetime(2026, 11, 20, 9))
    db.session.commit()
    login_as(Role.SERVICE_ENGINEER)
    page = client.get("/records/register", headers=EN).get_data(as_text=True)
    row = re.search(rf'<tr id="doc-{repair_request.id}".*?</tr>', page, re.S).group(0)
    assert "WX-202611-0042" in row
    other = re.search(rf'<tr id="doc-{doc("Q/SB-8.5.3-F04").id}".*?</tr>', page, re.S).group(0)
    assert "none yet" in other
    detail = client.get(f"/records/documents/{repair_request.id}", headers=EN).get_data(as_text=True)
    assert re.search(r'id="last-number">WX-202611-0042<', detail)


def test_document_page_shows_fields_forms_and_history(register, client, login_as):
    login_as(Role.STAFF)
    repair = doc("Q/SB-8.5.3")
    page = client.get(f"/records/documents/{repair.id}", headers=EN).get_data(as_text=True)
    assert "Q/SB-8.5.3" in page
    assert "Repair service" in page
    assert "2017-03-15" in page
    assert "Q/SB-8.5.3-F04" in page  # its forms
    assert 'id="history"' in page
    assert 'data-action="create"' in page
    assert client.get("/records/documents/99999").status_code == 404


# --- revise ------------------------------------------------------------------------------------


def test_quality_admin_revises_and_the_old_revision_stays_readable(register, client, login_as):
    admin = login_as(Role.QUALITY_ADMIN, department=Department.QUALITY)
    form = doc("Q/SB-8.5.3-F04")
    assert 'id="revise-button"' in client.get(f"/records/documents/{form.id}").get_data(as_text=True)
    response = client.post(
        f"/records/documents/{form.id}/revise",
        data=revise_data(
            form, title_en="Repair and service record", revision="B/0", effective_date="2026-12-01"
        ),
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/records/documents/{form.id}")

    db.session.expire_all()
    form = db.session.get(ControlledDocument, form.id)
    assert (form.revision, form.title_en, form.effective_date) == (
        "B/0",
        "Repair and service record",
        date(2026, 12, 1),
    )
    old = db.session.query(DocumentRevision).filter_by(document_id=form.id).one()
    assert old.revision == "A/0"
    assert old.content["title_en"] == "Repair record"
    assert old.content["effective_date"] == "2017-03-15"
    assert old.superseded_by_id == admin.id

    entry = (
        db.session.query(AuditEntry)
        .filter_by(object_type="controlled_document", object_id=str(form.id), action="update")
        .one()
    )
    assert entry.changes == {
        "title_en": ["Repair record", "Repair and service record"],
        "revision": ["A/0", "B/0"],
        "effective_date": ["2017-03-15", "2026-12-01"],
    }
    assert entry.reason.startswith("客户要求增加故障代码")
    assert entry.actor_id == admin.id

    detail = client.get(f"/records/documents/{form.id}", headers=EN).get_data(as_text=True)
    assert "Repair and service record" in detail
    assert f"/records/documents/{form.id}/revisions/{old.id}" in detail
    assert 'data-action="update"' in detail
    assert "fault codes added" in detail

    earlier = client.get(f"/records/documents/{form.id}/revisions/{old.id}", headers=EN)
    assert earlier.status_code == 200
    text = earlier.get_data(as_text=True)
    assert "Repair record" in text
    assert "2017-03-15" in text
    assert "A/0" in text
    assert "Superseded by revision B/0" in text
    assert "Repair and service record" not in text


def test_revision_page_of_another_document_is_not_found(register, client, login_as):
    login_as(Role.QUALITY_ADMIN, department=Department.QUALITY)
    form = doc("Q/SB-8.5.3-F04")
    client.post(f"/records/documents/{form.id}/revise", data=revise_data(form))
    old = db.session.query(DocumentRevision).one()
    other = doc("Q/SB-8.5.3-F01")
    assert client.get(f"/records/documents/{other.id}/revisions/{old.id}").status_code == 404


@pytest.mark.parametrize(
    ("role", "department"),
    [
        (Role.STAFF, Department.QUALITY),
        (Role.DEPT_MANAGER, Department.QUALITY),
        (Role.SYSTEM_ADMIN, Department.SERVICE),
        (Role.MANAGEMENT_REP, Department.QUALITY),
        (Role.GENERAL_MANAGER, Department.SERVICE),
    ],
)
def test_only_a_quality_admin_may_revise(register, client, login_as, role, department):
    login_as(role, department=department)
    form = doc("Q/SB-8.5.3-F04")
    page = client.get(f"/records/documents/{form.id}").get_data(as_text=True)
    assert "revise-button" not in page
    assert client.get(f"/records/documents/{form.id}/revise").status_code == 403
    response = client.post(f"/records/documents/{form.id}/revise", data=revise_data(form, title_en="Hacked"))
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(ControlledDocument, form.id).title_en == "Repair record"
    assert db.session.query(DocumentRevision).count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"revision": "A/0"}, "revision"),  # same label as now
        ({"revision": "version 2"}, "revision"),  # not letter/number
        ({"number_pattern": "WX-{YYYY}{MM}"}, "number_pattern"),  # no {SEQ}
        ({"number_pattern": "WX-{MM}-{SEQ:4}"}, "number_pattern"),  # repeats every year
        ({"reason": ""}, "reason"),
        ({"code": "Q/SB-8.5.3-F01"}, "code"),  # another form's code
        ({"effective_date": "2016-01-01"}, "effective_date"),  # before the issue date
        ({"retention_years": "0"}, "retention_years"),
    ],
)
def test_invalid_revision_is_refused_with_the_error_next_to_the_field(
    register, client, login_as, changes, field
):
    login_as(Role.QUALITY_ADMIN, department=Department.QUALITY)
    form = doc("Q/SB-8.5.3-F04")
    response = client.post(
        f"/records/documents/{form.id}/revise",
        data=revise_data(form, title_en="Changed", **changes),
        headers=HX,
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert 'id="revise-form"' in body
    assert f'id="{field}-error"' in body
    db.session.expire_all()
    assert db.session.get(ControlledDocument, form.id).title_en == "Repair record"
    assert db.session.query(DocumentRevision).count() == 0
    assert db.session.query(AuditEntry).filter_by(action="update").count() == 0


def test_a_label_used_before_cannot_come_back(register, client, login_as):
    login_as(Role.QUALITY_ADMIN, department=Department.QUALITY)
    form = doc("Q/SB-8.5.3-F04")
    client.post(f"/records/documents/{form.id}/revise", data=revise_data(form, revision="A/1"))
    db.session.expire_all()
    form = doc("Q/SB-8.5.3-F04")
    response = client.post(f"/records/documents/{form.id}/revise", data=revise_data(form, revision="A/0"))
    assert response.status_code == 422
    assert 'id="revision-error"' in response.get_data(as_text=True)


def test_a_stale_form_is_refused_with_409(register, client, login_as):
    login_as(Role.QUALITY_ADMIN, department=Department.QUALITY)
    form = doc("Q/SB-8.5.3-F04")
    stale = revise_data(form, title_en="First change")
    assert client.post(f"/records/documents/{form.id}/revise", data=stale).status_code == 303
    # a second tab still holds the old version number
    second = dict(stale, title_en="Second change", revision="A/2")
    response = client.post(f"/records/documents/{form.id}/revise", data=second)
    assert response.status_code == 409
    db.session.expire_all()
    assert doc("Q/SB-8.5.3-F04").title_en == "First change"
    assert db.session.query(DocumentRevision).count() == 1


def test_revise_page_shows_both_shapes_and_htmx_success_redirects(register, client, login_as):
    login_as(Role.QUALITY_ADMIN, department=Department.QUALITY)
    procedure = doc("Q/SB-8.5.3")
    page = client.get(f"/records/documents/{procedure.id}/revise").get_data(as_text=True)
    assert "<html" in page
    assert 'value="A/1"' in page
    assert 'name="number_pattern"' not in page  # a procedure issues no numbers
    response = client.post(
        f"/records/documents/{procedure.id}/revise",
        data=revise_data(procedure, title_en="Repair"),
        headers=HX,
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith(f"/records/documents/{procedure.id}")
    db.session.expire_all()
    assert doc("Q/SB-8.5.3").title_en == "Repair"
