"""Use cases, one module per group: records and accounts, proposals, merges."""
