"""The people of the end-to-end tests and the chaos run: an admin through the gateway, and a client.

`Journey` does what a client and an admin do, over the services' real interfaces only:
the app's and the gateway's HTTP APIs, the email links' pages, the inbox's JSON API. The
admins are the test harness's (`frontdesk_testing.Admin`), signing through the stack's
stand-in gateway.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from .gateway import Admin
from .inbox import InboxClient, Message

PASSWORD = "violet harbour lantern"  # noqa: S105 - the tests' throwaway accounts
NEW_PASSWORD = "copper meadow whistle"  # noqa: S105
# Mail from the services reaches the inbox within a second or two; a generous bound
# keeps a slow CI machine from flaking without slowing a passing run.
MAIL_TIMEOUT = 30.0
# What follows events across Kafka (client-registry's copy of a first login or a merge)
# shows within a second or two as well; no inbox can be waited on for it.
VIEW_TIMEOUT = 20.0


class Journey:
    """What a client and an admin do, step by step, over the services' real interfaces."""

    def __init__(
        self,
        identity: httpx.AsyncClient,
        registry: httpx.AsyncClient,
        inbox: InboxClient,
        admin: Admin,
    ) -> None:
        self.identity = identity
        self.registry = registry
        self.inbox = inbox
        self.admin = admin

    @property
    def studio_id(self) -> str:
        return self.admin.studio_id

    async def mail(self, to: str, subject: str, since: Message | None = None) -> Message:
        """The email to `to` whose subject contains `subject` (after message `since`)."""
        since_id = since.id if since is not None else None
        return await self.inbox.wait_for(
            to, subject_contains=subject, since_id=since_id, timeout=MAIL_TIMEOUT
        )

    async def create_client(self, email: str, given_name: str) -> str:
        """The admin creates a client in their studio; returns the account id."""
        created = await self.identity.post(
            f"/v1/admin/studios/{self.studio_id}/clients",
            json={"email": email, "given_name": given_name, "family_name": "Tester"},
            headers=self.admin.identity(),
        )
        assert created.status_code == 201, created.text
        account_id: str = created.json()["account_id"]
        return account_id

    async def access(self, account_id: str, admin: Admin | None = None) -> dict[str, Any]:
        """The access view an admin (this journey's by default) sees for one client."""
        admin = admin or self.admin
        view = await self.identity.get(
            f"/v1/admin/studios/{admin.studio_id}/clients/{account_id}/access",
            headers=admin.identity(),
        )
        assert view.status_code == 200, view.text
        found: dict[str, Any] = view.json()
        return found

    async def resend_welcome(self, account_id: str, email: str) -> httpx.Response:
        return await self.identity.post(
            f"/v1/admin/studios/{self.studio_id}/clients/{account_id}/welcome-email",
            json={"email": email},
            headers=self.admin.identity(),
        )

    async def open_link(self, link: str) -> httpx.Response:
        """GET an email's link, as a browser without scripts would."""
        return await self.identity.get(link)

    async def submit_link_form(self, link: str, **fields: str) -> httpx.Response:
        """Open an email's link and submit its form (the token rides in a hidden input)."""
        opened = await self.open_link(link)
        assert opened.status_code == 200, f"{link} answered {opened.status_code}: {opened.text}"
        action = _form_action(opened.text)
        return await self.identity.post(
            action, data={"token": _hidden_token(opened.text), **fields}
        )

    async def log_in(self, login: str, password: str) -> httpx.Response:
        return await self.identity.post("/v1/sessions", json={"login": login, "password": password})

    async def clients(self, admin: Admin | None = None, **query: str) -> list[dict[str, Any]]:
        """The studio's clients as the admin sees them in client-registry."""
        admin = admin or self.admin
        page = await self.registry.get(
            f"/v1/studios/{admin.studio_id}/clients", params=query, headers=admin.registry()
        )
        assert page.status_code == 200, page.text
        found: list[dict[str, Any]] = page.json()["clients"]
        return found


def _hidden_token(html: str) -> str:
    match = re.search(r'<input type="hidden" name="token" value="([^"]+)">', html)
    assert match, f"no token in the page: {html}"
    return match.group(1)


def _form_action(html: str) -> str:
    match = re.search(r'<form method="post" action="([^"]+)">', html)
    assert match, f"no form in the page: {html}"
    return match.group(1)
