"""One JSON line per request on stderr, and ``X-Request-Id`` (SPEC §12 "Observable")."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.db

FIELDS = {"time", "request_id", "method", "path", "status", "duration_ms", "user_id", "account_id"}


def _lines(capsys):
    err = capsys.readouterr().err
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_each_request_is_one_json_line_with_its_id_status_and_duration(client, capsys):
    capsys.readouterr()
    response = client.get("/healthz?probe=1")
    (line,) = _lines(capsys)
    assert set(line) == FIELDS
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert line["duration_ms"] >= 0
    assert (line["user_id"], line["account_id"]) == (None, None)


def test_a_clients_own_safe_request_id_is_kept(client, capsys):
    capsys.readouterr()
    response = client.get("/healthz", headers={"X-Request-Id": "lb-7f3a.92"})
    assert response.headers["X-Request-Id"] == "lb-7f3a.92"
    assert _lines(capsys)[0]["request_id"] == "lb-7f3a.92"


@pytest.mark.parametrize("given", ["x" * 65, "two words", "<script>", "é"])
def test_an_unsafe_or_long_request_id_is_replaced(client, given):
    response = client.get("/healthz", headers={"X-Request-Id": given})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])


def test_an_api_request_names_the_tokens_user_and_account(client, host, capsys):
    capsys.readouterr()
    assert client.get("/api/v1/links", headers=host.headers).status_code == 200
    (line,) = _lines(capsys)
    assert (line["user_id"], line["account_id"]) == (host.id, host.account_id)


def test_an_error_answer_is_logged_with_its_status(client, capsys):
    capsys.readouterr()
    assert client.get("/api/v1/links").status_code == 401
    assert _lines(capsys)[0]["status"] == 401


def test_a_manage_token_in_the_path_is_not_logged(client, capsys):
    capsys.readouterr()
    secret = "s3cr3t-manage-token-value"
    assert client.get(f"/api/v1/public/bookings/{secret}").status_code == 404
    err = capsys.readouterr().err
    assert secret not in err
    (line,) = [json.loads(text) for text in err.splitlines() if text.startswith("{")]
    assert line["path"] == "/api/v1/public/bookings/…"
