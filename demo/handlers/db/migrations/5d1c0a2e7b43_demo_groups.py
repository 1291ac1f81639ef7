"""demo groups

Revision 5d1c0a2e7b43, after 2ec495d65690: a data migration, so the hosts page has groups to
offer. An appliance that already has the first revision gets this at its next setup or start.
"""
from alembic import op
import sqlalchemy as sa

revision = "5d1c0a2e7b43"
down_revision = "2ec495d65690"
branch_labels = None
depends_on = None

groups = sa.table("groups", sa.column("id", sa.Integer), sa.column("name", sa.String))
NAMES = ["lab", "office", "servers"]


def upgrade() -> None:
    op.bulk_insert(groups, [{"name": name} for name in NAMES])


def downgrade() -> None:
    op.execute(groups.delete().where(groups.c.name.in_(NAMES)))
