"""The printed controlled records of an installation (F01–F05), read back from the PDF as an
auditor would: Chinese form title, code and number on every page, the contents, the signatures."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.records.audit import AuditEntry
from app.extensions import db
from tests.core.test_pdf import page_count, page_text, poppler

EN = {"Accept-Language": "en"}


def pdf_of(client, record, form_key):
    response = client.get(f"/installation/print/{record.record_type}/{record.id}/{form_key}.pdf", headers=EN)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "application/pdf"
    return response.data


@pytest.fixture
def accepted(world, make_case):
    return make_case("accepted", unit_ids=[world.unit.id, world.cabinet.id])


@pytest.mark.parametrize(
    ("form_key", "title", "number_of", "contents"),
    [
        (
            "F01",
            "安装服务申请单",
            "number",
            ["QP200-0001", "QPC30-0003", "基础已完成，380V电源已到位", "王销售"],
        ),
        ("F03", "开箱验收记录", "inspection_number", ["周物流", "王销售", "王建国", "完好 Intact"]),
        ("F04", "客户培训记录", "training_number", ["操作工 王强", "操作工 赵丽", "安全操作与日常点检"]),
        (
            "F05",
            "安装验收记录（装机单）",
            "acceptance_number",
            ["液压系统压力", "25", "合格 Pass", "同意验收", "冯生产"],
        ),
    ],
)
def test_each_form_recorded_on_the_installation_prints_under_its_own_code_and_number(
    client, login, world, accepted, form_key, title, number_of, contents
):
    login(world.sales)
    pdf = pdf_of(client, accepted, form_key)
    text = page_text(pdf, 1)
    assert title in text
    assert getattr(accepted, number_of) in text
    assert f"Q/SB-8.5.2-{form_key}" in text
    assert "第 1 页，共" in text
    for piece in contents:
        assert piece in text, (piece, text)


def test_the_plan_prints_with_the_managers_approval(client, login, world, make_case):
    case = make_case("planned")
    plan = case.approved_plan
    login(world.production)
    text = page_text(pdf_of(client, plan, "F02"), 1)
    assert "安装服务计划" in text
    assert plan.number in text
    assert "Q/SB-8.5.2-F02" in text
    assert "停电挂牌" in text  # the safety measures
    assert "批准 Approved" in text
    assert "韩经理" in text
    assert "编制 Prepared by" in text


def test_the_acceptance_carries_the_customers_drawn_signature(client, login, world, accepted):
    login(world.sales)
    pdf = pdf_of(client, accepted, "F05")
    assert "wqy" in poppler("pdffonts", pdf).lower() or "WenQuanYi" in poppler("pdffonts", pdf)
    assert poppler("pdfimages", pdf, "-list").count("\n") >= 3  # the signature image
    text = "\n".join(page_text(pdf, n) for n in range(1, page_count(pdf) + 1))
    assert "客户签字盖章" in text
    assert "无调试检查表" in text  # the cabinet has no checklist


def test_every_print_is_audited(client, login, world, accepted):
    login(world.quality)
    pdf_of(client, accepted, "F05")
    pdf_of(client, accepted, "F03")
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "print").order_by(AuditEntry.id)
    ).all()
    assert [(e.changes["form_code"], e.changes["record_number"]) for e in entries] == [
        ("Q/SB-8.5.2-F05", accepted.acceptance_number),
        ("Q/SB-8.5.2-F03", accepted.inspection_number),
    ]
    assert all(e.actor_id == world.quality.id for e in entries)


def test_forms_not_recorded_yet_do_not_print(client, login, world, make_case):
    case = make_case("planned")
    login(world.sales)
    for key in ("F03", "F04", "F05", "F02"):
        assert client.get(f"/installation/print/installation_request/{case.id}/{key}.pdf").status_code == 404


def test_a_signed_and_stamped_scan_instead_of_the_pad(client, login, world, make_case):
    import io

    from PIL import Image
    from werkzeug.datastructures import FileStorage

    from app.core.attachments.models import AttachmentKind
    from app.core.attachments.services import save_upload
    from app.core.records.engine import transition
    from tests.installation.conftest import today

    case = make_case("trained")
    scan = io.BytesIO()
    Image.new("RGB", (400, 300), (250, 250, 250)).save(scan, "PNG")
    scan.seek(0)
    save_upload(
        FileStorage(stream=scan, filename="装机单.png"),
        record_type=case.record_type,
        record_id=case.id,
        kind=AttachmentKind.SIGNED_SCAN,
        actor=world.production,
    )
    transition(
        case, "accept", actor=world.production, values={"accepted_on": today(), "customer_signer": "王建国"}
    )
    db.session.commit()
    assert case.signed_scan_attachment_id is not None
    assert case.signature_attachment_id is None
    login(world.sales)
    text = page_text(pdf_of(client, case, "F05"), 1)
    assert "见盖章扫描件" in text
    assert "王建国" in text
