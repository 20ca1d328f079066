"""CSV/XLSX import: file checks, a preview with row-by-row errors, all rows or none."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.core.masterdata.models import Customer, Unit
from app.core.permissions import Department, Role
from app.core.records.audit import AuditEntry
from app.extensions import db
from tests.conftest import HX
from tests.core.masterdata_helpers import d, new_customer, new_product, new_unit


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def import_dir(app, tmp_path):
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    return tmp_path / "imports"


@pytest.fixture
def clerk(login_as, import_dir):
    return login_as(Role.INFO_CLERK, department=Department.SERVICE)


def upload(client, kind, content: bytes, filename: str, hx=False):
    return client.post(
        f"/masterdata/import/{kind}",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        headers=HX if hx else {},
    )


def preview_url(response) -> str:
    assert response.status_code in (204, 303), response.get_data(as_text=True)[:500]
    return response.headers.get("HX-Redirect") or response.headers["Location"]


def csv_bytes(lines: list[str], encoding="utf-8-sig") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def line_errors(html: str, line: int) -> str:
    match = re.search(rf'<tr id="import-line-{line}"[^>]*data-valid="(\w+)">(.*?)</tr>', html, re.S)
    assert match, f"line {line} missing from the preview"
    return match.group(1) + " " + match.group(2).split('class="row-errors"')[1]


# --- customers ------------------------------------------------------------------------------


def test_customer_preview_shows_row_errors_and_nothing_is_imported(client, clerk, import_dir):
    new_customer("无锡德信轴承有限公司", "province")
    content = csv_bytes(
        [
            "客户名称,区域类别,地址,电话,联系人,联系人电话",
            "苏州金澜电子科技有限公司,市内,苏州市相城区春晖路12号,0512-6000 1301,刘洋,0512-6000 1302",
            ",省内,,,,",  # line 3: no name
            "南京智源自动化设备有限公司,华东,,,,",  # line 4: unknown region class
            "无锡德信轴承有限公司,省内,,,,",  # line 5: exists already
            "苏州金澜电子科技有限公司,市内,,,,",  # line 6: same name as line 2
            "常州润达纺织机械有限公司,province,,,,0519-1",  # line 7: contact phone without contact
        ]
    )
    response = upload(client, "customers", content, "客户.csv")
    url = preview_url(response)
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="import-confirm"' not in html
    assert line_errors(html, 2).startswith("true")
    for line in (3, 4, 5, 6, 7):
        assert line_errors(html, line).startswith("false"), line
    assert "华东" in line_errors(html, 4)
    assert "2" in line_errors(html, 6)  # points at the other line
    # confirming anyway imports nothing
    response = client.post(url)
    assert response.status_code == 422
    assert count(Customer) == 1
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "import")) == 0


def test_valid_customer_file_imports_every_row_in_one_go(client, clerk, import_dir):
    content = csv_bytes(
        [
            "客户名称,区域类别,地址,电话,联系人,联系人电话,备注",
            "苏州金澜电子科技有限公司,市内,苏州市相城区春晖路12号,0512-6000 1301,刘洋,0512-6000 1302,老客户",
            "南京智源自动化设备有限公司,省内,南京市江宁区将军大道155号,,,,",
            "拉萨雪域净水设备有限公司,边远,,,次仁,,",
        ],
        encoding="gb18030",  # what Excel in China writes
    )
    url = preview_url(upload(client, "customers", content, "客户导入.csv", hx=True))
    html = client.get(url).get_data(as_text=True)
    assert 'id="import-confirm"' in html
    assert len(list(import_dir.glob("*.json"))) == 1
    response = client.post(url)
    assert response.status_code == 303
    customers = {c.name: c for c in db.session.scalars(select(Customer))}
    assert set(customers) == {
        "苏州金澜电子科技有限公司",
        "南京智源自动化设备有限公司",
        "拉萨雪域净水设备有限公司",
    }
    assert [c.region_class for c in customers.values()] == ["city", "province", "remote"]
    assert [c.name for c in customers["苏州金澜电子科技有限公司"].contacts] == ["刘洋"]
    assert customers["拉萨雪域净水设备有限公司"].contacts[0].name == "次仁"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import"))
    assert entry.changes == {"count": 3, "file": "客户导入.csv"}
    assert entry.actor_id == clerk.id
    assert entry.object_type == "customer"
    creates = db.session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "create", AuditEntry.object_type == "customer"
        )
    )
    assert creates == 3
    # the stored rows are gone: the same preview cannot be imported twice
    assert list(import_dir.glob("*.json")) == []
    assert client.post(url).status_code == 404
    assert count(Customer) == 3


def test_english_headers_and_values_are_accepted(client, clerk):
    content = csv_bytes(["Name,Region class,Contact", "Acme Tools,Remote,Ann", "Beta Works,city,"])
    url = preview_url(upload(client, "customers", content, "customers.csv"))
    assert client.post(url).status_code == 303
    assert sorted(db.session.scalars(select(Customer.region_class))) == ["city", "remote"]


# --- units ----------------------------------------------------------------------------------


@pytest.fixture
def references(app):
    return {
        "customer": new_customer("苏州恒锐精密零部件有限公司"),
        "product": new_product("QP-200", 12),
        "unit": new_unit("QP200-0001", new_product("QP-300", 24)),
    }


def test_unit_xlsx_imports_with_dates(client, clerk, references):
    content = xlsx_bytes(
        [
            ["序列号", "批次号", "产品型号", "客户名称", "安装地点", "生产日期", "发货日期", "安装日期"],
            ["QP200-0101", "B202601-01", "QP-200", "苏州恒锐精密零部件有限公司", "一号车间",
             dt.datetime(2026, 1, 5), dt.date(2026, 2, 1), "2026-03-01"],
            ["QP200-0102", None, "qp-200", "苏州恒锐精密零部件有限公司", None, "2026-01-05", None, None],
        ]
    )  # fmt: skip
    url = preview_url(upload(client, "units", content, "units.xlsx"))
    assert 'id="import-confirm"' in client.get(url).get_data(as_text=True)
    assert client.post(url).status_code == 303
    unit = db.session.scalar(select(Unit).where(Unit.serial == "QP200-0101"))
    assert (unit.production_date, unit.ship_date, unit.install_date) == (
        d("2026-01-05"),
        d("2026-02-01"),
        d("2026-03-01"),
    )
    assert unit.customer_id == references["customer"].id
    assert unit.product_id == references["product"].id
    assert unit.site == "一号车间"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import"))
    assert entry.changes == {"count": 2, "file": "units.xlsx"}
    assert entry.object_type == "unit"


def test_unit_rows_are_checked_one_by_one(client, clerk, references):
    content = csv_bytes(
        [
            "serial,product model,customer,production date,ship date,install date",
            "QP200-0101,QP-200,苏州恒锐精密零部件有限公司,2026-01-05,2026-02-01,2026-03-01",  # 2 fine
            "QP200-0101,QP-200,苏州恒锐精密零部件有限公司,,,",  # 3 same serial as line 2
            "qp200-0001,QP-200,苏州恒锐精密零部件有限公司,,,",  # 4 serial exists already
            "QP200-0104,QP-999,苏州恒锐精密零部件有限公司,,,",  # 5 unknown product
            "QP200-0105,QP-200,不存在的公司,,,",  # 6 unknown customer
            "QP200-0106,QP-200,苏州恒锐精密零部件有限公司,2026/01/05,,",  # 7 not YYYY-MM-DD
            "QP200-0107,QP-200,苏州恒锐精密零部件有限公司,2026-02-30,,",  # 8 no such day
            "QP200-0108,QP-200,苏州恒锐精密零部件有限公司,2026-03-01,2026-02-01,",  # 9 shipped before made
            ",QP-200,,,,",  # 10 serial and customer missing
        ]
    )
    url = preview_url(upload(client, "units", content, "units.csv"))
    html = client.get(url).get_data(as_text=True)
    assert 'id="import-confirm"' not in html
    assert line_errors(html, 2).startswith("true")
    for line in range(3, 11):
        assert line_errors(html, line).startswith("false"), line
    assert "QP-999" in line_errors(html, 5)
    assert "不存在的公司" in line_errors(html, 6)
    assert client.post(url).status_code == 422
    assert count(Unit) == 1


def test_confirm_checks_the_rows_again(client, clerk, references):
    """A serial saved by someone else between preview and confirmation stops the whole import."""
    content = csv_bytes(
        [
            "序列号,产品型号,客户名称",
            "QP200-0201,QP-200,苏州恒锐精密零部件有限公司",
            "QP200-0202,QP-200,苏州恒锐精密零部件有限公司",
        ]
    )
    url = preview_url(upload(client, "units", content, "units.csv"))
    assert 'id="import-confirm"' in client.get(url).get_data(as_text=True)
    new_unit("QP200-0202", references["product"])
    response = client.post(url)
    assert response.status_code == 422
    assert line_errors(response.get_data(as_text=True), 3).startswith("false")
    assert count(Unit) == 2  # QP-300's unit and the one saved meanwhile


# --- the file itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"name,region\nx,city\n", "customers.txt"),  # wrong extension
        (b"this is not a workbook", "customers.xlsx"),  # xlsx in name only
        (b"PK\x03\x04garbage", "customers.xlsx"),  # a broken zip
        (b"name\x00region\n", "customers.csv"),  # binary content
        (b"", "customers.csv"),  # empty
        ("地址,电话\n苏州,1\n".encode(), "customers.csv"),  # required columns missing
        ("客户名称,区域类别\n".encode(), "customers.csv"),  # header only
    ],
)
def test_unreadable_files_are_refused_in_place(client, clerk, content, filename, import_dir):
    response = upload(client, "customers", content, filename, hx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in html
    assert 'id="file-error"' in html
    assert not import_dir.exists() or list(import_dir.glob("*.json")) == []


def test_file_larger_than_the_limit_is_413(app, client, clerk):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    content = csv_bytes(["客户名称,区域类别"] + [f"客户{n},市内" for n in range(400)])
    assert upload(client, "customers", content, "big.csv").status_code == 413
    assert count(Customer) == 0


def test_preview_belongs_to_its_uploader(client, clerk, make_user, login):
    url = preview_url(upload(client, "customers", csv_bytes(["name,region class", "A,city"]), "a.csv"))
    client.post("/auth/logout")
    login(make_user(roles=[Role.SYSTEM_ADMIN], department=Department.SERVICE))
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert client.get("/masterdata/import/customers/not-a-token").status_code == 404
    assert count(Customer) == 0


def test_import_needs_the_right(client, login_as, import_dir):
    login_as(Role.STAFF, department=Department.SALES)  # may edit customers, may not import
    assert client.get("/masterdata/import/customers").status_code == 403
    response = upload(client, "customers", csv_bytes(["name,region class", "A,city"]), "a.csv")
    assert response.status_code == 403
    assert 'id="import-customers"' not in client.get("/masterdata/customers").get_data(as_text=True)


def test_templates_download_with_both_header_languages(client, clerk):
    zh = client.get("/masterdata/import/units/template.csv?lang=zh")
    assert zh.status_code == 200
    assert zh.mimetype == "text/csv"
    assert zh.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese headers correctly
    assert zh.data.decode("utf-8-sig").startswith("序列号,批次号,产品型号,客户名称")
    en = client.get("/masterdata/import/customers/template.csv?lang=en").data.decode("utf-8-sig")
    assert en.startswith("name,region class,address")
    # a template read back is a valid (empty) header
    url = preview_url(upload(client, "customers", en.encode() + b"Acme,city\n", "t.csv"))
    assert 'id="import-confirm"' in client.get(url).get_data(as_text=True)
