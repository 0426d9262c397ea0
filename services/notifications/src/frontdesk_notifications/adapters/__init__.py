"""Adapters: the message log in PostgreSQL, the SMTP pool, templates and sealed tokens."""
