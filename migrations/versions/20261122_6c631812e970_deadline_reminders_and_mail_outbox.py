"""deadline reminders and mail outbox

Each deadline gets its reminder point (``remind_at``), filled in for the deadlines already
started at 80 % of the way to due (the default ``REMINDER_FRACTION``); two partial indexes
hold the open deadlines still waiting for a reminder or an escalation. The mail outbox keeps
every e-mail until a worker has delivered it.

Revision ID: 6c631812e970
Revises: 7eab2ffe68b4
Create Date: 2026-11-22 22:37:34.519267

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6c631812e970"
down_revision = "7eab2ffe68b4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_mail_outbox_user_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_mail_outbox_key")),
    )
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mail_outbox_unsent",
            ["created_at"],
            unique=False,
            postgresql_where=sa.text("sent_at IS NULL"),
            sqlite_where=sa.text("sent_at IS NULL"),
        )

    with op.batch_alter_table("record_deadline", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True))

    deadline = sa.table(
        "record_deadline",
        sa.column("id", sa.Integer()),
        sa.column("started_at", sa.DateTime(timezone=True)),
        sa.column("due_at", sa.DateTime(timezone=True)),
        sa.column("remind_at", sa.DateTime(timezone=True)),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(deadline.c.id, deadline.c.started_at, deadline.c.due_at)).all()
    for row in rows:
        started, due = row.started_at, row.due_at
        remind = started + (due - started) * 0.8 if due > started else due
        conn.execute(deadline.update().where(deadline.c.id == row.id).values(remind_at=remind))

    with op.batch_alter_table("record_deadline", schema=None) as batch_op:
        batch_op.alter_column("remind_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_index(
            "ix_record_deadline_to_escalate",
            ["stopped_at", "escalated_at", "due_at"],
            unique=False,
            postgresql_where=sa.text("stopped_at IS NULL AND escalated_at IS NULL"),
            sqlite_where=sa.text("stopped_at IS NULL AND escalated_at IS NULL"),
        )
        batch_op.create_index(
            "ix_record_deadline_to_remind",
            ["stopped_at", "reminded_at", "remind_at"],
            unique=False,
            postgresql_where=sa.text("stopped_at IS NULL AND reminded_at IS NULL"),
            sqlite_where=sa.text("stopped_at IS NULL AND reminded_at IS NULL"),
        )


def downgrade():
    with op.batch_alter_table("record_deadline", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_record_deadline_to_remind",
            postgresql_where=sa.text("stopped_at IS NULL AND reminded_at IS NULL"),
            sqlite_where=sa.text("stopped_at IS NULL AND reminded_at IS NULL"),
        )
        batch_op.drop_index(
            "ix_record_deadline_to_escalate",
            postgresql_where=sa.text("stopped_at IS NULL AND escalated_at IS NULL"),
            sqlite_where=sa.text("stopped_at IS NULL AND escalated_at IS NULL"),
        )
        batch_op.drop_column("remind_at")

    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_mail_outbox_unsent",
            postgresql_where=sa.text("sent_at IS NULL"),
            sqlite_where=sa.text("sent_at IS NULL"),
        )

    op.drop_table("mail_outbox")
