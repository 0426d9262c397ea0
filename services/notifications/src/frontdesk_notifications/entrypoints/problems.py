"""Notifications' refusals as RFC 9457 problems (every other error: `frontdesk_kit.problems`)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi.responses import JSONResponse

from frontdesk_kit.problems import Describe, problem

from ..domain.resends import ResendRefused, UnknownMessage


def _unknown(error: Exception) -> JSONResponse:
    return problem(404, "not-found", "Not found", str(error))


def _refused(error: Exception) -> JSONResponse:
    return problem(409, "resend-refused", "Resend refused", str(error))


REFUSALS: Mapping[type[Exception], Describe] = {
    UnknownMessage: _unknown,
    ResendRefused: _refused,
}
