"""Frontdesk client-registry: studios' client records, merge proposals and merges."""
