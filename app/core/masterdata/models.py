"""Customers, their contacts, products and units (DOMAIN.md §3)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import DDL, Date, ForeignKey, Index, Integer, String, Text, event, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import UTCDateTime, Versioned, utcnow
from app.core.permissions import TitledEnum
from app.extensions import db


class RegionClass(TitledEnum):
    """How far the customer is, which sets the on-site response time."""

    CITY = "city"
    PROVINCE = "province"
    REMOTE = "remote"

    @classmethod
    def _titles(cls) -> dict:
        return {cls.CITY: _l("City"), cls.PROVINCE: _l("Province"), cls.REMOTE: _l("Remote")}


class Customer(Versioned, db.Model):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    region_class: Mapped[RegionClass] = mapped_column(String(16), index=True)
    phone: Mapped[str] = mapped_column(String(50), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    contacts: Mapped[list[Contact]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="Contact.id"
    )
    units: Mapped[list[Unit]] = relationship(back_populates="customer")

    @property
    def region(self) -> RegionClass:
        return RegionClass(self.region_class)

    def __str__(self) -> str:
        return self.name


class Contact(db.Model):
    """A person to talk to at a customer."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(200), default="")

    customer: Mapped[Customer] = relationship(back_populates="contacts")

    def __str__(self) -> str:
        return self.name


class Product(Versioned, db.Model):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    warranty_months: Mapped[int] = mapped_column(Integer, default=12)

    units: Mapped[list[Unit]] = relationship(back_populates="product")

    def __str__(self) -> str:
        return f"{self.model} {self.name}"


class Unit(Versioned, db.Model):
    """One delivered (or deliverable) piece of equipment, identified by its serial number."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(64), unique=True)
    batch: Mapped[str] = mapped_column(String(64), default="", index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    site: Mapped[str] = mapped_column(String(300), default="")
    production_date: Mapped[dt.date | None] = mapped_column(Date)
    ship_date: Mapped[dt.date | None] = mapped_column(Date)
    install_date: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship(back_populates="units", lazy="joined")
    customer: Mapped[Customer | None] = relationship(back_populates="units", lazy="joined")

    def __str__(self) -> str:
        return self.serial


#: the type-ahead finds a serial by any part of it: trigrams on PostgreSQL (SQLite scans, and
#: the migrations' schema check skips an index built for one database only on the others)
Index(
    "ix_unit_serial_trgm",
    func.lower(Unit.serial).label("serial_lower"),
    postgresql_using="gin",
    postgresql_ops={"serial_lower": "gin_trgm_ops"},
    info={"only_on": "postgresql"},
).ddl_if(dialect="postgresql")
# a schema made from the models (the tests') needs the trigram operators too; migrations add them
event.listen(
    Unit.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)
