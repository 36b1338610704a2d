"""OAuth 2 for Google Calendar and Microsoft 365 (SPEC §5, §10), with authlib's client.

- :func:`oauth_apps`: the providers an operator configured (a client id); the others are
  not offered.
- :func:`authorization` / :func:`exchange`: the authorization-code flow with state and PKCE
  (S256); the dashboard keeps the state and the verifier in the host's session.
- :class:`TokenKeeper`: one connection's grant. The access token is refreshed when it is
  about to expire, or once after a 401, and persisted at once (authlib's ``update_token``).
  Microsoft rotates refresh tokens, so two processes must never refresh one grant at once
  (the loser's refresh token would be spent): the refresh takes a lease in the connection's
  row first (a conditional UPDATE, the same on SQLite and PostgreSQL), and a process that
  finds the lease taken waits for the token the other one stores. No network call ever
  runs inside a unit of work.

``invalid_grant`` (revoked, expired or already used) is :class:`AuthFailed`: the connection
becomes ``disconnected`` (C6).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from server.calendars.models import CalendarConnection
from server.calendars.providers import AuthFailed, ProviderUnavailable
from server.db import transaction

__all__ = [
    "OAuthApp",
    "OAuthRefused",
    "TokenKeeper",
    "authorization",
    "exchange",
    "oauth_app",
    "oauth_apps",
]

#: a token this close to its expiry is refreshed before it is used
LEEWAY = timedelta(seconds=60)
#: how long one process may hold a grant's refresh for itself
LEASE = timedelta(seconds=30)
#: how long a process waits for the token another one is refreshing
WAIT_FOR_OTHER = 10.0
TIMEOUT = 10.0

_REFUSED = "The provider no longer accepts Rendezvous's access (revoked or expired). Reconnect."


@dataclass(frozen=True, slots=True)
class OAuthApp:
    """One provider as the operator configured it."""

    provider: str
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    api_base: str
    scope: str
    #: parameters the authorization URL needs besides the standard ones
    extra: Mapping[str, str] = field(default_factory=dict)


def oauth_apps(config: Mapping[str, Any]) -> dict[str, OAuthApp]:
    """The OAuth providers offered: those with a client id (SPEC §5)."""
    apps: dict[str, OAuthApp] = {}
    if config.get("RENDEZVOUS_GOOGLE_CLIENT_ID"):
        apps["google"] = OAuthApp(
            provider="google",
            client_id=config["RENDEZVOUS_GOOGLE_CLIENT_ID"],
            client_secret=config.get("RENDEZVOUS_GOOGLE_CLIENT_SECRET") or "",
            authorize_url=config["RENDEZVOUS_GOOGLE_AUTH_URL"],
            token_url=config["RENDEZVOUS_GOOGLE_TOKEN_URL"],
            api_base=config["RENDEZVOUS_GOOGLE_API_BASE"].rstrip("/"),
            scope="https://www.googleapis.com/auth/calendar",
            # a refresh token, and asked again on a reconnect so a new one is issued
            extra={"access_type": "offline", "prompt": "consent"},
        )
    if config.get("RENDEZVOUS_MICROSOFT_CLIENT_ID"):
        authority = config["RENDEZVOUS_MICROSOFT_AUTHORITY"].rstrip("/")
        apps["microsoft"] = OAuthApp(
            provider="microsoft",
            client_id=config["RENDEZVOUS_MICROSOFT_CLIENT_ID"],
            client_secret=config.get("RENDEZVOUS_MICROSOFT_CLIENT_SECRET") or "",
            authorize_url=f"{authority}/authorize",
            token_url=f"{authority}/token",
            api_base=config["RENDEZVOUS_GRAPH_BASE"].rstrip("/"),
            scope="offline_access User.Read Calendars.ReadWrite",
            extra={"response_mode": "query", "prompt": "select_account"},
        )
    return apps


def oauth_app(config: Mapping[str, Any], provider: str) -> OAuthApp | None:
    return oauth_apps(config).get(provider)


class OAuthRefused(Exception):
    """The host refused on the consent page, or the code could not be exchanged; the
    message is for the host."""


def _client(app: OAuthApp, **kwargs: Any) -> OAuth2Session:
    return OAuth2Session(
        app.client_id,
        app.client_secret,
        scope=app.scope,
        token_endpoint_auth_method="client_secret_post",
        code_challenge_method="S256",
        **kwargs,
    )


def authorization(app: OAuthApp, redirect_uri: str) -> tuple[str, str, str]:
    """Where to send the host: (URL, state, code verifier). The caller keeps the state and
    the verifier until the callback."""
    verifier = generate_token(64)
    with _client(app, redirect_uri=redirect_uri) as client:
        url, state = client.create_authorization_url(
            app.authorize_url, code_verifier=verifier, **app.extra
        )
    return url, state, verifier


def exchange(app: OAuthApp, redirect_uri: str, callback_url: str, verifier: str) -> dict[str, Any]:
    """The grant (a token dict with ``expires_at``) for the callback the provider sent.

    :raise OAuthRefused: the host said no, or the provider refused the code.
    """
    with _client(app, redirect_uri=redirect_uri) as client:
        try:
            token = client.fetch_token(
                app.token_url,
                authorization_response=callback_url,
                code_verifier=verifier,
                timeout=TIMEOUT,
            )
        except OAuthError as exc:
            raise OAuthRefused(exc.description or exc.error or "The provider said no.") from exc
        except requests.RequestException as exc:
            raise OAuthRefused(f"The provider could not be reached ({exc}).") from exc
    if not token.get("refresh_token"):
        raise OAuthRefused("The provider granted no lasting access (no refresh token).")
    return dict(token)


def _expired(token: Mapping[str, Any], now: float) -> bool:
    expires_at = token.get("expires_at")
    return expires_at is not None and float(expires_at) - LEEWAY.total_seconds() <= now


class TokenKeeper:
    """One connection's grant, for the provider calls of one process (see the module).

    ``session`` is used between the calls only (never while the network is asked);
    ``clock`` gives "now" for the lease (the app's clock), ``time.time`` the token's expiry
    (real time: that is what ``expires_at`` is).
    """

    def __init__(
        self,
        session: Session,
        connection: CalendarConnection,
        app: OAuthApp,
        clock: Callable[[], datetime],
    ) -> None:
        self.session = session
        self.connection_id = connection.id
        self.app = app
        self.clock = clock
        self.token: dict[str, Any] = json.loads(connection.secret or "{}")

    @property
    def access_token(self) -> str:
        """A usable access token, refreshed first when it is about to expire."""
        if _expired(self.token, time.time()):
            self._refresh(self.token.get("access_token"))
        return str(self.token.get("access_token", ""))

    def rejected(self, access_token: str) -> str:
        """The provider answered 401 to ``access_token``: refresh once (unless another
        process did already) and return the token to try again with.

        :raise AuthFailed: the grant is refused.
        :raise ProviderUnavailable: the provider can't be reached now.
        """
        self._refresh(access_token)
        return str(self.token["access_token"])

    # -- the refresh ---------------------------------------------------------------------------

    def _stored(self) -> dict[str, Any]:
        with transaction(self.session):  # its own unit: what another process committed
            secret = self.session.scalar(
                select(CalendarConnection.secret).where(CalendarConnection.id == self.connection_id)
            )
        return json.loads(secret or "{}")

    def _take_lease(self) -> bool:
        now = self.clock()
        with transaction(self.session):
            taken = self.session.execute(
                update(CalendarConnection)
                .where(
                    CalendarConnection.id == self.connection_id,
                    or_(
                        CalendarConnection.token_lease_until.is_(None),
                        CalendarConnection.token_lease_until < now,
                    ),
                )
                .values(token_lease_until=now + LEASE)
                .execution_options(synchronize_session=False)
            ).rowcount
        return bool(taken)

    def _release(self, token: dict[str, Any] | None = None) -> None:
        with transaction(self.session):
            connection = self.session.get(CalendarConnection, self.connection_id)
            if connection is None:
                return
            if token is not None:
                connection.secret = json.dumps(token)
            connection.token_lease_until = None

    def _refresh(self, stale: str | None) -> None:
        """Replace the token whose access token is ``stale``."""
        deadline = time.monotonic() + WAIT_FOR_OTHER
        while not self._take_lease():
            stored = self._stored()
            if stored.get("access_token") != stale:  # the other process is done
                self.token = stored
                return
            if time.monotonic() > deadline:
                raise ProviderUnavailable("The calendar's access is being renewed; try again.")
            time.sleep(0.1)
        stored = self._stored()
        if stored.get("access_token") not in (stale, None) and not _expired(stored, time.time()):
            self.token = stored  # renewed by another process just before the lease was ours
            self._release()
            return
        refreshed: dict[str, Any] = {}

        def update_token(token: dict[str, Any], refresh_token: str | None = None, **_: Any) -> None:
            refreshed.update(token)  # persisted below, with the lease released, at once

        try:
            with _client(self.app, token=stored, update_token=update_token) as client:
                client.refresh_token(self.app.token_url, timeout=TIMEOUT)
        except OAuthError as exc:
            self._release()
            if exc.error in ("invalid_grant", "invalid_client", "unauthorized_client"):
                raise AuthFailed(_REFUSED) from exc
            raise ProviderUnavailable(exc.description or exc.error or "Refresh failed.") from exc
        except requests.RequestException as exc:
            self._release()
            raise ProviderUnavailable(f"The provider could not be reached ({exc}).") from exc
        except BaseException:
            self._release()
            raise
        self.token = {**stored, **refreshed}
        self._release(self.token)
