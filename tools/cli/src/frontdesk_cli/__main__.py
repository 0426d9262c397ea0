"""``python -m frontdesk_cli``: the same as the ``frontdesk`` command."""

from frontdesk_cli.app import main

main()
