"""Importing customers and units from CSV or XLSX files.

An upload is read into plain text rows and kept server-side under a random token; the
preview and the confirmation both validate those stored rows again (the database may have
changed in between), and nothing is imported while any row is invalid.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import secrets
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core.masterdata.forms import date_order_errors
from app.core.masterdata.models import Customer, Product, RegionClass, Unit
from app.extensions import db

#: most data rows one file may hold
MAX_ROWS = 5000
#: stored previews older than this are removed
KEEP_SECONDS = 24 * 3600
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ALLOWED_SUFFIXES = (".csv", ".xlsx")

#: region class values accepted in a file, Chinese or English
REGION_WORDS = {
    "市内": RegionClass.CITY,
    "city": RegionClass.CITY,
    "省内": RegionClass.PROVINCE,
    "province": RegionClass.PROVINCE,
    "边远": RegionClass.REMOTE,
    "remote": RegionClass.REMOTE,
}


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why, for the user."""


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    #: header as written in the Chinese and the English template
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None


@dataclass(frozen=True)
class ImportKind:
    name: str
    title: object
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


CUSTOMERS = ImportKind(
    "customers",
    _l("Customers"),
    (
        Column("name", _l("Customer name"), "客户名称", "name",
               ("customer name", "customer", "名称", "客户", "顾客", "顾客名称", "单位名称"), True, 200),
        Column("region_class", _l("Region class"), "区域类别", "region class",
               ("region", "区域", "地区类别", "区域分类"), True),
        Column("address", _l("Address"), "地址", "address", (), False, 300),
        Column("phone", _l("Phone"), "电话", "phone", ("telephone", "tel", "联系电话"), False, 50),
        Column("contact_name", _l("Contact"), "联系人", "contact", ("contact name",), False, 100),
        Column("contact_phone", _l("Contact phone"), "联系人电话", "contact phone",
               ("联系人手机", "手机"), False, 50),
        Column("notes", _l("Notes"), "备注", "notes", ("remarks",), False, 2000),
    ),
)  # fmt: skip

UNITS = ImportKind(
    "units",
    _l("Units"),
    (
        Column("serial", _l("Serial number"), "序列号", "serial",
               ("serial number", "serial no", "sn", "出厂编号", "机身编号"), True, 64),
        Column("batch", _l("Batch number"), "批次号", "batch", ("batch number", "batch no", "批次", "批号"),
               False, 64),
        Column("product_model", _l("Product model"), "产品型号", "product model", ("model", "型号"), True),
        Column("customer", _l("Customer"), "客户名称", "customer",
               ("customer name", "客户", "顾客", "顾客名称"), True),
        Column("site", _l("Site"), "安装地点", "site", ("location", "现场", "使用地点"), False, 300),
        Column("production_date", _l("Production date"), "生产日期", "production date", ("出厂日期",)),
        Column("ship_date", _l("Ship date"), "发货日期", "ship date", ("shipping date",)),
        Column("install_date", _l("Install (acceptance) date"), "安装日期", "install date",
               ("installation date", "acceptance date", "验收日期", "安装验收日期")),
    ),
)  # fmt: skip

KINDS = {k.name: k for k in (CUSTOMERS, UNITS)}
DATE_COLUMNS = ("production_date", "ship_date", "install_date")


@dataclass
class Row:
    """One data row: its line in the file, its text values, and what is wrong with it."""

    line: int
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    #: what the service gets, once the row is valid
    data: dict | None = None

    @property
    def is_valid(self) -> bool:
        return not self.errors


@dataclass
class Upload:
    kind: str
    filename: str
    user_id: int
    rows: list[Row]
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and all(row.is_valid for row in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if not row.is_valid)


# --- reading a file -------------------------------------------------------------------------


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-*:：()（）]+", "", str(header or "")).lower()


def display_filename(filename: str) -> str:
    """The base name the user gave, shown and audited; it is never used as a path."""
    return PurePosixPath((filename or "").replace("\\", "/")).name[:200] or "upload"


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_csv(content: bytes) -> list[list[str]]:
    if b"\x00" in content or content.startswith(b"PK\x03\x04"):
        raise ImportFileError(_("The file is not a CSV text file."))
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("The file's text encoding is not UTF-8 or GBK."))
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as error:
        raise ImportFileError(_("The CSV file cannot be read: %(error)s", error=str(error))) from error


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    if not content.startswith(b"PK\x03\x04"):
        raise ImportFileError(_("The file is not an Excel workbook (.xlsx)."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                rows = []
                for values in sheet.iter_rows(values_only=True):
                    rows.append([_cell_text(v) for v in values])
                    if len(rows) > MAX_ROWS + 1:
                        break
            finally:
                workbook.close()
    except ImportFileError:
        raise
    except Exception as error:  # a damaged or disguised file: openpyxl raises many kinds
        raise ImportFileError(_("The file is not a readable Excel workbook (.xlsx).")) from error
    return rows


def read_upload(kind: ImportKind, filename: str, content: bytes) -> tuple[list[Row], list[str]]:
    """Text rows keyed by column, and the headers that matched no column."""
    suffix = PurePosixPath(filename.lower()).suffix
    if suffix not in ALLOWED_SUFFIXES:
        raise ImportFileError(_("Only .csv and .xlsx files can be imported."))
    if not content:
        raise ImportFileError(_("The file is empty."))
    table = _read_xlsx(content) if suffix == ".xlsx" else _read_csv(content)
    lines = [(n, cells) for n, cells in enumerate(table, start=1) if any(c for c in cells)]
    if not lines:
        raise ImportFileError(_("The file is empty."))
    header_line, header = lines[0]
    mapping, ignored = _map_header(kind, header)
    rows = []
    for line, cells in lines[1:]:
        values = {c.key: "" for c in kind.columns}
        for index, key in mapping.items():
            values[key] = cells[index] if index < len(cells) else ""
        rows.append(Row(line=line, values=values))
    if not rows:
        raise ImportFileError(_("The file has a header row but no data rows."))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_("At most %(max)s rows can be imported at once.", max=MAX_ROWS))
    return rows, ignored


def _map_header(kind: ImportKind, header: list[str]) -> tuple[dict[int, str], list[str]]:
    names = {}
    for column in kind.columns:
        for name in (column.zh, column.en, column.key, *column.aliases):
            names.setdefault(_norm(name), column.key)
    mapping: dict[int, str] = {}
    ignored = []
    for index, title in enumerate(header):
        if not title:
            continue
        # a bilingual header such as "客户名称 / name" matches by either part
        parts = [title, *re.split(r"[/|]", title)]
        key = next((names[_norm(p)] for p in parts if _norm(p) in names), None)
        if key is None:
            ignored.append(title)
            continue
        if key in mapping.values():
            raise ImportFileError(_("The column %(column)s appears twice.", column=title))
        mapping[index] = key
    missing = [c for c in kind.columns if c.required and c.key not in mapping.values()]
    if missing:
        raise ImportFileError(
            _(
                "Required columns are missing: %(columns)s.",
                columns=", ".join(f"{c.zh} / {c.en}" for c in missing),
            )
        )
    return mapping, ignored


# --- checking rows --------------------------------------------------------------------------


def _parse_date(text: str) -> dt.date | None:
    if not DATE_RE.match(text):
        raise ValueError(text)
    return dt.date.fromisoformat(text)


def _check_common(kind: ImportKind, row: Row) -> None:
    for column in kind.columns:
        value = row.values.get(column.key, "")
        if column.required and not value:
            row.errors[column.key] = _("Required.")
        elif column.max_length and len(value) > column.max_length:
            row.errors[column.key] = _("At most %(max)s characters.", max=column.max_length)


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _validate_customers(rows: list[Row]) -> None:
    names = sorted({r.values["name"].lower() for r in rows if r.values["name"]})
    existing = set()
    for chunk in _chunks(names):
        existing.update(
            n.lower()
            for n in db.session.scalars(select(Customer.name).where(func.lower(Customer.name).in_(chunk)))
        )
    seen: dict[str, int] = {}
    for row in rows:
        _check_common(CUSTOMERS, row)
        v = row.values
        region = REGION_WORDS.get(v["region_class"].strip().lower()) if v["region_class"] else None
        if v["region_class"] and region is None:
            row.errors["region_class"] = _(
                "Unknown region class %(value)s: use 市内/省内/边远 or city/province/remote.",
                value=v["region_class"],
            )
        key = v["name"].lower()
        if key and "name" not in row.errors:
            if key in existing:
                row.errors["name"] = _("A customer with this name exists already.")
            elif key in seen:
                row.errors["name"] = _("The same name is on line %(line)s.", line=seen[key])
            else:
                seen[key] = row.line
        if v["contact_phone"] and not v["contact_name"]:
            row.errors["contact_name"] = _("A contact phone needs a contact name.")
        if row.is_valid:
            contacts = [{"name": v["contact_name"], "phone": v["contact_phone"]}] if v["contact_name"] else []
            row.data = {
                "name": v["name"],
                "region_class": region.value,
                "address": v["address"],
                "phone": v["phone"],
                "notes": v["notes"],
                "contacts": contacts,
            }


def _validate_units(rows: list[Row]) -> None:
    serials = sorted({r.values["serial"].upper() for r in rows if r.values["serial"]})
    taken = set()
    for chunk in _chunks(serials):
        taken.update(
            s.upper()
            for s in db.session.scalars(select(Unit.serial).where(func.upper(Unit.serial).in_(chunk)))
        )
    products = {p.model.lower(): p for p in db.session.scalars(select(Product))}
    names = sorted({r.values["customer"] for r in rows if r.values["customer"]})
    customers: dict[str, list[Customer]] = {}
    for chunk in _chunks([n.lower() for n in names]):
        for customer in db.session.scalars(select(Customer).where(func.lower(Customer.name).in_(chunk))):
            customers.setdefault(customer.name.lower(), []).append(customer)
    seen: dict[str, int] = {}
    for row in rows:
        _check_common(UNITS, row)
        v = row.values
        serial = v["serial"].upper()
        if serial and "serial" not in row.errors:
            if serial in taken:
                row.errors["serial"] = _("A unit with this serial number exists already.")
            elif serial in seen:
                row.errors["serial"] = _("The same serial number is on line %(line)s.", line=seen[serial])
            else:
                seen[serial] = row.line
        product = products.get(v["product_model"].lower()) if v["product_model"] else None
        if v["product_model"] and product is None:
            row.errors["product_model"] = _("No product with model %(model)s.", model=v["product_model"])
        matches = customers.get(v["customer"].lower(), []) if v["customer"] else []
        if v["customer"] and not matches:
            row.errors["customer"] = _("No customer named %(name)s.", name=v["customer"])
        elif len(matches) > 1:
            row.errors["customer"] = _("Several customers are named %(name)s.", name=v["customer"])
        dates = {}
        for key in DATE_COLUMNS:
            try:
                dates[key] = _parse_date(v[key]) if v[key] else None
            except ValueError:
                row.errors[key] = _("Not a date of the form YYYY-MM-DD.")
                dates[key] = None
        for key, message in date_order_errors(
            dates["production_date"], dates["ship_date"], dates["install_date"]
        ).items():
            row.errors.setdefault(key, message)
        if row.is_valid:
            row.data = {
                "serial": v["serial"],
                "batch": v["batch"],
                "product_id": product.id,
                "customer_id": matches[0].id,
                "site": v["site"],
                **dates,
            }


def validate(kind: ImportKind, rows: list[Row]) -> list[Row]:
    """Check every row (required fields, formats, references, duplicates); sets ``errors``."""
    for row in rows:
        row.errors, row.data = {}, None
    {"customers": _validate_customers, "units": _validate_units}[kind.name](rows)
    return rows


# --- keeping an upload between preview and confirmation -------------------------------------


def _store_dir() -> Path:
    path = Path(current_app.config.get("IMPORT_DIR") or Path(current_app.config["INSTANCE_PATH"]) / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(upload: Upload) -> str:
    """Keep the rows under a new random token (and clear out old previews)."""
    directory = _store_dir()
    cutoff = time.time() - KEEP_SECONDS
    for old in directory.glob("*.json"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass
    token = secrets.token_urlsafe(24)
    payload = {
        "kind": upload.kind,
        "filename": upload.filename,
        "user_id": upload.user_id,
        "ignored_columns": upload.ignored_columns,
        "rows": [{"line": r.line, "values": r.values} for r in upload.rows],
    }
    (directory / f"{token}.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return token


def load(token: str, kind: ImportKind, user_id: int) -> Upload | None:
    """The stored upload, only for the user who made it and for the same kind."""
    if not TOKEN_RE.match(token or ""):
        return None
    path = _store_dir() / f"{token}.json"
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if payload.get("kind") != kind.name or payload.get("user_id") != user_id:
        return None
    rows = [Row(line=r["line"], values={k: str(v) for k, v in r["values"].items()}) for r in payload["rows"]]
    return Upload(kind.name, payload["filename"], user_id, rows, payload.get("ignored_columns", []))


def discard(token: str) -> None:
    if TOKEN_RE.match(token or ""):
        (_store_dir() / f"{token}.json").unlink(missing_ok=True)


def template_csv(kind: ImportKind, lang: str) -> bytes:
    """An empty template: the header row in Chinese or English, UTF-8 with BOM for Excel."""
    out = io.StringIO()
    csv.writer(out).writerow([c.zh if lang == "zh" else c.en for c in kind.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
