"""Sealed secrets: tokens and codes that cross Kafka encrypted to their one reader.

A producer seals a secret (a link token, a short code) to the receiving service's
X25519 public key with libsodium's sealed box (`nacl.public.SealedBox`); only the
holder of the private key can open it. The event carries a `SealedSecret`: the key id,
the algorithm and the base64 ciphertext, never the plaintext.

The receiver keeps its private keys in a `KeyRing`, by key id. To rotate, generate a new
pair, add the new private key to the receiver's ring, switch producers to the new public
key, and drop the old private key once no unopened event uses it. A sealed secret whose
key id the ring does not hold raises `UnknownKeyId`.

`KeyRing.open` returns a `Secret`, whose repr, str and format never show the plaintext;
call `.reveal()` at the one place that needs it (e.g. building the link of an email).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from frontdesk_contracts.errors import CannotOpenSecret, InvalidKey, UnknownKeyId

SEALED_BOX_ALGORITHM = "x25519-sealedbox"
KEY_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_SEALED_BOX_OVERHEAD = 48  # ephemeral public key (32 bytes) + MAC (16 bytes)
_MASK = "**********"

KeyId = Annotated[str, StringConstraints(pattern=KEY_ID_PATTERN)]


def _check_ciphertext(value: str) -> str:
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error as error:
        raise ValueError("ciphertext is not standard base64") from error
    if len(raw) <= _SEALED_BOX_OVERHEAD:
        raise ValueError("ciphertext is too short to be a sealed box")
    return value


class SealedSecret(BaseModel):
    """A secret sealed to the receiving service's public key; safe to log and to publish."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    key_id: KeyId = Field(description="Id of the receiver's key pair the secret is sealed to.")
    algorithm: Literal["x25519-sealedbox"] = Field(
        default="x25519-sealedbox", description="libsodium sealed box over X25519."
    )
    ciphertext: Annotated[str, AfterValidator(_check_ciphertext)] = Field(
        description="Standard base64 (with padding) of the sealed box.",
        json_schema_extra={"contentEncoding": "base64"},
    )


class Secret:
    """A plaintext secret that never shows itself in a repr, str, f-string or log line."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the plaintext. Call it only where the plaintext is really needed."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({_MASK!r})"

    def __str__(self) -> str:
        return _MASK

    def __format__(self, format_spec: str) -> str:
        return _MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())


@dataclass(frozen=True, repr=False)
class KeyPair:
    """An X25519 key pair with its id. Its repr shows the id and the public key only."""

    key_id: str
    private_key: PrivateKey

    @property
    def public_key(self) -> PublicKey:
        """The public half, to give to every producer that seals for this receiver."""
        return self.private_key.public_key

    def encoded_public_key(self) -> str:
        """The public key as base64, for producers' settings."""
        return encode_key(self.public_key)

    def encoded_private_key(self) -> Secret:
        """The private key as base64, wrapped so it is not logged by accident."""
        return Secret(encode_key(self.private_key))

    def __repr__(self) -> str:
        return f"KeyPair(key_id={self.key_id!r}, public_key={self.encoded_public_key()!r})"


def generate_key_pair(key_id: str) -> KeyPair:
    """Generate a fresh X25519 key pair under `key_id` (letters, digits, ``.``, ``_``, ``-``)."""
    if re.fullmatch(KEY_ID_PATTERN, key_id) is None:
        raise InvalidKey(f"key id {key_id!r} does not match {KEY_ID_PATTERN}")
    return KeyPair(key_id=key_id, private_key=PrivateKey.generate())


def encode_key(key: PublicKey | PrivateKey) -> str:
    """Serialise a public or private key as standard base64 of its 32 raw bytes."""
    return base64.b64encode(bytes(key)).decode("ascii")


def decode_public_key(encoded: str) -> PublicKey:
    """Parse a base64 public key; raises `InvalidKey` when it is not one."""
    return PublicKey(_decode_32_bytes(encoded, "public"))


def decode_private_key(encoded: str | Secret) -> PrivateKey:
    """Parse a base64 private key; raises `InvalidKey` when it is not one."""
    text = encoded.reveal() if isinstance(encoded, Secret) else encoded
    return PrivateKey(_decode_32_bytes(text, "private"))


def _decode_32_bytes(encoded: str, kind: str) -> bytes:
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidKey(f"the {kind} key is not standard base64") from error
    if len(raw) != 32:
        raise InvalidKey(f"the {kind} key has {len(raw)} bytes, expected 32")
    return raw


def seal(plaintext: str | Secret, public_key: PublicKey | str, key_id: str) -> SealedSecret:
    """Seal `plaintext` to `public_key` (a key or its base64) and label it with `key_id`."""
    key = decode_public_key(public_key) if isinstance(public_key, str) else public_key
    text = plaintext.reveal() if isinstance(plaintext, Secret) else plaintext
    ciphertext = SealedBox(key).encrypt(text.encode("utf-8"))
    return SealedSecret(key_id=key_id, ciphertext=base64.b64encode(ciphertext).decode("ascii"))


class KeyRing:
    """The private keys of one receiving service, by key id."""

    def __init__(self, keys: Mapping[str, PrivateKey]) -> None:
        self._boxes = {key_id: SealedBox(key) for key_id, key in keys.items()}
        self._public = {key_id: key.public_key for key_id, key in keys.items()}

    @classmethod
    def from_encoded(cls, keys: Mapping[str, str | Secret]) -> KeyRing:
        """Build a ring from base64 private keys by key id, as kept in settings or files."""
        return cls({key_id: decode_private_key(encoded) for key_id, encoded in keys.items()})

    @classmethod
    def of(cls, *pairs: KeyPair) -> KeyRing:
        """Build a ring from generated key pairs."""
        return cls({pair.key_id: pair.private_key for pair in pairs})

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The ids of the keys held, sorted."""
        return tuple(sorted(self._boxes))

    def public_key(self, key_id: str) -> PublicKey:
        """The public key that belongs to the private key `key_id`."""
        if key_id not in self._public:
            raise UnknownKeyId(key_id, list(self._boxes))
        return self._public[key_id]

    def open(self, sealed: SealedSecret) -> Secret:
        """Open a sealed secret; raises `UnknownKeyId` or `CannotOpenSecret`."""
        box = self._boxes.get(sealed.key_id)
        if box is None:
            raise UnknownKeyId(sealed.key_id, list(self._boxes))
        try:
            plaintext = box.decrypt(base64.b64decode(sealed.ciphertext))
            return Secret(plaintext.decode("utf-8"))
        except (CryptoError, UnicodeDecodeError) as error:
            raise CannotOpenSecret(
                f"the secret sealed to key {sealed.key_id!r} does not open with that key"
            ) from error

    def __repr__(self) -> str:
        return f"KeyRing(key_ids={list(self.key_ids)!r})"
