"""Identity's consumer handlers, by event type; the kit's runtime subscribes them to the
topics the catalogue lists for identity's group and skips (counts) every other type."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from pydantic import BaseModel

from frontdesk_contracts import (
    ClientImported,
    ClientsImportedBatch,
    ClientsMerged,
    EmailFailed,
    EmailSent,
    EmailSuppressed,
)
from frontdesk_kit import Batch
from frontdesk_kit.runtime import Handler

from ..service_layer import events
from ..service_layer.deps import Deps


def event_handlers(deps: Deps) -> Mapping[type[BaseModel], Handler]:
    """The use case of each event type identity acts on."""
    imports = Batch(partial(events.import_clients, deps))
    merges = partial(events.apply_merge, deps)
    deliveries = Batch(partial(events.record_deliveries, deps))
    return {
        ClientImported: imports,
        ClientsImportedBatch: imports,
        ClientsMerged: merges,
        EmailSent: deliveries,
        EmailFailed: deliveries,
        EmailSuppressed: deliveries,
    }
