"""Merge the repair list indexes and the delivery procedure into one history.

Revision ID: 5a8c3e1f9b20
Revises: 9b1e4c7a2d30, 3f9d2c1a7b64
Create Date: 2026-12-01
"""

from __future__ import annotations

revision = "5a8c3e1f9b20"
down_revision = ("9b1e4c7a2d30", "3f9d2c1a7b64")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
