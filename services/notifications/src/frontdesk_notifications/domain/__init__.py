"""The rules of notifications, in plain Python: which email an event asks for, whether a
queued message may still go out, and what a delivery attempt's outcome means."""
