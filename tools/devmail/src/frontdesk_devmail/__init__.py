"""Frontdesk devmail: a development SMTP server that keeps every message it receives.

It shows them in a web inbox (``/``) and serves them to tests over a JSON API
(``/api/...``, client in ``frontdesk_devmail.client``). Run it with
``python -m frontdesk_devmail``; see tools/devmail/README.md.

Simulated delivery failures, for tests of the sending service, are chosen by
the recipient address:

- local part starting with ``reject550`` (``reject550.alice@example.test``):
  refused at RCPT with ``550 5.1.1 mailbox unavailable``, every time;
- local part starting with ``tempfail451``: refused at RCPT with
  ``451 4.3.0 try again later``, every time;
- ``POST /api/faults`` with ``{"recipient_prefix": "...", "code": 451,
  "message": "...", "times": 2, "stage": "rcpt"}``: the next ``times``
  recipients whose address starts with the prefix fail with that reply, at
  RCPT or (``"stage": "data"``) after the message data; ``DELETE /api/faults``
  clears them. See ``frontdesk_devmail.faults``.
"""

__version__ = "0.1.0"
