"""outbox messages know what they are about (edition, invitation, registration, statement)

Revision ID: 6b1e0c4f2a91
Revises: 59fdfe9df5f9
Create Date: 2026-12-07 00:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6b1e0c4f2a91'
down_revision = "59fdfe9df5f9"
branch_labels = None
depends_on = None

_ABOUT = (('edition_id', 'editions'), ('invitation_id', 'invitations'),
          ('registration_id', 'registrations'), ('statement_id', 'statements'))


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        for column, table in _ABOUT:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_outbox_messages_{column}'), [column],
                                  unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_outbox_messages_{column}_{table}'),
                                        table, [column], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        for column, table in reversed(_ABOUT):
            batch_op.drop_constraint(batch_op.f(f'fk_outbox_messages_{column}_{table}'),
                                     type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_outbox_messages_{column}'))
            batch_op.drop_column(column)
