"""Commands: what a caller asks identity to do, already validated for shape."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LogIn:
    """Log in with a username or an email address and a password."""

    login: str
    password: str
    ip: str


@dataclass(frozen=True)
class RequestPasswordReset:
    """Send a reset link to the account named by an address or a username, if any."""

    login: str
    ip: str


@dataclass(frozen=True)
class SignUp:
    """Create an app account; the address must be proven before it can log in."""

    email: str
    username: str
    password: str
    given_name: str
    family_name: str | None
    ip: str


@dataclass(frozen=True)
class HashedSignUp:
    """A signup as it is kept until its work is done: the password only as its hash."""

    email: str
    username: str
    password_hash: str
    given_name: str
    family_name: str | None
    ip: str


@dataclass(frozen=True)
class CreateClient:
    """An admin creates a client in their studio and sends the create-login email."""

    studio_id: str
    email: str
    given_name: str
    family_name: str | None
    external_client_id: str | None


@dataclass(frozen=True)
class ResendWelcome:
    """An admin resends the welcome email to one of the client's known addresses."""

    studio_id: str
    account_id: str
    email: str


@dataclass(frozen=True)
class CompleteReset:
    """Submit the reset form: spend the token, set the new password."""

    token: str
    password: str


@dataclass(frozen=True)
class CreateLogin:
    """Submit the create-login form: spend the token, choose username and password."""

    token: str
    username: str
    password: str


@dataclass(frozen=True)
class VerifyEmail:
    """Prove an address with the link's token, or with the address and the short code."""

    token: str | None = None
    email: str | None = None
    code: str | None = None
