"""The local Debian base image, made with debootstrap: no image registry is needed.

`debootstrap --variant=minbase bookworm` fills a folder from the Debian mirror apt
already uses (read from `/etc/apt/sources.list*`), and `docker import` turns it into
`frontdesk/debian-base:bookworm`. The images of `deploy/images/` are built on it here
(build argument `BASE`); elsewhere they default to the official images.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..procs import StackError
from .home import apt_install, docker_home, run

BASE_IMAGE = "frontdesk/debian-base:bookworm"
SUITE = "bookworm"
# As Debian's official images do: no package cache or translations kept in a layer.
APT_CLEAN = """\
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
"""
SOURCES = [
    Path("/etc/apt/sources.list"),
    *sorted(Path("/etc/apt/sources.list.d").glob("*.list")),
    *sorted(Path("/etc/apt/sources.list.d").glob("*.sources")),
]  # the files apt itself reads


def image_exists(name: str) -> bool:
    """Whether the engine holds an image of that name."""
    done = subprocess.run(["docker", "image", "inspect", name], capture_output=True, check=False)
    return done.returncode == 0


def debian_stanzas(texts: list[str]) -> list[dict[str, str]]:
    """The enabled apt sources of SUITE (its -updates and -security too), as deb822 fields.

    One-line `deb URI SUITE COMPONENTS` entries are turned into the same fields, so both
    formats of `/etc/apt/sources.list*` are understood.
    """
    found: list[dict[str, str]] = []
    for text in texts:
        for stanza in text.split("\n\n"):
            fields = _fields(stanza)
            if fields.get("Types", "").split()[:1] == ["deb"] and fields.get("Enabled") != "no":
                found.append(fields)
        for line in text.splitlines():
            parts = line.split()
            if len(parts) >= 4 and parts[0] == "deb" and not parts[1].startswith("["):
                found.append(
                    {
                        "Types": "deb",
                        "URIs": parts[1],
                        "Suites": parts[2],
                        "Components": " ".join(parts[3:]),
                    }
                )
    return [s for s in found if all(x.startswith(SUITE) for x in s.get("Suites", "x").split())]


def _fields(stanza: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in stanza.splitlines():
        if line.startswith("#") or ":" not in line or line[:1].isspace():
            continue
        key, value = line.split(":", 1)
        fields[key.strip()] = value.strip()
    return fields


def mirror(stanzas: list[dict[str, str]]) -> str:
    """The Debian mirror of SUITE itself (not its security archive)."""
    for stanza in stanzas:
        if SUITE in stanza["Suites"].split():
            return stanza["URIs"].split()[0]
    raise StackError(f"no Debian {SUITE} mirror in {', '.join(map(str, SOURCES))}")


def _render(stanzas: list[dict[str, str]]) -> str:
    return "\n".join("".join(f"{k}: {v}\n" for k, v in s.items()) for s in stanzas)


def ensure() -> None:
    """Build and import the base image unless the engine already has it."""
    if image_exists(BASE_IMAGE):
        print(f"base       {BASE_IMAGE} present")
        return
    if shutil.which("debootstrap") is None:
        apt_install("debootstrap")
    stanzas = debian_stanzas([p.read_text() for p in SOURCES if p.is_file()])
    rootfs = docker_home() / "rootfs"
    shutil.rmtree(rootfs, ignore_errors=True)
    print(f"base       debootstrap {SUITE} from {mirror(stanzas)} ...", flush=True)
    run(["debootstrap", "--variant=minbase", SUITE, str(rootfs), mirror(stanzas)], quiet=True)
    # The image's apt uses the same archives as this machine (updates, security).
    (rootfs / "etc/apt/sources.list").unlink(missing_ok=True)
    (rootfs / "etc/apt/sources.list.d/debian.sources").write_text(_render(stanzas))
    for cached in (rootfs / "var/cache/apt/archives").glob("*.deb"):
        cached.unlink()
    (rootfs / "etc/apt/apt.conf.d/docker-clean").write_text(APT_CLEAN)
    tar = subprocess.Popen(
        ["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE
    )
    run(["docker", "import", "-", BASE_IMAGE], quiet=True, stdin=tar.stdout)
    tar.wait()
    shutil.rmtree(rootfs)
    print(f"base       {BASE_IMAGE} imported")
