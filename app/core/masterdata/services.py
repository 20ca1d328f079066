"""Changes to customers, products and units; each one leaves its audit entry.

Services flush but never commit and never read ``current_user``: the views, the import and
the demo seeding call them the same way.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from app.core.masterdata.models import Contact, Customer, Product, RegionClass, Unit
from app.core.records.audit import AuditAction, audit, diff, snapshot
from app.extensions import db

CUSTOMER_FIELDS = ["name", "region_class", "address", "phone", "notes"]
PRODUCT_FIELDS = ["model", "name", "warranty_months"]
UNIT_FIELDS = ["serial", "batch", "site", "production_date", "ship_date", "install_date"]


def serial_taken(serial: str, *, exclude: Unit | None = None) -> bool:
    """Serial numbers are unique whatever their letter case."""
    query = select(Unit.id).where(func.upper(Unit.serial) == serial.strip().upper())
    if exclude is not None and exclude.id is not None:
        query = query.where(Unit.id != exclude.id)
    return db.session.scalar(query.limit(1)) is not None


# --- customers ------------------------------------------------------------------------------


def _contact_summary(contacts) -> str:
    parts = []
    for c in contacts:
        extra = ", ".join(v for v in (c.position, c.phone, c.email) if v)
        parts.append(f"{c.name} ({extra})" if extra else c.name)
    return "; ".join(parts)


def _set_contacts(customer: Customer, contacts: list[dict]) -> None:
    """Update the contacts in place: known ids are edited, others added, missing ones removed."""
    existing = {c.id: c for c in customer.contacts}
    keep = []
    for data in contacts:
        contact = existing.get(data.get("id")) if data.get("id") is not None else None
        if contact is None:
            contact = Contact()
        contact.name = data["name"]
        contact.position = data.get("position") or ""
        contact.phone = data.get("phone") or ""
        contact.email = data.get("email") or ""
        keep.append(contact)
    customer.contacts = keep


def create_customer(data: dict, *, actor) -> Customer:
    """Add a customer with its contacts; the audit entry keeps the initial values."""
    customer = Customer(
        name=data["name"].strip(),
        region_class=RegionClass(data["region_class"]).value,
        address=data.get("address") or "",
        phone=data.get("phone") or "",
        notes=data.get("notes") or "",
    )
    _set_contacts(customer, data.get("contacts") or [])
    db.session.add(customer)
    db.session.flush()
    initial = snapshot(customer, CUSTOMER_FIELDS)
    if customer.contacts:
        initial["contacts"] = _contact_summary(customer.contacts)
    audit(AuditAction.CREATE, customer, actor=actor, changes=initial)
    return customer


def update_customer(customer: Customer, data: dict, *, actor) -> dict:
    """Change a customer and its contacts; returns the field differences it recorded."""
    before = _contact_summary(customer.contacts)
    customer.name = data["name"].strip()
    customer.region_class = RegionClass(data["region_class"]).value
    customer.address = data.get("address") or ""
    customer.phone = data.get("phone") or ""
    customer.notes = data.get("notes") or ""
    changes = diff(customer, CUSTOMER_FIELDS)
    _set_contacts(customer, data.get("contacts") or [])
    after = _contact_summary(customer.contacts)
    if after != before:
        changes["contacts"] = [before, after]
        # contacts live in their own table: touch the customer so its version moves on and a
        # second editor working from the old page is refused like any other stale save
        flag_modified(customer, "notes")
    if changes:
        audit(AuditAction.UPDATE, customer, actor=actor, changes=changes)
    db.session.flush()
    return changes


# --- products -------------------------------------------------------------------------------


def create_product(data: dict, *, actor) -> Product:
    product = Product(
        model=data["model"].strip(), name=data["name"].strip(), warranty_months=int(data["warranty_months"])
    )
    db.session.add(product)
    db.session.flush()
    audit(AuditAction.CREATE, product, actor=actor, changes=snapshot(product, PRODUCT_FIELDS))
    return product


def update_product(product: Product, data: dict, *, actor) -> dict:
    """Change a product; a new warranty length changes the warranty of all its units at once."""
    product.model = data["model"].strip()
    product.name = data["name"].strip()
    product.warranty_months = int(data["warranty_months"])
    changes = diff(product, PRODUCT_FIELDS)
    if changes:
        audit(AuditAction.UPDATE, product, actor=actor, changes=changes)
    db.session.flush()
    return changes


# --- units ----------------------------------------------------------------------------------


def _unit_labels(unit: Unit) -> dict:
    product = db.session.get(Product, unit.product_id) if unit.product_id else None
    customer = db.session.get(Customer, unit.customer_id) if unit.customer_id else None
    return {"product": str(product) if product else None, "customer": customer.name if customer else None}


def _apply_unit(unit: Unit, data: dict) -> None:
    unit.serial = data["serial"].strip()
    unit.batch = data.get("batch") or ""
    unit.product_id = data["product_id"]
    unit.customer_id = data.get("customer_id")
    unit.site = data.get("site") or ""
    unit.production_date = data.get("production_date")
    unit.ship_date = data.get("ship_date")
    unit.install_date = data.get("install_date")


def create_unit(data: dict, *, actor) -> Unit:
    """Register a unit; a serial taken meanwhile raises ``IntegrityError`` at the flush."""
    unit = Unit()
    _apply_unit(unit, data)
    db.session.add(unit)
    db.session.flush()
    initial = snapshot(unit, UNIT_FIELDS)
    initial.update(_unit_labels(unit))
    audit(AuditAction.CREATE, unit, actor=actor, changes=initial)
    return unit


def update_unit(unit: Unit, data: dict, *, actor) -> dict:
    """Change a unit; product and customer are recorded by name, not by id."""
    old_labels = _unit_labels(unit)
    _apply_unit(unit, data)
    changes = diff(unit, UNIT_FIELDS)
    new_labels = _unit_labels(unit)
    for key, old in old_labels.items():
        if old != new_labels[key]:
            changes[key] = [old, new_labels[key]]
    if changes:
        audit(AuditAction.UPDATE, unit, actor=actor, changes=changes)
    db.session.flush()
    db.session.expire(unit, ["product", "customer"])
    return changes


# --- import ---------------------------------------------------------------------------------


def import_customers(rows: list[dict], *, actor, filename: str) -> list[Customer]:
    """Create every customer of a checked file; one IMPORT entry names the file and the count."""
    customers = [create_customer(row, actor=actor) for row in rows]
    audit(
        AuditAction.IMPORT,
        actor=actor,
        object_type="customer",
        label=filename,
        changes={"count": len(customers), "file": filename},
    )
    db.session.flush()
    return customers


def import_units(rows: list[dict], *, actor, filename: str) -> list[Unit]:
    """Create every unit of a checked file; one IMPORT entry names the file and the count."""
    units = [create_unit(row, actor=actor) for row in rows]
    audit(
        AuditAction.IMPORT,
        actor=actor,
        object_type="unit",
        label=filename,
        changes={"count": len(units), "file": filename},
    )
    db.session.flush()
    return units
