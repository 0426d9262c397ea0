"""What can go wrong in identity's use cases, as the HTTP layer reports it."""

from __future__ import annotations


class IdentityError(Exception):
    """A use case refused; `status`, `title` and `kind` become the problem body."""

    status = 400
    title = "Request refused"
    kind = "refused"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class PasswordRejected(IdentityError):
    """The chosen password breaks a rule (length, or on the common-passwords list)."""

    status = 422
    title = "Password not accepted"
    kind = "password-rejected"


class UsernameRejected(IdentityError):
    """The chosen username breaks the rules (`accounts.USERNAME_RULES`)."""

    status = 422
    title = "Username not accepted"
    kind = "username-rejected"


class UsernameTaken(IdentityError):
    """Another login already uses this username."""

    status = 409
    title = "Username taken"
    kind = "username-taken"


class InvalidCredentials(IdentityError):
    """Unknown user or wrong password: never says which."""

    status = 401
    title = "Invalid credentials"
    kind = "invalid-credentials"


class NotAuthenticated(IdentityError):
    """The access or refresh token is missing, invalid, expired or revoked."""

    status = 401
    title = "Not authenticated"
    kind = "not-authenticated"


class ClientNotFound(IdentityError):
    """No such client in the admin's studios (also said for other studios' clients)."""

    status = 404
    title = "Client not found"
    kind = "client-not-found"


class WelcomeNotAllowed(IdentityError):
    """The client has logged in before: a password reset is the way back in."""

    status = 409
    title = "Welcome email not allowed"
    kind = "welcome-not-allowed"


class UnknownAddress(IdentityError):
    """The chosen address is not one of the client's known addresses."""

    status = 422
    title = "Unknown address"
    kind = "unknown-address"


class AlreadyExists(IdentityError):
    """A client with this external id already exists in the studio."""

    status = 409
    title = "Client already exists"
    kind = "client-exists"


class InvalidCode(IdentityError):
    """The verification code or link is wrong, expired or used."""

    status = 400
    title = "Invalid or expired code"
    kind = "invalid-code"


class TooManyAttempts(IdentityError):
    """Logins for this account or from this address are slowed down; retry later."""

    status = 429
    title = "Too many attempts"
    kind = "too-many-attempts"

    def __init__(self, detail: str, retry_after: float) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class EmailQuotaSpent(TooManyAttempts):
    """The studio's email quota is spent: an admin is told when to try again."""

    title = "Email quota spent"
    kind = "email-quota-spent"


class LinkNotUsable(IdentityError):
    """A link is expired, used, superseded or unknown; `state` says which."""

    status = 410
    title = "Link no longer works"
    kind = "link-not-usable"

    def __init__(self, detail: str, state: str) -> None:
        super().__init__(detail)
        self.state = state


class NoLoginYet(IdentityError):
    """The client has no login to reset; the welcome email is the way in."""

    status = 409
    title = "Client has no login yet"
    kind = "no-login-yet"
