"""Identity's refusals as RFC 9457 problems (the kit answers everything else)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi.responses import JSONResponse

from frontdesk_kit.problems import Describe, problem, problem_responses

from ..domain.errors import IdentityError, TooManyAttempts


def _refused(error: Exception) -> JSONResponse:
    assert isinstance(error, IdentityError)
    retry_after = error.retry_after if isinstance(error, TooManyAttempts) else None
    return problem(error.status, error.kind, error.title, error.detail, retry_after=retry_after)


REFUSALS: Mapping[type[Exception], Describe] = {IdentityError: _refused}
"""Every domain error carries its own status, kind, title and detail."""
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = problem_responses(
    400, 401, 404, 409, 410, 422, 429
)
