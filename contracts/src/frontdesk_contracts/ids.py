"""Event ids: UUID version 7 (RFC 9562), unique and ordered by creation time.

Python 3.11 has no `uuid.uuid7`, so this module builds them: 48 bits of Unix time in
milliseconds, then 74 bits that are random for the first id of a millisecond and
counted upwards for the next ones. Ids made by one process are therefore strictly
increasing, even within one millisecond or when the wall clock steps back; ids made
by different processes are ordered to the millisecond.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid

_RAND_BITS = 74
_RAND_MASK = (1 << _RAND_BITS) - 1
# A fresh millisecond starts its counter in the lower half of the 74-bit space, so the
# many ids that may follow within that millisecond never run out of room.
_FRESH_BITS = _RAND_BITS - 1

_lock = threading.Lock()
_last_ms = 0
_last_rand = 0


def uuid7() -> uuid.UUID:
    """Return a new UUIDv7, greater than every one this process returned before."""
    global _last_ms, _last_rand
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms > _last_ms:
            _last_ms, _last_rand = now_ms, secrets.randbits(_FRESH_BITS)
        else:
            _last_rand += 1 + secrets.randbits(8)
            if _last_rand > _RAND_MASK:
                _last_ms, _last_rand = _last_ms + 1, secrets.randbits(_FRESH_BITS)
        return _assemble(_last_ms, _last_rand)


def uuid7_time_ms(value: uuid.UUID) -> int:
    """Return the Unix time in milliseconds encoded in a UUIDv7."""
    return value.int >> 80


def _assemble(unix_ms: int, rand: int) -> uuid.UUID:
    rand_a = rand >> 62  # 12 bits
    rand_b = rand & ((1 << 62) - 1)
    value = (unix_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76 | rand_a << 64
    value |= 0b10 << 62 | rand_b
    return uuid.UUID(int=value)
