"""The enumeration probes go out in blocks of one request per side."""

from __future__ import annotations

import pytest

from frontdesk_devstack.chaos.enumeration import Probe, blocks


def probe(side: str, n: int) -> Probe:
    return Probe(side, "/v1/password-resets", {"login": f"{side}-{n}"})


def test_each_block_holds_one_probe_of_every_side_and_none_is_lost() -> None:
    probes = [probe(side, n) for n in range(50) for side in ("known", "unknown", "imported")]
    grouped = blocks(probes)
    assert len(grouped) == 50
    assert all(
        sorted(p.side for p in block) == ["imported", "known", "unknown"] for block in grouped
    )
    assert sorted(p.body["login"] for b in grouped for p in b) == sorted(
        p.body["login"] for p in probes
    )


def test_every_side_goes_first_equally_often_and_the_blocks_are_shuffled() -> None:
    probes = [probe(side, n) for n in range(50) for side in ("known", "unknown", "imported")]
    grouped = blocks(probes)
    firsts = [b[0].side for b in grouped]
    assert [firsts.count(s) for s in ("known", "unknown", "imported")] == [17, 17, 16]
    assert [b[0].body["login"].split("-")[1] for b in grouped] != [str(n) for n in range(50)]


def test_probes_not_built_side_by_side_are_refused() -> None:
    probes = [probe("known", 0), probe("known", 1), probe("unknown", 0), probe("unknown", 1)]
    with pytest.raises(ValueError, match="one of each side"):
        blocks(probes)
