"""The registry's refusals as RFC 9457 problems; every other error is the kit's
(`frontdesk_kit.problems`): one type base, one validation shape, for every service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi.responses import JSONResponse

from frontdesk_kit.problems import Describe, problem
from frontdesk_registry.domain import errors

_STATUS: dict[type[errors.DomainError], int] = {
    errors.ProposalNotFound: 404,
    errors.ClientNotFound: 404,
    errors.StudioNotFound: 404,
    errors.OwnershipNotProven: 403,
    errors.ProposalExpired: 410,
    errors.ProposalClosed: 409,
    errors.RecordMergedElsewhere: 409,
    errors.RecordNotFiledYet: 409,
}


def _kind(error: Exception) -> str:
    name = type(error).__name__  # ProposalNotFound -> proposal-not-found
    return "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")


def refusal(error: Exception) -> JSONResponse:
    """The problem of a domain refusal; a closed proposal says its status and reason."""
    assert isinstance(error, errors.DomainError)
    extra: dict[str, Any] = {}
    if isinstance(error, errors.ProposalClosed):
        extra = {"proposal_status": error.status, "reason": error.reason}
    if isinstance(error, errors.RecordMergedElsewhere):
        extra = {"reason": "record_merged_elsewhere"}
    status = _STATUS.get(type(error), 400)
    return problem(status, _kind(error), error.title, str(error), **extra)


REFUSALS: Mapping[type[Exception], Describe] = {errors.DomainError: refusal}
