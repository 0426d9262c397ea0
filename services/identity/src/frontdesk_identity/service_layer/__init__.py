"""Identity's use cases, one module per group: each opens a unit of work, loads, asks
the domain, records, queues its events and commits."""
