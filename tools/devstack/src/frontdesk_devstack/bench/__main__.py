"""`python -m frontdesk_devstack.bench`: see `frontdesk_devstack.bench.cli`."""

import sys

from .cli import main

sys.exit(main())
