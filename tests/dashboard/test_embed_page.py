"""The embed dialog and page (SPEC §7 E2, E4): the inline, popup and badge codes, each ready to
copy, their previews, and what a page's Content-Security-Policy must allow."""

from __future__ import annotations

import html

from server.dashboard.links import embed_csp
from server.pages.blueprint import CSP as HOSTED_CSP
from tests.dashboard.conftest import text

APP = "http://rendezvous.test"


def _page(signed_in, link) -> str:
    return html.unescape(text(signed_in.get(f"/app/links/{link['id']}/embed")))


def test_the_embed_page_gives_the_three_codes_with_a_copy_button_each(signed_in, make_link):
    link = make_link()
    page = _page(signed_in, link)
    url = f"{APP}/meetings/{link['slug']}"
    loader = f"{APP}/embed/v1/embed.js"
    assert (
        f'<div class="rendezvous-embed" data-src="{url}"></div>\n<script src="{loader}" async>'
        in page
    )
    assert (
        f'<button type="button" data-rendezvous-popup="{url}">Book a meeting</button>\n'
        f'<script src="{loader}" async></script>'
    ) in page
    assert (
        f'<script src="{loader}" async\n  data-rendezvous-badge="{url}"\n'
        '  data-badge-text="Book a meeting" data-badge-color="#2f6fed"></script>'
    ) in page
    for button, source in [
        ("Copy code", "#snippet"),
        ("Copy popup code", "#popup-snippet"),
        ("Copy badge code", "#badge-snippet"),
    ]:
        assert f'data-copy="{source}">{button}</button>' in page


def test_the_badge_code_takes_the_account_accent_colour(signed_in, client, host, make_link):
    changed = client.patch(
        "/api/v1/account", json={"accent_color": "#0b7a4b"}, headers=host.headers
    )
    assert changed.status_code == 200, changed.json
    page = _page(signed_in, make_link())
    assert 'data-badge-color="#0b7a4b"></script>' in page


def test_the_embed_page_previews_inline_popup_and_badge(signed_in, make_link):
    link = make_link()
    page = _page(signed_in, link)
    url = f"{APP}/meetings/{link['slug']}"
    assert f'<div class="rendezvous-embed" data-src="{url}"></div>' in page
    assert f'data-rendezvous-popup="{url}">Book a meeting</button>' in page
    # the badge's preview is the badge itself, from this page's own loader tag
    assert f'async data-rendezvous-badge="{url}"' in page


def test_the_embed_page_says_what_a_content_security_policy_must_allow(signed_in, make_link):
    page = _page(signed_in, make_link())
    for line in [
        f"script-src {APP} 'unsafe-eval';",
        f"style-src {APP};",
        f"connect-src {APP};",
        f"img-src {APP} data:;",
    ]:
        assert line in page
    assert "new Function" in page
    assert 'data-theme="light"' in page and "data-borderless" in page


def test_the_policy_lists_a_custom_domain_and_the_app_once_each():
    assert embed_csp("https://book.acme.com", "https://app.example/") == [
        ("script-src", "https://book.acme.com https://app.example 'unsafe-eval'"),
        ("style-src", "https://book.acme.com https://app.example"),
        ("connect-src", "https://book.acme.com https://app.example"),
        ("img-src", "https://book.acme.com https://app.example data:"),
    ]
    assert embed_csp("https://app.example", "https://app.example")[1] == (
        "style-src",
        "https://app.example",
    )


def test_the_policy_asks_a_page_for_no_more_than_the_hosted_page_allows_itself():
    hosted = dict(part.strip().split(" ", 1) for part in HOSTED_CSP.split(";"))
    for name, value in embed_csp("https://app.example", "https://app.example"):
        for source in value.split():
            allowed = hosted[name].split()
            assert source in allowed or (source == "https://app.example" and "'self'" in allowed)


def test_the_meetings_list_dialog_offers_the_three_codes(signed_in, make_link):
    link = make_link()
    page = html.unescape(text(signed_in.get("/app/links")))
    url = f"{APP}/meetings/{link['slug']}"
    assert f'data-rendezvous-popup="{url}">Book a meeting</button>' in page
    assert f'data-rendezvous-badge="{url}"' in page
    for button, source in [
        ("Copy code", "#snippet-"),
        ("Copy popup code", "#popup-snippet-"),
        ("Copy badge code", "#badge-snippet-"),
    ]:
        assert f'data-copy="{source}{link["id"]}">{button}</button>' in page
