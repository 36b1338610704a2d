"""JSON over HTTP to Google Calendar and Microsoft Graph, with an OAuth bearer token.

What the two APIs' answers mean for us, in one place: a 401 refreshes the token once and
tries again, a second 401 is :class:`AuthFailed` (C6); 410 is :class:`SyncExpired` (a full
sync follows); 408, 429, 5xx, timeouts and refused connections are
:class:`ProviderUnavailable` (with the ``Retry-After`` asked); 404 is "gone"; anything else
is a :class:`ProviderError` carrying the provider's own message. Every call has a timeout
and a cap on the answer's size.

The base URLs are operator settings (SPEC §5), so they are exempt from the private-address
rule that guards the URLs hosts type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import requests

from server.calendars.providers import (
    AuthFailed,
    ProviderError,
    ProviderUnavailable,
    SyncExpired,
)

__all__ = ["Conflict", "FixedToken", "Gone", "RestClient", "TokenSource"]

MAX_BYTES = 20 * 1024 * 1024
_UNREACHABLE = "The calendar provider could not be reached ({})."
_UNREADABLE = "The calendar provider's answer could not be read."
_CHUNK = 64 * 1024


class TokenSource(Protocol):
    @property
    def access_token(self) -> str: ...

    def rejected(self, access_token: str) -> str:
        """A new token after ``access_token`` got a 401. :raise AuthFailed: no new one."""
        ...


class FixedToken:
    """A token read beforehand (the commit-time check's threads never refresh: a 401 there
    is an outage of that calendar, forgiven while its cache is fresh)."""

    def __init__(self, access_token: str) -> None:
        self._token = access_token

    @property
    def access_token(self) -> str:
        return self._token

    def rejected(self, access_token: str) -> str:
        raise ProviderUnavailable("The calendar's access token was refused; it is renewed later.")


class Gone(ProviderError):
    """404: the calendar or the event no longer exists."""


class Conflict(ProviderError):
    """409: the object exists already (Google's answer to a second insert of one iCalUID)."""


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error.get("code") or "")
    return str(error or "")


class RestClient:
    """Calls to one API for one grant; ``base`` is the API root (no trailing slash)."""

    def __init__(self, base: str, token: TokenSource, *, timeout: float = 10.0) -> None:
        self.base = base.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._http = requests.Session()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RestClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """The parsed JSON answer (None for 204). ``path`` is relative to ``base``, or an
        absolute URL the API gave (a Graph ``nextLink``)."""
        url = path if path.startswith(("http://", "https://")) else f"{self.base}{path}"
        access = self.token.access_token
        response = self._send(method, url, params, json, headers, access)
        if response.status_code == 401:
            access = self.token.rejected(access)
            response = self._send(method, url, params, json, headers, access)
            if response.status_code == 401:
                raise AuthFailed(
                    "The provider refused Rendezvous's access to this calendar. Reconnect it."
                )
        return self._answer(response)

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        body: Any,
        headers: Mapping[str, str] | None,
        access: str,
    ) -> requests.Response:
        all_headers = {"Authorization": f"Bearer {access}", "Accept": "application/json"}
        all_headers.update(headers or {})
        try:
            response = self._http.request(
                method,
                url,
                params=params,
                json=body,
                headers=all_headers,
                timeout=self.timeout,
                stream=True,
                allow_redirects=False,
            )
            size = 0
            chunks = []
            for chunk in response.iter_content(_CHUNK):
                size += len(chunk)
                if size > MAX_BYTES:
                    response.close()
                    raise ProviderError("The calendar provider's answer is too large.")
                chunks.append(chunk)
            response._content = b"".join(chunks)
            return response
        except requests.Timeout as exc:
            raise ProviderUnavailable(
                f"The calendar provider did not answer within {self.timeout:g} seconds."
            ) from exc
        except requests.RequestException as exc:
            raise ProviderUnavailable(
                f"The calendar provider could not be reached ({exc})."
            ) from exc

    @staticmethod
    def _answer(response: requests.Response) -> Any:
        status = response.status_code
        if 200 <= status < 300:
            if status == 204 or not response.content:
                return None
            try:
                return response.json()
            except ValueError as exc:
                raise ProviderUnavailable(
                    "The calendar provider's answer could not be read."
                ) from exc
        message = _message(response)
        if status == 410:
            raise SyncExpired(message or "The provider asks for a full sync.")
        if status in (408, 429) or status >= 500:
            retry = response.headers.get("Retry-After", "")
            raise ProviderUnavailable(
                f"The calendar provider is unavailable (HTTP {status}).",
                retry_after=int(retry) if retry.isdigit() else None,
            )
        if status == 404:
            raise Gone(message or "This calendar or event no longer exists at the provider.")
        if status == 409:
            raise Conflict(message or "It exists already at the provider.")
        raise ProviderError(
            f"The calendar provider refused the request (HTTP {status}): {message}".rstrip(": ")
        )
