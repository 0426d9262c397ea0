"""Adapters: the PostgreSQL store and units of work, their in-memory twin and the
contract both meet, and the verification of identity's access tokens."""
