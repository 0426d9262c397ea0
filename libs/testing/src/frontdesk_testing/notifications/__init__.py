"""Test doubles of notifications: in-memory units of work (and the repository contract that
runs on them and on PostgreSQL), for its unit tests and the integration tier."""
