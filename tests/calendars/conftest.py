"""Fixtures for the calendar tests: ``radicale``, a real Radicale CalDAV server
(:mod:`tests.radicale`), one per test module. A failure to start fails the test, under
``CI=true`` and everywhere else, with the server's stderr in the message."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.dashboard.conftest import dash, signed_in  # noqa: F401 - the dashboard's fixtures
from tests.radicale import Radicale, running_radicale
from tests.standins.google import GoogleStandIn
from tests.standins.microsoft import MicrosoftStandIn

__all__ = [
    "GOOGLE_ACCOUNT",
    "MICROSOFT_ACCOUNT",
    "Radicale",
    "google",
    "google_app",
    "lan_app",
    "microsoft",
    "ms_app",
    "radicale",
]


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    with running_radicale(tmp_path_factory.mktemp("radicale")) as server:
        yield server


@pytest.fixture
def lan_app(app: Flask) -> Flask:
    """The tests' feeds and Radicale are on loopback: allowed as for a LAN server (SPEC §5)."""
    app.config["RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS"] = True
    return app


# -- Google and Microsoft: their stand-ins (tests/standins), offered by the test app ----------

#: the host's account at each provider
GOOGLE_ACCOUNT = "alice.google@example.com"
MICROSOFT_ACCOUNT = "alice.ms@example.com"


@pytest.fixture
def google() -> Iterator[GoogleStandIn]:
    callback = "http://rendezvous.test/app/calendars/oauth/google/callback"
    with GoogleStandIn(redirect_uris=(callback,)) as server:
        server.add_user(GOOGLE_ACCOUNT)
        yield server


@pytest.fixture
def google_app(app: Flask, google: GoogleStandIn) -> Flask:
    app.config.update(google.settings())
    return app


@pytest.fixture
def microsoft() -> Iterator[MicrosoftStandIn]:
    with MicrosoftStandIn() as server:
        server.register_redirect_uri(
            "http://rendezvous.test/app/calendars/oauth/microsoft/callback"
        )
        server.calendar_id = server.add_user(MICROSOFT_ACCOUNT, "Alice Martin")
        yield server


@pytest.fixture
def ms_app(app: Flask, microsoft: MicrosoftStandIn) -> Flask:
    app.config.update(microsoft.settings())
    return app
