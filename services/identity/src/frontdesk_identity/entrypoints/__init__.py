"""HTTP routes and Kafka subscribers: parse, build a command, call a handler."""
