"""Watch parties: a group picks a title with a native poll, the result, reminders."""
