"""Who does what in the delivery procedure (DOMAIN.md §4 "Delivery"), as engine definitions.

Shipping note (F01): Sales issues it, the sales manager signs it (nobody signs their own), the
warehouse keeper checks every line against the goods and releases them with the hand-over
signature; Sales or Logistics records the customer's receipt (F02) with the quantities received
and the customer's signature. Transit damage/loss record (F03): Logistics determines who answers
for it and claims from the carrier; a Logistics or Quality manager closes it.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.permissions import Department, Role
from app.core.records.engine import Meaning, Transition, WorkflowDefinition, registry
from app.delivery.forms import AssessForm, ClaimForm, ReceiveForm, ReleaseForm, SettleForm
from app.delivery.models import (
    DamageState,
    DeliveryMethod,
    NoteState,
    Responsibility,
    ShippingNote,
    TransitDamageRecord,
)

S = NoteState
D = DamageState

SALES = {"departments": (Department.SALES,)}
SALES_MANAGER = {"roles": (Role.DEPT_MANAGER,), "departments": (Department.SALES,)}
WAREHOUSE = {"roles": (Role.WAREHOUSE_KEEPER,)}
RECEIPT = {"departments": (Department.SALES, Department.LOGISTICS)}
LOGISTICS = {"departments": (Department.LOGISTICS,)}
DAMAGE_MANAGER = {"roles": (Role.DEPT_MANAGER,), "departments": (Department.LOGISTICS, Department.QUALITY)}


def _name_of(model_path: str, attribute: str):
    """A formatter: the id stored in the history shown as the object's name."""

    def show(value):
        import importlib

        from app.extensions import db

        module, _sep, name = model_path.rpartition(".")
        obj = db.session.get(getattr(importlib.import_module(module), name), int(value))
        return getattr(obj, attribute) if obj is not None else value

    return show


def _title_of(enum_type):
    return lambda value: enum_type(value).title


def may_attach_to_note(user, note) -> bool:
    """Signatures and photos on a shipping note: Sales, Logistics and the warehouse."""
    from app.core.permissions import has_role, in_department

    return in_department(user, Department.SALES, Department.LOGISTICS) or has_role(
        user, Role.WAREHOUSE_KEEPER
    )


def _check_title(value):
    from app.delivery.models import LineCheck

    return LineCheck(value).title


SHIPPING_NOTE = registry.register(
    WorkflowDefinition(
        module="delivery",
        model=ShippingNote,
        form_key="F01",
        title=_l("Shipping note"),
        endpoint="delivery.detail",
        id_arg="note_id",
        print_templates={"F01": "delivery/print/shipping_note.html", "F02": "delivery/print/receipt.html"},
        states=NoteState,
        initial=S.DRAFT,
        read_only=frozenset({S.RECEIVED, S.CANCELLED}),
        closed=frozenset({S.RECEIVED, S.CANCELLED}),
        may_attach=may_attach_to_note,
        summary=lambda n: " · ".join(
            part
            for part in (
                str(n.customer or ""),
                n.planned_date.isoformat() if n.planned_date else "",
                ", ".join(f"{line.model} × {line.quantity}" for line in n.lines)[:80],
            )
            if part
        ),
        formatters={
            "customer_id": _name_of("app.core.masterdata.models.Customer", "name"),
            "delivery_method": _title_of(DeliveryMethod),
            "check_state": _check_title,
        },
        fields=(
            "customer_id",
            "site",
            "planned_date",
            "contact_name",
            "contact_phone",
            "delivery_method",
            "note",
            "carrier",
            "waybill_no",
            "vehicle_no",
            "driver_name",
            "driver_phone",
            "pickup_person",
            "receipt_number",
            "receiver_name",
            "received_at",
            "receipt_note",
        ),
        labels={
            "customer_id": _l("Customer"),
            "site": _l("Site"),
            "planned_date": _l("Delivery date"),
            "contact_name": _l("Consignee"),
            "contact_phone": _l("Consignee's phone"),
            "delivery_method": _l("Delivery method"),
            "note": _l("Note"),
            "carrier": _l("Carrier"),
            "waybill_no": _l("Waybill number"),
            "vehicle_no": _l("Vehicle"),
            "driver_name": _l("Driver"),
            "driver_phone": _l("Driver's phone"),
            "pickup_person": _l("Customer's representative"),
            "receipt_number": _l("Delivery receipt"),
            "receiver_name": _l("Received by (customer)"),
            "received_at": _l("Received at"),
            "receipt_note": _l("Remarks on receipt"),
            "receipt_signature_attachment_id": _l("Customer's signature"),
            "lines": _l("Lines"),
            "line": _l("Line"),
            "quantity": _l("Quantity"),
            "batch": _l("Batch number"),
            "serials": _l("Serial numbers"),
            "check_state": _l("Check against the goods"),
            "check_note": _l("What does not match"),
            "received_quantity": _l("Quantity received"),
            "damaged_quantity": _l("Quantity damaged"),
            "receipt_remark": _l("Remark"),
            "lines_checked": _l("Every line checked and matching the goods"),
            "delivery_details": _l("Delivery details (carrier, waybill, driver or representative)"),
            "handover_signature": _l("Signature of the driver or the customer's representative"),
            "receipt_quantities": _l("Quantity received on every line"),
            "receipt_signature": _l("Customer's signature on receipt (pad or signed sheet)"),
        },
        transitions=(
            Transition(
                "submit",
                _l("Submit for approval"),
                (S.DRAFT,),
                S.SUBMITTED,
                required=("customer_id", "planned_date", "delivery_method", "lines"),
                issues_number=True,
                **SALES,
            ),
            Transition(
                "discard",
                _l("Discard the draft"),
                (S.DRAFT,),
                S.CANCELLED,
                when=lambda user, n: user.id == n.created_by_id,
                style="outline-danger",
                **SALES,
            ),
            Transition(
                "approve",
                _l("Approve for release"),
                (S.SUBMITTED,),
                S.APPROVED,
                approval=Meaning.APPROVED,
                style="success",
                **SALES_MANAGER,
            ),
            Transition(
                "reject",
                _l("Send back to Sales"),
                (S.SUBMITTED,),
                S.DRAFT,
                approval=Meaning.APPROVED,
                rejects=True,
                style="outline-danger",
                **SALES_MANAGER,
            ),
            Transition(
                "release",
                _l("Release the goods"),
                (S.APPROVED,),
                S.RELEASED,
                required=("lines_checked", "delivery_method", "delivery_details", "handover_signature"),
                form=ReleaseForm,
                **WAREHOUSE,
            ),
            Transition(
                "receive",
                _l("Receipt confirmed"),
                (S.RELEASED,),
                S.RECEIVED,
                required=("receipt_quantities", "receipt_signature", "receiver_name", "received_at"),
                form=ReceiveForm,
                style="success",
                **RECEIPT,
            ),
            Transition(
                "cancel",
                _l("Cancel"),
                (S.SUBMITTED, S.APPROVED),
                S.CANCELLED,
                needs_reason=True,
                style="outline-danger",
                **SALES_MANAGER,
            ),
        ),
    )
)


OPEN_CLAIM = (D.ASSESSED, D.SETTLED, D.CLAIM_REJECTED)


def _may_close(user, record) -> bool:
    """A carrier's fault is claimed before the record closes."""
    return not (record.status == D.ASSESSED and record.responsibility == Responsibility.CARRIER)


DAMAGE = registry.register(
    WorkflowDefinition(
        module="delivery",
        model=TransitDamageRecord,
        form_key="F03",
        title=_l("Transit damage/loss record"),
        endpoint="delivery.damage_detail",
        id_arg="record_id",
        print_templates={"F03": "delivery/print/damage.html"},
        states=DamageState,
        initial=D.DRAFT,
        read_only=frozenset({D.CLOSED, D.VOID}),
        closed=frozenset({D.CLOSED, D.VOID}),
        summary=lambda r: " · ".join(
            part
            for part in (
                r.shipping_note.number if r.shipping_note else "",
                str(r.shipping_note.customer or "") if r.shipping_note else "",
                str(r.unit or ""),
                (r.description or "")[:60],
            )
            if part
        ),
        formatters={
            "responsibility": _title_of(Responsibility),
            "unit_id": _name_of("app.core.masterdata.models.Unit", "serial"),
        },
        fields=(
            "shipping_note_id",
            "unit_id",
            "source",
            "description",
            "reported_by_name",
            "reported_at",
            "reference",
            "carrier",
            "waybill_no",
            "responsibility",
            "responsibility_note",
            "claim_amount",
            "claim_reference",
            "settled_amount",
        ),
        labels={
            "shipping_note_id": _l("Shipping note"),
            "unit_id": _l("Unit"),
            "source": _l("Found"),
            "description": _l("Description"),
            "reported_by_name": _l("Reported by"),
            "reported_at": _l("Reported at"),
            "reference": _l("Reported on"),
            "carrier": _l("Carrier"),
            "waybill_no": _l("Waybill number"),
            "responsibility": _l("Responsibility"),
            "responsibility_note": _l("Findings"),
            "claim_amount": _l("Amount claimed"),
            "claim_reference": _l("Claim reference"),
            "settled_amount": _l("Amount settled"),
        },
        transitions=(
            Transition(
                "register",
                _l("Register"),
                (D.DRAFT,),
                D.REPORTED,
                required=("description",),
                issues_number=True,
            ),
            Transition(
                "assess",
                _l("Determine responsibility"),
                (D.REPORTED, D.ASSESSED),
                D.ASSESSED,
                required=("responsibility",),
                form=AssessForm,
                **LOGISTICS,
            ),
            Transition(
                "claim",
                _l("Claim from the carrier"),
                (D.ASSESSED,),
                D.CLAIMED,
                required=("claim_amount",),
                form=ClaimForm,
                when=lambda user, r: r.is_carrier_liable,
                **LOGISTICS,
            ),
            Transition(
                "settle",
                _l("Claim settled"),
                (D.CLAIMED,),
                D.SETTLED,
                required=("settled_amount",),
                form=SettleForm,
                style="success",
                **LOGISTICS,
            ),
            Transition(
                "claim_rejected",
                _l("Carrier rejects the claim"),
                (D.CLAIMED,),
                D.CLAIM_REJECTED,
                needs_reason=True,
                style="outline-danger",
                **LOGISTICS,
            ),
            Transition(
                "close",
                _l("Approve and close"),
                OPEN_CLAIM,
                D.CLOSED,
                approval=Meaning.APPROVED,
                when=_may_close,
                style="success",
                **DAMAGE_MANAGER,
            ),
            Transition(
                "void",
                _l("Void"),
                (D.CLOSED,),
                D.VOID,
                needs_reason=True,
                correction=True,
                roles=(Role.QUALITY_ADMIN,),
                style="danger",
            ),
        ),
    )
)
