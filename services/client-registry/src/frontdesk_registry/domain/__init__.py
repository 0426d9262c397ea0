"""The rules in plain Python: records and access states, proposals, merges, refusals."""
