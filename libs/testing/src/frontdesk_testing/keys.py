"""Ed25519 key pairs on disk, laid out as the local stack lays them out (`.local/keys/`)."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def private_pem(key: Ed25519PrivateKey) -> bytes:
    """The private key as unencrypted PKCS#8 PEM."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key: Ed25519PrivateKey) -> bytes:
    """The public half as SubjectPublicKeyInfo PEM (what the services' settings point at)."""
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def write_key_pair(
    folder: Path, name: str, key: Ed25519PrivateKey | None = None
) -> Ed25519PrivateKey:
    """`<name>-signing.pem` and `<name>-public.pem` in `folder` (a new key unless given).

    Both files are created readable by their owner only, as every file of the stack's
    keys folder is.
    """
    key = key or Ed25519PrivateKey.generate()
    write_private(folder / f"{name}-signing.pem", private_pem(key))
    write_private(folder / f"{name}-public.pem", public_pem(key))
    return key


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 key of a PEM file; ValueError naming the file if it holds another kind."""
    key = serialization.load_pem_private_key(path.read_bytes(), None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path.name} is not an Ed25519 key")
    return key


def write_private(path: Path, content: bytes) -> None:
    """Write `content` to `path`, owner read/write only from the moment it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
