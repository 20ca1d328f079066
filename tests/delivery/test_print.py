"""The printed controlled records of a delivery, read back from the PDF as an auditor would."""

from __future__ import annotations

from sqlalchemy import select

from app.core.records.audit import AuditEntry
from app.extensions import db
from tests.core.test_pdf import page_count, page_text, poppler

EN = {"Accept-Language": "en"}


def pdf_of(client, record, form_key):
    response = client.get(f"/delivery/print/{record.record_type}/{record.id}/{form_key}.pdf", headers=EN)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "application/pdf"
    return response.data


def test_the_shipping_note_prints_its_lines_checks_and_signatures(client, login, world, make_note):
    note = make_note("released")
    login(world.logistics)
    pdf = pdf_of(client, note, "F01")
    assert page_count(pdf) == 1
    text = page_text(pdf, 1)
    assert "发货单" in text
    assert "Shipping note" in text
    assert note.number in text
    assert "Q/SB-8.5.1-F01" in text
    assert "第 1 页，共 1 页" in text
    for expected in (
        "SN-S001",
        "SN-S002",
        "B2611-07",
        "QPC-30",
        "苏州精密机械有限公司",
        "顺丰物流",
        "SF1234567890",
    ):
        assert expected in text, expected
    assert "相符" in text  # checked against the goods
    assert "王销售" in text
    assert "李经理" in text
    assert "孙库管" in text
    assert "张司机" in text
    assert "wqy" in poppler("pdffonts", pdf).lower() or "WenQuanYi" in poppler("pdffonts", pdf)
    assert poppler("pdfimages", pdf, "-list").count("\n") >= 3  # the driver's signature


def test_the_delivery_receipt_prints_the_quantities_received_and_the_customers_signature(
    client, login, world, make_note
):
    note = make_note("received", short=1)
    login(world.sales)
    pdf = pdf_of(client, note, "F02")
    text = page_text(pdf, 1)
    assert "送货签收单" in text
    assert note.receipt_number in text
    assert "Q/SB-8.5.1-F02" in text
    assert "外箱破损，少一件" in text
    assert "王经理" in text
    assert "客户签收" in text
    assert poppler("pdfimages", pdf, "-list").count("\n") >= 3  # the customer's signature image
    lines = [row for row in poppler("pdftotext", pdf, "-layout").splitlines() if "QPC-30" in row]
    assert lines
    assert "5" in lines[0]
    assert "4" in lines[0]


def test_the_receipt_prints_blank_to_travel_with_the_goods_but_not_before_release(
    client, login, world, make_note
):
    note = make_note("approved")
    login(world.sales)
    assert client.get(f"/delivery/print/{note.record_type}/{note.id}/F02.pdf").status_code == 404
    assert client.get(f"/delivery/print/{note.record_type}/{note.id}/F09.pdf").status_code == 404
    draft = make_note("draft", lines=None)
    assert client.get(f"/delivery/print/{draft.record_type}/{draft.id}/F01.pdf").status_code == 404
    released = make_note("released")
    text = page_text(pdf_of(client, released, "F02"), 1)
    assert released.receipt_number in text
    assert "签名 Signature" in text


def test_the_damage_record_prints_and_every_print_is_audited(client, login, world, make_note):
    note = make_note("received", short=1)
    record = note.damage_records[0]
    login(world.logistics)
    text = page_text(pdf_of(client, record, "F03"), 1)
    assert "运输异常记录" in text
    assert record.number in text
    assert "Q/SB-8.5.1-F03" in text
    assert note.number in text
    assert "顺丰物流" in text
    pdf_of(client, note, "F01")
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "print")).all()
    assert {(e.changes["form_code"], e.changes["record_number"]) for e in entries} == {
        ("Q/SB-8.5.1-F03", record.number),
        ("Q/SB-8.5.1-F01", note.number),
    }
    assert all(e.actor_id == world.logistics.id for e in entries)
