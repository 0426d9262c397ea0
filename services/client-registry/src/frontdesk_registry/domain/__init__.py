"""Client-registry's rules in plain Python: records, proposals, merges, access states."""
