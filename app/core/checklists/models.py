"""Checklists per product and purpose: the commissioning checks of an installation, the items of
a maintenance visit. A procedure copies the items' texts and limits into the results it stores
on its record (:func:`app.core.checklists.services.read_results`), so a later change of the
template never changes a record already filled in.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import Versioned
from app.core.permissions import TitledEnum
from app.extensions import db

#: measured limits: up to 9 digits before the point and 3 after
LIMIT = Numeric(12, 3)


class ChecklistPurpose(TitledEnum):
    """What a checklist is used for; the procedure asks for its own purpose."""

    COMMISSIONING = "commissioning"
    MAINTENANCE = "maintenance"

    @classmethod
    def _titles(cls) -> dict:
        return {cls.COMMISSIONING: _l("Commissioning"), cls.MAINTENANCE: _l("Maintenance")}


class ItemKind(TitledEnum):
    """How an item is answered: passed or failed, or a measured value checked against its limits."""

    PASS_FAIL = "pass_fail"  # noqa: S105 — not a password
    MEASURED = "measured"

    @classmethod
    def _titles(cls) -> dict:
        return {cls.PASS_FAIL: _l("Pass / fail"), cls.MEASURED: _l("Measured value")}


class ChecklistTemplate(Versioned, db.Model):
    """The checklist of one product for one purpose (one per product and purpose)."""

    __tablename__ = "checklist_template"
    __table_args__ = (
        UniqueConstraint("product_id", "purpose", name="uq_checklist_template_product_purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    #: a :class:`ChecklistPurpose` value ("commissioning", "maintenance")
    purpose: Mapped[str] = mapped_column(String(32))
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    #: a template out of use is not offered to new records
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    product = relationship("Product", lazy="joined")
    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="template",
        cascade="all, delete-orphan",
        order_by=lambda: [ChecklistItem.position, ChecklistItem.id],
        lazy="selectin",
    )

    @property
    def purpose_title(self) -> str:
        try:
            return ChecklistPurpose(self.purpose).title
        except ValueError:
            return self.purpose

    def title(self, locale: str = "zh") -> str:
        return (self.title_en or self.title_zh) if str(locale).startswith("en") else self.title_zh

    def __str__(self) -> str:
        return f"{self.title_zh} {self.title_en}".strip()


class ChecklistItem(Versioned, db.Model):
    """One check: a text in both languages; a measured one has a unit and limits (either may be open)."""

    __tablename__ = "checklist_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("checklist_template.id", ondelete="CASCADE"), index=True
    )
    #: order on the form (ties: by id)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text_zh: Mapped[str] = mapped_column(String(300))
    text_en: Mapped[str] = mapped_column(String(300), default="")
    #: an :class:`ItemKind` value
    kind: Mapped[str] = mapped_column(String(16), default=ItemKind.PASS_FAIL.value)
    unit: Mapped[str] = mapped_column(String(16), default="")
    low: Mapped[Decimal | None] = mapped_column(LIMIT)
    high: Mapped[Decimal | None] = mapped_column(LIMIT)

    template: Mapped[ChecklistTemplate] = relationship(back_populates="items")

    @property
    def is_measured(self) -> bool:
        return self.kind == ItemKind.MEASURED

    @property
    def kind_title(self) -> str:
        return ItemKind(self.kind).title

    def text(self, locale: str = "zh") -> str:
        return (self.text_en or self.text_zh) if str(locale).startswith("en") else self.text_zh

    @property
    def limits_text(self) -> str:
        """ "0.5 – 1.2 mm", "≥ 0.5 MPa", "≤ 75 dB" (empty for pass/fail or no limits)."""
        return limits_text(self.kind, self.low, self.high, self.unit)

    def __str__(self) -> str:
        return self.text_zh


def plain_number(value) -> str:
    """``Decimal('0.500')`` → ``0.5``; ``12`` → ``12`` (limits as people write them)."""
    number = Decimal(str(value))
    text = format(number.normalize(), "f") if number == number.to_integral() else format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def limits_text(kind, low, high, unit) -> str:
    """The limits of an item (or of a stored result) in one short line."""
    if kind != ItemKind.MEASURED or (low is None and high is None):
        return ""
    unit = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"{plain_number(low)} – {plain_number(high)}{unit}"
    if low is not None:
        return f"≥ {plain_number(low)}{unit}"
    return f"≤ {plain_number(high)}{unit}"
