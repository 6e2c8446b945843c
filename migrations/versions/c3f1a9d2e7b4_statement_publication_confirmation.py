"""statement revisions record the confirmation they were published with

Revision ID: c3f1a9d2e7b4
Revises: 88e22ab3bb81
Create Date: 2026-12-06 21:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3f1a9d2e7b4'
down_revision = '88e22ab3bb81'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('statement_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publication_confirmation', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('statement_revisions', schema=None) as batch_op:
        batch_op.drop_column('publication_confirmation')
