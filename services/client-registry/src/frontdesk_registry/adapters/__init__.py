"""Adapters: PostgreSQL repository and key handling for tokens and gateway assertions."""
