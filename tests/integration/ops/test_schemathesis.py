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
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from frontdesk_contracts import (
    ACCESS_TOKEN_ALGORITHM,
    ACCESS_TOKEN_AUDIENCE,
    ACCESS_TOKEN_ISSUER,
    AccessTokenClaims,
)
from frontdesk_testing import (
    IDENTITY_AUDIENCE,
    REGISTRY_AUDIENCE,
    StandInGateway,
    load_private_key,
)

from .helpers import OPS_TOKEN, STUDIO

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
LIFETIME = 3600  # every credential outlives the fuzzing of its service
Headers = Callable[[Any], dict[str, str]]


def _access_token(keys: Path, account_id: str) -> str:
    """An access token as identity issues it: the contract's claims, identity's key."""
    now = int(time.time())
    claims = AccessTokenClaims(
        iss=ACCESS_TOKEN_ISSUER,
        aud=ACCESS_TOKEN_AUDIENCE,
        sub=account_id,
        sid=str(uuid.uuid4()),
        jti=uuid.uuid4(),
        iat=now,
        exp=now + LIFETIME,
    )
    key = load_private_key(keys / "identity-signing.pem")
    return jwt.encode(claims.model_dump(mode="json"), key, algorithm=ACCESS_TOKEN_ALGORITHM)


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
    admin = StandInGateway.load(keys).assertion(
        "admin-fuzz",
        {STUDIO: "Fuzz Studio"},
        audience=IDENTITY_AUDIENCE,
        lifetime_seconds=LIFETIME,
    )
    access = _access_token(keys, "acc-fuzz")

    def headers(case: Any) -> dict[str, str]:
        return _bearer(admin if case.path.startswith("/v1/admin") else access)

    return headers


def _registry_headers(keys: Path) -> Headers:
    admin = StandInGateway.load(keys).assertion(
        "admin-fuzz", [STUDIO], audience=REGISTRY_AUDIENCE, lifetime_seconds=LIFETIME
    )
    access = _access_token(keys, "acc-fuzz")

    def headers(case: Any) -> dict[str, str]:
        return _bearer(admin if case.path.startswith("/v1/studios") else access)

    return headers


SERVICES: dict[str, tuple[Callable[[Path], Headers], dict[str, Any]]] = {
    "identity": (_identity_headers, {"uniform_response_seconds": 0.0}),
    "client-registry": (_registry_headers, {}),
    "notifications": (lambda _: lambda case: _bearer(OPS_TOKEN), {}),
}


# A bounded fuzz of one service takes 15-40 s here; Hypothesis's draws vary, and a slow
# CI machine may take a few times that, so this test alone gets more than the default.
@pytest.mark.timeout(300)
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
