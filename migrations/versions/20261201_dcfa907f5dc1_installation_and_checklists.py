"""installation and checklists

The installation procedure (Q/SB-8.5.2): the installation request (F01) with its units, which
also keeps the unboxing inspection (F03), the commissioning results, the training (F04) and the
customer's acceptance (F05) under their own numbers; the installation plan (F02). The platform's
checklists per product and purpose (commissioning, maintenance) with their items.

Revision ID: dcfa907f5dc1
Revises: 6c631812e970
Create Date: 2026-12-01 15:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "dcfa907f5dc1"
down_revision = "6c631812e970"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "checklist_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_checklist_template_product_id_product")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_template")),
        sa.UniqueConstraint("product_id", "purpose", name="uq_checklist_template_product_purpose"),
    )
    op.create_index(
        op.f("ix_checklist_template_product_id"), "checklist_template", ["product_id"], unique=False
    )
    op.create_table(
        "checklist_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text_zh", sa.String(length=300), nullable=False),
        sa.Column("text_en", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("low", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("high", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["checklist_template.id"],
            name=op.f("fk_checklist_item_template_id_checklist_template"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_item")),
    )
    op.create_index(op.f("ix_checklist_item_template_id"), "checklist_item", ["template_id"], unique=False)
    op.create_table(
        "installation_request",
        sa.Column("salesperson_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("site", sa.String(length=300), nullable=False),
        sa.Column("installation_date", sa.Date(), nullable=True),
        sa.Column("contact_name", sa.String(length=100), nullable=False),
        sa.Column("contact_phone", sa.String(length=50), nullable=False),
        sa.Column("site_ready", sa.Boolean(), nullable=False),
        sa.Column("site_ready_note", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("project_lead_id", sa.Integer(), nullable=True),
        sa.Column("inspected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sales_rep_id", sa.Integer(), nullable=True),
        sa.Column("logistics_rep_id", sa.Integer(), nullable=True),
        sa.Column("customer_rep", sa.String(length=100), nullable=False),
        sa.Column("packaging_damaged", sa.Boolean(), nullable=False),
        sa.Column("damaged_unit_id", sa.Integer(), nullable=True),
        sa.Column("damage_description", sa.Text(), nullable=False),
        sa.Column("damage_record_number", sa.String(length=64), nullable=True),
        sa.Column("damage_record_url", sa.String(length=300), nullable=True),
        sa.Column("contents_checked", sa.Boolean(), nullable=False),
        sa.Column("contents_note", sa.Text(), nullable=False),
        sa.Column("custody_ok", sa.Boolean(), nullable=True),
        sa.Column("custody_note", sa.Text(), nullable=False),
        sa.Column("inspection_number", sa.String(length=64), nullable=True),
        sa.Column("inspection_form_code", sa.String(length=64), nullable=True),
        sa.Column("inspection_form_revision", sa.String(length=16), nullable=True),
        sa.Column("commissioning", sa.JSON(), nullable=True),
        sa.Column("self_inspection", sa.Text(), nullable=False),
        sa.Column("trial_run", sa.Text(), nullable=False),
        sa.Column("trial_run_passed", sa.Boolean(), nullable=True),
        sa.Column("commissioned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trainer", sa.String(length=100), nullable=False),
        sa.Column("trainees", sa.JSON(), nullable=True),
        sa.Column("training_content", sa.Text(), nullable=False),
        sa.Column("training_hours", sa.Numeric(precision=5, scale=1), nullable=True),
        sa.Column("training_number", sa.String(length=64), nullable=True),
        sa.Column("training_form_code", sa.String(length=64), nullable=True),
        sa.Column("training_form_revision", sa.String(length=16), nullable=True),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("customer_signer", sa.String(length=100), nullable=False),
        sa.Column("acceptance_opinion", sa.Text(), nullable=False),
        sa.Column("customer_signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signature_attachment_id", sa.Integer(), nullable=True),
        sa.Column("signed_scan_attachment_id", sa.Integer(), nullable=True),
        sa.Column("acceptance_number", sa.String(length=64), nullable=True),
        sa.Column("acceptance_form_code", sa.String(length=64), nullable=True),
        sa.Column("acceptance_form_revision", sa.String(length=16), nullable=True),
        sa.Column("follow_up_note", sa.Text(), nullable=False),
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
            ["created_by_id"], ["user.id"], name=op.f("fk_installation_request_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_installation_request_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["damaged_unit_id"], ["unit.id"], name=op.f("fk_installation_request_damaged_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["controlled_document.id"],
            name=op.f("fk_installation_request_form_id_controlled_document"),
        ),
        sa.ForeignKeyConstraint(
            ["logistics_rep_id"], ["user.id"], name=op.f("fk_installation_request_logistics_rep_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["project_lead_id"], ["user.id"], name=op.f("fk_installation_request_project_lead_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["sales_rep_id"], ["user.id"], name=op.f("fk_installation_request_sales_rep_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["salesperson_id"], ["user.id"], name=op.f("fk_installation_request_salesperson_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["user.id"], name=op.f("fk_installation_request_submitted_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installation_request")),
        sa.UniqueConstraint("acceptance_number", name=op.f("uq_installation_request_acceptance_number")),
        sa.UniqueConstraint("inspection_number", name=op.f("uq_installation_request_inspection_number")),
        sa.UniqueConstraint("number", name=op.f("uq_installation_request_number")),
        sa.UniqueConstraint("training_number", name=op.f("uq_installation_request_training_number")),
    )
    op.create_index(
        op.f("ix_installation_request_customer_id"), "installation_request", ["customer_id"], unique=False
    )
    op.create_index(
        "ix_installation_request_lead_status",
        "installation_request",
        ["project_lead_id", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_installation_request_salesperson_id"),
        "installation_request",
        ["salesperson_id"],
        unique=False,
    )
    op.create_index(op.f("ix_installation_request_status"), "installation_request", ["status"], unique=False)
    op.create_index(
        "ix_installation_request_status_date",
        "installation_request",
        ["status", "installation_date"],
        unique=False,
    )
    op.create_table(
        "installation_plan",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("project_lead_id", sa.Integer(), nullable=True),
        sa.Column("team", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.Text(), nullable=False),
        sa.Column("work_plan", sa.Text(), nullable=False),
        sa.Column("quality_requirements", sa.Text(), nullable=False),
        sa.Column("safety_measures", sa.Text(), nullable=False),
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
            ["created_by_id"], ["user.id"], name=op.f("fk_installation_plan_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["controlled_document.id"],
            name=op.f("fk_installation_plan_form_id_controlled_document"),
        ),
        sa.ForeignKeyConstraint(
            ["project_lead_id"], ["user.id"], name=op.f("fk_installation_plan_project_lead_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["installation_request.id"],
            name=op.f("fk_installation_plan_request_id_installation_request"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["user.id"], name=op.f("fk_installation_plan_submitted_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installation_plan")),
        sa.UniqueConstraint("number", name=op.f("uq_installation_plan_number")),
    )
    op.create_index(
        op.f("ix_installation_plan_project_lead_id"), "installation_plan", ["project_lead_id"], unique=False
    )
    op.create_index(
        op.f("ix_installation_plan_request_id"), "installation_plan", ["request_id"], unique=False
    )
    op.create_index(op.f("ix_installation_plan_status"), "installation_plan", ["status"], unique=False)
    op.create_table(
        "installation_request_unit",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["installation_request.id"],
            name=op.f("fk_installation_request_unit_request_id_installation_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_installation_request_unit_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("request_id", "unit_id", name=op.f("pk_installation_request_unit")),
    )
    op.create_index(
        op.f("ix_installation_request_unit_unit_id"), "installation_request_unit", ["unit_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_installation_request_unit_unit_id"), table_name="installation_request_unit")
    op.drop_table("installation_request_unit")
    op.drop_index(op.f("ix_installation_plan_status"), table_name="installation_plan")
    op.drop_index(op.f("ix_installation_plan_request_id"), table_name="installation_plan")
    op.drop_index(op.f("ix_installation_plan_project_lead_id"), table_name="installation_plan")
    op.drop_table("installation_plan")
    op.drop_index("ix_installation_request_status_date", table_name="installation_request")
    op.drop_index(op.f("ix_installation_request_status"), table_name="installation_request")
    op.drop_index(op.f("ix_installation_request_salesperson_id"), table_name="installation_request")
    op.drop_index("ix_installation_request_lead_status", table_name="installation_request")
    op.drop_index(op.f("ix_installation_request_customer_id"), table_name="installation_request")
    op.drop_table("installation_request")
    op.drop_index(op.f("ix_checklist_item_template_id"), table_name="checklist_item")
    op.drop_table("checklist_item")
    op.drop_index(op.f("ix_checklist_template_product_id"), table_name="checklist_template")
    op.drop_table("checklist_template")
