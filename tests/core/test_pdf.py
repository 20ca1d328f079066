"""Printed controlled records: the PDF core, proven on the printed document register."""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image, ImageDraw
from xhtml2pdf.config.resources import ResourceAccessError

from app.core.pdf import Signature, audit_print, pdf_response, render_pdf, resolve_font, resource_policy
from app.core.records.audit import AuditAction, AuditEntry, history_of
from app.core.records.demo import STEPS
from app.core.records.register import DocumentKind
from app.core.records.services import create_document, find_document
from app.core.records.views import register_context, register_print_title
from app.extensions import db
from tests.conftest import HX

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
COMPANY_ZH = "示例机械有限公司"
WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
#: a long Chinese paragraph (no spaces, no Latin) that cannot fit one line of a register cell
LONG_TITLE = (
    "客户设备定期维护保养计划及现场服务质量跟踪记录表适用于全部在保设备和合同维保设备"
    "包括巡检项目清单故障隐患整改情况备件更换明细客户培训内容以及下次保养日期确认"
)

_TOOLS = ("pdftotext", "pdfinfo", "pdffonts", "pdfimages")
if not all(shutil.which(tool) for tool in _TOOLS):
    if os.environ.get("CI"):
        raise RuntimeError("poppler-utils (pdftotext, pdfinfo, pdffonts, pdfimages) must be installed in CI")
    pytest.skip("poppler-utils is not installed", allow_module_level=True)


# --- helpers -----------------------------------------------------------------------------------


def poppler(tool: str, pdf: bytes, *args: str) -> str:
    """Run a poppler tool on ``pdf`` (given on stdin) and return its output."""
    return subprocess.run(
        [tool, *args, "-", *(["-"] if tool == "pdftotext" else [])],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()


def page_count(pdf: bytes) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", pdf), re.M).group(1))


def page_text(pdf: bytes, page: int) -> str:
    return poppler("pdftotext", pdf, "-layout", "-f", str(page), "-l", str(page))


def png(width: int = 300, height: int = 100) -> bytes:
    """A pad signature: a dark stroke on white."""
    img = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(img).line([(10, 80), (90, 20), (170, 70), (290, 15)], fill="navy", width=6)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def register(app):
    for _name, step in STEPS:
        step()
    db.session.commit()


@pytest.fixture
def printer(login_as):
    return login_as(display_name="王质检 Wang")


def render_register(app, signatures, lang="zh_CN") -> bytes:
    """The register print template through the core, as a print route would call it."""
    with app.test_request_context():
        ctx = register_context()
        return render_pdf(
            "core/print/register.html",
            record_number=None,
            form=register_print_title(),
            signatures=signatures,
            context=ctx,
            lang=lang,
        )


# --- the register print ------------------------------------------------------------------------


def test_every_page_carries_company_chinese_title_and_page_x_of_y(client, register, printer):
    response = client.get("/records/register.pdf", headers=ZH)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    pdf = response.data
    pages = page_count(pdf)
    assert pages >= 2  # 42 documents do not fit one page
    for n in range(1, pages + 1):
        text = page_text(pdf, n)
        assert "受控文件清单" in text, n
        assert "Document register" in text, n  # the English title under the Chinese one
        assert COMPANY_ZH in text, n
        assert f"第 {n} 页，共 {pages} 页" in text, n
        assert f"Page {n} of {pages}" in text, n
    first, last = page_text(pdf, 1), page_text(pdf, pages)
    assert "Q/SB-8.2.1" in first
    assert "Q/SB-9.1.2-F02" in last
    assert "编号规则" in first  # the body's labels are in the reader's language
    # the signature blocks come once, at the end: who printed it, when, and lines to sign on
    assert "王质检 Wang" in last
    assert "王质检 Wang" not in first
    assert "审核" in last
    assert "批准" in last
    assert "签名 Signature" in last


def test_the_page_total_follows_the_length_of_the_document(client, register, printer):
    for n in range(1, 31):
        create_document(
            dict(
                kind=DocumentKind.FORM,
                module="repair",
                code=f"Q/SB-X-F{n:02d}",
                title_zh=f"临时表单{n}",
                title_en=f"Interim form {n}",
                number_pattern="LS-{YYYY}-{SEQ:3}",
                retention_years=3,
            ),
            actor=None,
        )
    db.session.commit()

    pdf = client.get("/records/register.pdf").data

    pages = page_count(pdf)
    assert pages >= 3
    assert f"第 {pages} 页，共 {pages} 页" in page_text(pdf, pages)
    assert f"第 2 页，共 {pages} 页" in page_text(pdf, 2)


def test_chinese_is_printed_in_the_embedded_wenquanyi_font(client, register, printer):
    if not WQY.is_file():
        pytest.skip("fonts-wqy-microhei is not installed")
    pdf = client.get("/records/register.pdf").data

    fonts = [line.split() for line in poppler("pdffonts", pdf).splitlines()[2:]]
    wqy = [row for row in fonts if "WenQuanYi" in row[0]]
    assert wqy, fonts
    assert all(row[-5] == "yes" for row in wqy)  # the "emb" column
    assert not any("STSong" in row[0] for row in fonts)


def test_without_the_font_chinese_falls_back_to_stsong_with_a_warning(app, client, register, printer, caplog):
    app.config["PDF_FONT_PATH"] = "/nonexistent/wqy-microhei.ttc"
    with caplog.at_level(logging.WARNING, logger="qportal.pdf"):
        pdf = client.get("/records/register.pdf").data

    assert any(r.name == "qportal.pdf" and "STSong-Light" in r.getMessage() for r in caplog.records)
    assert "STSong-Light" in poppler("pdffonts", pdf)
    assert "受控文件清单" in page_text(pdf, 1)


def test_english_reader_gets_english_labels_and_still_the_chinese_title(client, register, printer):
    pdf = client.get("/records/register.pdf", headers=EN).data

    text = page_text(pdf, 1)
    assert "受控文件清单" in text
    assert "Document register" in text
    assert "Numbering pattern" in text
    assert "编号规则" not in text
    assert "Controlled" in text
    assert "42 documents in the register." in page_text(pdf, page_count(pdf))


def test_a_long_chinese_title_wraps_inside_its_cell(client, register, printer):
    form = find_document("Q/SB-8.5.4-F01")
    form.title_zh = LONG_TITLE
    db.session.commit()

    pdf = client.get("/records/register.pdf").data

    text = "".join(page_text(pdf, n) for n in range(1, page_count(pdf) + 1))
    assert LONG_TITLE not in text.replace("\n", "")  # never one line running over the other columns
    pieces = []
    for line in text.splitlines():
        pieces += [run for run in re.findall(r"[\u4e00-\u9fff]+", line) if run in LONG_TITLE]
    wrapped = "".join(pieces)
    assert LONG_TITLE in wrapped  # the whole paragraph is printed, line after line …
    assert len([p for p in pieces if len(p) >= 5]) >= 4  # … on several lines of the narrow cell


def test_printing_the_register_writes_one_print_audit_entry(client, register, printer):
    before = db.session.query(AuditEntry).filter_by(action=AuditAction.PRINT.value).count()

    client.get("/records/register.pdf")

    entries = db.session.query(AuditEntry).filter_by(action=AuditAction.PRINT.value).all()
    assert len(entries) == before + 1 == 1
    entry = entries[0]
    assert (entry.actor_id, entry.object_type) == (printer.id, "document_register")
    assert "受控文件清单" in entry.object_label


def test_every_page_carries_the_time_of_its_own_print(app, register, monkeypatch):
    """The second print of an unchanged register reuses the layout and still says when it was printed."""
    pdfs = []
    for at in (datetime(2026, 12, 2, 8, 5, tzinfo=UTC), datetime(2026, 12, 2, 9, 40, tzinfo=UTC)):
        monkeypatch.setattr("app.core.pdf.utcnow", lambda at=at: at)
        pdfs.append(render_register(app, []))
    for pdf, shanghai, utc in zip(
        pdfs,
        ("2026-12-02 16:05", "2026-12-02 17:40"),
        ("2026-12-02T08:05:00", "2026-12-02T09:40:00"),
        strict=True,
    ):
        # the document's own dates are the print's, not the first layout's
        assert re.search(rf"^CreationDate:\s+{utc}", poppler("pdfinfo", pdf, "-isodates"), re.M)
        pages = page_count(pdf)
        for n in range(1, pages + 1):
            text = page_text(pdf, n)
            assert f"打印时间 Printed: {shanghai}" in text, n
            assert f"第 {n} 页，共 {pages} 页 / Page {n} of {pages}" in text, n


def test_a_changed_record_is_laid_out_again_an_unchanged_one_is_not(app, register, monkeypatch):
    import xhtml2pdf.pisa

    layouts = []
    lay_out = xhtml2pdf.pisa.pisaDocument
    monkeypatch.setattr(xhtml2pdf.pisa, "pisaDocument", lambda *a, **k: layouts.append(1) or lay_out(*a, **k))
    # one print time for all, so the pages differ only by what the record says
    monkeypatch.setattr("app.core.pdf.utcnow", lambda: datetime(2026, 12, 2, 9, 53, 59, tzinfo=UTC))
    first = render_register(app, [])
    again = render_register(app, [])
    assert len(layouts) == 1
    assert page_text(again, 1) == page_text(first, 1)

    doc = find_document("Q/SB-8.2.1")
    doc.title_zh = "顾客沟通控制程序（修订）"
    db.session.commit()
    changed = render_register(app, [])
    assert len(layouts) == 2
    assert "顾客沟通控制程序（修订）" in page_text(changed, 1)
    assert "（修订）" not in page_text(first, 1)
    render_register(app, [], lang="en")  # the other language is another document
    assert len(layouts) == 3


def test_with_no_layout_cache_every_print_is_laid_out(app, register, monkeypatch):
    import xhtml2pdf.pisa

    from app.core import pdf

    app.config["PRINT_LAYOUT_CACHE_MB"] = 0
    pdf.init_app(app)
    layouts = []
    lay_out = xhtml2pdf.pisa.pisaDocument
    monkeypatch.setattr(xhtml2pdf.pisa, "pisaDocument", lambda *a, **k: layouts.append(1) or lay_out(*a, **k))
    render_register(app, [])
    render_register(app, [])
    assert len(layouts) == 2


def test_download_name_is_chinese_and_the_pdf_is_not_cached(client, register, printer):
    response = client.get("/records/register.pdf", headers=ZH)

    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + quote("受控文件清单-") in disposition
    assert response.headers["Cache-Control"] == "no-store"


def test_anonymous_users_cannot_print_the_register(client, register):
    response = client.get("/records/register.pdf")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert client.get("/records/register.pdf", headers=HX).status_code == 401
    assert db.session.query(AuditEntry).filter_by(action=AuditAction.PRINT.value).count() == 0


def test_register_page_offers_the_pdf(client, register, printer):
    html = client.get("/records/register", headers=EN).get_data(as_text=True)
    assert 'href="/records/register.pdf"' in html
    assert "Print (PDF)" in html


# --- the core ----------------------------------------------------------------------------------


def test_signature_image_name_and_shanghai_time_are_printed(app, register):
    customer = Signature(
        "顾客签字 Customer", "李顾客", datetime(2026, 11, 22, 2, 30, tzinfo=UTC), image=png()
    )

    pdf = render_register(app, [Signature("审核 Reviewed", "郑经理"), customer])

    images = poppler("pdfimages", pdf, "-list").splitlines()[2:]
    assert len(images) >= 1
    last = page_text(pdf, page_count(pdf))
    assert "李顾客" in last
    assert "顾客签字 Customer" in last
    assert "2026-11-22 10:30" in last  # 02:30 UTC is 10:30 in Asia/Shanghai


def test_a_print_without_signatures_has_no_signature_image(app, register):
    pdf = render_register(app, [])
    assert poppler("pdfimages", pdf, "-list").splitlines()[2:] == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"signed_at": datetime(2026, 11, 22, 10, 30)}, "aware"),
        ({"image": b"GIF89a not a png"}, "PNG"),
    ],
)
def test_signature_refuses_naive_times_and_non_png_images(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Signature("批准", "杨代表", **kwargs)


def test_record_header_shows_form_code_revision_and_record_number(app, register):
    form = find_document("Q/SB-8.5.3-F04")
    with app.test_request_context():
        ctx = register_context()
        pdf = render_pdf(
            "core/print/register.html",
            record_number="WXD-202611-0007",
            form=form,
            signatures=[],
            context=ctx,
            lang="zh_CN",
        )
    for n in range(1, page_count(pdf) + 1):
        text = page_text(pdf, n)
        header = " ".join(text.split("\n")[:4])
        assert "产品维修单" in header
        assert "Repair record" in header
        assert "表单编号 Form: Q/SB-8.5.3-F04" in header
        assert "版本 Rev.: A/0" in header
        assert "记录编号 No.: WXD-202611-0007" in header


def test_audit_print_records_form_code_and_record_number_on_the_object(app, register, make_user):
    user = make_user(display_name="赵工程师")
    form = find_document("Q/SB-8.5.3-F04")

    audit_print(form, actor=user, form_code=form.code, record_number="WXD-202611-0007")
    db.session.commit()

    entry = history_of(form)[-1]
    assert entry.action == AuditAction.PRINT.value
    assert entry.actor_name == "赵工程师"
    assert entry.changes == {"form_code": "Q/SB-8.5.3-F04", "record_number": "WXD-202611-0007"}


def test_download_response_for_a_chinese_file_name(app):
    with app.test_request_context():
        response = pdf_response(b"%PDF-1.4", "产品维修单 WXD-202611-0007")
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''" + quote("产品维修单 WXD-202611-0007.pdf") in disposition
    assert disposition.isascii()  # an HTTP header carries no raw Chinese


def test_a_print_may_read_the_font_directory_and_nothing_else(app):
    _family, font_path = resolve_font()
    if font_path is None:
        pytest.skip("fonts-wqy-microhei is not installed")
    policy = resource_policy(font_path)

    policy.check_path(font_path)
    with pytest.raises(ResourceAccessError):
        policy.check_path(Path(app.root_path) / "config.py")
    with pytest.raises(ResourceAccessError):
        policy.check_url("https://example.com/logo.png")


def test_xhtml2pdf_logger_stays_at_error(app):
    # its warnings quote the HTML being rendered, i.e. whole records
    assert logging.getLogger("xhtml2pdf").level == logging.ERROR
