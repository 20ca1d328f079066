"""Merge installation (with the platform checklists) and maintenance into one history.

Revision ID: 7c4e2a9d1b50
Revises: 5a8c3e1f9b20, dcfa907f5dc1, 4d2b7f9a1c6e
Create Date: 2026-12-01
"""

from __future__ import annotations

revision = "7c4e2a9d1b50"
down_revision = ("5a8c3e1f9b20", "dcfa907f5dc1", "4d2b7f9a1c6e")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
