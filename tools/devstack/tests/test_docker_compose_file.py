"""deploy/compose.yaml, deploy/compose/haproxy.cfg and the addresses devstack gives the
tests describe one stack: the same ports in all three, two instances a service, each
behind its load-balanced address, and the same stack.json keys as the local stack's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from frontdesk_devstack import __main__ as local_stack
from frontdesk_devstack.docker import compose, composefile, testrun
from frontdesk_devstack.docker.composefile import ComposeFileError, substitute

VARIABLES = {
    "FRONTDESK_DOCKER_KEYS": "/keys",
    "FRONTDESK_DOCKER_SECRETS": "/secrets",
    "FRONTDESK_DOCKER_PG_PASSWORD": "pw",
    "FRONTDESK_DOCKER_OPS_TOKEN": "t" * 40,
}


@pytest.fixture(scope="module")
def loaded() -> dict[str, Any]:
    return composefile.load(VARIABLES)


def test_substitution_is_compose_s() -> None:
    given = {"SET": "x", "EMPTY": ""}

    assert substitute("${SET} ${UNSET:-d} ${EMPTY:-d} $${SET}", given) == "x d d ${SET}"
    with pytest.raises(ComposeFileError, match="UNSET: say why"):
        substitute("${UNSET:?say why}", given)
    with pytest.raises(ComposeFileError, match="EMPTY"):
        substitute("${EMPTY:?}", given)


def test_the_stack_needs_its_generated_keys_and_secrets() -> None:
    for name in VARIABLES:
        with pytest.raises(ComposeFileError, match=name):
            composefile.load({k: v for k, v in VARIABLES.items() if k != name})


def test_two_instances_of_each_service_on_the_ports_devstack_expects(
    loaded: dict[str, Any],
) -> None:
    found = {i.container: i for i in composefile.instances(loaded)}

    assert sorted(found) == sorted(compose.container_names())
    for name, instance in found.items():
        service, n = name.rsplit("-", 1)
        port = next(v for k, v in instance.environment.items() if k.endswith("_HTTP_PORT"))
        assert int(port) == compose.instance_port(service, int(n))
        assert loaded["services"][name]["image"] == "frontdesk/service:local"


def test_haproxy_balances_each_service_over_its_two_instances() -> None:
    text = composefile.HAPROXY_CONFIG.read_text()
    backends = composefile.haproxy_backends(text)
    frontends = composefile.haproxy_frontends(text)

    for service, port in compose.BALANCED_PORTS.items():
        assert frontends[service] == f"127.0.0.1:{port}"
        assert backends[service] == {
            f"{service}-{n}": f"127.0.0.1:{compose.instance_port(service, n)}"
            for n in compose.INSTANCES
        }
    assert text.count("option httpchk GET /readyz") == len(compose.BALANCED_PORTS)
    assert frontends["stats"] == testrun.HAPROXY_STATS.split("/")[2]


def test_the_infrastructure_answers_where_stack_json_says(loaded: dict[str, Any]) -> None:
    services = loaded["services"]
    kafka = services["kafka"]["environment"]
    inbox = services["inbox"]["environment"]

    assert kafka["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{compose.KAFKA_BOOTSTRAP}"
    assert services["postgres"]["environment"]["PGPORT"] == str(compose.POSTGRES_PORT)
    assert f"127.0.0.1:{inbox['FRONTDESK_DEVMAIL_SMTP_PORT']}" == compose.SMTP
    assert f"http://127.0.0.1:{inbox['FRONTDESK_DEVMAIL_HTTP_PORT']}" == compose.INBOX_URL
    assert all(spec["network_mode"] == "host" for spec in services.values())


def test_no_port_is_the_local_stack_s(loaded: dict[str, Any]) -> None:
    local = {19092, 19093, 15432, 11025, 18025, 18081, 18082, 18083}
    ours = {int(v) for k, v in testrun.e2e_environment().items() if k.endswith("_PORT")}
    ours |= {compose.instance_port(s, n) for s in compose.BALANCED_PORTS for n in (1, 2)}

    assert len(ours) == 13
    assert ours & local == set()


def test_stack_json_has_the_local_stack_s_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTDESK_STACK_DIR", str(tmp_path))
    from frontdesk_devstack.config import StackConfig

    ours = compose.endpoints()

    assert sorted(ours) == sorted(local_stack.endpoints(StackConfig.from_env()))
    assert ours["identity_url"] == "http://127.0.0.1:28081"
    assert str(tmp_path) in ours["keys_dir"]
