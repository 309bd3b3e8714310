"""Live sessions: scheduling, booking with a waiting list, attendance registers and calendars.

A core service used by cohorts and, through ``lms.live.services``, by plugins with their own
owners (a network, a programme). See docs/live-sessions.md.
"""
