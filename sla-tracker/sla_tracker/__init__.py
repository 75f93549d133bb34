"""sla-tracker: the legal clocks of appeals (deadlines, pauses, warnings, escalation)."""
