"""Deadline rules with no I/O: production calendars, policies, due dates."""
