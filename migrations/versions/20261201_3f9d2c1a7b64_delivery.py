"""delivery: shipping notes, delivery receipts, transit damage records; the shipped-unit trace

The delivery procedure (Q/SB-8.5.1): shipping notes (F01) with their lines and the serial
numbers of each line, the delivery receipt (F02) kept on the note, and transit damage/loss
records (F03) with the goods concerned. ``unit_shipment`` is the platform's trace of which
unit or batch went to which customer on which document, indexed for the lookups by batch,
serial, unit and customer (``app.core.traceability``).

Revision ID: 3f9d2c1a7b64
Revises: 6c631812e970
Create Date: 2026-12-01 22:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3f9d2c1a7b64"
down_revision = "6c631812e970"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "delivery_shipping_note",
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("site", sa.String(length=300), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=True),
        sa.Column("contact_name", sa.String(length=100), nullable=False),
        sa.Column("contact_phone", sa.String(length=50), nullable=False),
        sa.Column("delivery_method", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("carrier", sa.String(length=200), nullable=False),
        sa.Column("waybill_no", sa.String(length=64), nullable=False),
        sa.Column("vehicle_no", sa.String(length=32), nullable=False),
        sa.Column("driver_name", sa.String(length=100), nullable=False),
        sa.Column("driver_phone", sa.String(length=50), nullable=False),
        sa.Column("pickup_person", sa.String(length=100), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("handover_signature_attachment_id", sa.Integer(), nullable=True),
        sa.Column("receipt_number", sa.String(length=64), nullable=True),
        sa.Column("receipt_form_code", sa.String(length=64), nullable=True),
        sa.Column("receipt_form_revision", sa.String(length=16), nullable=True),
        sa.Column("receiver_name", sa.String(length=100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receipt_note", sa.Text(), nullable=False),
        sa.Column("receipt_signature_attachment_id", sa.Integer(), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=True),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("form_code", sa.String(length=64), nullable=False),
        sa.Column("form_revision", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision_no", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_delivery_shipping_note_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_delivery_shipping_note_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["controlled_document.id"],
            name=op.f("fk_delivery_shipping_note_form_id_controlled_document"),
        ),
        sa.ForeignKeyConstraint(
            ["released_by_id"], ["user.id"], name=op.f("fk_delivery_shipping_note_released_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["user.id"], name=op.f("fk_delivery_shipping_note_submitted_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_shipping_note")),
        sa.UniqueConstraint("number", name=op.f("uq_delivery_shipping_note_number")),
        sa.UniqueConstraint("receipt_number", name=op.f("uq_delivery_shipping_note_receipt_number")),
    )
    with op.batch_alter_table("delivery_shipping_note", schema=None) as batch_op:
        batch_op.create_index(
            "ix_delivery_shipping_note_customer_planned", ["customer_id", "planned_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_delivery_shipping_note_planned_date"), ["planned_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_delivery_shipping_note_status"), ["status"], unique=False)
        batch_op.create_index("ix_delivery_shipping_note_status_id", ["status", "id"], unique=False)

    op.create_table(
        "delivery_damage_record",
        sa.Column("shipping_note_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reported_by_name", sa.String(length=100), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("reference_url", sa.String(length=300), nullable=False),
        sa.Column("carrier", sa.String(length=200), nullable=False),
        sa.Column("waybill_no", sa.String(length=64), nullable=False),
        sa.Column("responsibility", sa.String(length=16), nullable=True),
        sa.Column("responsibility_note", sa.Text(), nullable=False),
        sa.Column("claim_amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("claim_reference", sa.String(length=64), nullable=False),
        sa.Column("settled_amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=True),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("form_code", sa.String(length=64), nullable=False),
        sa.Column("form_revision", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision_no", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_delivery_damage_record_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["controlled_document.id"],
            name=op.f("fk_delivery_damage_record_form_id_controlled_document"),
        ),
        sa.ForeignKeyConstraint(
            ["shipping_note_id"],
            ["delivery_shipping_note.id"],
            name=op.f("fk_delivery_damage_record_shipping_note_id_delivery_shipping_note"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["user.id"], name=op.f("fk_delivery_damage_record_submitted_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_delivery_damage_record_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_damage_record")),
        sa.UniqueConstraint("number", name=op.f("uq_delivery_damage_record_number")),
    )
    with op.batch_alter_table("delivery_damage_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delivery_damage_record_shipping_note_id"), ["shipping_note_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_delivery_damage_record_status"), ["status"], unique=False)
        batch_op.create_index("ix_delivery_damage_record_status_id", ["status", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_damage_record_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "delivery_shipping_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("batch", sa.String(length=64), nullable=False),
        sa.Column("check_state", sa.String(length=16), nullable=False),
        sa.Column("check_note", sa.String(length=500), nullable=False),
        sa.Column("checked_by_id", sa.Integer(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_quantity", sa.Integer(), nullable=True),
        sa.Column("damaged_quantity", sa.Integer(), nullable=True),
        sa.Column("receipt_remark", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["checked_by_id"], ["user.id"], name=op.f("fk_delivery_shipping_line_checked_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["delivery_shipping_note.id"],
            name=op.f("fk_delivery_shipping_line_note_id_delivery_shipping_note"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_delivery_shipping_line_product_id_product")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_shipping_line")),
    )
    with op.batch_alter_table("delivery_shipping_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_shipping_line_note_id"), ["note_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_delivery_shipping_line_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "unit_shipment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("batch", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=300), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document_type", sa.String(length=64), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("document_number", sa.String(length=64), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_unit_shipment_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_unit_shipment_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user.id"], name=op.f("fk_unit_shipment_recorded_by_id_user")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_unit_shipment_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_shipment")),
    )
    with op.batch_alter_table("unit_shipment", schema=None) as batch_op:
        batch_op.create_index("ix_unit_shipment_batch", ["batch", "shipped_at"], unique=False)
        batch_op.create_index("ix_unit_shipment_customer", ["customer_id", "shipped_at"], unique=False)
        batch_op.create_index("ix_unit_shipment_document", ["document_type", "document_id"], unique=False)
        batch_op.create_index("ix_unit_shipment_serial", ["serial", "shipped_at"], unique=False)
        batch_op.create_index("ix_unit_shipment_unit", ["unit_id", "shipped_at"], unique=False)

    op.create_table(
        "delivery_damage_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("identification", sa.String(length=500), nullable=False),
        sa.Column("shipped_quantity", sa.Integer(), nullable=False),
        sa.Column("received_quantity", sa.Integer(), nullable=False),
        sa.Column("damaged_quantity", sa.Integer(), nullable=False),
        sa.Column("remark", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["delivery_shipping_line.id"],
            name=op.f("fk_delivery_damage_item_line_id_delivery_shipping_line"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["delivery_damage_record.id"],
            name=op.f("fk_delivery_damage_item_record_id_delivery_damage_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_damage_item")),
    )
    with op.batch_alter_table("delivery_damage_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_damage_item_record_id"), ["record_id"], unique=False)

    op.create_table(
        "delivery_line_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["delivery_shipping_line.id"],
            name=op.f("fk_delivery_line_unit_line_id_delivery_shipping_line"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_delivery_line_unit_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_line_unit")),
        sa.UniqueConstraint("line_id", "serial", name="uq_delivery_line_unit_serial"),
    )
    with op.batch_alter_table("delivery_line_unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_line_unit_unit_id"), ["unit_id"], unique=False)


def downgrade():
    with op.batch_alter_table("delivery_line_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_line_unit_unit_id"))

    op.drop_table("delivery_line_unit")
    with op.batch_alter_table("delivery_damage_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_damage_item_record_id"))

    op.drop_table("delivery_damage_item")
    with op.batch_alter_table("unit_shipment", schema=None) as batch_op:
        batch_op.drop_index("ix_unit_shipment_unit")
        batch_op.drop_index("ix_unit_shipment_serial")
        batch_op.drop_index("ix_unit_shipment_document")
        batch_op.drop_index("ix_unit_shipment_customer")
        batch_op.drop_index("ix_unit_shipment_batch")

    op.drop_table("unit_shipment")
    with op.batch_alter_table("delivery_shipping_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_shipping_line_product_id"))
        batch_op.drop_index(batch_op.f("ix_delivery_shipping_line_note_id"))

    op.drop_table("delivery_shipping_line")
    with op.batch_alter_table("delivery_damage_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_damage_record_unit_id"))
        batch_op.drop_index("ix_delivery_damage_record_status_id")
        batch_op.drop_index(batch_op.f("ix_delivery_damage_record_status"))
        batch_op.drop_index(batch_op.f("ix_delivery_damage_record_shipping_note_id"))

    op.drop_table("delivery_damage_record")
    with op.batch_alter_table("delivery_shipping_note", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_shipping_note_status_id")
        batch_op.drop_index(batch_op.f("ix_delivery_shipping_note_status"))
        batch_op.drop_index(batch_op.f("ix_delivery_shipping_note_planned_date"))
        batch_op.drop_index("ix_delivery_shipping_note_customer_planned")

    op.drop_table("delivery_shipping_note")
