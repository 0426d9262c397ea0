"""Entrypoints: HTTP routes, the consumer handler table and the expiry sweeper. Parse,
build a command, call a use case."""
