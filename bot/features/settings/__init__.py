"""Per-chat and per-member settings: region, services, time zone, reminders, alerts."""
