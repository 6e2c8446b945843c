"""registrations: one index on (edition_id, id) for the roster's order, instead of the
index on edition_id alone (which it also serves)

Revision ID: a7c3e91d5b20
Revises: 6b1e0c4f2a91
Create Date: 2026-12-07 03:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7c3e91d5b20'
down_revision = '6b1e0c4f2a91'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('ix_registrations_edition_id_id', ['edition_id', 'id'],
                              unique=False)
        batch_op.drop_index('ix_registrations_edition_id')


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('ix_registrations_edition_id', ['edition_id'], unique=False)
        batch_op.drop_index('ix_registrations_edition_id_id')
