"""The base image is made from the Debian mirror apt already uses: both formats of
`/etc/apt/sources.list*` are read, only bookworm's archives are kept."""

from __future__ import annotations

import pytest

from frontdesk_devstack.docker.base import SOURCES, debian_stanzas, mirror
from frontdesk_devstack.procs import StackError

DEB822 = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""
OTHER_VENDOR = """\
Types: deb
URIs: https://deb.nodesource.example/node_20.x
Suites: nodistro
Components: main
"""
ONE_LINE = """\
# a comment
deb http://old.example/debian bookworm main contrib
deb [arch=amd64] https://vendor.example/apt stable main
deb-src http://old.example/debian bookworm main
"""


def test_the_mirror_is_the_suite_s_own_archive_not_its_security_one() -> None:
    stanzas = debian_stanzas([DEB822, OTHER_VENDOR])

    assert [s["URIs"] for s in stanzas] == [
        "http://mirror.example/debian",
        "http://mirror.example/debian-security",
    ]
    assert mirror(stanzas) == "http://mirror.example/debian"


def test_one_line_sources_are_understood_and_other_vendors_left_out() -> None:
    stanzas = debian_stanzas([ONE_LINE])

    assert stanzas == [
        {
            "Types": "deb",
            "URIs": "http://old.example/debian",
            "Suites": "bookworm",
            "Components": "main contrib",
        }
    ]


def test_a_disabled_source_is_not_used_and_no_mirror_is_an_error() -> None:
    disabled = DEB822.replace("Types: deb\n", "Types: deb\nEnabled: no\n", 1)

    assert [s["URIs"] for s in debian_stanzas([disabled])] == [
        "http://mirror.example/debian-security"
    ]
    with pytest.raises(StackError, match="no Debian bookworm mirror"):
        mirror(debian_stanzas([disabled, OTHER_VENDOR]))


def test_only_the_files_apt_reads_are_read() -> None:
    assert all(p.name == "sources.list" or p.suffix in {".list", ".sources"} for p in SOURCES)
