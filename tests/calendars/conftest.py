"""Fixtures for the calendar tests: ``radicale``, a real Radicale CalDAV server
(:mod:`tests.radicale`), one per test module. A failure to start fails the test, under
``CI=true`` and everywhere else, with the server's stderr in the message."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.dashboard.conftest import dash, signed_in  # noqa: F401 - the dashboard's fixtures
from tests.radicale import Radicale, running_radicale

__all__ = ["Radicale", "lan_app", "radicale"]


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    with running_radicale(tmp_path_factory.mktemp("radicale")) as server:
        yield server


@pytest.fixture
def lan_app(app: Flask) -> Flask:
    """The tests' feeds and Radicale are on loopback: allowed as for a LAN server (SPEC §5)."""
    app.config["RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS"] = True
    return app
