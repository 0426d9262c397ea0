"""Identity's rules in plain Python: no database driver, no framework."""
