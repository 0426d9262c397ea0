"""Templates: every kind renders text and HTML; links, brand, escaping and failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk_contracts import Secret
from frontdesk_notifications.adapters.templates import (
    EmailRenderer,
    LinkPaths,
    TemplateError,
)
from frontdesk_notifications.settings import Brand

EXPIRES = "2026-01-05T11:00:00+00:00"
CONTEXTS: dict[str, dict[str, object]] = {
    "create_login": {
        "given_name": "Ada",
        "full_name": "Ada L",
        "studio_name": "Palace",
        "expires_at": EXPIRES,
    },
    "welcome_resend": {
        "given_name": "Ada",
        "full_name": "Ada L",
        "studio_name": "Palace",
        "expires_at": EXPIRES,
    },
    "email_verification": {"purpose": "signup", "expires_at": EXPIRES},
    "signup_attempt_existing_login": {},
    "password_reset": {"requested_by": "admin", "expires_at": EXPIRES},
    "password_changed": {"via": "settings"},
    "accounts_merged": {"merged_count": 2},
}


@pytest.fixture
def renderer() -> EmailRenderer:
    brands = {"s1": Brand(name="Studio One", colour="#112233", logo_url="https://cdn.test/x.png")}
    return EmailRenderer(LinkPaths(base_url="https://app.test/"), brands)


SECRETS = {"token": Secret("tok/+="), "code": Secret("654321")}


@pytest.mark.parametrize("template", sorted(CONTEXTS))
def test_every_template_renders_a_subject_text_and_html(renderer, template):
    email = renderer.render(template, CONTEXTS[template], SECRETS, "s1")
    assert email.subject and "\n" not in email.subject
    assert email.text.strip() and email.html.startswith("<!doctype html>")
    assert "Studio One" in email.html and "#112233" in email.html
    assert "tok" not in repr(email)


def test_links_use_the_configured_paths_and_encode_the_token(renderer):
    reset = renderer.render("password_reset", CONTEXTS["password_reset"], SECRETS, None)
    assert "https://app.test/links/reset-password?token=tok%2F%2B%3D" in reset.text
    assert "one hour" in reset.text and "05 January 2026, 11:00 UTC" in reset.text
    login = renderer.render("create_login", CONTEXTS["create_login"], SECRETS, None)
    assert "https://app.test/links/create-login?token=" in login.text
    assert "Palace" in login.subject  # the event's studio name without a configured brand


def test_a_link_page_named_by_the_event_is_used_only_on_the_public_origin(renderer):
    same = {**CONTEXTS["create_login"], "link_page": "https://app.test/welcome/start"}
    other = {**CONTEXTS["create_login"], "link_page": "https://evil.test/phish"}
    assert (
        "https://app.test/welcome/start?token="
        in renderer.render("create_login", same, SECRETS, None).text
    )
    rendered = renderer.render("create_login", other, SECRETS, None)
    assert "evil.test" not in rendered.text and "/links/create-login?token=" in rendered.text


def test_html_escapes_what_the_studio_typed(renderer):
    context = {**CONTEXTS["create_login"], "given_name": "<script>x</script>"}
    email = renderer.render("create_login", context, SECRETS, None)
    assert "<script>x</script>" not in email.html and "&lt;script&gt;" in email.html


def test_a_missing_fact_or_token_is_a_template_error_naming_no_secret(renderer):
    with pytest.raises(TemplateError, match="password_reset") as missing:
        renderer.render("password_reset", {}, SECRETS, None)
    assert "tok" not in str(missing.value)
    with pytest.raises(TemplateError, match="needs a token"):
        renderer.render("password_reset", CONTEXTS["password_reset"], {}, None)


def test_a_broken_template_fails_with_a_template_error(tmp_path: Path):
    (tmp_path / "bad.subject.txt").write_text("{% if %}")
    renderer = EmailRenderer(LinkPaths(base_url="https://app.test"), folder=tmp_path)
    with pytest.raises(TemplateError, match="bad"):
        renderer.render("bad", {}, {}, None)
    with pytest.raises(TemplateError, match="TemplateNotFound"):
        renderer.render("absent", {}, {}, None)
