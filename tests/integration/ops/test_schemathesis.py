"""Each service's HTTP API, fuzzed by schemathesis against its own OpenAPI document.

The services are served by uvicorn on 127.0.0.1 with their real database and Kafka.
Every operation gets schemathesis's boundary cases and valid and invalid input (a few
examples of each, no shrinking: a bounded run), with valid credentials (the gateway's
assertion, an access token, the ops token) so the routes behind them are reached too.
Any 5xx fails, and so does any answer the document does not describe: its status, its
content type, its body.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
import schemathesis
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import OPS_TOKEN

pytestmark = [
    pytest.mark.integration,
    # schemathesis's own strategies draw from `random`, which Hypothesis frowns on.
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 12  # per operation and per mode (valid, invalid): minutes for all three
STUDIO = "studio-1"
Headers = Callable[[Any], dict[str, str]]


def _key(keys: Path, name: str) -> Any:
    return serialization.load_pem_private_key((keys / name).read_bytes(), password=None)


def _signed(keys: Path, key_file: str, **claims: Any) -> str:
    now = int(time.time())
    body = {"iat": now, "exp": now + 3600, **claims}
    return jwt.encode(body, _key(keys, key_file), algorithm="EdDSA")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def fuzz(url: str, headers_for: Headers) -> list[str]:
    """Run every operation of the service at `url`; the failures found, one line each."""
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                if "studio_id" in case.path_parameters and hash(str(case.body)) % 2:
                    case.path_parameters["studio_id"] = STUDIO  # an administered studio
                case.call_and_validate(headers=headers_for(case), checks=CHECKS, timeout=30)

            try:
                run()
                _coverage(schema, operation, mode, headers_for)
            except Unsatisfiable:
                pass  # nothing to make invalid: the operation takes no input
            except Exception as failure:  # noqa: BLE001 - collect every operation's failure
                failures.append(f"{operation.label} ({mode.value}): {_explain(failure)}")
    return failures


def _coverage(schema: Any, operation: Any, mode: GenerationMode, headers_for: Headers) -> None:
    """Schemathesis's boundary cases of `operation` (empty, longest, wrong type, missing)."""
    config = schema.config.generation_for(operation=operation)
    for case in schema.iter_coverage_cases(
        operation, generation_modes=[mode], generation_config=config
    ):
        case.call_and_validate(headers=headers_for(case), checks=CHECKS, timeout=30)


def _explain(failure: BaseException) -> str:
    """The failure, with the ones it groups (Hypothesis reports several at once)."""
    inner = getattr(failure, "exceptions", ())
    return "\n".join([f"{type(failure).__name__}: {failure}", *(_explain(e) for e in inner)])[:4000]


def _identity_headers(keys: Path) -> Headers:
    admin = _signed(
        keys,
        "gateway-signing.pem",
        sub="admin-fuzz",
        studios=[STUDIO],
        studio_names={STUDIO: "Fuzz Studio"},
        aud="frontdesk-identity",
    )
    access = _signed(
        keys,
        "identity-signing.pem",
        iss="frontdesk-identity",
        aud="frontdesk",
        sub="acc-fuzz",
        sid=str(uuid.uuid4()),
    )

    def headers(case: Any) -> dict[str, str]:
        return _bearer(admin if case.path.startswith("/v1/admin") else access)

    return headers


def _registry_headers(keys: Path) -> Headers:
    admin = _signed(
        keys,
        "gateway-signing.pem",
        sub="admin-fuzz",
        studios=[STUDIO],
        aud="frontdesk-client-registry",
    )
    access = _signed(
        keys, "identity-signing.pem", iss="frontdesk-identity", aud="frontdesk", sub="acc-fuzz"
    )

    def headers(case: Any) -> dict[str, str]:
        return _bearer(admin if case.path.startswith("/v1/studios") else access)

    return headers


SERVICES: dict[str, tuple[Callable[[Path], Headers], dict[str, Any]]] = {
    "identity": (_identity_headers, {"uniform_response_seconds": 0.0}),
    "client-registry": (_registry_headers, {}),
    "notifications": (lambda _: lambda case: _bearer(OPS_TOKEN), {}),
}


@pytest.mark.parametrize("name", sorted(SERVICES))
async def test_every_answer_is_described_and_none_is_a_server_error(
    name: str, serve: Callable[..., Any], stack: dict[str, str]
) -> None:
    make_headers, overrides = SERVICES[name]
    async with serve(name, **overrides) as service:
        started = time.monotonic()
        failures = await asyncio.to_thread(fuzz, service.url, make_headers(Path(stack["keys_dir"])))
        print(f"schemathesis {name}: {time.monotonic() - started:.1f}s")
    assert not failures, "\n\n".join(failures)
