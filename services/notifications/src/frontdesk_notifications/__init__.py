"""Frontdesk's notifications service.

Consumes identity's events, queues the emails they ask for in
its own outgoing-message log (once per event and kind of email), delivers them over
SMTP from a sender loop, and publishes what became of each message (EmailSent,
EmailFailed, EmailSuppressed) through its outbox.
"""
