"""Benchmarks on the running local stack (`python -m frontdesk_devstack.bench`, `make bench`).

- `stack` (the default, `make bench`): issue #13's scenarios against the stack `make up`
  started (`stack`: the suite; `scenarios.imports`, `.resets`, `.replay`, `.logins`,
  `.baselines`), one table (`table`), results as JSON and Markdown under `.local/bench/`
  (`results`); `stats` is its arithmetic, `stackio` how it reads the stack (endpoints,
  counts in the services' databases, the dev inbox), `config_options` its options;
- `relay`: the kit's outbox relay against raw aiokafka (`scenarios.relay`, `suites`,
  `checks`, `report`);
- `emails`: notifications' sender loop against raw aiosmtplib (`scenarios.emails`);
- `fixtures`: throwaway topics and databases named after the run, a private devmail,
  deadlines against a hung phase;
- `cli`: `[stack|relay|emails] [options]`, `stack` when no suite is named.

What each figure means is in tools/devstack/README.md.
"""
