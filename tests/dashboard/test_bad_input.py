"""A4 for the dashboard: whatever a form sends, the answer is a page, never a 500."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.db

JUNK = {
    "name": "x" * 5000,
    "title": "\x00",
    "slug": "../../etc",
    "durations": ["-5", "99999999999", "abc"],
    "type": "bogus",
    "host_ids": ["999999", "abc"],
    "timezone": "Not/AZone",
    "hours-mon-0-start": "25:61",
    "hours-mon-0-end": "nope",
    "hours-mon-999-start": "09:00",
    "override-0-date": "2030-13-45",
    "override-0-start": "10:00",
    "override-0-end": "",
    "notice_amount": "1e9",
    "notice_unit": "weeks",
    "window_kind": "range",
    "start_date": "0001-01-01",
    "end_date": "9999-12-31",
    "rolling_weeks": "0",
    "reminder-0-amount": "-1",
    "reminder-0-unit": "years",
    "language": "xx",
    "locale": "zz-ZZ-foo",
    "video_link": "javascript:alert(1)",
    "q-0-key": "Robert'); DROP TABLE",
    "q-0-label": "",
    "q-0-type": "file",
    "mode": "whatever",
    "legal_basis": "none",
    "accent_color": "red",
    "origins": "ftp://x",
    "meetings_prefix": "A" * 100,
    "hostname": "ä" * 300,
    "role": "owner",
    "email": "@",
    "password": "",
    "start": "yesterday",
    "link": "-1",
    "day": "9999-12-31",
    "duration": "0",
}


def test_junk_posts_get_pages_with_messages(signed_in, host, make_link, subtests):
    link = make_link()
    targets = [
        "/app/links/new",
        *(
            f"/app/links/{link['id']}/edit/{step}"
            for step in ("details", "configuration", "availability", "questions", "gdpr")
        ),
        "/app/preferences",
        "/app/tokens",
        "/app/account",
        "/app/account/branding",
        "/app/account/embedding",
        "/app/account/privacy",
        "/app/account/team",
        f"/app/account/team/{host.id}/role",
        "/app/account/domains",
    ]
    for target in targets:
        for action in ("save", "copy-hours:mon", "up:99", "remove:0", "add-question"):
            with subtests.test(f"{target} {action}"):
                response = signed_in.post(target, {**JUNK, "action": action})
                assert response.status_code < 500, target
    for query in ("day=9999-12-31", "day=0001-01-01&duration=-1", "day=x"):
        with subtests.test(query):
            page = signed_in.get(f"/app/links/{link['id']}/troubleshoot?{query}")
            assert page.status_code == 422
    assert signed_in.get("/app/bookings?show=junk").status_code == 200
    assert signed_in.get("/app/bookings?show=%00").status_code == 400  # NUL: never stored
    assert signed_in.get("/app/contacts?q=" + "%25" * 300).status_code == 200
