"""live sessions: sessions, bookings and waiting lists, attendance, calendar feeds

Revision ID: core_0002_live
Revises: core_0001
Create Date: 2026-11-25 11:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0002_live'
down_revision = 'core_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('live_calendar_feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_live_calendar_feeds_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_live_calendar_feeds_token_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_live_calendar_feeds_user_id'))
    )
    op.create_table('live_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=120), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('owner', sa.String(length=60), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('timezone', sa.String(length=60), nullable=False),
    sa.Column('online_url', sa.String(length=1000), nullable=True),
    sa.Column('venue', sa.String(length=300), nullable=True),
    sa.Column('access_notes', sa.Text(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('booking_deadline', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('cancel_reason', sa.String(length=300), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('scheduled', 'cancelled')", name=op.f('ck_live_sessions_status_known')),
    sa.CheckConstraint('capacity IS NULL OR capacity >= 0', name=op.f('ck_live_sessions_capacity_not_negative')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_live_sessions_ends_after_start')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_live_sessions_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_live_sessions_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_sessions')),
    sa.UniqueConstraint('uid', name=op.f('uq_live_sessions_uid'))
    )
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_sessions_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index('ix_live_sessions_owner', ['owner', 'owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_sessions_starts_at'), ['starts_at'], unique=False)

    op.create_table('live_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('promoted_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('booked', 'waitlisted', 'cancelled')", name=op.f('ck_live_bookings_status_known')),
    sa.CheckConstraint('user_id IS NOT NULL OR name IS NOT NULL', name=op.f('ck_live_bookings_someone')),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], name=op.f('fk_live_bookings_booked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['live_sessions.id'], name=op.f('fk_live_bookings_session_id_live_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_live_bookings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_bookings')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_live_bookings_session_id_user_id'))
    )
    with op.batch_alter_table('live_bookings', schema=None) as batch_op:
        batch_op.create_index('ix_live_bookings_queue', ['session_id', 'status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_bookings_user_id'), ['user_id'], unique=False)

    op.create_table('live_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('present', 'partial', 'absent', 'excused')", name=op.f('ck_live_attendance_status_known')),
    sa.ForeignKeyConstraint(['booking_id'], ['live_bookings.id'], name=op.f('fk_live_attendance_booking_id_live_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_live_attendance_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['live_sessions.id'], name=op.f('fk_live_attendance_session_id_live_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_attendance')),
    sa.UniqueConstraint('session_id', 'booking_id', name=op.f('uq_live_attendance_session_id_booking_id'))
    )
    with op.batch_alter_table('live_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_attendance_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_attendance_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('live_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_attendance_session_id'))
        batch_op.drop_index(batch_op.f('ix_live_attendance_booking_id'))

    op.drop_table('live_attendance')
    with op.batch_alter_table('live_bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_bookings_user_id'))
        batch_op.drop_index('ix_live_bookings_queue')

    op.drop_table('live_bookings')
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_sessions_starts_at'))
        batch_op.drop_index('ix_live_sessions_owner')
        batch_op.drop_index(batch_op.f('ix_live_sessions_cohort_id'))

    op.drop_table('live_sessions')
    op.drop_table('live_calendar_feeds')
