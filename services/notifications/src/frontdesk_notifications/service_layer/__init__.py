"""The use cases, one module per group: queueing the emails events ask for, sending and
settling them, ops' resends, and the ops API's queries. Each opens a unit of work,
loads, asks the domain, records and commits."""
