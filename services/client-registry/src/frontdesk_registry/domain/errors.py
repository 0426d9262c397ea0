"""What can go wrong with a proposal or a merge, as the domain sees it."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the request; entrypoints map each subclass to a problem body."""

    title = "request refused"


class ProposalNotFound(DomainError):
    """No such proposal for this account (also: it is someone else's)."""

    title = "merge proposal not found"


class ClientNotFound(DomainError):
    """No such client record in this studio (also: a studio the admin does not run)."""

    title = "client not found"


class ProposalExpired(DomainError):
    """The proposal's time ran out; proving the address again renews it."""

    title = "merge proposal expired"


class ProposalClosed(DomainError):
    """The proposal was already declined, withdrawn or rejected."""

    title = "merge proposal closed"

    def __init__(self, status: str, reason: str | None = None) -> None:
        self.status = status
        self.reason = reason
        super().__init__(f"the proposal is {status}" + (f" ({reason})" if reason else ""))


class OwnershipNotProven(DomainError):
    """No completed signup (SignupCompleted) proved that the account owns the address."""

    title = "email ownership not proven"


class RecordMergedElsewhere(DomainError):
    """The studio record already belongs to another account: the merge is rejected."""

    title = "client record already merged"


class RecordNotFiledYet(DomainError):
    """The studio record the proposal names has not reached client-registry yet."""

    title = "client record not available yet"


class StudioNotFound(DomainError):
    """The admin does not run this studio (said the same way as an unknown studio)."""

    title = "studio not found"
