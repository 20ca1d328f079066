"""The printed controlled records of maintenance, read back from the PDF as an auditor would."""

from __future__ import annotations

from sqlalchemy import select

from app.core.records.audit import AuditEntry
from app.extensions import db
from tests.core.test_pdf import page_text, poppler
from tests.maintenance.conftest import EN


def pdf_at(client, url):
    response = client.get(url, headers=EN)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "application/pdf"
    return response.data


def test_the_plan_prints_its_units_and_dates(client, login, world, make_plan, make_visit):
    plan = make_plan("active", units=world.units[:3], interval_count=1)
    visit = make_visit("completed", plan=plan)
    login(world.clerk)
    text = page_text(pdf_at(client, f"/maintenance/print/maintenance_plan/{plan.id}/F01.pdf"), 1)
    assert "客户设备定期维护保养计划" in text  # the form title, Chinese
    assert plan.number in text
    assert "Q/SB-8.5.4-F01" in text
    for serial in ("SN-M-001", "SN-M-002", "SN-M-003"):
        assert serial in text
    assert "折弯机保养检查表" in text
    assert visit.number in text
    assert plan.next_due_date.isoformat() in text
    assert "每 1 个月" in text
    assert "赵经理" in text  # approved by


def test_the_customers_plans_print_together(client, login, world, make_plan):
    first = make_plan("active", units=world.units[:1])
    second = make_plan("active", units=world.units[1:3], interval_count=6)
    login(world.sales)
    text = page_text(pdf_at(client, f"/maintenance/print/customers/{world.customer.id}/F01.pdf"), 1)
    assert "客户设备定期维护保养计划" in text
    assert first.number in text
    assert second.number in text
    assert "苏州精密机械有限公司" in text


def test_the_maintenance_record_prints_results_and_signatures(client, login, world, make_visit):
    visit = make_visit("completed")
    login(world.engineer)
    pdf = pdf_at(client, f"/maintenance/print/maintenance_visit/{visit.id}/F02.pdf")
    text = page_text(pdf, 1)
    assert "维护保养记录" in text
    assert visit.number in text
    assert "Q/SB-8.5.4-F02" in text
    assert "液压油位及油质" in text
    assert "20.5" in text
    assert "导轨润滑不足，已加注" in text
    assert "操作工2人" in text
    assert "王经理" in text
    assert "客户签字" in text
    assert poppler("pdfimages", pdf, "-list").count("\n") >= 3  # the customer's signature image


def test_every_print_is_audited(client, login, world, make_visit):
    visit = make_visit("confirmed")
    login(world.clerk)
    pdf_at(client, f"/maintenance/print/maintenance_visit/{visit.id}/F02.pdf")
    pdf_at(client, f"/maintenance/print/customers/{world.customer.id}/F01.pdf")
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "print").order_by(AuditEntry.id)
    ).all()
    assert [e.changes["form_code"] for e in entries] == ["Q/SB-8.5.4-F02", "Q/SB-8.5.4-F01"]
    assert entries[0].changes["record_number"] == visit.number
    assert entries[1].changes["record_number"] == visit.plan.number
    assert entries[1].object_type == "customer"
