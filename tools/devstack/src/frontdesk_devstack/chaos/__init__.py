"""`make chaos`: crashes, outages and races under a steady load, and the enumeration
timings, against the running stack; each part counts what the APIs accepted against
what ended as an effect."""
