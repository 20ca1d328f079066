"""The benchmark's shipping notes and maintenance plans, bulk-inserted (called by scripts/bench.py).

Both seeders write rows with ``db.session.execute(insert(Model), rows)`` in chunks. They create no
ORM objects per row and call no services per row, so the full volume (50 000 notes, 20 000 plans)
loads in well under a minute on PostgreSQL. The rows are what the real steps would have left:

- **Delivery**: shipping notes over five years in every state of the workflow. Each has 1–3 lines,
  picked from the seeded units (serial lines) or naming a seeded unit's batch (batch lines
  without serials). A unit appears on one note at most. A note goes to its units' customer.
  Released and received notes have their receipt (F02) number, lines checked, the hand-over
  details and the platform's ``unit_shipment`` rows. Received notes have the quantities
  received. About 1.5 % of the received notes have a transit damage record (F03), opened on
  receipt or at the unboxing inspection, in every state from reported to closed.
- **Maintenance**: plans in every plan state, with one unit or several of one customer. A unit is
  in one open plan at most. Active plans have visits: the last few occurrences (completed,
  or now and then cancelled), an overdue one now and then, and the next one when it falls
  within the scheduler's lead time (date to be agreed, or agreed). The due dates come from the
  plan's interval and the company calendar, the same as the scheduler's.

Numbers carry a ``-B-`` (``FH-B-202605-0000001``), so they never collide with numbers the
portal issues. They keep counting where an earlier run stopped.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

CHUNK = 5_000
UTC = dt.UTC

CARRIERS = ("德邦物流", "顺丰速运", "中通快运", "安能物流", "跨越速运", "百世快运")
DRIVERS = ("刘师傅", "马师傅", "张师傅", "王师傅", "陈师傅", "赵师傅")
CONTACTS = ("王经理", "李工", "张主任", "陈科长", "刘工", "周经理", "吴师傅", "孙工")
SITES = ("", "", "", "一号车间", "二号车间", "总装车间", "仓库收货处")

#: the share of notes in each state, out of 40 (received notes over five years, the rest recent)
NOTE_STATES = ["received"] * 32 + ["released"] * 2 + ["approved", "submitted", "draft"] + ["cancelled"] * 3
#: the share of plans in each state, out of 20
PLAN_STATES = ["active"] * 12 + ["ended"] * 4 + ["paused"] + ["submitted"] * 2 + ["draft"]
#: plan intervals (count, unit), as often as plans use them
INTERVALS = [(1, "months"), (3, "months"), (3, "months"), (3, "months"), (6, "months")]
INTERVALS += [(6, "months"), (12, "months"), (2, "weeks"), (4, "weeks")]
PARTS = (
    ("LF-100", "液压油滤芯"),
    ("BT-620", "同步带"),
    ("SW-24", "接近开关"),
    ("OIL-46", "46号抗磨液压油"),
    ("FU-10", "保险丝 10A"),
)


# --- helpers -------------------------------------------------------------------------------------------


def _new_ids(model, count: int) -> list[int]:
    """``count`` ids after the table's highest (the benchmark seeds alone: nobody else inserts)."""
    from sqlalchemy import func, select

    from app.extensions import db

    first = (db.session.scalar(select(func.max(model.id))) or 0) + 1
    return list(range(first, first + count))


def _insert(model, rows: list[dict], *, ids: bool = False) -> list[int]:
    """Insert ``rows`` in chunks; with ``ids``, give them new ids first, returned in their order.

    The ids are set here rather than returned by the database: an INSERT … RETURNING that keeps
    the order of its rows is about three times slower on PostgreSQL. Rows that come with ids
    move the table's sequence on, so the portal's own inserts carry on after them.
    ``render_nulls`` sends ``None`` as NULL instead of leaving the column out, so rows with
    blanks in different columns still go in one multi-row statement (else the ORM splits the
    batch at every change). A column that must stay SQL NULL where JSON would store ``null``
    is left out of the rows instead.
    """
    from sqlalchemy import func, insert, select, text

    from app.extensions import db

    new_ids = _new_ids(model, len(rows)) if ids else []
    if ids:
        for row, new_id in zip(rows, new_ids, strict=True):
            row["id"] = new_id
    statement = insert(model).execution_options(render_nulls=True)
    for start in range(0, len(rows), CHUNK):
        db.session.execute(statement, rows[start : start + CHUNK])
    if rows and "id" in rows[0] and db.engine.dialect.name == "postgresql":
        db.session.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"),
            {"table": model.__tablename__, "last": db.session.scalar(select(func.max(model.id)))},
        )
    return new_ids


def _next_number(column, prefix: str) -> int:
    """The first sequence number after the ones an earlier run of these seeders issued in ``column``."""
    from sqlalchemy import func, select

    from app.extensions import db

    return (db.session.scalar(select(func.count()).where(column.like(f"{prefix}-B-%"))) or 0) + 1


def _form(module: str, key: str):
    from app.core.records.engine.services import controlled_form

    form = controlled_form(module, key)
    if form is None:
        raise RuntimeError(f"form {key} of {module} is not in the register: run seed_register() first")
    return form


def _record(form, **values) -> dict:
    """The engine's columns of a record filed on ``form``, then ``values``."""
    row = {
        "number": None,
        "form_id": form.id,
        "form_code": form.code,
        "form_revision": form.revision,
        "status": None,
        "created_by_id": None,
        "created_at": None,
        "submitted_by_id": None,
        "submitted_at": None,
        "closed_at": None,
        "revision_no": 0,
        "version": 1,
    }
    row.update(values)
    return row


def _at(day: dt.date, rng, tz, first_hour: int = 8, last_hour: int = 16) -> dt.datetime:
    """A moment of working hours on ``day`` (company time), as UTC."""
    local = dt.datetime.combine(
        day, dt.time(rng.randint(first_hour, last_hour), rng.randrange(60)), tzinfo=tz
    )
    return local.astimezone(UTC)


def _ago(now: dt.datetime, rng, low: dt.timedelta, high: dt.timedelta) -> dt.datetime:
    return now - dt.timedelta(seconds=rng.uniform(low.total_seconds(), high.total_seconds()))


def _phone(rng) -> str:
    return f"13{rng.randrange(10)}{rng.randrange(10**8):08d}"


def _unit_details(units) -> dict[int, tuple]:
    """unit id → (serial, batch, product id, customer id, ship date) of the units given."""
    from sqlalchemy import select

    from app.core.masterdata.models import Unit
    from app.extensions import db

    wanted = {unit_id for unit_id, _customer_id in units}
    rows = db.session.execute(
        select(Unit.id, Unit.serial, Unit.batch, Unit.product_id, Unit.customer_id, Unit.ship_date)
    )
    return {row[0]: tuple(row[1:]) for row in rows if row[0] in wanted and row[4] is not None}


def _products() -> dict[int, tuple[str, str]]:
    from sqlalchemy import select

    from app.core.masterdata.models import Product
    from app.extensions import db

    return {
        pid: (model, name)
        for pid, model, name in db.session.execute(select(Product.id, Product.model, Product.name))
    }


class _Pool:
    """Units not taken yet: any of them, or one more of a customer (optionally of one product)."""

    def __init__(self, unit_ids, details, rng) -> None:
        self.free = list(unit_ids)
        rng.shuffle(self.free)
        self.used: set[int] = set()
        self.by_customer: dict[int, list[int]] = defaultdict(list)
        self.by_product: dict[tuple[int, int], list[int]] = defaultdict(list)
        for unit_id in self.free:
            _serial, _batch, product_id, customer_id, _ship = details[unit_id]
            self.by_customer[customer_id].append(unit_id)
            self.by_product[customer_id, product_id].append(unit_id)

    def _pop(self, candidates: list[int]) -> int | None:
        while candidates:
            unit_id = candidates.pop()
            if unit_id not in self.used:
                self.used.add(unit_id)
                return unit_id
        return None

    def any(self) -> int | None:
        return self._pop(self.free)

    def of_customer(self, customer_id: int, product_id: int | None = None) -> int | None:
        if product_id is None:
            return self._pop(self.by_customer[customer_id])
        return self._pop(self.by_product[customer_id, product_id])


class _CachedCalendar:
    """The company calendar, with its working-day roll remembered per day (plans ask it a lot)."""

    def __init__(self, calendar) -> None:
        self.calendar = calendar
        self._rolled: dict[tuple[dt.date, str], dt.date] = {}

    def roll(self, day: dt.date, direction: str = "forward") -> dt.date:
        key = (day, direction)
        if key not in self._rolled:
            self._rolled[key] = self.calendar.roll(day, direction)
        return self._rolled[key]


# --- delivery ------------------------------------------------------------------------------------------


def seed_delivery(count: int, *, rng, customer_ids, units, actor_id) -> int:
    """``count`` shipping notes with their lines, line units, traced shipments and a few transit
    damage records; returns how many notes were made. Commits."""
    from sqlalchemy import select

    from app.core.calendar.queries import company_timezone, company_today
    from app.core.masterdata.models import Customer
    from app.core.traceability import UnitShipment
    from app.delivery.models import (
        DamageItem,
        ShippingLine,
        ShippingLineUnit,
        ShippingNote,
        TransitDamageRecord,
    )
    from app.extensions import db

    tz, today, now = company_timezone(), company_today(), dt.datetime.now(UTC)
    note_form, receipt_form, damage_form = (_form("delivery", key) for key in ("F01", "F02", "F03"))
    details = _unit_details(units)
    products = _products()
    addresses = dict(db.session.execute(select(Customer.id, Customer.address)).all())
    # a unit already on a note (an earlier run) is neither shipped again nor held twice
    on_notes = set(
        db.session.scalars(select(ShippingLineUnit.unit_id).where(ShippingLineUnit.unit_id.is_not(None)))
    )
    pool = _Pool([u for u in details if u not in on_notes], details, rng)
    customer_units: dict[int, list[int]] = defaultdict(list)
    for unit_id, (_s, _b, _p, customer_id, _d) in details.items():
        customer_units[customer_id].append(unit_id)
    all_units = list(details)
    if not all_units:
        raise RuntimeError("seed_delivery needs seeded units at customers")
    oldest = today - dt.timedelta(days=5 * 365)

    states = [NOTE_STATES[i % len(NOTE_STATES)] for i in range(count)]
    rng.shuffle(states)
    notes = []
    for state in states:
        notes.append(_note_spec(state, rng, pool, details, customer_units, all_units, now, today, oldest, tz))
    notes.sort(key=lambda n: n["created_at"])

    # numbers in the order they were issued: the note's at submission, the receipt's at release
    n, r = _next_number(ShippingNote.number, "FH"), _next_number(ShippingNote.receipt_number, "QS")
    for note in notes:
        if note["submitted_at"] is not None:
            note["number"] = f"FH-B-{note['submitted_at'].astimezone(tz):%Y%m}-{n:07d}"
            n += 1
        if note["released_at"] is not None:
            note["receipt_number"] = f"QS-B-{note['released_at'].astimezone(tz):%Y%m}-{r:07d}"
            r += 1

    damaged = _choose_damage(notes, rng, now)
    rows = [_note_row(note, note_form, receipt_form, actor_id, rng) for note in notes]
    note_ids = _insert(ShippingNote, rows, ids=True)

    line_rows, line_specs = [], []
    for note, note_id in zip(notes, note_ids, strict=True):
        note["id"] = note_id
        for position, line in enumerate(note["lines"], 1):
            line_rows.append(_line_row(line, note, note_id, position, products, actor_id))
            line_specs.append(line)
    line_ids = _insert(ShippingLine, line_rows, ids=True)
    unit_rows = []
    for line, line_id in zip(line_specs, line_ids, strict=True):
        line["id"] = line_id
        unit_rows += [{"line_id": line_id, "serial": details[u][0], "unit_id": u} for u in line["units"]]
    _insert(ShippingLineUnit, unit_rows)

    shipments = []
    for note in notes:
        if note["released_at"] is None:
            continue
        site = note["site"] or addresses.get(note["customer_id"], "")
        for line in note["lines"]:
            items = [(u, details[u][0], details[u][1], 1) for u in line["units"]] or [
                (None, "", line["batch"], line["quantity"])
            ]
            for unit_id, serial, batch, quantity in items:
                shipments.append(
                    {
                        "unit_id": unit_id,
                        "serial": serial,
                        "batch": batch or "",
                        "product_id": line["product_id"],
                        "quantity": quantity,
                        "customer_id": note["customer_id"],
                        "site": site,
                        "shipped_at": note["released_at"],
                        "document_type": ShippingNote.__tablename__,
                        "document_id": note["id"],
                        "document_number": note["number"] or "",
                        "recorded_by_id": actor_id,
                        "recorded_at": note["released_at"],
                    }
                )
    _insert(UnitShipment, shipments)

    _seed_damage(
        damaged, damage_form, actor_id, rng, now, details, products, TransitDamageRecord, DamageItem, tz
    )
    db.session.commit()
    return len(notes)


def _note_spec(state, rng, pool, details, customer_units, all_units, now, today, oldest, tz) -> dict:
    """One note: its state, dates, customer and lines (unit ids), before any row is written."""
    day = dt.timedelta(days=1)
    first = pool.any()
    customer_id = details[first][3] if first is not None else details[rng.choice(all_units)][3]
    lines = []
    for position in range(rng.choices((1, 2, 3), (6, 3, 1))[0]):
        unit_id = first if position == 0 else (pool.of_customer(customer_id) if rng.random() < 0.5 else None)
        if unit_id is not None:
            product_id = details[unit_id][2]
            picked = [unit_id]
            for _ in range(rng.choices((0, 1, 2), (80, 15, 5))[0]):
                more = pool.of_customer(customer_id, product_id)
                if more is not None:
                    picked.append(more)
            lines.append({"product_id": product_id, "units": picked, "quantity": len(picked), "batch": ""})
        else:
            # goods without serial numbers, of the batch of one of the customer's units
            _serial, batch, product_id, _c, _d = details[rng.choice(customer_units[customer_id])]
            lines.append(
                {"product_id": product_id, "units": [], "quantity": rng.randint(1, 12), "batch": batch}
            )
    method = rng.choices(("carrier", "own_fleet", "pickup"), (5, 3, 2))[0]
    note = {
        "status": state,
        "customer_id": customer_id,
        "lines": lines,
        "method": method,
        "number": None,
        "receipt_number": None,
        "submitted_at": None,
        "released_at": None,
        "received_at": None,
        "closed_at": None,
        "close_reason": "",
        "sent_back": False,
    }
    if state in ("received", "released"):
        ship_date = details[first][4] if first is not None else None
        if state == "released":
            released = _ago(now, rng, dt.timedelta(hours=2), 4 * day)
        elif ship_date is not None and oldest <= ship_date <= today - 3 * day:
            released = _at(ship_date, rng, tz)  # the day the first unit was shipped
        else:
            released = _ago(now, rng, 3 * day, 5 * 365 * day)
        created = released - dt.timedelta(hours=rng.randint(4, 10 * 24))
        note.update(released_at=released, submitted_at=created + dt.timedelta(minutes=rng.randint(5, 240)))
        if state == "received":
            hours = 0 if method == "pickup" else rng.randint(6, 72)
            note["received_at"] = min(now, released + dt.timedelta(hours=hours, minutes=rng.randint(0, 59)))
            note["closed_at"] = note["received_at"]
        note["planned_date"] = released.astimezone(tz).date()
    elif state == "cancelled":
        created = _ago(now, rng, 2 * day, 5 * 365 * day)
        if rng.random() < 0.8:  # cancelled after submission, else a draft discarded
            note["submitted_at"] = created + dt.timedelta(minutes=rng.randint(5, 240))
        note["closed_at"] = created + dt.timedelta(hours=rng.randint(6, 96))
        note["close_reason"] = rng.choice(("客户推迟交货，订单取消", "合同变更，重新开单", "客户取消订单"))
        note["planned_date"] = (created + rng.randint(2, 20) * day).astimezone(tz).date()
    else:
        created = _ago(
            now, rng, dt.timedelta(hours=1), {"approved": 8, "submitted": 5, "draft": 14}[state] * day
        )
        if state != "draft" or rng.random() < 0.25:  # a draft sent back by the manager keeps its number
            note["submitted_at"] = min(now, created + dt.timedelta(minutes=rng.randint(5, 240)))
            note["sent_back"] = state == "draft"
        ahead = {"approved": (0, 7), "submitted": (1, 14), "draft": (3, 30)}[state]
        note["planned_date"] = today + rng.randint(*ahead) * day
        if state == "draft" and not note["sent_back"] and rng.random() < 0.3:
            note["planned_date"] = None  # not agreed with the customer yet
    note["created_at"] = created
    return note


def _choose_damage(notes, rng, now) -> list[tuple[dict, str]]:
    """A few received notes with transit damage: short or damaged on receipt (their lines say so),
    or packaging damage found at the unboxing. Mostly goods sent by a carrier; a third of them
    received in the last two months, so some records are still being followed up."""
    received = [n for n in notes if n["status"] == "received"]
    if not received:
        return []
    carried = [n for n in received if n["method"] == "carrier"] or received
    recent = [n for n in carried if now - n["received_at"] <= dt.timedelta(days=60)] or carried
    chosen: list[tuple[dict, str]] = []
    taken: set[int] = set()
    for source, share in (("receipt", 0.012), ("unboxing", 0.003)):
        for _ in range(max(1, round(len(received) * share))):
            note = rng.choice(rng.choices((recent, carried, received), (3, 5, 2))[0])
            if id(note) in taken or (
                source == "unboxing" and not any(line["units"] for line in note["lines"])
            ):
                continue
            taken.add(id(note))
            chosen.append((note, source))
            if source == "receipt":
                line = rng.choice(note["lines"])
                if line["quantity"] > 1 and rng.random() < 0.5:
                    line["short"] = rng.randint(1, min(2, line["quantity"] - 1))
                    line["remark"] = rng.choice(("少一箱", "到货件数与运单不符"))
                else:
                    line["damaged"] = 1
                    line["remark"] = rng.choice(("外箱破损", "木箱受潮变形", "设备外壳磕碰"))
                note["receipt_note"] = "收货时发现异常，已拍照留存并在签收单上注明"
    return chosen


def _note_row(note, form, receipt_form, actor_id, rng) -> dict:
    method, released = note["method"], note["released_at"] is not None
    handover = {
        "carrier": "",
        "waybill_no": "",
        "vehicle_no": "",
        "driver_name": "",
        "driver_phone": "",
        "pickup_person": "",
    }
    if released or (note["status"] == "approved" and rng.random() < 0.5):
        if method == "carrier":
            handover.update(
                carrier=rng.choice(CARRIERS),
                waybill_no=f"YD{rng.randrange(10**12):012d}",
                driver_name=rng.choice(DRIVERS),
                driver_phone=_phone(rng),
            )
        elif method == "own_fleet":
            handover.update(
                vehicle_no=f"苏E·{rng.choice('ABCDF')}{rng.randrange(10**4):04d}",
                driver_name=rng.choice(DRIVERS),
                driver_phone=_phone(rng),
            )
        else:
            handover.update(pickup_person=f"客户代表 {rng.choice(CONTACTS)}")
    draft_without = note["status"] == "draft" and not note["sent_back"] and note["planned_date"] is None
    note["carrier"], note["waybill_no"] = handover["carrier"], handover["waybill_no"]
    note["site"] = rng.choice(SITES)
    return _record(
        form,
        number=note["number"],
        status=note["status"],
        created_by_id=actor_id,
        created_at=note["created_at"],
        submitted_by_id=actor_id if note["submitted_at"] else None,
        submitted_at=note["submitted_at"],
        closed_at=note["closed_at"],
        customer_id=note["customer_id"],
        site=note["site"],
        planned_date=note["planned_date"],
        contact_name=rng.choice(CONTACTS),
        contact_phone=_phone(rng),
        delivery_method=None if draft_without else method,
        note=rng.choice(("", "", "请提前一天电话联系收货人", "随机附件及资料齐全", "需带叉车卸货")),
        **handover,
        released_at=note["released_at"],
        released_by_id=actor_id if released else None,
        handover_signature_attachment_id=None,
        receipt_number=note["receipt_number"],
        receipt_form_code=receipt_form.code if released else None,
        receipt_form_revision=receipt_form.revision if released else None,
        receiver_name=rng.choice(CONTACTS) if note["received_at"] else "",
        received_at=note["received_at"],
        receipt_note=note.get("receipt_note", ""),
        receipt_signature_attachment_id=None,
        close_reason=note["close_reason"],
    )


def _line_row(line, note, note_id, position, products, actor_id) -> dict:
    model, name = products[line["product_id"]]
    shipped = note["released_at"] is not None
    checked = shipped or (note["status"] == "approved" and position == 1)
    received = note["received_at"] is not None
    short, damaged = line.get("short", 0), line.get("damaged", 0)
    return {
        "note_id": note_id,
        "position": position,
        "product_id": line["product_id"],
        "model": model,
        "product_name": name,
        "quantity": line["quantity"],
        "batch": line["batch"],
        "check_state": "ok" if checked else "pending",
        "check_note": "",
        "checked_by_id": actor_id if checked else None,
        "checked_at": (note["released_at"] or note["submitted_at"]) - dt.timedelta(minutes=30)
        if checked
        else None,
        "received_quantity": line["quantity"] - short if received else None,
        "damaged_quantity": damaged if received else None,
        "receipt_remark": line.get("remark", "") if received else "",
    }


def _seed_damage(chosen, form, actor_id, rng, now, details, products, record_model, item_model, tz) -> None:
    """The transit damage records (F03) of the chosen notes and their items, in a state fitting
    their age: the old ones closed, the recent ones anywhere from reported to closed."""
    specs = []
    for note, source in chosen:
        if source == "receipt":
            reported = note["received_at"]
            lines = [line for line in note["lines"] if line.get("short") or line.get("damaged")]
            unit_id = None
        else:
            reported = min(now, note["received_at"] + dt.timedelta(days=rng.randint(1, 20)))
            lines = [next(line for line in note["lines"] if line["units"])]
            unit_id = lines[0]["units"][0]
        items = []
        for line in lines:
            model, name = products[line["product_id"]]
            identification = (
                ", ".join(details[u][0] for u in line["units"])
                if source == "receipt"
                else details[unit_id][0]
            )
            shipped = line["quantity"] if source == "receipt" else 1
            items.append(
                {
                    "line_id": line["id"],
                    "model": model,
                    "product_name": name,
                    "identification": (identification or line["batch"])[:500],
                    "shipped_quantity": shipped,
                    "received_quantity": shipped - line.get("short", 0),
                    "damaged_quantity": line.get("damaged", 0) if source == "receipt" else 1,
                    "remark": line.get("remark", "") if source == "receipt" else "开箱时发现包装破损",
                }
            )
        summary = "；".join(
            f"{i['model']}：发货 {i['shipped_quantity']}，"
            f"实收 {i['received_quantity']}，破损 {i['damaged_quantity']}"
            for i in items
        )
        if source == "receipt":
            description = f"{note['number']} 收货时：{summary}"
        else:
            description = f"开箱验收发现包装破损：{summary}"
        age = (now - reported).days
        carrier = note["method"] == "carrier"
        if age > 60:
            state = "closed"
        elif carrier:
            state = rng.choice(("reported", "assessed", "claimed", "settled", "claim_rejected", "closed"))
        else:
            state = rng.choice(("reported", "assessed", "closed"))
        responsibility = None
        if state != "reported":
            if state in ("claimed", "settled", "claim_rejected") or (carrier and rng.random() < 0.7):
                responsibility = "carrier"
            else:
                responsibility = rng.choice(
                    (
                        "own_fleet" if note["method"] == "own_fleet" else "warehouse",
                        "customer",
                        "undetermined",
                    )
                )
        claimed = responsibility == "carrier" and state in ("claimed", "settled", "claim_rejected", "closed")
        amount = Decimal(rng.randint(5, 400) * 100) if claimed else None
        settled = (
            (amount * Decimal("0.8")).quantize(Decimal("0.01"))
            if claimed and state in ("settled", "closed")
            else None
        )
        closed_at = min(now, reported + dt.timedelta(days=rng.randint(10, 45))) if state == "closed" else None
        specs.append(
            _record(
                form,
                status=state,
                created_by_id=actor_id,
                created_at=reported,
                submitted_by_id=actor_id,
                submitted_at=reported,
                closed_at=closed_at,
                shipping_note_id=note["id"],
                unit_id=unit_id,
                source=source,
                description=description,
                reported_by_name=rng.choice(CONTACTS) if source == "receipt" else "安装工程师",
                reported_at=reported,
                reference="",
                reference_url="",
                carrier=note["carrier"],
                waybill_no=note["waybill_no"],
                responsibility=responsibility,
                responsibility_note="经核查运输途中受损" if responsibility else "",
                claim_amount=amount,
                claim_reference=f"PC-{rng.randrange(10**8):08d}" if claimed else "",
                settled_amount=settled,
                close_reason="承运商拒赔：签收时未注明破损" if state == "claim_rejected" else "",
            )
        )
        specs[-1]["_items"] = items
    specs.sort(key=lambda row: row["reported_at"])
    n = _next_number(record_model.number, "YC")
    for row in specs:
        row["number"] = f"YC-B-{row['reported_at'].astimezone(tz):%Y%m}-{n:06d}"
        n += 1
    items_of = [row.pop("_items") for row in specs]
    ids = _insert(record_model, specs, ids=True)
    _insert(
        item_model,
        [{**item, "record_id": i} for i, items in zip(ids, items_of, strict=True) for item in items],
    )


# --- maintenance ---------------------------------------------------------------------------------------


def seed_maintenance(count: int, *, rng, customer_ids, units, actor_id) -> int:
    """``count`` maintenance plans with their units, and the visits of the active ones; returns how
    many plans were made. Commits."""
    from sqlalchemy import select

    from app.core.calendar.queries import company_calendar, company_timezone, company_today
    from app.extensions import db
    from app.maintenance.checklist import maintenance_template
    from app.maintenance.models import (
        OPEN_PLAN_STATES,
        MaintenancePlan,
        MaintenanceVisit,
        PlanUnit,
        VisitPart,
    )
    from app.maintenance.services import due_shift, engineers, lead_days, sales_people

    tz, today, now = company_timezone(), company_today(), dt.datetime.now(UTC)
    plan_form, visit_form = _form("maintenance", "F01"), _form("maintenance", "F02")
    calendar = _CachedCalendar(company_calendar())
    shift, lead = due_shift(), lead_days()
    details = _unit_details(units)
    products = _products()
    templates = {}
    for product_id in products:
        template = maintenance_template(product_id)
        templates[product_id] = (
            (template.id, template.title_zh, template.title_en) if template is not None else (None, "", "")
        )
    engineer_ids = [user.id for user in engineers()] or [actor_id]
    sales_ids = [user.id for user in sales_people()]
    # a unit already in an open plan (an earlier run) is not put in another one
    held = set(
        db.session.scalars(
            select(PlanUnit.unit_id)
            .join(MaintenancePlan, MaintenancePlan.id == PlanUnit.plan_id)
            .where(MaintenancePlan.status.in_([s.value for s in OPEN_PLAN_STATES]))
        )
    )
    pool = _Pool([u for u in details if u not in held], details, rng)
    customer_units: dict[int, list[int]] = defaultdict(list)
    for unit_id, (_s, _b, _p, customer_id, _d) in details.items():
        customer_units[customer_id].append(unit_id)
    all_units = list(details)
    if not all_units:
        raise RuntimeError("seed_maintenance needs seeded units at customers")

    states = [PLAN_STATES[i % len(PLAN_STATES)] for i in range(count)]
    rng.shuffle(states)
    plans = []
    for state in states:
        plan = _plan_spec(state, rng, pool, details, customer_units, all_units, now, today, tz)
        plan["interval"] = rng.choice(INTERVALS)
        plan["engineer_id"] = rng.choice(engineer_ids)
        _plan_dates(plan, rng, calendar, shift, lead, now, today, tz)
        plans.append(plan)
    plans.sort(key=lambda p: p["created_at"])
    n = _next_number(MaintenancePlan.number, "BY")
    rows = []
    for plan in plans:
        plan["number"] = f"BY-B-{plan['submitted_at'].astimezone(tz):%Y%m}-{n:07d}"
        n += 1
        count_, unit = plan["interval"]
        nxt = plan["next"]
        rows.append(
            _record(
                plan_form,
                number=plan["number"],
                status=plan["status"],
                created_by_id=actor_id,
                created_at=plan["created_at"],
                submitted_by_id=actor_id,
                submitted_at=plan["submitted_at"],
                closed_at=plan["closed_at"],
                customer_id=plan["customer_id"],
                scope="unit" if len(plan["units"]) == 1 else "customer",
                interval_count=count_,
                interval_unit=unit,
                start_date=plan["start_date"],
                engineer_id=plan["engineer_id"],
                sales_id=rng.choice(sales_ids) if sales_ids and rng.random() < 0.7 else None,
                contract_no=f"HT-{plan['submitted_at'].year}-{rng.randrange(10**5):05d}"
                if rng.random() < 0.6
                else "",
                note=rng.choice(("", "", "", "保修期内免费保养", "含易损件更换", "客户要求周末停机时保养")),
                next_seq=nxt[0] if nxt else 0,
                next_raw_date=nxt[1] if nxt else None,
                next_due_date=nxt[2] if nxt else None,
                last_visit_date=plan["last_visit_date"],
            )
        )
    plan_ids = _insert(MaintenancePlan, rows, ids=True)
    plan_units = []
    for plan, plan_id in zip(plans, plan_ids, strict=True):
        plan["id"] = plan_id
        for unit_id in plan["units"]:
            template_id = templates[details[unit_id][2]][0]
            plan_units.append({"plan_id": plan_id, "unit_id": unit_id, "checklist_template_id": template_id})
    _insert(PlanUnit, plan_units)

    visits = [visit for plan in plans for visit in plan["visits"]]
    visits.sort(key=lambda v: v["created_at"])
    n = _next_number(MaintenanceVisit.number, "BYJL")
    done, others = [], []
    for visit, visit_id in zip(visits, _new_ids(MaintenanceVisit, len(visits)), strict=True):
        plan = visit.pop("plan")
        visit["number"] = f"BYJL-B-{visit['created_at'].astimezone(tz):%Y%m}-{n:07d}"
        n += 1
        row = {"id": visit_id, **_visit_row(visit, plan, visit_form, details, products, templates, rng)}
        # an open or cancelled visit has no checklist: the column is left out, so it is SQL NULL
        (done if visit["status"] == "completed" else others).append(row)
    _insert(MaintenanceVisit, done)
    _insert(MaintenanceVisit, others)
    parts = []
    for row in done:
        if rng.random() < 0.25:
            for part_no, part_name in rng.sample(PARTS, rng.randint(1, 2)):
                warehouse = rng.random() < 0.4
                parts.append(
                    {
                        "visit_id": row["id"],
                        "part_no": part_no,
                        "part_name": part_name,
                        "quantity": rng.randint(1, 4),
                        "from_warehouse": warehouse,
                        "requested_at": row["completed_at"] - dt.timedelta(days=2) if warehouse else None,
                        "issued_at": row["completed_at"] - dt.timedelta(days=1) if warehouse else None,
                        "issued_by_id": actor_id if warehouse else None,
                    }
                )
    _insert(VisitPart, parts)
    db.session.commit()
    return len(plans)


def _plan_spec(state, rng, pool, details, customer_units, all_units, now, today, tz) -> dict:
    """One plan's state, customer and units: an open plan takes units in no other open plan."""
    first = pool.any() if state != "ended" else None
    if state != "ended" and first is None:
        state = "ended"  # every unit is in an open plan already: this one has ended
    if first is not None:
        customer_id = details[first][3]
        picked = [first]
        if rng.random() < 0.35:  # several units of the customer
            for _ in range(rng.randint(1, 3)):
                more = pool.of_customer(customer_id)
                if more is not None:
                    picked.append(more)
    else:
        customer_id = details[rng.choice(all_units)][3]
        own = customer_units[customer_id]
        picked = rng.sample(own, min(len(own), 1 if rng.random() < 0.65 else rng.randint(2, 4)))
    return {"status": state, "customer_id": customer_id, "units": picked, "visits": [], "closed_at": None}


def _plan_dates(plan, rng, calendar, shift, lead, now, today, tz) -> None:
    """Submission, start, next occurrence and (active plans) visits, by the plan's interval."""
    from app.maintenance import schedule

    day = dt.timedelta(days=1)
    state = plan["status"]
    if state in ("active", "paused"):
        submitted = _ago(now, rng, 10 * day, 4 * 365 * day)
    elif state == "ended":
        submitted = _ago(now, rng, 120 * day, 5 * 365 * day)
    else:
        submitted = _ago(now, rng, dt.timedelta(hours=1), (10 if state == "submitted" else 20) * day)
    submitted_day = submitted.astimezone(tz).date()
    if state in ("submitted", "draft"):
        start = today + rng.randint(7, 60) * day
    else:
        start = submitted_day + rng.randint(7, 45) * day
    plan.update(submitted_at=submitted, created_at=submitted - dt.timedelta(minutes=rng.randint(1, 30)))
    plan.update(start_date=start, last_visit_date=None)
    count, unit = plan["interval"]
    dates = schedule.due_dates(start, count, unit, calendar, shift)
    if state in ("submitted", "draft"):
        plan["next"] = next(dates)
        return
    if state == "ended":
        ended = min(now - day, submitted + rng.randint(90, 3 * 365) * day)
        plan["closed_at"] = ended
        plan["next"] = next(d for d in dates if d[2] >= ended.astimezone(tz).date())
        return
    if state == "paused":
        plan["next"] = next(d for d in dates if d[2] >= today)
        return
    past, upcoming = [], None
    for occurrence in dates:
        if occurrence[2] >= today:
            upcoming = occurrence
            break
        past.append(occurrence)
    history = past[-rng.randint(1, 4) :] if past else []
    overdue = bool(history) and (today - history[-1][2]).days <= 30 and rng.random() < 0.1
    for index, occurrence in enumerate(history):
        if overdue and index == len(history) - 1:
            status = rng.choice(("scheduled", "confirmed"))
        else:
            status = "completed" if rng.random() < 0.9 else "cancelled"
        plan["visits"].append(_visit_spec(plan, occurrence, status, rng, calendar, lead, now, today, tz))
    if overdue:
        plan["next"] = history[-1]
    else:
        plan["next"] = upcoming
        if upcoming[2] <= today + lead * day:  # the scheduler has opened it
            status = rng.choice(("scheduled", "confirmed"))
            plan["visits"].append(_visit_spec(plan, upcoming, status, rng, calendar, lead, now, today, tz))
    completed = [v for v in plan["visits"] if v["status"] == "completed"]
    if completed:
        plan["last_visit_date"] = completed[-1]["completed_at"].astimezone(tz).date()


def _visit_spec(plan, occurrence, status, rng, calendar, lead, now, today, tz) -> dict:
    seq, raw, due = occurrence
    opened = dt.datetime.combine(due - dt.timedelta(days=lead), dt.time(1, 0), tzinfo=tz).astimezone(UTC)
    opened = min(now, max(opened, plan["submitted_at"] + dt.timedelta(days=1)))
    visit = {
        "plan": plan,
        "status": status,
        "seq": seq,
        "raw_date": raw,
        "due_date": due,
        "created_at": opened,
        "appointment_date": None,
        "completed_at": None,
        "closed_at": None,
    }
    if status in ("confirmed", "completed"):
        agreed = calendar.roll(due - dt.timedelta(days=rng.randint(0, 4)), "backward")
        # agreed after the visit was opened, and not in the past for one still to come
        agreed = max(agreed, opened.astimezone(tz).date())
        if status == "confirmed" and due >= today:
            agreed = max(agreed, today)
        visit["appointment_date"] = agreed
    if status == "completed":
        visit["completed_at"] = min(now, _at(visit["appointment_date"], rng, tz, 9, 15))
        visit["closed_at"] = visit["completed_at"]
    elif status == "cancelled":
        visit["closed_at"] = min(now, _at(due + dt.timedelta(days=rng.randint(0, 5)), rng, tz))
    return visit


def _visit_row(visit, plan, form, details, products, templates, rng) -> dict:
    status = visit["status"]
    completed, agreed = status == "completed", visit["appointment_date"] is not None
    retrained = completed and rng.random() < 0.2
    row = _record(
        form,
        number=visit["number"],
        status=status,
        created_by_id=None,  # the scheduler opens visits
        created_at=visit["created_at"],
        submitted_by_id=None,
        submitted_at=visit["created_at"],
        closed_at=visit["closed_at"],
        plan_id=plan["id"],
        seq=visit["seq"],
        raw_date=visit["raw_date"],
        due_date=visit["due_date"],
        customer_id=plan["customer_id"],
        engineer_id=plan["engineer_id"],
        appointment_date=visit["appointment_date"],
        appointment_time=rng.choice(("09:00", "09:30", "10:00", "14:00")) if agreed else "",
        contact_name=rng.choice(CONTACTS) if agreed else "",
        contact_phone=_phone(rng) if agreed else "",
        appointment_note="客户停产检修，本次保养取消" if status == "cancelled" else "",
        findings=rng.choice(
            ("设备运行正常，已按检查表完成保养", "液压油略有污染，已更换滤芯", "同步带磨损，建议下次更换")
        )
        if completed
        else "",
        retraining_given=retrained,
        retraining_note="对操作工进行日常点检培训 30 分钟" if retrained else "",
        customer_signer=rng.choice(CONTACTS) if completed else "",
        customer_signed_at=visit["completed_at"],
        signature_attachment_id=None,
        signed_scan_attachment_id=None,
        completed_at=visit["completed_at"],
    )
    if completed:
        entries = []
        for unit_id in plan["units"]:
            serial, _batch, product_id, _c, _d = details[unit_id]
            template_id, title_zh, title_en = templates[product_id]
            model, name = products[product_id]
            entries.append(
                {
                    "unit_id": unit_id,
                    "serial": serial,
                    "product": f"{model} {name}",
                    "template_id": template_id,
                    "title_zh": title_zh,
                    "title_en": title_en,
                    "results": [],
                }
            )
        row["checklist_results"] = entries
    return row
