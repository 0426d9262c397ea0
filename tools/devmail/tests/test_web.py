"""The web inbox: pages render, links are clickable, message content cannot script the inbox."""

from __future__ import annotations

import re

RESET_URL = "https://app.frontdesk.test/reset?token=abc&studio=7"
HOSTILE = "<script>alert('inbox')</script>"


async def test_inbox_lists_messages_newest_first(send_mail, http):
    await send_mail("alice@example.test", "Create your login")
    await send_mail("bob@example.test", "Reset your password")

    response = await http.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert page.index("Reset your password") < page.index("Create your login")
    assert "alice@example.test" in page and "bob@example.test" in page
    assert "script-src" not in response.headers["content-security-policy"]
    assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_inbox_filters_by_recipient(send_mail, http):
    await send_mail("alice@example.test", "For Alice")
    await send_mail("bob@example.test", "For Bob")

    page = (await http.get("/", params={"to": "BOB@example.test"})).text

    assert "For Bob" in page
    assert "For Alice" not in page


async def test_message_page_shows_headers_parts_and_clickable_links(send_mail, inbox, http):
    html = f'<p>Hi!</p><a href="{RESET_URL.replace("&", "&amp;")}">Reset</a>'
    await send_mail("alice@example.test", "Reset your password", f"Reset: {RESET_URL}\n", html)
    [summary] = await inbox.messages()

    inbox_page = (await http.get("/")).text
    assert f'href="/messages/{summary.id}"' in inbox_page

    response = await http.get(f"/messages/{summary.id}")
    assert response.status_code == 200
    page = response.text
    assert "Reset your password" in page
    assert "noreply@frontdesk.test" in page
    assert f'<a href="{RESET_URL.replace("&", "&amp;")}"' in page, "the link list is clickable"
    assert f"Reset: {RESET_URL.replace('&', '&amp;')}" in page, "the text part is shown"
    iframe = re.search(r"<iframe[^>]*>", page)
    assert iframe is not None
    assert f'src="/messages/{summary.id}/html"' in iframe.group()
    assert 'sandbox="' in iframe.group() and "allow-scripts" not in iframe.group()


async def test_html_part_is_served_sandboxed_with_links_opening_on_top(send_mail, inbox, http):
    html = f'<a href="{RESET_URL.replace("&", "&amp;")}">Reset</a>'
    await send_mail("alice@example.test", "Reset", "Reset", html)
    [summary] = await inbox.messages()

    response = await http.get(f"/messages/{summary.id}/html")

    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert policy.startswith("sandbox ")
    assert "allow-scripts" not in policy and "allow-same-origin" not in policy
    assert response.text.startswith('<base target="_top">')
    assert f'<a href="{RESET_URL.replace("&", "&amp;")}">Reset</a>' in response.text


async def test_message_content_is_escaped_in_the_inbox(send_mail, inbox, http):
    await send_mail(
        "mallory@example.test",
        f"Hi {HOSTILE}",
        f"Body {HOSTILE}\nhttps://evil.test/x\"onmouseover='alert(1)'",
        f"<p>{HOSTILE}</p><a href=\"javascript:alert('x')\">x</a>",
    )
    [summary] = await inbox.messages()

    for path in ("/", f"/messages/{summary.id}"):
        page = (await http.get(path)).text
        assert "<script>alert" not in page, path
        assert "&lt;script&gt;alert(" in page, path
        assert "javascript:" not in page, path
        assert "onmouseover='alert" not in page, path


async def test_missing_message_page_is_a_404_page(http, send_mail, inbox):
    await send_mail("alice@example.test", "No HTML part", "Only text")
    [summary] = await inbox.messages()

    missing = await http.get("/messages/999")
    no_html = await http.get(f"/messages/{summary.id}/html")

    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "no message with id 999" in missing.text
    assert no_html.status_code == 404
