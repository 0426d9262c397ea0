"""Calls to a service's ops HTTP API (bearer ops token), with failures made plain.

State that belongs to a service changes only through that service's API: the tool never
reads or writes a service's database.
"""

from __future__ import annotations

from typing import Any

import httpx

from .common import BadArgument, OpsFailure

DEFAULT_URLS = {
    "identity": "http://127.0.0.1:18081",
    "client-registry": "http://127.0.0.1:18082",
    "notifications": "http://127.0.0.1:18083",
}


def base_url(service: str, url: str | None) -> str:
    """The service's base URL: ``--url``, else its local default."""
    if service not in DEFAULT_URLS:
        raise BadArgument(
            f"unknown service {service!r}: choose one of {', '.join(sorted(DEFAULT_URLS))}"
        )
    chosen = (url or DEFAULT_URLS[service]).rstrip("/")
    if not chosen.startswith(("http://", "https://")):
        raise BadArgument(f"--url {url!r} must start with http:// or https://")
    return chosen


class ServiceApi:
    """One service's ops API."""

    def __init__(
        self, url: str, token: str | None, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        if not token:
            raise BadArgument("--ops-token (or $FRONTDESK_OPS_TOKEN) is required")
        self._client = httpx.AsyncClient(
            base_url=url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30.0,
            transport=transport,
        )
        self._url = url

    async def __aenter__(self) -> ServiceApi:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._client.aclose()

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON answer; a problem answer becomes an OpsFailure quoting its detail."""
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise OpsFailure(f"cannot reach {self._url}: {error!r}") from None
        if response.status_code >= 400:
            try:
                problem = response.json()
                detail = problem.get("detail") or problem.get("title") or response.text
            except ValueError:
                detail = response.text
            raise OpsFailure(f"{method} {path}: {response.status_code} {detail}")
        return response.json()
