"""The printed controlled records of a repair, read back from the PDF as an auditor would."""

from __future__ import annotations

from sqlalchemy import select

from app.core.records.audit import AuditEntry
from app.extensions import db
from tests.core.test_pdf import page_count, page_text, poppler

EN = {"Accept-Language": "en"}


def pdf_of(client, record, form_key):
    response = client.get(f"/repair/print/{record.record_type}/{record.id}/{form_key}.pdf", headers=EN)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "application/pdf"
    return response.data


def test_the_repair_record_prints_two_pages_with_header_footer_and_signatures(
    client, login, world, make_case
):
    long_symptom = "液压站压力波动，折弯角度偏差超过公差，伴随异响和油温过高报警。" * 62
    case = make_case("closed", symptom=long_symptom)
    login(world.engineer)
    pdf = pdf_of(client, case, "F04")
    assert page_count(pdf) == 2
    first, second = page_text(pdf, 1), page_text(pdf, 2)
    for text in (first, second):
        assert "产品维修单" in text  # the form title, Chinese, on every page
        assert case.report_number in text
        assert "Q/SB-8.5.3-F04" in text
    assert "第 1 页，共 2 页" in first
    assert "第 2 页，共 2 页" in second
    assert "密封圈老化导致内泄" in first
    assert "王经理" in second
    assert "客户签字" in second
    assert "赵经理" in second
    assert "wqy" in poppler("pdffonts", pdf).lower() or "WenQuanYi" in poppler("pdffonts", pdf)
    assert poppler("pdfimages", pdf, "-list").count("\n") >= 3  # the customer's signature image


def test_each_form_prints_under_its_own_code_and_number(client, login, world, make_case):
    case = make_case("closed", paid=True)
    login(world.clerk)
    request_text = page_text(pdf_of(client, case, "F01"), 1)
    assert "报修登记单" in request_text
    assert case.number in request_text
    assert "收费维修" in request_text, request_text
    assert case.warranty_basis[:12] in request_text
    quotation = case.quotations[0]
    quotation_text = page_text(pdf_of(client, quotation, "F02"), 1)
    assert "维修报价单" in quotation_text
    assert quotation.number in quotation_text
    assert "3050.00" in quotation_text
    assert "主油泵" in quotation_text


def test_every_print_is_audited(client, login, world, make_case):
    case = make_case("completed")
    login(world.clerk)
    pdf_of(client, case, "F04")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "print")).one()
    assert entry.changes["record_number"] == case.report_number
    assert entry.changes["form_code"] == "Q/SB-8.5.3-F04"


def test_there_is_no_repair_record_to_print_before_completion(client, login, world, make_case):
    case = make_case("in_repair")
    login(world.clerk)
    assert client.get(f"/repair/print/repair_request/{case.id}/F04.pdf").status_code == 404
    assert client.get(f"/repair/print/repair_request/{case.id}/F09.pdf").status_code == 404
    assert client.get("/repair/print/repair_request/999/F01.pdf").status_code == 404


def test_the_requisition_prints_its_parts(client, login, world, make_case):
    from app.core.records.engine import transition
    from app.repair.services import create_requisition

    case = make_case("in_repair")
    requisition = create_requisition(
        case, [{"part_no": "P-77", "part_name": "比例电磁阀", "quantity": 2}], actor=world.engineer
    )
    transition(requisition, "submit", actor=world.engineer)
    db.session.commit()
    login(world.engineer)
    text = page_text(pdf_of(client, requisition, "F03"), 1)
    assert "维修点领用配件表" in text
    assert requisition.number in text
    assert "比例电磁阀" in text
