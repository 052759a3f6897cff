"""Communication and the knowledge base (P7.1.1, P7.1.4, P7.1.5, P8.6): notices to staff in the
app and by e-mail with their delivery state, emergency phone calls recorded, versioned standard
operating procedures with per-version read receipts, new staff's online learning with reminders,
and the purge of communication records after their retention."""

from domain.knowledge import audience, calls, learning, notices, procedures, retention

__all__ = ["audience", "calls", "learning", "notices", "procedures", "retention"]
