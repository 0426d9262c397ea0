"""Entrypoints: HTTP routes and Kafka subscribers. Parse, build a command, call a handler."""
