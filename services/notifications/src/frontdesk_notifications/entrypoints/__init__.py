"""Entrypoints: the Kafka subscriber and the HTTP ops API. They parse and hand on."""
