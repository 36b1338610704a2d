"""``GET /healthz`` (SPEC §12 "Observable"): 200 when the database (and Redis, when the rate
limits use it) answers, else 503 in the error shape."""

from __future__ import annotations

import pytest

from server import create_app

pytestmark = pytest.mark.db


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def _app(tmp_path, **settings):
    return create_app(
        {
            "TESTING": True,
            "RENDEZVOUS_INSTANCE_PATH": str(tmp_path / "instance"),
            "RENDEZVOUS_SECRET_KEY": "k" * 40,
            "RENDEZVOUS_RATELIMIT_ENABLED": False,
            **settings,
        }
    )


def test_healthz_is_503_naming_the_database_when_it_does_not_answer(tmp_path):
    down = "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2"
    response = _app(tmp_path, RENDEZVOUS_DATABASE_URL=down).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["error"]["code"] == "unavailable"
    assert response.json["error"]["message"] == "Not reachable: database."
    assert "127.0.0.1" not in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "5"


def test_healthz_asks_redis_when_the_rate_limits_keep_their_counters_there(
    tmp_path, db_url, redis_url
):
    app = _app(tmp_path, RENDEZVOUS_DATABASE_URL=db_url, RENDEZVOUS_RATELIMIT_STORAGE_URL=redis_url)
    assert app.test_client().get("/healthz").json == {"status": "ok"}


def test_healthz_is_503_naming_redis_when_it_does_not_answer(tmp_path, db_url):
    app = _app(
        tmp_path,
        RENDEZVOUS_DATABASE_URL=db_url,
        RENDEZVOUS_RATELIMIT_STORAGE_URL="redis://127.0.0.1:1/0",
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["error"]["message"] == "Not reachable: redis."
