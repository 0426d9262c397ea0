"""Benchmarks on the running local stack (`python -m frontdesk_devstack.bench`, `make bench`).

- `scenarios/`: each scenario measures one thing once and returns a `Row`
  (`scenarios.relay`: raw Kafka publishing, the outbox fill, the relay draining a
  backlog, end to end; `scenarios.emails`: raw SMTP, notifications' sender loop);
- `fixtures`: the stack's endpoints, throwaway topics and databases named after the run,
  a private devmail, deadlines against a hung phase;
- `suites`: a suite runs its scenarios over the repeats on fresh resources;
- `checks`: the relay's exactly-once check (every record read back);
- `report`: rows into repeats and a summary, and the table printed;
- `cli`: `[relay|emails] [options]`, `relay` when no suite is named.

What each figure means is in tools/devstack/README.md.
"""
