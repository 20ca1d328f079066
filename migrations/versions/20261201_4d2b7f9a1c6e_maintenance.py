"""maintenance: plans (F01), their units, visits (F02) and the parts used on them

Revision ID: 4d2b7f9a1c6e
Revises: 6c631812e970
Create Date: 2026-12-01 14:30:00.000000

Reviewed by hand against app/maintenance/models.py. The unique (plan_id, due_date) of
maintenance_visit is what the scheduler's insert-or-skip relies on. The checklist template of a
plan's unit is a plain integer, not a foreign key: the checklist tables come with another branch
of this head, and a removed template must leave the plan readable.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4d2b7f9a1c6e"
down_revision = "6c631812e970"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "maintenance_plan",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("interval_count", sa.Integer(), nullable=False),
        sa.Column("interval_unit", sa.String(length=8), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("engineer_id", sa.Integer(), nullable=True),
        sa.Column("sales_id", sa.Integer(), nullable=True),
        sa.Column("contract_no", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("next_seq", sa.Integer(), nullable=False),
        sa.Column("next_raw_date", sa.Date(), nullable=True),
        sa.Column("next_due_date", sa.Date(), nullable=True),
        sa.Column("last_visit_date", sa.Date(), nullable=True),
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
            ["created_by_id"], ["user.id"], name=op.f("fk_maintenance_plan_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_maintenance_plan_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["engineer_id"], ["user.id"], name=op.f("fk_maintenance_plan_engineer_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["controlled_document.id"],
            name=op.f("fk_maintenance_plan_form_id_controlled_document"),
        ),
        sa.ForeignKeyConstraint(["sales_id"], ["user.id"], name=op.f("fk_maintenance_plan_sales_id_user")),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["user.id"], name=op.f("fk_maintenance_plan_submitted_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_plan")),
        sa.UniqueConstraint("number", name=op.f("uq_maintenance_plan_number")),
    )

    with op.batch_alter_table("maintenance_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_maintenance_plan_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_maintenance_plan_engineer_id"), ["engineer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_maintenance_plan_status"), ["status"], unique=False)
        batch_op.create_index("ix_maintenance_plan_status_due", ["status", "next_due_date"], unique=False)

    op.create_table(
        "maintenance_plan_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("checklist_template_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["maintenance_plan.id"],
            name=op.f("fk_maintenance_plan_unit_plan_id_maintenance_plan"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_maintenance_plan_unit_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_plan_unit")),
        sa.UniqueConstraint("plan_id", "unit_id", name="uq_maintenance_plan_unit"),
    )

    with op.batch_alter_table("maintenance_plan_unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_maintenance_plan_unit_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_maintenance_plan_unit_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "maintenance_visit",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("raw_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("engineer_id", sa.Integer(), nullable=True),
        sa.Column("appointment_date", sa.Date(), nullable=True),
        sa.Column("appointment_time", sa.String(length=5), nullable=False),
        sa.Column("contact_name", sa.String(length=100), nullable=False),
        sa.Column("contact_phone", sa.String(length=50), nullable=False),
        sa.Column("appointment_note", sa.Text(), nullable=False),
        sa.Column("checklist_results", sa.JSON(), nullable=True),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("retraining_given", sa.Boolean(), nullable=False),
        sa.Column("retraining_note", sa.Text(), nullable=False),
        sa.Column("customer_signer", sa.String(length=100), nullable=False),
        sa.Column("customer_signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signature_attachment_id", sa.Integer(), nullable=True),
        sa.Column("signed_scan_attachment_id", sa.Integer(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
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
            ["created_by_id"], ["user.id"], name=op.f("fk_maintenance_visit_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_maintenance_visit_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["engineer_id"], ["user.id"], name=op.f("fk_maintenance_visit_engineer_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["controlled_document.id"],
            name=op.f("fk_maintenance_visit_form_id_controlled_document"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["maintenance_plan.id"], name=op.f("fk_maintenance_visit_plan_id_maintenance_plan")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["user.id"], name=op.f("fk_maintenance_visit_submitted_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_visit")),
        sa.UniqueConstraint("number", name=op.f("uq_maintenance_visit_number")),
        sa.UniqueConstraint("plan_id", "due_date", name="uq_maintenance_visit_plan_due"),
    )

    with op.batch_alter_table("maintenance_visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_maintenance_visit_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index("ix_maintenance_visit_engineer_status", ["engineer_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_maintenance_visit_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_maintenance_visit_status"), ["status"], unique=False)
        batch_op.create_index("ix_maintenance_visit_status_due", ["status", "due_date"], unique=False)

    op.create_table(
        "maintenance_visit_part",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("part_no", sa.String(length=64), nullable=False),
        sa.Column("part_name", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("from_warehouse", sa.Boolean(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["user.id"], name=op.f("fk_maintenance_visit_part_issued_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["maintenance_visit.id"],
            name=op.f("fk_maintenance_visit_part_visit_id_maintenance_visit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_visit_part")),
    )

    with op.batch_alter_table("maintenance_visit_part", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_maintenance_visit_part_part_no"), ["part_no"], unique=False)
        batch_op.create_index(batch_op.f("ix_maintenance_visit_part_visit_id"), ["visit_id"], unique=False)


def downgrade():
    with op.batch_alter_table("maintenance_visit_part", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_visit_part_visit_id"))
        batch_op.drop_index(batch_op.f("ix_maintenance_visit_part_part_no"))

    op.drop_table("maintenance_visit_part")

    with op.batch_alter_table("maintenance_visit", schema=None) as batch_op:
        batch_op.drop_index("ix_maintenance_visit_status_due")
        batch_op.drop_index(batch_op.f("ix_maintenance_visit_status"))
        batch_op.drop_index(batch_op.f("ix_maintenance_visit_plan_id"))
        batch_op.drop_index("ix_maintenance_visit_engineer_status")
        batch_op.drop_index(batch_op.f("ix_maintenance_visit_customer_id"))

    op.drop_table("maintenance_visit")

    with op.batch_alter_table("maintenance_plan_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_plan_unit_unit_id"))
        batch_op.drop_index(batch_op.f("ix_maintenance_plan_unit_plan_id"))

    op.drop_table("maintenance_plan_unit")

    with op.batch_alter_table("maintenance_plan", schema=None) as batch_op:
        batch_op.drop_index("ix_maintenance_plan_status_due")
        batch_op.drop_index(batch_op.f("ix_maintenance_plan_status"))
        batch_op.drop_index(batch_op.f("ix_maintenance_plan_engineer_id"))
        batch_op.drop_index(batch_op.f("ix_maintenance_plan_customer_id"))

    op.drop_table("maintenance_plan")
