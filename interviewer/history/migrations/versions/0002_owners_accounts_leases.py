"""Accounts: each session's owner, users with a role, coach assignments; and the cross-process busy lease.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sessions", sa.Column("owner", sa.Text))
    op.create_index("ix_sessions_owner", "sessions", ["owner"])
    op.create_table(
        "users",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
    )
    op.create_table(
        "coaching",
        sa.Column("coach", sa.Text, sa.ForeignKey("users.name", ondelete="CASCADE"), nullable=False),
        sa.Column("candidate", sa.Text, sa.ForeignKey("users.name", ondelete="CASCADE"), nullable=False),
        sa.PrimaryKeyConstraint("coach", "candidate"),
    )
    op.create_table(
        "leases",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("holder", sa.Text, nullable=False),
        sa.Column("expires", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_table("coaching")
    op.drop_table("users")
    op.drop_index("ix_sessions_owner", "sessions")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("owner")
