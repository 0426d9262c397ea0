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


@pytest.mark.parametrize("template", sorted(CONTEXTS))
def test_no_subject_holds_a_code_or_a_token(renderer, template):
    # Subjects land on lock screens and in mail logs: secrets stay in the body.
    secrets = {"token": Secret("Tok3nValue-abcdefghijklmnop"), "code": Secret("493817")}
    email = renderer.render(template, CONTEXTS[template], secrets, None)
    assert "493817" not in email.subject and "Tok3nValue" not in email.subject
    if template == "email_verification":
        assert "493817" in email.text and "493817" in email.html


# Each email's link, and the page it must open (what the email's text promises there).
PROMISED_PAGES = {
    "create_login": "/links/create-login?token=",
    "welcome_resend": "/links/create-login?token=",
    "password_reset": "/links/reset-password?token=",
    "email_verification": "/links/verify-email?token=",
    "password_changed": "/links/reset-password/new",  # "ask for a password-reset link now"
    "signup_attempt_existing_login": "/links/sign-in",  # "sign in (or reset from there)"
    "accounts_merged": "/links/sign-in",
}


@pytest.mark.parametrize("template", sorted(PROMISED_PAGES))
def test_each_email_links_to_the_page_its_text_promises(renderer, template):
    email = renderer.render(template, CONTEXTS[template], SECRETS, None)
    expected = "https://app.test" + PROMISED_PAGES[template]
    assert expected in email.text and expected.replace("&", "&amp;") in email.html
    links = [word for word in email.text.split() if word.startswith("https://")]
    assert links and all(link.startswith(expected) for link in links)


def test_the_password_changed_notice_offers_a_reset_not_a_sign_in(renderer):
    email = renderer.render("password_changed", CONTEXTS["password_changed"], {}, None)
    assert "Reset my password" in email.html and ">Sign in<" not in email.html
    assert "/links/sign-in" not in email.text
