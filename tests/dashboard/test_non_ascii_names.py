"""Names in any script make readable URLs (issue 8 item 10): transliterated, never just "host"."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import text

pytestmark = pytest.mark.db

NAMES = [
    ("Алиса Мартин", "alisa-martin"),
    ("李小龙", "li-xiao-long"),
    ("Łukasz Żółć", "lukasz-zolc"),
]


@pytest.mark.parametrize(("name", "prefix"), NAMES)
def test_sign_up_gives_a_transliterated_meetings_prefix(dash, db, name, prefix):
    response = dash.sign_up(name=name, email="someone@example.com")
    assert response.status_code == 302
    assert db("SELECT meetings_prefix FROM users") == [(prefix,)]
    page = text(dash.get("/app/links"))
    for minutes in (15, 30, 60):
        assert f"/meetings/{prefix}/{minutes}min" in page
    assert dash.get(f"/meetings/{prefix}/30min").status_code == 200


@pytest.mark.parametrize(("name", "slug"), NAMES)
def test_a_link_named_in_any_script_gets_a_transliterated_slug(client, host, name, slug):
    response = client.post("/api/v1/links", json={"name": name}, headers=host.headers)
    assert response.status_code == 201, response.json
    assert response.json["slug"] == f"{host.prefix}/{slug}"
