"""`.local/stack.json` leads a newcomer to every running service and its OpenAPI."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from frontdesk_devstack.config import StackConfig

from .conftest import Stack

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SERVICES = {  # name in stack.json: the service's folder
    "identity": "identity",
    "client_registry": "client-registry",
    "notifications": "notifications",
}


@pytest.mark.parametrize("name", SERVICES)
async def test_stack_json_names_the_running_service_and_its_openapi(
    stack: Stack, name: str
) -> None:
    endpoints = json.loads((StackConfig.from_env().root / "stack.json").read_text())
    committed = json.loads((REPO / "services" / SERVICES[name] / "openapi.json").read_text())

    async with httpx.AsyncClient(timeout=10) as http:
        ready = await http.get(f"{endpoints[f'{name}_url']}/readyz")
        served = await http.get(endpoints[f"{name}_openapi_url"])

    assert ready.status_code == 200
    assert served.status_code == 200
    assert served.json()["info"]["title"] == committed["info"]["title"]
