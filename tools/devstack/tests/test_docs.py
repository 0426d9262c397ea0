"""docs/ says what is true of the code: lifetimes, topics, events, and links that resolve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from frontdesk_contracts import REGISTRY, TOPICS, Topic
from frontdesk_identity.settings import IdentitySettings
from frontdesk_registry.settings import RegistrySettings

REPO = Path(__file__).resolve().parents[3]
DOCS = REPO / "docs"
PAGES = sorted(DOCS.glob("*.md"))


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _default(settings: type[BaseSettings], name: str) -> int:
    value: int = settings.model_fields[name].default
    return value


def test_the_link_lifetimes_are_identitys_defaults() -> None:
    behaviour = _read("behaviour.md")
    days = _default(IdentitySettings, "create_login_link_seconds") // 86_400
    hours = _default(IdentitySettings, "reset_link_seconds") // 3600
    minutes = _default(IdentitySettings, "verification_seconds") // 60

    assert f"| {days} days (`CREATE_LOGIN_LINK_SECONDS`)" in behaviour
    assert f"| {hours} hour (`RESET_LINK_SECONDS`)" in behaviour
    assert f"| {minutes} minutes (`VERIFICATION_SECONDS`)" in behaviour
    access_minutes = _default(IdentitySettings, "access_token_seconds") // 60
    refresh_days = _default(IdentitySettings, "refresh_token_seconds") // 86_400
    assert f"an access token lives {access_minutes} minutes" in behaviour
    assert f"refresh token\n{refresh_days} days" in behaviour


def test_the_merge_proposal_lifetime_is_the_registrys_default() -> None:
    lifetime = RegistrySettings.model_fields["merge_proposal_lifetime"].default

    assert f"confirmed for {lifetime.days} days" in _read("behaviour.md")


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.name)
def test_the_topic_table_matches_the_catalogue(topic: Topic) -> None:
    days = topic.retention_ms // 86_400_000
    row = re.compile(
        rf"^\| `{re.escape(topic.name)}` \|[^|]+\|[^|]+\| "
        rf"{topic.default_partitions} \| {days} days \|",
        re.MULTILINE,
    )

    assert row.search(_read("architecture.md"))


def test_architecture_names_every_event() -> None:
    architecture = _read("architecture.md")

    assert [m.event_type for m in REGISTRY if f"`{m.event_type}`" not in architecture] == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves(page: Path) -> None:
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
        assert (page.parent / target).exists(), f"{page.name} links to {target}"


def test_the_docs_stand_on_their_own() -> None:
    for page in [*PAGES, REPO / "README.md"]:
        text = page.read_text(encoding="utf-8")
        assert "DESIGN.md" not in text, f"{page.name} sends readers outside the repository"
