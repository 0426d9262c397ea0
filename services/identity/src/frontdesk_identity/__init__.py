"""Frontdesk's identity service: accounts, emails, usernames, credentials, tokens, sessions."""
