"""Settings from the environment (SPEC §10 "Configuration"); ``test_config`` overrides by name."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["load_settings"]

_DEFAULTS: dict[str, Any] = {
    "RENDEZVOUS_DATABASE_URL": None,  # SQLite under instance/ when unset
    "RENDEZVOUS_SECRET_KEY": None,
    "RENDEZVOUS_BASE_URL": "http://127.0.0.1:5000",
    "RENDEZVOUS_SMTP_URL": None,
    "RENDEZVOUS_MAIL_DIR": None,
    "RENDEZVOUS_MAIL_FROM": None,  # the From address; no-reply@<host of BASE_URL> when unset
    "RENDEZVOUS_RATELIMIT_ENABLED": True,
    "RENDEZVOUS_RATELIMIT_STORAGE_URL": "memory://",
    "RENDEZVOUS_PUBLIC_RATE_LIMIT": "120 per minute",
    "RENDEZVOUS_BOOKING_RATE_LIMIT": "20 per minute",
}

_BOOLEAN = {"RENDEZVOUS_RATELIMIT_ENABLED"}


def _parse(name: str, raw: str) -> Any:
    if name in _BOOLEAN:
        return raw.strip().lower() not in {"0", "false", "no", "off", ""}
    return raw


def load_settings(instance_path: str, test_config: Mapping[str, Any] | None) -> dict[str, Any]:
    """Resolve every setting once, so the rest of the app reads ``app.config`` only."""
    settings = dict(_DEFAULTS)
    for name in _DEFAULTS:
        if name in os.environ:
            settings[name] = _parse(name, os.environ[name])
    if test_config:
        settings.update(test_config)

    instance = Path(instance_path)
    if not settings["RENDEZVOUS_DATABASE_URL"]:
        settings["RENDEZVOUS_DATABASE_URL"] = f"sqlite:///{instance / 'rendezvous.sqlite3'}"
    if not settings["RENDEZVOUS_MAIL_DIR"]:
        settings["RENDEZVOUS_MAIL_DIR"] = str(instance / "mail")
    if not settings["RENDEZVOUS_SECRET_KEY"]:
        settings["RENDEZVOUS_SECRET_KEY"] = _instance_secret(instance)
    settings["RENDEZVOUS_BASE_URL"] = settings["RENDEZVOUS_BASE_URL"].rstrip("/")
    return settings


def _instance_secret(instance: Path) -> str:
    """A secret kept in the instance folder: it survives restarts and every worker agrees."""
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        instance.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        try:
            with open(path, "x") as handle:
                handle.write(key)
        except FileExistsError:  # another worker won the race: use its key
            return path.read_text().strip()
        return key
