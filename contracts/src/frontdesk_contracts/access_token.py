"""The claims of identity's access tokens: what a token says, and who may rely on it.

Identity issues the token when a client logs in or refreshes a session: a JWT signed
with ``ACCESS_TOKEN_ALGORITHM`` (Ed25519), its header naming the signing key (``kid``)
among the keys identity publishes at ``/.well-known/jwks.json``. client-registry (and
any other service that serves clients) verifies the signature with that key set, then
parses the claims with `AccessTokenClaims`, which refuses another issuer, another
audience or a claims version it does not know.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from frontdesk_contracts.events.base import Identifier

Issuer = Literal["frontdesk-identity"]
Audience = Literal["frontdesk"]
Algorithm = Literal["EdDSA"]

ACCESS_TOKEN_ISSUER: Final[Issuer] = "frontdesk-identity"  # noqa: S105 - a name
"""The ``iss`` of every access token: identity, the one service that issues them."""
ACCESS_TOKEN_AUDIENCE: Final[Audience] = "frontdesk"  # noqa: S105 - a name
"""The ``aud`` of every access token: every Frontdesk service that serves clients."""
ACCESS_TOKEN_ALGORITHM: Final[Algorithm] = "EdDSA"  # noqa: S105 - a name
"""The one JWS algorithm of access tokens; a verifier accepts no other (no ``none``)."""
ACCESS_TOKEN_CLAIMS_VERSION: Final = 1
"""The current version of the claims (the ``ver`` claim)."""

NumericDate = Annotated[StrictInt, Field(ge=0)]
"""Whole seconds since the Unix epoch, UTC (JWT's NumericDate)."""


class AccessTokenClaims(BaseModel):
    """The claims of an access token, version 1.

    Issued by identity (``iss``) for one account (``sub``) in one session (``sid``);
    verified by client-registry against identity's published key set (JWKS), which
    then also refuses tokens issued before the account's last SessionsRevoked event.
    The token carries no email address: client-registry proves that an account owns
    an address from the SignupCompleted events it consumes, never from the token.

    Unknown claims are ignored, so a verifier built on this release keeps reading
    tokens that gain an optional claim; any other change is a new ``ver``, which a
    verifier that does not know it refuses. Tokens issued before ``ver`` existed are
    version 1.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    iss: Issuer = Field(description="The issuer: always identity.")
    aud: Audience = Field(description="The audience: every Frontdesk service.")
    sub: Identifier = Field(description="The account id of the bearer.")
    sid: Identifier = Field(
        description="The session the token belongs to; ending the session ends the token."
    )
    iat: NumericDate = Field(description="When the token was issued.")
    exp: NumericDate = Field(description="When the token expires; later than iat.")
    jti: UUID = Field(description="The token's own unique id.")
    ver: Literal[1] = Field(default=1, description="The version of these claims.")

    @model_validator(mode="after")
    def _expires_after_issue(self) -> Self:
        if self.exp <= self.iat:
            raise ValueError("exp must be later than iat")
        return self
