"""The audit trail: append-only in the ORM and in the database, its entries, the log pages."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from app.core.permissions import Department, Role
from app.core.records.audit import AuditAction, AuditEntry, audit, history_of
from app.core.records.register import DocumentKind
from app.core.records.services import create_document, revise_document
from app.extensions import db
from tests.conftest import HX

EN = {"Accept-Language": "en"}


def entry(
    action=AuditAction.UPDATE, *, label="Q/SB-8.5.3-F04 产品维修单", at=None, actor=None, **kw
) -> AuditEntry:
    kw.setdefault("object_type", "controlled_document")
    kw.setdefault("object_id", "7")
    made = audit(action, actor=actor, label=label, **kw)
    if at is not None:
        made.at = at
    db.session.commit()
    return made


def make_form(actor=None):
    form = create_document(
        dict(
            kind=DocumentKind.FORM,
            module="repair",
            form_key="F04",
            code="Q/SB-8.5.3-F04",
            title_zh="产品维修单",
            title_en="Repair record",
            revision="A/0",
            number_pattern="WXD-{YYYY}{MM}-{SEQ:4}",
            retention_years=5,
        ),
        actor=actor,
    )
    db.session.commit()
    return form


# --- append-only -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_entry SET reason = 'tampered'", "DELETE FROM audit_entry"],
)
def test_the_database_itself_refuses_to_change_or_delete_entries(app, statement):
    first = entry(reason="original")
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(statement))
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, reason FROM audit_entry")).all()
    assert [tuple(r) for r in rows] == [(first.id, "original")]


def test_the_orm_refuses_to_change_or_delete_entries(app):
    first = entry(reason="original")
    first.reason = "tampered"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()

    db.session.delete(db.session.get(AuditEntry, first.id))
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()

    for statement in (update(AuditEntry).values(reason="tampered"), delete(AuditEntry)):
        with pytest.raises(PermissionError):
            db.session.execute(statement)
        db.session.rollback()

    db.session.expire_all()
    assert [(e.id, e.reason) for e in db.session.query(AuditEntry)] == [(first.id, "original")]


# --- what entries hold -------------------------------------------------------------------------


def test_create_entry_holds_the_initial_values_and_update_entry_the_diffs(app, make_user):
    admin = make_user(roles=[Role.QUALITY_ADMIN], department=Department.QUALITY)
    form = make_form(actor=admin)
    revise_document(form, {"revision": "A/1", "retention_years": 10}, actor=admin, reason="法规要求 10 年")
    db.session.commit()

    created, updated = history_of(form)
    assert created.action == "create"
    assert created.actor_id == admin.id
    assert created.changes["code"] == "Q/SB-8.5.3-F04"
    assert created.changes["title_zh"] == "产品维修单"
    assert created.changes["revision"] == "A/0"
    assert created.changes["retention_years"] == 5
    assert created.changes["number_pattern"] == "WXD-{YYYY}{MM}-{SEQ:4}"
    assert updated.action == "update"
    assert updated.changes == {"revision": ["A/0", "A/1"], "retention_years": [5, 10]}
    assert updated.reason == "法规要求 10 年"
    assert updated.actor_name == admin.display_name


def test_document_page_shows_the_history_as_a_timeline(app, client, login_as):
    admin = login_as(Role.QUALITY_ADMIN, department=Department.QUALITY)
    form = make_form()
    revise_document(
        form, {"revision": "A/1", "title_en": "Repair report"}, actor=admin, reason="clearer title"
    )
    db.session.commit()
    page = client.get(f"/records/documents/{form.id}", headers=EN).get_data(as_text=True)
    timeline = page[page.index('id="history"') :]
    assert timeline.index('data-action="create"') < timeline.index('data-action="update"')
    assert "clearer title" in timeline
    assert "Repair record → Repair report" in timeline
    assert admin.display_name in timeline


# --- the log page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "department", "allowed"),
    [
        (Role.SYSTEM_ADMIN, Department.SERVICE, True),
        (Role.QUALITY_ADMIN, Department.QUALITY, True),
        (Role.MANAGEMENT_REP, Department.QUALITY, True),
        (Role.DEPT_MANAGER, Department.QUALITY, False),
        (Role.GENERAL_MANAGER, Department.SERVICE, False),
        (Role.STAFF, Department.SERVICE, False),
    ],
)
def test_only_auditors_see_the_log(app, client, login_as, role, department, allowed):
    login_as(role, department=department)
    home = client.get("/").get_data(as_text=True)
    assert ('href="/records/audit"' in home) is allowed
    for url in ("/records/audit", "/records/audit/export.csv"):
        assert client.get(url).status_code == (200 if allowed else 403)
    assert client.get("/records/audit", headers=HX).status_code == (200 if allowed else 403)


def test_anonymous_users_are_sent_to_log_in(app, client):
    assert client.get("/records/audit").status_code == 302
    assert client.get("/records/audit", headers=HX).status_code == 401


def ids_on(page: str) -> list[int]:
    import re

    return [int(i) for i in re.findall(r'<tr id="audit-(\d+)"', page)]


def test_search_by_actor_action_type_object_and_dates(app, client, login_as, make_user):
    login_as(Role.MANAGEMENT_REP, department=Department.QUALITY)
    wu = make_user(display_name="吴质量 Wu")
    chen = make_user(display_name="陈工 Chen")
    utc = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
    repair = entry(
        AuditAction.UPDATE, actor=wu, object_id="7", at=utc(2026, 11, 19, 17)
    )  # 11-20 01:00 Beijing
    approval = entry(
        AuditAction.APPROVAL, actor=chen, object_type="repair_order", object_id="12",
        label="WX-202611-0042 报修", at=utc(2026, 11, 21, 2),
    )  # fmt: skip
    early = entry(AuditAction.UPDATE, actor=chen, object_id="8", label="Q/SB-8.5.1", at=utc(2026, 11, 19, 15))

    def search(**args):
        response = client.get("/records/audit", query_string=args, headers=HX)
        assert response.status_code == 200
        return ids_on(response.get_data(as_text=True))

    assert search(actor="wu") == [repair.id]
    assert search(actor="陈工") == [approval.id, early.id]  # newest first
    assert search(action="approval") == [approval.id]
    assert search(object_type="repair_order") == [approval.id]
    assert search(q="wx-202611") == [approval.id]
    assert search(q="7") == [repair.id]  # an object id
    assert search(q="%") == []  # wildcards are searched for literally
    # dates are the user's (Beijing) calendar days
    assert search(date_from="2026-11-20", date_to="2026-11-20") == [repair.id]
    assert search(date_to="2026-11-19") == [early.id]
    assert search(date_from="2026-11-20", actor="chen") == [approval.id]
    everything = search()
    assert everything.index(approval.id) < everything.index(repair.id) < everything.index(early.id)


def test_a_reversed_date_range_is_reported_not_guessed(app, client, login_as):
    login_as(Role.SYSTEM_ADMIN)
    response = client.get("/records/audit?date_from=2026-11-20&date_to=2026-11-01", headers=HX)
    assert response.status_code == 422
    assert "<html" not in response.get_data(as_text=True)
    full = client.get("/records/audit?date_from=2026-11-20&date_to=2026-11-01")
    assert 'id="date_to-error"' in full.get_data(as_text=True)


def test_the_log_pages_as_htmx_fragments(app, client, login_as):
    app.config["PAGE_SIZE"] = 5
    login_as(Role.QUALITY_ADMIN, department=Department.QUALITY)
    made = [entry(AuditAction.PRINT, label=f"record {i}").id for i in range(7)]
    full = client.get("/records/audit?action=print")
    assert full.status_code == 200
    assert "<html" in full.get_data(as_text=True)
    assert ids_on(full.get_data(as_text=True)) == made[::-1][:5]
    second = client.get("/records/audit?action=print&page=2", headers=HX)
    body = second.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="audit-table">')
    assert ids_on(body) == made[::-1][5:]
    assert "HX-Request" in second.headers["Vary"]


def test_csv_export_holds_the_filtered_rows_and_is_itself_logged(app, client, login_as, make_user):
    auditor = login_as(Role.QUALITY_ADMIN, department=Department.QUALITY)
    wu = make_user(display_name="吴质量 Wu")
    revised = entry(AuditAction.UPDATE, actor=wu, changes={"title_en": ["Old", "New"]}, reason="中文原因")
    entry(AuditAction.PRINT, actor=wu, label='=HYPERLINK("http://evil")')
    response = client.get("/records/audit/export.csv?action=update", headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data(as_text=True)
    assert raw.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(raw.lstrip("\ufeff"))))
    assert rows[0][:4] == ["ID", "Time", "Who", "Action"]
    assert [r[0] for r in rows[1:]] == [str(revised.id)]
    assert rows[1][2] == "吴质量 Wu"
    assert rows[1][3] == "Updated"
    assert rows[1][8] == "中文原因"
    assert '"title_en": ["Old", "New"]' in rows[1][7]

    exported = db.session.query(AuditEntry).filter_by(action="export").one()
    assert exported.actor_id == auditor.id
    assert exported.changes == {"filters": {"action": "update"}, "rows": 1}

    # a formula in logged text stays text in a spreadsheet; the export's own entry is not in it
    everything = client.get("/records/audit/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in everything
    assert db.session.query(AuditEntry).filter_by(action="export").count() == 2
    rows = list(csv.reader(io.StringIO(everything.lstrip("\ufeff"))))
    last_export = max(e.id for e in db.session.query(AuditEntry).filter_by(action="export"))
    assert str(last_export) not in [r[0] for r in rows[1:]]
