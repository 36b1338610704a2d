"""GET /api/v1/public/links/<slug>/first-view: the widget's first view in one answer, which the
loader paints before the widget runs (issue 13); and the public API's answers compressed."""

from __future__ import annotations

import gzip
import re
from datetime import timedelta

import brotli
import pytest

from tests.conftest import today

pytestmark = pytest.mark.db


def _window() -> dict[str, str]:
    return {
        "start": today().isoformat(),
        "end": (today() + timedelta(days=69)).isoformat(),
        "timezone": "Europe/Paris",
    }


def test_the_first_view_carries_the_link_and_its_slots_as_their_own_endpoints_say(
    client, make_link
):
    link = make_link(title="Intro call", durations=[30, 60])
    window = _window()
    answer = client.get(f"/api/v1/public/links/{link['slug']}/first-view", query_string=window)
    assert answer.status_code == 200
    config = client.get(f"/api/v1/public/links/{link['slug']}")
    slots = client.get(f"/api/v1/public/links/{link['slug']}/slots", query_string=window)
    assert answer.json["link"] == config.json
    assert answer.json["slots"] == slots.json


def test_the_painted_month_marks_open_exactly_the_days_with_times(client, make_link):
    link = make_link(availability={"tue": [["09:00", "10:00"]], "thu": [["14:00", "15:00"]]})
    body = client.get(
        f"/api/v1/public/links/{link['slug']}/first-view", query_string=_window()
    ).json
    html = body["html"]
    painted_open = set(re.findall(r'data-date="([\d-]+)"[^>]*class="rdv-day rdv-open', html))
    shown_month = re.search(r'class="rdv-month"[^>]*>([^<]+)<', html).group(1)
    days_with_times = {s[:10] for s in body["slots"]["slots"]}
    month_days = set(re.findall(r'data-date="([\d-]+)"', html))
    assert painted_open == days_with_times & month_days
    assert painted_open  # the month opened is one with free days
    assert shown_month.split()[-1].isdigit()
    assert '<h2 id="__RDV__-title" class="rdv-title">' in html


def test_the_first_view_shows_the_host_and_escapes_what_the_host_typed(client, make_link):
    link = make_link(title='<img src=x onerror="alert(1)">')
    html = client.get(
        f"/api/v1/public/links/{link['slug']}/first-view", query_string=_window()
    ).json["html"]
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert '<p class="rdv-host">Alice Martin</p>' in html


def test_the_first_view_gives_the_accent_in_light_and_dark(client, make_link):
    link = make_link()
    theme = dict(
        client.get(f"/api/v1/public/links/{link['slug']}/first-view", query_string=_window()).json[
            "theme"
        ]
    )
    assert {"--rdv-accent", "--rdv-ink", "--rdv-accent-dark", "--rdv-ink-dark"} <= set(theme)


def test_the_first_view_of_an_unknown_link_is_404(client):
    response = client.get("/api/v1/public/links/nobody/nothing/first-view", query_string=_window())
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_the_first_view_in_an_unknown_zone_is_a_422_naming_the_field(client, make_link):
    link = make_link()
    response = client.get(
        f"/api/v1/public/links/{link['slug']}/first-view",
        query_string={**_window(), "timezone": "Mars/Olympus"},
    )
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["timezone"]


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_a_large_public_answer_is_compressed_as_the_browser_accepts(client, make_link, encoding):
    link = make_link()
    url = f"/api/v1/public/links/{link['slug']}/slots"
    plain = client.get(url, query_string=_window())
    packed = client.get(url, query_string=_window(), headers={"Accept-Encoding": encoding})
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["Vary"]
    unpack = brotli.decompress if encoding == "br" else gzip.decompress
    assert unpack(packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) < len(plain.get_data()) / 4


def test_a_small_public_answer_is_sent_as_it_is(client):
    response = client.get(
        "/api/v1/public/links/nobody/nothing", headers={"Accept-Encoding": "br, gzip"}
    )
    assert response.status_code == 404
    assert "Content-Encoding" not in response.headers
    assert response.json["error"]["code"] == "not_found"
