"""The integration tier's back end: which one FRONTDESK_TEST_BACKEND picks, what the
containers are given, and what the tests are handed. None of this needs a Docker engine:
where an engine is involved, it is one that does not answer."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontdesk_devstack import __main__ as local_stack
from frontdesk_devstack import testcontainers_stack as tc
from frontdesk_devstack.config import StackConfig
from frontdesk_devstack.docker import compose, composefile, images
from frontdesk_devstack.procs import StackError
from frontdesk_devstack.testbackend import (
    AUTO,
    CONTAINERS,
    LOCAL,
    VARIABLE,
    choose,
    chosen,
    requested,
)

KAFKA = images.KAFKA.tag


def engine_up() -> bool:
    return True


def engine_down() -> bool:
    return False


def all_built() -> list[str]:
    return []


def kafka_missing() -> list[str]:
    return [KAFKA]


def never(*_: object) -> bool:
    raise AssertionError("the back end was probed though the request did not need it")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, AUTO), ("", AUTO), (" Containers ", CONTAINERS), ("LOCAL", LOCAL), ("auto", AUTO)],
)
def test_the_variable_names_the_back_end_and_auto_is_the_default(
    raw: str | None, expected: str
) -> None:
    assert requested({} if raw is None else {VARIABLE: raw}) == expected


def test_an_unknown_back_end_is_refused_with_the_choices() -> None:
    with pytest.raises(StackError, match="local, containers, auto; got 'docker'"):
        requested({VARIABLE: "docker"})


def test_local_asks_nothing_of_docker() -> None:
    assert choose(LOCAL, never, never) == LOCAL  # type: ignore[arg-type]


def test_auto_takes_containers_only_with_an_engine_and_every_image() -> None:
    assert choose(AUTO, engine_up, all_built) == CONTAINERS
    assert choose(AUTO, engine_up, kafka_missing) == LOCAL
    assert choose(AUTO, engine_down, never) == LOCAL  # type: ignore[arg-type]


def test_containers_without_an_engine_says_how_to_start_one() -> None:
    with pytest.raises(StackError) as refused:
        choose(CONTAINERS, engine_down, never)  # type: ignore[arg-type]
    assert "no Docker engine answers" in str(refused.value)
    assert "make up-docker" in str(refused.value)
    assert "frontdesk_devstack.docker engine" in str(refused.value)


def test_containers_with_an_image_missing_names_it_and_the_build() -> None:
    with pytest.raises(StackError) as refused:
        choose(CONTAINERS, engine_up, kafka_missing)
    message = str(refused.value)
    assert KAFKA in message and "not built" in message
    assert "make up-docker" in message and "frontdesk_devstack.docker images" in message


@pytest.fixture
def no_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The docker CLI and SDK pointed at a socket nobody listens on."""
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'nobody.sock'}")


@pytest.mark.usefixtures("no_engine")
def test_on_a_machine_where_no_engine_answers_auto_runs_local() -> None:
    assert chosen({}) == LOCAL
    with pytest.raises(StackError, match="no Docker engine answers"):
        chosen({VARIABLE: CONTAINERS})


LOCAL_PORT_VARIABLES = (
    "FRONTDESK_KAFKA_PORT",
    "FRONTDESK_KAFKA_CONTROLLER_PORT",
    "FRONTDESK_PG_PORT",
    "FRONTDESK_SMTP_PORT",
    "FRONTDESK_INBOX_PORT",
)


@pytest.fixture
def clean_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every port at its default, whatever the shell running the tests moved."""
    for name in [name for name, _ in tc.PORT_VARIABLES.values()] + list(LOCAL_PORT_VARIABLES):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("clean_ports")
def test_the_containers_ports_collide_with_neither_the_local_nor_the_compose_stack(
    tmp_path: Path,
) -> None:
    cfg = tc.containers_config(tmp_path)
    ours = {
        cfg.kafka_port,
        cfg.kafka_controller_port,
        cfg.postgres_port,
        cfg.smtp_port,
        cfg.inbox_port,
    }
    local = StackConfig.from_env()
    local_ports = {
        local.kafka_port,
        local.kafka_controller_port,
        local.postgres_port,
        local.smtp_port,
        local.inbox_port,
    }
    compose_ports = {
        int(compose.KAFKA_BOOTSTRAP.rsplit(":", 1)[1]),
        compose.POSTGRES_PORT,
        int(compose.SMTP.rsplit(":", 1)[1]),
        int(compose.INBOX_URL.rsplit(":", 1)[1]),
    }
    assert ours == {39092, 39093, 35432, 31025, 38025}
    assert not ours & local_ports and not ours & compose_ports


@pytest.mark.usefixtures("clean_ports")
def test_each_port_moves_with_its_variable_and_a_bad_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTDESK_CONTAINERS_PG_PORT", "45432")
    monkeypatch.setenv("FRONTDESK_CONTAINERS_INBOX_PORT", "48025")
    cfg = tc.containers_config(tmp_path)
    assert (cfg.postgres_port, cfg.inbox_url) == (45432, "http://127.0.0.1:48025")
    assert cfg.kafka_bootstrap == "127.0.0.1:39092"

    monkeypatch.setenv("FRONTDESK_CONTAINERS_KAFKA_PORT", "kafka")
    with pytest.raises(SystemExit, match="FRONTDESK_CONTAINERS_KAFKA_PORT"):
        tc.containers_config(tmp_path)


@pytest.mark.usefixtures("clean_ports")
def test_kafka_gets_the_local_broker_s_properties_by_the_image_s_variables(
    tmp_path: Path,
) -> None:
    """compose.yaml's broker (which runs on the same image) names the same variables."""
    ours = tc.kafka_environment(tc.containers_config(tmp_path))
    composed = composefile.load(
        {
            "FRONTDESK_DOCKER_KEYS": "/keys",
            "FRONTDESK_DOCKER_SECRETS": "/secrets",
            "FRONTDESK_DOCKER_PG_PASSWORD": "pw",
            "FRONTDESK_DOCKER_OPS_TOKEN": "t" * 40,
        }
    )["services"]["kafka"]["environment"]

    assert set(composed) <= set(ours)
    assert ours["KAFKA_LISTENERS"] == "PLAINTEXT://127.0.0.1:39092,CONTROLLER://127.0.0.1:39093"
    assert ours["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@127.0.0.1:39093"
    assert ours["KAFKA_LOG_DIRS"] == str(tc.KAFKA_DATA)
    assert ours["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


def test_property_names_become_the_image_s_variable_names() -> None:
    assert tc.kafka_variable("log.dirs") == "KAFKA_LOG_DIRS"
    assert tc.kafka_variable("share.coordinator.state.topic.min.isr") == (
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR"
    )
    assert tc.kafka_variable("a_b-c.d") == "KAFKA_A__B___C_D"


@pytest.mark.usefixtures("clean_ports")
def test_the_tests_get_the_local_stack_s_keys_for_the_servers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tc.containers_config(tmp_path / "session")
    found = tc.endpoints(cfg)

    monkeypatch.setenv("FRONTDESK_STACK_DIR", str(tmp_path / "local"))
    local = local_stack.endpoints(StackConfig.from_env())
    servers = {key for key in local if not key.endswith(("_url", "_openapi_url"))} | {"inbox_url"}
    assert set(found) == servers
    password = (cfg.root / "postgres" / "password").read_text().strip()
    assert found["postgres_dsn"] == f"postgresql://frontdesk:{password}@127.0.0.1:35432/postgres"
    assert found["keys_dir"] == str(cfg.root / "keys")
    assert found["smtp"] == "127.0.0.1:31025"


@pytest.fixture
def listening() -> Iterator[int]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


@pytest.mark.usefixtures("clean_ports")
def test_a_port_already_taken_is_named_with_its_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, listening: int
) -> None:
    monkeypatch.setenv("FRONTDESK_CONTAINERS_SMTP_PORT", str(listening))
    with pytest.raises(StackError) as refused:
        tc.refuse_busy_ports(tc.containers_config(tmp_path))
    assert f"port {listening} is in use (FRONTDESK_CONTAINERS_SMTP_PORT" in str(refused.value)
    assert tc.LABEL in str(refused.value)


class Target:
    """A container as a wait strategy sees it, whose state the test sets."""

    def __init__(self, status: str = "running") -> None:
        self.status = status

    def reload(self) -> None:
        pass

    def get_logs(self) -> tuple[bytes, bytes]:
        return b"broker starting\n", b"ERROR bind: address in use\n"

    def get_container_host_ip(self) -> str:
        return "127.0.0.1"

    def get_exposed_port(self, port: int) -> int:
        return port

    def get_wrapped_container(self) -> None:
        return None


def test_the_wait_ends_when_the_probe_answers() -> None:
    answers = iter([False, False, True])
    tc.Answers("Kafka", lambda: next(answers)).with_poll_interval(0.01).wait_until_ready(Target())
    assert next(answers, "done") == "done"


def test_a_container_that_exits_is_not_waited_for_and_its_logs_are_shown() -> None:
    wait = tc.Answers("Kafka", lambda: False).with_startup_timeout(60).with_poll_interval(0.01)
    with pytest.raises(StackError, match="Kafka: the container exited") as refused:
        wait.wait_until_ready(Target(status="exited"))
    assert "address in use" in str(refused.value)


def test_a_probe_that_never_answers_times_out_naming_what() -> None:
    wait = tc.Answers("the inbox", lambda: False).with_startup_timeout(0).with_poll_interval(0)
    with pytest.raises(StackError, match="the inbox did not answer within 0s"):
        wait.wait_until_ready(Target())


def test_the_readme_names_each_port_and_its_variable() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    assert "`FRONTDESK_TEST_BACKEND`" in readme
    for name, port in tc.PORT_VARIABLES.values():
        assert str(port) in readme, port
        assert f"`{name.removeprefix('FRONTDESK_CONTAINERS')}`" in readme or f"`{name}`" in readme
